// OrgStore: organizations (tenants), their detections and telemetry inventory,
// kept in the Store's generic key-value space under the prefix "org/" (key
// layout in storage/README.md, section "Organizations").
//
// Every method takes the OrgId first and touches only keys under that
// organization's prefix, so no call can read or change another
// organization's data. Every write is one atomic Store::KvWrite batch that also
// bumps the organization's `generation`, so readers can cache a view of an
// organization and revalidate it with one GetOrg.
//
//   OrgStore orgs(store);
//   auto org = orgs.CreateOrg(OrgId("acme"), {.display_name = "ACME"});
//   Detection d;  d.id = "rule-1";  d.name = "PowerShell";  d.techniques = {"T1059.001"};
//   auto put = orgs.PutDetection(OrgId("acme"), d, OrgStore::PutMode::kCreate);
//
// Every write takes an optional audit entry written in the same batch (storage/audit.h).
// Thread safety: safe for concurrent use. Writes are serialized by an internal
// mutex (read-modify-write of the organization record); reads never block.
// Errors: INVALID_ARGUMENT for a malformed organization or detection id,
// NOT_FOUND for an unknown organization or detection, ALREADY_EXISTS for a
// duplicate organization or a kCreate of an existing detection,
// RESOURCE_EXHAUSTED past the detections-per-organization limit, DATA_LOSS for
// a corrupt record.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/store.h"

namespace ttpgraph {

// An organization id: [a-z0-9][a-z0-9._-]{0,62}. Construct freely; OrgStore
// validates it on every call.
struct OrgId {
  std::string value;
  OrgId() = default;
  explicit OrgId(std::string v) : value(std::move(v)) {}
  const std::string& str() const { return value; }
};

// INVALID_ARGUMENT unless `id` is a well-formed organization id.
absl::Status ValidateOrgId(std::string_view id);
// The rule of organization ids, shared by other names (extensions): 1-63 of
// a-z 0-9 . _ -, starting with a letter or digit. `what` names it in the
// message ("organization id"), `required` is the message for an empty one.
absl::Status ValidateSlug(std::string_view what, std::string_view name, std::string_view required);
// INVALID_ARGUMENT unless `id` is a usable detection id (1-256 bytes, printable, no control characters).
absl::Status ValidateDetectionId(std::string_view id);

struct Organization {
  std::string id;
  std::string display_name;
  std::string release;  // default mapping release, e.g. "enterprise-attack@latest"
  int64_t detection_count = 0;
  int64_t inventory_count = 0;
  int64_t created_at_unix_ms = 0;
  int64_t updated_at_unix_ms = 0;
  int64_t generation = 0;
  // Random per creation: a deleted and re-created organization gets a new one,
  // so caches keyed by (id, incarnation, generation) never mix the two.
  uint64_t incarnation = 0;
};

enum class DetectionState : uint8_t { kEnabled = 1, kDisabled = 2, kTesting = 3 };

struct Detection {
  std::string id;
  std::string name;
  std::string source_format = "other";  // sigma, splunk, kql, eql, yara-l, other
  std::string query;
  std::vector<std::string> techniques;
  std::vector<std::string> data_components;
  DetectionState state = DetectionState::kEnabled;
  std::string release;
  std::vector<std::string> tags;
  std::string description;
  // Sigma only.
  std::string sigma_status, sigma_category, sigma_product, sigma_service, sigma_path, sigma_level, sigma_author;
  std::vector<std::string> unresolved_techniques;
  std::vector<std::string> stale_techniques;
  std::vector<std::string> notes;
  int64_t created_at_unix_ms = 0;
  int64_t updated_at_unix_ms = 0;

