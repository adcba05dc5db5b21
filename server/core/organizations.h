// Organization use cases (the OrgService, coverage aside): organizations,
// their detections and their telemetry inventory. Every call is scoped to one
// organization through the application's single OrgStore.
//
//   Detection d;  d.id = "rule-1";  d.name = "PowerShell";  d.techniques = {"T1059.001"};
//   TTP_ASSIGN_OR_RETURN(Detection stored, core::PutDetection(app, OrgId("acme"), d, OrgStore::PutMode::kCreate, limits));
//   // stored.techniques, unresolved_techniques, stale_techniques, notes: mapped against the org's release
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/application.h"

namespace ttpgraph::core {

// ---- organizations ----
// INVALID_ARGUMENT for a malformed release reference.
// Writes take an audit entry (may be null) written in the same batch as the change.
absl::StatusOr<Organization> CreateOrganization(Application& app, const OrgId& org, const std::string& display_name,
                                                const std::string& release, AuditEntry* audit = nullptr);
absl::StatusOr<Organization> GetOrganization(Application& app, const OrgId& org);
// Empty strings leave a field as it is.
absl::StatusOr<Organization> UpdateOrganization(Application& app, const OrgId& org, const std::string& display_name,
                                                const std::string& release, AuditEntry* audit = nullptr);
// `only` set: that organization alone (NOT_FOUND when unknown); else all.
absl::StatusOr<std::vector<Organization>> ListOrganizations(Application& app, const std::string& only);
absl::StatusOr<OrgStore::DeleteOrgResult> DeleteOrganization(Application& app, const OrgId& org,
                                                             AuditEntry* audit = nullptr);

// ---- detections ----
// The source formats a detection may name.
bool KnownSourceFormat(std::string_view format);
// INVALID_ARGUMENT naming the detection unless its id, name, source format and
// technique IDs are well formed.
absl::Status ValidateDetectionInput(const Detection& d);
// INVALID_ARGUMENT naming the field and the limit (ServerLimits) when `d` is
// larger than the server takes: more distinct technique IDs (a set, any
// case), tags or data components than max_techniques_per_detection; a name
// over max_name_bytes; a query or description over max_detection_text_bytes;
// any other field (each tag, ...) over max_detection_field_bytes.
absl::Status CheckDetectionSize(const Detection& d, const ServerLimits& limits);
// Validates `d` as given (id, name, source format, technique IDs, sizes), maps its
// techniques against `d.release` (or the organization's release) and stores
// it; returns the stored detection. INVALID_ARGUMENT naming the field.
absl::StatusOr<Detection> PutDetection(Application& app, const OrgId& org, Detection d, OrgStore::PutMode mode,
                                       const QueryLimits& limits, AuditEntry* audit = nullptr);
absl::StatusOr<Detection> GetDetection(Application& app, const OrgId& org, std::string_view id);
struct DetectionFilter {
  std::string technique;      // exact technique ID; "" = any
  std::optional<DetectionState> state;
  std::string source_format;  // "" = any
  std::string tag;            // "" = any
};
absl::StatusOr<std::vector<Detection>> ListDetections(Application& app, const OrgId& org, const DetectionFilter& f);
absl::StatusOr<Detection> DeleteDetection(Application& app, const OrgId& org, std::string_view id,
                                          AuditEntry* audit = nullptr);

// ---- inventory ----
// An inventory read against a release: each entry with the data components it
// stands for there.
struct InventoryAnswer {
  std::string org_id;
  std::shared_ptr<const ReleaseContext> release;
  std::vector<InventoryEntry> entries;
  std::vector<std::vector<NodeId>> resolved;  // per entry
};
// `release` "" = the organization's.
absl::StatusOr<InventoryAnswer> GetInventory(Application& app, const OrgId& org, std::string_view release);
// Entries as given (a data component by ID, STIX id or name, or a log source).
// kSet/kAdd check each against the release (INVALID_ARGUMENT naming entries[i])
// and store a data component with its identity across releases (STIX id, name).
absl::StatusOr<InventoryAnswer> UpdateInventory(Application& app, const OrgId& org, std::string_view release,
                                                OrgStore::InventoryOp op, std::vector<InventoryEntry> entries,
                                                AuditEntry* audit = nullptr);
struct InferredInventory {
  InventoryAnswer inventory;        // as it is after (or would be, on a dry run)
  std::vector<NodeId> added;        // data components added
  std::vector<std::pair<std::string, int>> unmapped;  // "category/product/service" -> rules
  int rules_considered = 0;
};
// From the organization's counting Sigma rules' logsources through the
// server's table, or `mapping_csv` when given.
absl::StatusOr<InferredInventory> InferInventory(Application& app, const OrgId& org, std::string_view release,
                                                 bool dry_run, bool replace, const std::string& mapping_csv,
                                                 AuditEntry* audit = nullptr);

}  // namespace ttpgraph::core
