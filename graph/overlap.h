// Group overlap: which techniques groups share.
//
// Over a GroupUsageIndex (graph/group_usage.h: every active in-domain group's
// techniques as a bit set), the pairwise matrix over every group and a top-k
// query are a few popcounts.
//
//   auto index = GroupUsageIndex::Build(*g, UsagePaths{}, QueryLimits{});
//   auto groups = ResolveGroups(*g, {"G0016", "G0007"});  // empty = all active groups
//   auto matrix = ComputeOverlap(*index, *groups, QueryLimits{});
//   auto similar = MostSimilarGroups(*index, group, /*k=*/10);
//
// Pure: no I/O, no logging. Errors: see ResolveGroups; INVALID_ARGUMENT for a
// selection of fewer than two groups or for all usage paths excluded;
// DEADLINE_EXCEEDED / CANCELLED as limits say.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/group_usage.h"
#include "graph/queries.h"
#include "graph/query_limits.h"
#include "graph/release_graph.h"

namespace ttpgraph {

// Resolves group ids (ATT&CK IDs or STIX ids); empty = every active in-domain
// group. A revoked group stands for the active group its revoked-by chain ends
// in (ResolveActive; each such resolution is appended to `revoked` when given).
// Duplicates are dropped; the order is the index's (ATT&CK ID). NOT_FOUND naming
// every unknown id; FAILED_PRECONDITION for a deprecated group or a chain that
// ends in none; INVALID_ARGUMENT for a group outside the release's domain.
absl::StatusOr<std::vector<NodeId>> ResolveGroups(const ReleaseGraph& g, const std::vector<std::string>& ids,
                                                  std::vector<ActiveObject>* revoked = nullptr,
                                                  const QueryLimits& limits = QueryLimits{});

struct OverlapPair {
  size_t a = 0, b = 0;  // positions in OverlapMatrix::groups, a < b
  int shared = 0;
  int only_a = 0;       // techniques of a that b does not use
  int only_b = 0;
  double jaccard = 0;   // shared / |a ∪ b|; 0 when both use nothing
};

struct OverlapMatrix {
  std::vector<NodeId> groups;          // the selection, by ATT&CK ID
  std::vector<int> technique_counts;   // per group
  std::vector<OverlapPair> pairs;      // every pair, (0,1), (0,2), ..., (1,2), ...
};
// Every pair of `groups` (each must be in the index, at least two).
absl::StatusOr<OverlapMatrix> ComputeOverlap(const GroupUsageIndex& index, const std::vector<NodeId>& groups,
                                             const QueryLimits& limits);

struct SimilarGroup {
  NodeId group = kNoNode;
  int shared = 0;
  int only_target = 0;  // techniques of the asked group the other does not use
  int only_other = 0;
  double jaccard = 0;
};
// The k groups of the index most similar to `group` by Jaccard index (ties:
// more shared techniques, then ATT&CK ID); groups sharing nothing are left out.
absl::StatusOr<std::vector<SimilarGroup>> MostSimilarGroups(const GroupUsageIndex& index, NodeId group, size_t k);

struct TechniqueUseCount {
  NodeId technique = kNoNode;
  std::vector<NodeId> groups;  // groups of the selection using it, by ATT&CK ID
};
// For the overlap layer: every technique used by some group of `groups`, with
// the groups using it; by count descending, then ATT&CK ID.
std::vector<TechniqueUseCount> TechniqueUseCounts(const GroupUsageIndex& index, const std::vector<NodeId>& groups);

}  // namespace ttpgraph
