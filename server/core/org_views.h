// OrgViews: the one cache of decoded organizations. An organization's
// detections and inventory are decoded into an OrgView once per
// (organization, incarnation, generation) and shared; beside each view, its
// coverage compiled against each release asked (CompiledCoverage) is kept per
// release build (ReleaseContext incarnation). Every write to an organization
// bumps its generation (storage/org_store.h), and a deleted and re-created
// organization has a new incarnation, so a lookup revalidates with one small
// read of the organization record and never answers from another version.
//
//   OrgViews views(&orgs, /*max_entries=*/256);
//   TTP_ASSIGN_OR_RETURN(OrgSnapshot snap, views.Get(OrgId("acme")));
//   auto compiled = views.Compiled(snap, *release_context, limits);
//
// A single-detection write does not throw the view away: OrgStore reports it
// (OrgStore::OnDetectionChange, wired by Application to Changed()), the change
// waits beside the view it follows, and the next Get copies that view with the
// changes applied instead of reading and decoding every detection again.
// Any other write (a batch import, inventory, a migration) leaves a gap in the
// generations, and the next Get reads the organization.
//
// Least recently used organizations are dropped past `max_entries`.
// Thread safety: safe for concurrent use.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/coverage.h"
#include "graph/release_registry.h"
#include "storage/org_store.h"

namespace ttpgraph::core {

// An organization's record and the view decoded at that record's generation.
struct OrgSnapshot {
  Organization org;
  std::shared_ptr<const OrgView> view;
};

class OrgViews {
 public:
  // `orgs` must outlive the cache.
  OrgViews(const OrgStore* orgs, size_t max_entries) : orgs_(orgs), max_entries_(std::max<size_t>(1, max_entries)) {}

  // NOT_FOUND for an unknown organization, and OrgStore's errors.
  absl::StatusOr<OrgSnapshot> Get(const OrgId& org);
  // A committed single-detection write (OrgStore::OnDetectionChange): kept
  // when it directly follows the view held (or its kept changes).
  void Changed(DetectionChange change);
  // The snapshot's coverage compiled against `release`, built once per
  // (snapshot, release build). DEADLINE_EXCEEDED / CANCELLED as limits say.
  absl::StatusOr<std::shared_ptr<const CompiledCoverage>> Compiled(const OrgSnapshot& snapshot,
                                                                   const ReleaseContext& release,
                                                                   const QueryLimits& limits);

  struct Stats {
    size_t entries = 0;
    uint64_t hits = 0, misses = 0;
    uint64_t patched = 0;  // misses answered by applying kept changes, not by a read
  };
  Stats stats() const;

 private:
  struct Entry {
    uint64_t incarnation = 0;
    int64_t generation = 0;
    uint64_t last_use = 0;
    std::shared_ptr<const OrgView> view;
    // Compiled per release build: (release name, release incarnation, compiled).
    std::vector<std::pair<std::pair<std::string, uint64_t>, std::shared_ptr<const CompiledCoverage>>> compiled;
    // Writes committed after `generation`: generation + 1, + 2, ... in order.
    std::vector<DetectionChange> pending;
  };
  // Past this many kept changes an organization is read again instead.
  static constexpr size_t kMaxPending = 256;
  const OrgStore* orgs_;
  const size_t max_entries_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // by organization id
  uint64_t clock_ = 0, hits_ = 0, misses_ = 0, patched_ = 0;
};

}  // namespace ttpgraph::core
