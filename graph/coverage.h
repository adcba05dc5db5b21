// Coverage of one organization on one release: every active technique and
// sub-technique of the release's domain is DETECTED (100), LOGGED (50) or
// BLIND (0), per SPEC.md "Coverage":
//
//   DETECTED  at least one counting detection (enabled, and not a Sigma rule
//             with status deprecated/unsupported) maps to this exact technique;
//   LOGGED    not detected, but the organization collects at least one data
//             component that can detect it (DetectabilityIndex); a collected
//             log source counts for every data component listing it;
//   BLIND     neither.
//
// A detection of a parent does not cover its sub-techniques and vice versa; a
// parent's roll-up (sub-techniques detected / logged / blind) is reported beside
// its status, and `rollup_status` applies the asked policy (none / any / all).
// Detection technique IDs are resolved in the asked release: a revoked ID is
// carried to the end of its revoked-by chain (reported in `carried`); a
// deprecated ID, a revoked ID without an active successor and an ID the release
// does not know are reported in `stale`, never dropped silently; an ID the
// mapping release did not know (Detection::unresolved_techniques) is resolved
// here again, so it counts on every release that has it. The data components
// a detection reads are alternatives: a counting detection none of whose
// components is collected is reported in `cannot_fire`. An inventory entry
// resolves by the data component's STIX id, then its ID or name as given, then
// its stored name (ResolveInventoryComponent), so it keeps its meaning across
// releases.
//
//   OrgView view = MakeOrgView(detections, inventory);
//   auto report = ComputeCoverage(*g, view, QueryLimits{});
//   // Hot path: compile once per data version, then compute per request.
//   auto compiled = CompileCoverage(*g, *index, view, QueryLimits{});
//   auto report2 = ComputeCoverage(*g, *index, **compiled, CoverageOptions{}, QueryLimits{});
//
// Pure: no I/O, no logging; safe to call concurrently.
// Errors: NOT_FOUND for an unknown tactic filter, DEADLINE_EXCEEDED past
// limits.deadline.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/detectability.h"
#include "graph/query_limits.h"
#include "graph/release_graph.h"
#include "storage/org_store.h"

