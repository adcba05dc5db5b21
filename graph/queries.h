// Questions about one release, answered over a const ReleaseGraph.
//
// Pure functions: no I/O, no logging; safe to call concurrently. Every
// function returns node ids of `g`; unless a filter says otherwise only
// active objects reached through active relationships are returned.
// Errors: NOT_FOUND for an unknown id, INVALID_ARGUMENT for an ambiguous or
// mistyped one, DEADLINE_EXCEEDED past limits.deadline.
//
//   auto group = ResolveObject(*g, "G0016", "intrusion-set");
//   auto used = TechniquesUsedByGroup(*g, *group, UsagePaths{}, QueryLimits{});
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/query_limits.h"
#include "graph/release_graph.h"

namespace ttpgraph {

// Finds an object by ATT&CK ID or STIX id. `type` (a STIX type, or empty)
// disambiguates an ATT&CK ID shared by several types. Revoked and deprecated
// objects are found too.
absl::StatusOr<NodeId> ResolveObject(const ReleaseGraph& g, std::string_view id, std::string_view type = "");
// Like ResolveObject, and checks the type is one of `types`; `what` names it in errors.
absl::StatusOr<NodeId> ResolveTyped(const ReleaseGraph& g, std::string_view id,
                                    const std::vector<std::string_view>& types, std::string_view what);

struct RevokedChain {
  std::vector<NodeId> hops;  // hops[0] is the direct successor; empty when not revoked
  bool cycle = false;        // the chain came back to a node already seen
  bool too_long = false;     // stopped after limits.max_depth hops (not a loop)
  // The chain ends in an active object (not cut short, not looping).
  bool ends_active(const ReleaseGraph& g) const;
};
// Follows revoked-by to its end, with a cycle guard and limits.max_depth.
RevokedChain FollowRevokedBy(const ReleaseGraph& g, NodeId n, const QueryLimits& limits);

// The one rule for asking about an object that may be revoked (SPEC.md
// "Asking about a revoked object"), for every query but GetObject: an active
// object answers for itself; a revoked one for the active object at the end
// of its revoked-by chain (`chain` says how it got there).
struct ActiveObject {
  NodeId asked = kNoNode;     // the object the ID names
  NodeId answered = kNoNode;  // the active object the query answers for
  std::vector<NodeId> chain;  // revoked-by hops from `asked` to `answered`; empty unless revoked
};
// Resolves `id` as ResolveTyped does, then applies the rule. FAILED_PRECONDITION,
// naming where the chain ends, when the object is deprecated, or revoked and
// its chain ends in nothing, in a deprecated or revoked object, in another
// type, loops, or is longer than limits.max_depth ("too long").
absl::StatusOr<ActiveObject> ResolveActive(const ReleaseGraph& g, std::string_view id,
                                           const std::vector<std::string_view>& types, std::string_view what,
                                           const QueryLimits& limits);

struct TechniqueFilter {
  std::string tactic;    // shortname or TA id; empty = any
  std::string platform;  // case-insensitive; empty = any
  bool include_subtechniques = true;
  bool include_revoked = false;
  bool include_deprecated = false;
  std::string query;     // substring of name or alias, case-insensitive
};
absl::StatusOr<std::vector<NodeId>> ListTechniques(const ReleaseGraph& g, const TechniqueFilter& f);

// Objects whose name, alias or ATT&CK ID contains `query` (case-insensitive),
// of the given STIX types (empty: every type with an ATT&CK ID), in-domain.
std::vector<NodeId> SearchObjects(const ReleaseGraph& g, std::string_view query,
                                  const std::vector<std::string>& types, bool include_revoked,
                                  bool include_deprecated);

// Tactics of a technique, in matrix order.
std::vector<NodeId> TechniqueTactics(const ReleaseGraph& g, NodeId technique);
// Active sub-techniques of a technique, by ATT&CK ID.
std::vector<NodeId> Subtechniques(const ReleaseGraph& g, NodeId technique);

struct UsagePaths {
  bool direct = true;
  bool software = true;
  bool campaigns = true;
  friend bool operator==(const UsagePaths& a, const UsagePaths& b) {
    return a.direct == b.direct && a.software == b.software && a.campaigns == b.campaigns;
  }
};
// INVALID_ARGUMENT when all three paths are excluded.
absl::Status CheckUsagePaths(const UsagePaths& paths);
struct GroupTechnique {
  NodeId technique = kNoNode;
  bool direct = false;
  std::vector<NodeId> via_software;
  std::vector<NodeId> via_campaigns;
};
// Techniques a group uses, with provenance, ordered by ATT&CK ID. With
// software excluded this equals mitreattack-python's get_techniques_used_by_group.
std::vector<GroupTechnique> TechniquesUsedByGroup(const ReleaseGraph& g, NodeId group, const UsagePaths& paths);
// Software (malware, tool) the group uses directly.
std::vector<NodeId> GroupSoftware(const ReleaseGraph& g, NodeId group);
// Campaigns attributed to the group.
std::vector<NodeId> GroupCampaigns(const ReleaseGraph& g, NodeId group);

enum class UserKind { kAll, kGroups, kSoftware, kCampaigns };
struct TechniqueUser {
  NodeId user = kNoNode;
  bool direct = false;
  std::vector<NodeId> via_software;   // groups only
  std::vector<NodeId> via_campaigns;  // groups only
};
// Groups (direct, via software, via attributed campaigns), software and
// campaigns using a technique; groups first, each kind by ATT&CK ID.
std::vector<TechniqueUser> TechniqueUsers(const ReleaseGraph& g, NodeId technique, UserKind kind);

struct RelatedVia {
  NodeId object = kNoNode;        // mitigation, or user for procedure examples
  NodeId relationship = kNoNode;  // the relationship node (its description)
};
std::vector<RelatedVia> Mitigations(const ReleaseGraph& g, NodeId technique);
std::vector<RelatedVia> ProcedureExamples(const ReleaseGraph& g, NodeId technique);

struct DetectingComponent {
  NodeId data_component = kNoNode;
  bool via_detects_relationship = false;  // ATT&CK 10-17 model
  std::vector<NodeId> strategies;         // ATT&CK 18+ model
  std::vector<NodeId> analytics;
  std::vector<LogSourceRef> log_sources;
};
struct Detectability {
  std::vector<DetectingComponent> components;  // by data component ATT&CK ID / name
  std::vector<NodeId> strategies;              // the raw 18+ chain starts here
};
Detectability TechniqueDetectability(const ReleaseGraph& g, NodeId technique);
// Active analytics of a detection strategy.
std::vector<NodeId> StrategyAnalytics(const ReleaseGraph& g, NodeId strategy);

// Orders node ids by ATT&CK ID, then name.
void SortByAttackId(const ReleaseGraph& g, std::vector<NodeId>* ids);

}  // namespace ttpgraph
