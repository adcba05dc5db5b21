// Group overlap: which techniques groups share.
//
// A GroupTechniqueIndex holds, for every active in-domain group of a release,
// the techniques it uses (queries.h TechniquesUsedByGroup with the chosen
// usage paths) as a bit set, so the pairwise matrix over every group and a
// top-k query are a few popcounts. Build it once per (release, paths) and
// share it: immutable after Build, safe for concurrent readers.
//
//   auto index = GroupTechniqueIndex::Build(*g, UsagePaths{}, QueryLimits{});
//   auto groups = ResolveGroups(*g, {"G0016", "G0007"});  // empty = all active groups
//   auto matrix = ComputeOverlap(*index, *groups, QueryLimits{});
//   auto similar = MostSimilarGroups(*index, group, /*k=*/10);
//
// Pure: no I/O, no logging. Errors: NOT_FOUND naming every unknown group,
// INVALID_ARGUMENT for a group that is not active (naming its successor when
// revoked), for a selection of fewer than two groups, or for all usage paths
// excluded; DEADLINE_EXCEEDED past limits.deadline.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/queries.h"
#include "graph/query_limits.h"
#include "graph/release_graph.h"

namespace ttpgraph {

class GroupTechniqueIndex {
 public:
  static absl::StatusOr<GroupTechniqueIndex> Build(const ReleaseGraph& g, const UsagePaths& paths,
                                                   const QueryLimits& limits);

  const ReleaseGraph& graph() const { return *g_; }
  const UsagePaths& paths() const { return paths_; }
  // Active in-domain groups, by ATT&CK ID.
  const std::vector<NodeId>& groups() const { return groups_; }
  // Position of a group in groups(), or -1.
  int IndexOf(NodeId group) const;
  // Techniques used by groups()[i], by ATT&CK ID.
  const std::vector<NodeId>& techniques(size_t i) const { return techniques_[i]; }
  // Shared technique count of groups()[i] and groups()[j].
  int Shared(size_t i, size_t j) const;

 private:
  const ReleaseGraph* g_ = nullptr;
  UsagePaths paths_;
  std::vector<NodeId> groups_;
  std::vector<int> index_of_node_;  // node id -> position in groups_, -1 elsewhere
  std::vector<std::vector<NodeId>> techniques_;
  size_t words_ = 0;
  std::vector<uint64_t> bits_;  // groups_.size() rows of words_ words
};

// Resolves group ids (ATT&CK IDs or STIX ids); empty = every active in-domain
// group. Duplicates are dropped; the order is the index's (ATT&CK ID).
absl::StatusOr<std::vector<NodeId>> ResolveGroups(const ReleaseGraph& g, const std::vector<std::string>& ids);

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
absl::StatusOr<OverlapMatrix> ComputeOverlap(const GroupTechniqueIndex& index, const std::vector<NodeId>& groups,
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
absl::StatusOr<std::vector<SimilarGroup>> MostSimilarGroups(const GroupTechniqueIndex& index, NodeId group, size_t k);

struct TechniqueUseCount {
  NodeId technique = kNoNode;
  std::vector<NodeId> groups;  // groups of the selection using it, by ATT&CK ID
};
// For the overlap layer: every technique used by some group of `groups`, with
// the groups using it; by count descending, then ATT&CK ID.
std::vector<TechniqueUseCount> TechniqueUseCounts(const GroupTechniqueIndex& index, const std::vector<NodeId>& groups);

}  // namespace ttpgraph
