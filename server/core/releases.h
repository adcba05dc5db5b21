// Release use cases (the ReleaseService): import a bundle (streamed bytes, a
// server path, a URL or a collection index), list, show and delete releases.
// An import is all or nothing (storage/store.h); a replaced or deleted release
// leaves the registry at once.
//
//   ReleaseImportOptions o;  o.domain = "enterprise-attack";  o.version = "18.1";
//   TTP_ASSIGN_OR_RETURN(ReleaseImport r, core::ImportRelease(app, std::move(bytes), o, limits));
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/application.h"
#include "storage/import/bundle_parser.h"
#include "storage/import/collection_index.h"

namespace ttpgraph::core {

struct ReleaseImportOptions {
  std::string domain, version;  // required when the bundle has no x-mitre-collection
  bool replace = false;
  std::string sha256;           // of the bytes as sent; checked when set
  // A framework's source and kill-chain names, and lenient re-identification
  // of colliding ids (BundleParseOptions).
  std::string source_name, kill_chain;
  bool lenient = false;
};

struct ReleaseImport {
  ReleaseInfo info;
  Store::PutOutcome outcome = Store::PutOutcome::kCreated;
  std::vector<std::string> dangling_relationship_ids;  // the first 100
  std::vector<ReidentifiedObject> reidentified;        // every one
  DomainSources sources;
};

// `audit` (may be null) goes into the store's write of the release.
absl::StatusOr<ReleaseImport> ImportRelease(Application& app, std::string bytes, const ReleaseImportOptions& options,
                                            const QueryLimits& limits, AuditEntry* audit = nullptr);

// Where the server reads a release itself: exactly one of the three.
struct ReleaseSource {
  std::string path;              // a file on the server
  std::string url;               // https (or file) URL
  std::string collection_index;  // a collection index (path or URL) in the attack-stix-data layout
  // Collection index only: the collection (name or domain; "" = all) and versions ("" = all).
  std::string collection;
  std::vector<std::string> versions;
};
// One result per imported bundle. Errors name the source.
absl::StatusOr<std::vector<ReleaseImport>> ImportReleaseFrom(Application& app, const ReleaseSource& source,
                                                             const ReleaseImportOptions& options,
                                                             const QueryLimits& limits, AuditEntry* audit = nullptr);

// A release a collection index lists (an entry of an ATT&CK domain), with
// where its bundle is: the entry's url resolved against the index's location
// under the fetch rules (an error for an entry the server may not read).
struct IndexedRelease {
  ReleaseId id;
  absl::StatusOr<std::string> location;
  CollectionVersion entry;
};
// Reads and parses the collection index at `index` (a path under the import
// root or an allow-listed https URL, server/core/fetch.h). Errors name the index.
absl::StatusOr<std::vector<IndexedRelease>> ReadReleaseIndex(Application& app, const std::string& index,
                                                             const QueryLimits& limits);
// Imports one listed release through the import gate, checking the index's
// sha256 when it gives one: all or nothing, like every import.
absl::StatusOr<ReleaseImport> ImportIndexedRelease(Application& app, const IndexedRelease& listed,
                                                   const QueryLimits& limits, AuditEntry* audit = nullptr);

// INVALID_ARGUMENT for an unknown domain; "" = every domain.
absl::StatusOr<std::vector<ReleaseInfo>> ListReleases(Application& app, std::string_view domain);
absl::StatusOr<ReleaseInfo> GetRelease(Application& app, std::string_view release);
// INVALID_ARGUMENT for DOMAIN@latest (name the version); FAILED_PRECONDITION
// naming the organizations that map to the release unless `force`.
absl::StatusOr<Store::DeleteResult> DeleteRelease(Application& app, std::string_view release, bool force = false,
                                                  AuditEntry* audit = nullptr);

}  // namespace ttpgraph::core