  // Same content, timestamps aside.
  bool SameContent(const Detection& o) const;
};

// What coverage reads of a detection. ListDetectionBriefs decodes only these
// fields: the query, description, tags, notes and the other Sigma fields are
// stepped over, not copied (an organization's first coverage call after a
// change decodes every detection).
struct DetectionBrief {
  std::string id;
  std::string name;
  std::string source_format;
  std::string sigma_status;
  std::vector<std::string> techniques;
  std::vector<std::string> data_components;
  DetectionState state = DetectionState::kEnabled;
  // IDs its mapping release did not know: coverage resolves them again on
  // every release it evaluates.
  std::vector<std::string> unresolved_techniques;
};

// One committed single-detection write (OrgStore::PutDetection or
// DeleteDetection): the organization's generation after it, and the
// detection's brief as stored, or none when it was deleted. A cache of decoded
// organizations (core::OrgViews) brings its view forward with these instead
// of reading every detection again.
struct DetectionChange {
  std::string org;
  uint64_t incarnation = 0;
  int64_t generation = 0;
  std::string id;
  std::optional<DetectionBrief> now;  // nullopt: deleted
};

struct InventoryEntry {
  std::string data_component;  // ATT&CK ID, STIX id or name; empty for a log source
  std::string log_source_name;
  std::string log_source_channel;
  std::string source = "manual";  // manual or inferred
  // The data component's identity across releases, when known: its STIX id
  // (the same in every release) and name. A release resolves the entry by STIX
  // id, then by `data_component`, then by name, so an entry added on 18.1
  // (where it is DC0032) resolves on 17.1 (where data components had no IDs).
  std::string data_component_stix_id;
  std::string data_component_name;
  bool SameTarget(const InventoryEntry& o) const {
    if (!data_component_stix_id.empty() && !o.data_component_stix_id.empty())
      return data_component_stix_id == o.data_component_stix_id;
    return data_component == o.data_component && log_source_name == o.log_source_name &&
           log_source_channel == o.log_source_channel;
  }
};

struct OrgStoreLimits {
  // Most detections one organization may hold. Default: 100000.
  int64_t max_detections_per_org = 100000;
  // Most inventory entries per organization. Default: 10000.
  int64_t max_inventory_entries = 10000;
  // Most organizations. Default: 100000.
  int64_t max_organizations = 100000;
};

class OrgStore {
 public:
  enum class PutMode { kCreate, kUpdate, kUpsert };
  enum class PutOutcome { kCreated, kUpdated, kUnchanged };
  enum class InventoryOp { kSet, kAdd, kRemove };
  struct DeleteOrgResult {
    Organization org;
    int64_t detections_deleted = 0;
  };

  // `store` must outlive the OrgStore.
  explicit OrgStore(Store* store, OrgStoreLimits limits = {}) : store_(store), limits_(limits) {}

  // `f` is called after each committed PutDetection and DeleteDetection, in
  // the order of their generations (under the write lock: keep it short).
  // Other writes bump the generation without a call. Set it once, before the
  // store is shared.
  void OnDetectionChange(std::function<void(DetectionChange)> f) { on_change_ = std::move(f); }

  // `init` gives display_name and release; id, counts and times are set here.
  absl::StatusOr<Organization> CreateOrg(const OrgId& org, const Organization& init,
                                         const AuditEntry* audit = nullptr);
  // Reads take an optional StoreSnapshot (Snapshot()): reads given the same
  // one see one version of the organization (record, detections, inventory),
  // whatever writes commit meanwhile.
  std::unique_ptr<const StoreSnapshot> Snapshot() const { return store_->Snapshot(); }
  absl::StatusOr<Organization> GetOrg(const OrgId& org, const StoreSnapshot* at = nullptr) const;
  // Empty strings leave a field unchanged.
  absl::StatusOr<Organization> UpdateOrg(const OrgId& org, const std::string& display_name,
                                         const std::string& release, const AuditEntry* audit = nullptr);
  // Removes the organization and everything it owns, in one batch.
  absl::StatusOr<DeleteOrgResult> DeleteOrg(const OrgId& org, const AuditEntry* audit = nullptr);
  // Creates an organization with its detections and inventory as given (an
  // organization moved from another server: storage/README.md), in one batch.
  // `o` gives id, display_name, release and the creation and update times
  // (kept; 0 = now); detections keep their times too. Counts, generation 1
  // and a new incarnation are set here. ALREADY_EXISTS when it exists,
  // INVALID_ARGUMENT for a malformed id or two detections with one id,
  // RESOURCE_EXHAUSTED past a limit; nothing is written then.
  // `extra` are further writes under the organization's prefix in the same
  // batch (its extensions: ExtensionStore::ImportOps).
  absl::StatusOr<Organization> ImportOrg(const Organization& o, std::vector<Detection> detections,
                                         std::vector<InventoryEntry> inventory, const AuditEntry* audit = nullptr,
                                         std::vector<Store::KvOp> extra = {});
  // All organizations by id (the admin listing: the one call not scoped to one
  // organization; it reads only organization records, never their data).
  absl::StatusOr<std::vector<Organization>> ListOrgs() const;

