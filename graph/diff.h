// Version diff between two releases of one ATT&CK domain.
//
// Two parts:
//  1. MITRE's changelog (mitreattack-python diff_stix) per object type, with
//     exactly its rules (see "Classification" below), each change naming the
//     fields that changed.
//  2. Relationship diffs beyond the changelog: per group the techniques and
//     software gained and lost (direct `uses` only), per campaign the
//     techniques gained/lost and attribution changes, per technique the
//     mitigations, detection strategies and data components gained/lost (data
//     components through TechniqueDetectability, so the ATT&CK 10-17
//     `detects` model and the 18+ strategy -> analytic -> log source model
//     compare), tactic moves, sub-technique parent changes, and the fate of
//     every technique of the old release (what a migration plan consumes:
//     revoked-by chain end, split, merge, tactic move, major change).
//
// Pure: no I/O, no logging; safe to call concurrently. Objects are matched by
// STIX id. The description of an object is not kept in ReleaseGraph, so the
// caller passes the stored JSON of the objects whose content differs
// (DiffContentKeys lists their object keys; the server loads them with
// Store::GetObjects):
//
//   std::vector<std::string> keys = DiffContentKeys(*from, *to);
//   auto json = store->GetObjects(keys);                     // same order
//   DiffContent content;
//   for (size_t i = 0; i < keys.size(); ++i) content[keys[i]] = (*json)[i];
//   absl::StatusOr<DiffReport> r = DiffReleases(*from, *to, content, QueryLimits{});
//
// Errors: INVALID_ARGUMENT when the releases belong to different domains or
// a needed key is missing from `content`; DEADLINE_EXCEEDED past
// limits.deadline; DATA_LOSS for unparsable stored JSON.
//
// Classification (diff_stix, mitreattack/diffStix/core/diff_stix.py and
// change_detector.py), per type over every object of that STIX type:
//  - addition: STIX id only in `to` (whatever its state);
//  - deletion: STIX id only in `from`;
//  - for ids in both, the first rule that applies:
//    revoked in `to`, not in `from`: revocation, if a revoked-by relationship
//      leaves it in `to` and its target is an object of the same type;
//      otherwise the object is skipped (counted nowhere);
//    revoked in both: skipped;
//    deprecated in `to`, not in `from`: deprecation;
//    deprecated in both: skipped;
//    x_mitre_version (default 0.0) went to (major+1).0: major;
//    to major.(minor+1): minor; any other difference: other;
//    same version and `modified` is another instant, or the description's
//      lines differ: patch;
//    otherwise unchanged.
#pragma once

#include <array>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/group_usage.h"
#include "graph/queries.h"
#include "graph/query_limits.h"
#include "graph/release_graph.h"

