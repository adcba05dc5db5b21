// Application: the middle floor of ttpgraphd. Services (server/*_service) turn
// protos into calls on this floor; this floor coordinates storage/ and graph/
// and owns every cache that outlives a call, one per concept:
//
//   releases()   graphs and their indexes, per release   (graph/release_registry.h)
//   defense()    D3FEND and Atomic indexes, per version    (graph/defense_catalog.h)
//   org_views()  decoded organizations, per (org, incarnation, generation)
//   diffs()      the last few release diffs, per (from, to, usage paths)
//   orgs()       the single OrgStore: every organization write goes through it
//   tokens(), auth()  API tokens (hashes) and the in-memory table that checks them
//   imports()    the gate that lets max_concurrent_imports imports run at once
//   sync()       the release sync from a collection index (--sync-index); null when off
//   observer()   where calls and imports are reported (the server's metrics)
//
// The use cases live beside it, one header each: knowledge.h, releases.h,
// organizations.h, detection_import.h, coverage.h, analysis.h, defense.h, report.h.
// Nothing on this floor includes gRPC or generated protos.
//
//   Application app(store, limits);
//   auto ctx = app.releases().Get("enterprise-attack@latest");
//
// Thread safety: safe for concurrent use; `store` must outlive it.
#pragma once

#include <memory>
#include <optional>

#include "graph/defense_catalog.h"
#include "graph/release_registry.h"
#include "server/core/diff_cache.h"
#include "server/core/identity.h"
#include "server/core/import_gate.h"
#include "server/core/limits.h"
#include "server/core/next_release_cache.h"
#include "server/core/org_views.h"
#include "server/core/sync.h"
#include "server/core/telemetry.h"
#include "storage/import/sigma_logsource_map.h"
#include "storage/extension_store.h"
#include "storage/org_store.h"
#include "storage/store.h"
#include "storage/token_store.h"

namespace ttpgraph::core {

class Application {
 public:
  Application(Store* store, const ServerLimits& limits);

  Store& store() { return *store_; }
  ReleaseRegistry& releases() { return releases_; }
  DefenseCatalog& defense() { return defense_; }
  OrgStore& orgs() { return orgs_; }
  // Every organization's custom extensions (issue 12): core/extensions.h.
  ExtensionStore& extensions() { return extensions_; }
  OrgViews& org_views() { return org_views_; }
  DiffCache& diffs() { return diffs_; }
  NextReleaseCache& next_releases() { return next_releases_; }
  TokenStore& tokens() { return tokens_; }
  Authenticator& auth() { return auth_; }
  ImportGate& imports() { return imports_; }
  const ServerLimits& limits() const { return limits_; }
  // The Sigma logsource -> data component table; null when none could be
  // loaded (Sigma imports then get no data components).
  const SigmaLogsourceMap* logsource_map() const { return logsource_map_ ? &*logsource_map_ : nullptr; }
  // What went wrong loading the configured table ("" when nothing did).
  const std::string& logsource_map_warning() const { return logsource_map_warning_; }
  Observer& observer() { return *observer_; }
  // Set before serving, never while calls run; null restores the no-op one.
  void set_observer(Observer* observer) { observer_ = observer ? observer : &no_observer_; }
  ReleaseSync* sync() { return sync_.get(); }
  // Owns the sync (which runs against this application); before serving.
  void set_sync(std::unique_ptr<ReleaseSync> sync) { sync_ = std::move(sync); }

 private:
  Store* store_;
  ServerLimits limits_;
  ReleaseRegistry releases_;
  DefenseCatalog defense_;
  OrgStore orgs_;
  ExtensionStore extensions_;
  OrgViews org_views_;
  DiffCache diffs_;
  NextReleaseCache next_releases_;
  TokenStore tokens_;
  Authenticator auth_;
  ImportGate imports_;
  std::optional<SigmaLogsourceMap> logsource_map_;
  std::string logsource_map_warning_;
  Observer no_observer_;
  Observer* observer_ = &no_observer_;
  std::unique_ptr<ReleaseSync> sync_;  // last: stopped before the rest goes
};

}  // namespace ttpgraph::core