  // Stores one detection. kCreate: ALREADY_EXISTS when present; kUpdate:
  // NOT_FOUND when absent. Timestamps are set here.
  absl::StatusOr<PutOutcome> PutDetection(const OrgId& org, Detection d, PutMode mode,
                                          const AuditEntry* audit = nullptr);
  // Stores many detections in one batch (all or nothing), upserting by id.
  // With dry_run the outcomes are computed and nothing is written.
  // INVALID_ARGUMENT when two detections share an id. With
  // `expected_generation` >= 0, ABORTED (nothing written) unless the
  // organization is still at that generation: a compare-and-set for writes
  // computed from an earlier read.
  absl::StatusOr<std::vector<PutOutcome>> PutDetections(const OrgId& org, std::vector<Detection> ds, bool dry_run,
                                                        int64_t expected_generation = -1,
                                                        const AuditEntry* audit = nullptr);
  absl::StatusOr<Detection> GetDetection(const OrgId& org, std::string_view id,
                                         const StoreSnapshot* at = nullptr) const;
  // Every detection of the organization, by id.
  absl::StatusOr<std::vector<Detection>> ListDetections(const OrgId& org, const StoreSnapshot* at = nullptr) const;
  // The same as DetectionBrief, by id.
  absl::StatusOr<std::vector<DetectionBrief>> ListDetectionBriefs(const OrgId& org,
                                                                  const StoreSnapshot* at = nullptr) const;
  absl::StatusOr<Detection> DeleteDetection(const OrgId& org, std::string_view id,
                                            const AuditEntry* audit = nullptr);

  absl::StatusOr<std::vector<InventoryEntry>> GetInventory(const OrgId& org, const StoreSnapshot* at = nullptr) const;
  // kSet replaces the inventory; kAdd adds entries not present (same target);
  // kRemove removes entries with the same target, NOT_FOUND when one is absent.
  absl::StatusOr<std::vector<InventoryEntry>> UpdateInventory(const OrgId& org, InventoryOp op,
                                                              const std::vector<InventoryEntry>& entries,
                                                              const AuditEntry* audit = nullptr);

  // Keys (exposed for tests and storage/README.md).
  static std::string OrgKey(const OrgId& org);
  static std::string DataPrefix(const OrgId& org);
  static std::string DetectionKey(const OrgId& org, std::string_view id);
  static std::string InventoryKey(const OrgId& org);

 private:
  absl::StatusOr<Organization> GetOrgLocked(const OrgId& org, const StoreSnapshot* at = nullptr) const;
  // The record of a new organization (times now, generation 1, a new
  // incarnation): ALREADY_EXISTS when it exists, RESOURCE_EXHAUSTED past
  // max_organizations. Called under write_mu_.
  absl::StatusOr<Organization> NewOrgLocked(const OrgId& org, const Organization& init) const;

  Store* store_;
  OrgStoreLimits limits_;
  std::function<void(DetectionChange)> on_change_;
  absl::Mutex write_mu_;
};

// Binary record codecs (exposed for tests).
std::string EncodeOrganization(const Organization& o);
absl::StatusOr<Organization> DecodeOrganization(std::string_view bytes);
std::string EncodeDetection(const Detection& d);
absl::StatusOr<Detection> DecodeDetection(std::string_view bytes);
// The brief fields of an EncodeDetection record; DATA_LOSS whenever
// DecodeDetection would fail.
absl::StatusOr<DetectionBrief> DecodeDetectionBrief(std::string_view bytes);

}  // namespace ttpgraph