namespace ttpgraph {

// diff_stix's object types, in its order.
enum class DiffObjectType {
  kTechniques,           // attack-pattern
  kSoftware,             // malware, tool
  kGroups,               // intrusion-set
  kCampaigns,            // campaign
  kAssets,               // x-mitre-asset
  kMitigations,          // course-of-action
  kDataSources,          // x-mitre-data-source
  kDataComponents,       // x-mitre-data-component
  kDetectionStrategies,  // x-mitre-detection-strategy
  kAnalytics,            // x-mitre-analytic
};
inline constexpr int kDiffObjectTypeCount = 10;
// "techniques", "software", ... as diff_stix names them.
const char* DiffObjectTypeName(DiffObjectType t);
// The diff type of a STIX type; false when diff_stix does not track it.
bool DiffObjectTypeOf(std::string_view stix_type, DiffObjectType* out);

// diff_stix's changelog sections, in its order.
enum class ChangeCategory {
  kAddition,
  kMajorVersionChange,
  kMinorVersionChange,
  kOtherVersionChange,
  kPatch,
  kRevocation,
  kDeprecation,
  kDeletion,
  kUnchanged,
};
inline constexpr int kChangeCategoryCount = 9;
// "additions", "major_version_changes", ... as diff_stix names its sections.
const char* ChangeCategoryName(ChangeCategory c);

struct ObjectChange {
  DiffObjectType object_type = DiffObjectType::kTechniques;
  ChangeCategory category = ChangeCategory::kUnchanged;
  NodeId from = kNoNode;  // node of `from`; kNoNode for additions
  NodeId to = kNoNode;    // node of `to`; kNoNode for deletions
  std::string old_version, new_version;  // x_mitre_version as written ("" when absent)
  // Fields whose value differs, by their usual names: "name", "description",
  // "tactics", "platforms", "aliases", "version", "modified", "parent",
  // "attack_id", "revoked", "deprecated", and any other top-level STIX key
  // as written ("external_references", "x_mitre_detection", ...). Sorted.
  // Empty for additions, deletions and unchanged objects.
  std::vector<std::string> changed_fields;
  // Revocations: the revoked-by chain in `to` (hops[0] = direct successor).
  std::vector<NodeId> revoked_by;
  bool revoked_by_cycle = false;
};

// Techniques, software... gained and lost by one object between releases.
// Node ids: `gained` are nodes of `to`, `lost` nodes of `from`.
struct SetDelta {
  std::vector<NodeId> gained;
  std::vector<NodeId> lost;
  bool empty() const { return gained.empty() && lost.empty(); }
};

// Per group: the techniques it uses over the diff's usage paths (direct, via
// software, via attributed campaigns, as TechniquesUsedByGroup), and the
// software it uses directly.
struct GroupDelta {
  NodeId from = kNoNode, to = kNoNode;  // kNoNode where the group is absent or inactive
  SetDelta techniques;
  SetDelta software;
};
// Per campaign: techniques it uses directly, groups it is attributed to.
struct CampaignDelta {
  NodeId from = kNoNode, to = kNoNode;
  SetDelta techniques;
  SetDelta groups;
};
// Per technique: mitigations (queries.h Mitigations), detection strategies
// and data components (queries.h TechniqueDetectability).
struct TechniqueRelDelta {
  NodeId from = kNoNode, to = kNoNode;
  SetDelta mitigations;
  SetDelta strategies;
  SetDelta data_components;
};
// A technique active in both releases whose tactics differ.
struct TacticChange {
  NodeId from = kNoNode, to = kNoNode;
  std::vector<std::string> removed;  // tactic short names, `from` matrix order
  std::vector<std::string> added;    // `to` matrix order
};
// How many techniques (active in both) left tactic `from_tactic` for `to_tactic`
// (a technique leaving one tactic for two counts once for each).
struct TacticMove {
  std::string from_tactic, to_tactic;
  int techniques = 0;
};
// A tactic (by short name) of `from` that is gone or inactive in `to`, and
// where its techniques went; more than one destination is a tactic split.
struct TacticFate {
  NodeId from = kNoNode;
  std::vector<std::string> destinations;  // short names, sorted
  bool split() const { return destinations.size() > 1; }
};
// A technique whose parent (active subtechnique-of) differs.
struct ParentChange {
  NodeId from = kNoNode, to = kNoNode;
  NodeId old_parent = kNoNode;  // node of `from`, kNoNode when it was not a sub-technique
  NodeId new_parent = kNoNode;  // node of `to`, kNoNode when it is no longer one
};

// What became of a technique that was active in `from`: the input of a
// detection migration plan.
enum class TechniqueFateKind {
  kSame,          // active in `to`, unchanged / patch / minor / other version change
  kMajorChange,   // active in `to`, major version change
  kRevoked,       // revoked; `successor` is the chain's end when it is active
  kDeprecated,    // deprecated in `to`
  kDeleted,       // absent from `to`
};
struct TechniqueFate {
  NodeId from = kNoNode;
  NodeId to = kNoNode;         // the same STIX id in `to`, or kNoNode
  TechniqueFateKind kind = TechniqueFateKind::kSame;
  ChangeCategory category = ChangeCategory::kUnchanged;  // its changelog category
  NodeId successor = kNoNode;  // kRevoked: the chain's end, when active in `to`; else kNoNode
  bool chain_cycle = false;
  bool tactic_moved = false;   // tactics differ (or, when revoked, the successor's differ)
  bool parent_changed = false;
  // Other techniques of `from` revoked into the same successor (a merge).
  std::vector<NodeId> merged_with;
  // Its active sub-techniques of `from` now sit under more than one parent
  // in `to` (following their own revoked-by chains): a split.
  bool split = false;
  std::vector<NodeId> split_into;  // the distinct parents in `to`
  // Auto-migratable: revoked whose chain ends in one active technique, or
  // kSame without tactic move, parent change, merge or split.
  bool NeedsReview() const;
};

struct TypeSummary {
  std::array<int, kChangeCategoryCount> counts{};  // by ChangeCategory
};

// Active `detects` relationships of a release, by the type of their source.
struct DetectsModel {
  int from_data_components = 0;       // x-mitre-data-component detects (ATT&CK 10-17)
  int from_detection_strategies = 0;  // x-mitre-detection-strategy detects (18+)
  int other = 0;
};

struct DiffReport {
  ReleaseId from_release, to_release;
  // Every changelog entry except unchanged ones, by type, then category,
  // then name (diff_stix sorts each section by name), then STIX id.
  std::vector<ObjectChange> changes;
  std::array<TypeSummary, kDiffObjectTypeCount> summary{};  // includes unchanged counts
  // Relationship diffs, only entries with some change, by ATT&CK ID.
  std::vector<GroupDelta> groups;
  std::vector<CampaignDelta> campaigns;
  std::vector<TechniqueRelDelta> techniques;
  std::vector<TacticChange> tactic_changes;
  std::vector<TacticMove> tactic_moves;       // by count desc, then names
  std::vector<TacticFate> removed_tactics;
  std::vector<std::string> added_tactics;     // short names new in `to`, matrix order
  std::vector<ParentChange> parent_changes;
  DetectsModel from_detects, to_detects;
  // Every technique active in `from`, by ATT&CK ID.
  std::vector<TechniqueFate> technique_fates;
};

// Keys (ObjectKey) of the objects of the tracked types whose stored content
// differs between the releases (same STIX id, different key), from both sides.
std::vector<std::string> DiffContentKeys(const ReleaseGraph& from, const ReleaseGraph& to);

// Stored JSON by object key.
using DiffContent = std::unordered_map<std::string, std::string>;

// `group_paths`: the usage paths over which a group's techniques are compared
// (the same as "techniques used by a group"; default: all three).
// `from_usage`/`to_usage` (may be null): the releases' group-usage indexes over
// `group_paths` (ReleaseContext::Usage), which the comparison then reads
// instead of walking each group again.
absl::StatusOr<DiffReport> DiffReleases(const ReleaseGraph& from, const ReleaseGraph& to, const DiffContent& content,
                                        const QueryLimits& limits, const UsagePaths& group_paths = UsagePaths{},
                                        const GroupUsageIndex* from_usage = nullptr,
                                        const GroupUsageIndex* to_usage = nullptr);

}  // namespace ttpgraph