namespace ttpgraph {

// What coverage needs of one detection.
struct OrgDetection {
  std::string id;
  std::string name;
  bool counts = false;  // enabled, and not a Sigma rule with status deprecated/unsupported
  std::vector<std::string> techniques;       // ATT&CK IDs as mapped
  std::vector<std::string> data_components;  // ATT&CK IDs, STIX ids or names
  DetectionState state = DetectionState::kEnabled;  // as stored (the report counts rules by state)
};

// An organization's detections and inventory, as coverage reads them.
struct OrgView {
  std::string org_id;
  std::vector<OrgDetection> detections;
  std::vector<InventoryEntry> inventory;
};

// The active data component of `g` an inventory entry names (by STIX id, then
// the ID or name as given, then the stored name), or kNoNode.
NodeId ResolveInventoryComponent(const ReleaseGraph& g, const DetectabilityIndex& index, const InventoryEntry& e);

// True when a stored detection counts for coverage.
bool DetectionCounts(const Detection& d);
bool DetectionCounts(const DetectionBrief& d);
OrgView MakeOrgView(std::string org_id, const std::vector<Detection>& detections,
                    std::vector<InventoryEntry> inventory);
// The same from briefs (OrgStore::ListDetectionBriefs), moved in.
OrgView MakeOrgView(std::string org_id, std::vector<DetectionBrief> detections, std::vector<InventoryEntry> inventory);
// One detection of such a view.
OrgDetection MakeOrgDetection(DetectionBrief d);

enum class CoverageStatus : uint8_t { kBlind = 0, kLogged = 50, kDetected = 100 };
enum class RollupPolicy : uint8_t { kNone, kAny, kAll };
const char* CoverageStatusName(CoverageStatus s);  // "DETECTED", "LOGGED", "BLIND"

struct CoverageOptions {
  std::string tactic;    // short name or TA id; empty = all
  std::string platform;  // case-insensitive; empty = all
  RollupPolicy rollup = RollupPolicy::kNone;
  // false: the report's stale, carried, cannot_fire and unresolved_inventory
  // stay empty, for a caller that reads them from its CompiledCoverage
  // instead of copying thousands of entries per call.
  bool with_mapping_lists = true;
};

struct TechniqueCoverage {
  NodeId technique = kNoNode;
  CoverageStatus status = CoverageStatus::kBlind;
  std::vector<uint32_t> detections;           // indices into OrgView::detections
  std::vector<NodeId> collected_components;   // collected data components that can detect it
  int subtechniques = 0, sub_detected = 0, sub_logged = 0, sub_blind = 0;
  CoverageStatus rollup_status = CoverageStatus::kBlind;  // == status under kNone
};

struct TacticCoverage {
  NodeId tactic = kNoNode;
  int techniques = 0, detected = 0, logged = 0, blind = 0;  // by rollup_status
};

struct StaleMapping {
  uint32_t detection = 0;
  std::string technique;
  std::string reason;
};

struct CarriedMapping {
  uint32_t detection = 0;
  std::string from;
  std::vector<NodeId> chain;  // revoked-by hops; back() is the technique it now covers
};

struct UnfireableDetection {
  uint32_t detection = 0;
  std::vector<std::string> missing_components;  // labels, or the id as given when unknown
};

struct CoverageReport {
  RollupPolicy rollup = RollupPolicy::kNone;
  std::vector<TechniqueCoverage> techniques;  // filtered, by ATT&CK ID
  std::vector<TacticCoverage> tactics;        // matrix order
  int total = 0, detected = 0, logged = 0, blind = 0;  // over `techniques`, by rollup_status
  std::vector<StaleMapping> stale;
  std::vector<CarriedMapping> carried;
  std::vector<UnfireableDetection> cannot_fire;
  int detections_counted = 0, detections_ignored = 0;
  std::vector<std::string> unresolved_inventory;  // entries matching no data component of the release
};

// Everything coverage derives from one organization's data on one release that
// no CoverageOptions changes: each technique's own status, the detections and
// collected data components behind it, its sub-technique counts and roll-ups,
// and the stale / carried / cannot-fire lists. Compile it once per
// (organization data version, release) and share it immutable: ComputeCoverage
// over it is one pass over the listed techniques. It holds node ids of the
// graph and indices into the OrgView it was compiled from.
struct CompiledCoverage {
  struct Technique {  // one per g.techniques() entry (DetectabilityIndex::TechniqueSlot)
    CoverageStatus status = CoverageStatus::kBlind;
    CoverageStatus rollup_any = CoverageStatus::kBlind;
    CoverageStatus rollup_all = CoverageStatus::kBlind;
    int subtechniques = 0, sub_detected = 0, sub_logged = 0, sub_blind = 0;
    uint32_t detections_begin = 0, detections_end = 0;  // range of `detections`
    uint32_t collected_begin = 0, collected_end = 0;    // range of `collected_components`
  };
  std::vector<Technique> techniques;
  std::vector<uint32_t> detections;           // indices into OrgView::detections, grouped by technique
  std::vector<NodeId> collected_components;   // grouped by technique
  std::vector<StaleMapping> stale;
  std::vector<CarriedMapping> carried;
  std::vector<UnfireableDetection> cannot_fire;
  int detections_counted = 0, detections_ignored = 0;
  std::vector<std::string> unresolved_inventory;
};

// DEADLINE_EXCEEDED past limits.deadline.
absl::StatusOr<std::shared_ptr<const CompiledCoverage>> CompileCoverage(const ReleaseGraph& g,
                                                                        const DetectabilityIndex& index,
                                                                        const OrgView& org, const QueryLimits& limits);

absl::StatusOr<CoverageReport> ComputeCoverage(const ReleaseGraph& g, const OrgView& org, const QueryLimits& limits);
// The same with options and a prebuilt index of `g` (the server's hot path).
absl::StatusOr<CoverageReport> ComputeCoverage(const ReleaseGraph& g, const DetectabilityIndex& index,
                                               const OrgView& org, const CoverageOptions& options,
                                               const QueryLimits& limits);
// The same over a compiled organization (compiled with `g` and `index`).
absl::StatusOr<CoverageReport> ComputeCoverage(const ReleaseGraph& g, const DetectabilityIndex& index,
                                               const CompiledCoverage& compiled, const CoverageOptions& options,
                                               const QueryLimits& limits);

}  // namespace ttpgraph
