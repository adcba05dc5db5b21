// Migration plan (SPEC.md "Version diff"): what a diff between two releases
// of one domain means for an organization's detections, mapping by mapping:
//
//   UNCHANGED  the technique is the same in `to` and nothing asks for review;
//   AUTO       revoked, and the revoked-by chain ends in one active technique
//              (no merge, split or tactic move): re-mapped to that technique;
//   REVIEW     split, merged, tactic moved, parent changed or major version
//              change (TechniqueFate::NeedsReview): kept as is until a person
//              decides (a revoked one names its successor as a suggestion);
//   ORPHANED   deprecated, deleted, or revoked without an active successor;
//   UNKNOWN    neither release knows the ID as a technique;
//   AT_TARGET  not in `from` but active in `to` (the mapping was migrated
//              already, or made against `to`).
//
// A technique already revoked in `from` is first carried along its revoked-by
// chain in `from`. Detections whose `release` is `to` are left alone (already
// migrated), so are those mapped against a release of another domain.
// Applying a plan (MigratedDetections) rewrites the AUTO mappings and sets
// `release` to `to` on detections whose every mapping is UNCHANGED, AUTO or
// AT_TARGET; a second plan over the result has nothing to change.
//
//   auto diff = DiffReleases(*from, *to, content, limits);
//   auto plan = PlanMigration(*from, *to, *diff, detections, limits);
//   std::vector<Detection> rewritten = MigratedDetections(*plan, detections);
//
// Pure: no I/O, no logging; safe to call concurrently.
// Errors: INVALID_ARGUMENT when the releases belong to different domains or
// `diff` is not the diff of `from` -> `to`; DEADLINE_EXCEEDED past limits.deadline.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/coverage.h"
#include "graph/detectability.h"
#include "graph/diff.h"
#include "graph/query_limits.h"
#include "graph/release_graph.h"
#include "storage/org_store.h"

namespace ttpgraph {

enum class MigrationAction : uint8_t { kUnchanged, kAuto, kReview, kOrphaned, kUnknown, kAtTarget };
const char* MigrationActionName(MigrationAction a);  // "UNCHANGED", "AUTO", ...
// What a technique's fate means for a mapping to it: ORPHANED (deprecated,
// deleted, revoked without an active successor), REVIEW (TechniqueFate::NeedsReview)
// or AUTO.
MigrationAction MigrationActionFor(const TechniqueFate& f);
// How bad an action is, for a detection's worst action:
// ORPHANED > UNKNOWN > REVIEW > AUTO > AT_TARGET > UNCHANGED.
int MigrationSeverity(MigrationAction a);

struct MappingPlan {
  std::string technique;           // as the detection maps it
  MigrationAction action = MigrationAction::kUnchanged;
  NodeId from_node = kNoNode;      // in `from` (after its revoked-by chain in `from`)
  const TechniqueFate* fate = nullptr;  // from_node's fate (points into the DiffReport)
  NodeId target = kNoNode;         // in `to`: AUTO's new mapping, a revoked REVIEW's suggestion, AT_TARGET's node
  std::string new_technique;       // AUTO: the ATT&CK ID (or STIX id) it is re-mapped to
  std::vector<std::string> reasons;
};

struct DetectionPlan {
  uint32_t detection = 0;  // index into the detections given
  MigrationAction action = MigrationAction::kUnchanged;  // the worst of its mappings
  std::vector<MappingPlan> mappings;
  std::vector<std::string> techniques_after;
  std::string release_after;
  bool changes = false;  // applying rewrites it
};

struct MigrationPlan {
  ReleaseId from_release, to_release;
  int detections_in_scope = 0, detections_at_target = 0, detections_other_domain = 0;
  int unchanged = 0, auto_migrated = 0, needs_review = 0, orphaned = 0, unknown = 0, at_target = 0;
  int detections_changed = 0;
  // Every in-scope detection, in the order given.
  std::vector<DetectionPlan> detections;
};

// `diff` must be DiffReleases(from, to, ...); it must outlive the plan.
absl::StatusOr<MigrationPlan> PlanMigration(const ReleaseGraph& from, const ReleaseGraph& to, const DiffReport& diff,
                                            const std::vector<Detection>& detections, const QueryLimits& limits);

// The detections the plan changes, rewritten (techniques, release, a note);
// `detections` must be the vector the plan was made from.
std::vector<Detection> MigratedDetections(const MigrationPlan& plan, const std::vector<Detection>& detections);

// What applying a plan does to the organization's coverage: its whole
// detection set (`all`) and inventory on `from` as they are, and on `to` with
// the plan's detections (`planned`, the vector the plan was made from)
// migrated. A technique of `from` and one of `to` are counterparts when they
// are the same object or `to` revoked the first into the second.
struct MigrationImpact {
  CoverageReport before;                // on `from`
  CoverageReport after;                 // on `to`
  std::vector<NodeId> lost_detected;    // of `from`: DETECTED, its counterpart on `to` not
  std::vector<NodeId> gained_detected;  // of `to`: DETECTED, no DETECTED counterpart on `from`
};
absl::StatusOr<MigrationImpact> ComputeMigrationImpact(const ReleaseGraph& from, const DetectabilityIndex& from_index,
                                                       const ReleaseGraph& to, const DetectabilityIndex& to_index,
                                                       const DiffReport& diff, const MigrationPlan& plan,
                                                       const std::vector<Detection>& planned,
                                                       const std::vector<Detection>& all,
                                                       const std::vector<InventoryEntry>& inventory,
                                                       const QueryLimits& limits);

}  // namespace ttpgraph
