// GroupUsageIndex: every active in-domain group of a release with the
// techniques it uses over one set of usage paths (queries.h
// TechniquesUsedByGroup: direct, via software, via attributed campaigns), with
// provenance, and the same sets as bit rows for overlap arithmetic.
//
// One index per (release, usage paths) serves every question about groups'
// techniques: gap ranking (graph/gaps.h), overlap and top-k (graph/overlap.h)
// and the group techniques answer. The release registry
// (graph/release_registry.h) builds it once and shares it.
//
//   auto usage = GroupUsageIndex::Build(*g, UsagePaths{}, QueryLimits{});
//   const std::vector<GroupTechnique>* uses = usage->UsesOf(group);
//   int shared = usage->Shared(usage->IndexOf(a), usage->IndexOf(b));
//
// Thread safety: immutable after Build; safe for concurrent readers. It holds
// node ids of the graph it was built from and must be used with that graph.
// Errors: INVALID_ARGUMENT when every usage path is excluded,
// DEADLINE_EXCEEDED / CANCELLED as limits say.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/queries.h"
#include "graph/query_limits.h"
#include "graph/release_graph.h"

namespace ttpgraph {

class GroupUsageIndex {
 public:
  static absl::StatusOr<GroupUsageIndex> Build(const ReleaseGraph& g, const UsagePaths& paths,
                                               const QueryLimits& limits);

  const ReleaseGraph& graph() const { return *g_; }
  const UsagePaths& paths() const { return paths_; }
  // Active in-domain groups, by ATT&CK ID.
  const std::vector<NodeId>& groups() const { return groups_; }
  // Position of a group in groups(), or -1.
  int IndexOf(NodeId group) const {
    return group < index_of_node_.size() ? index_of_node_[group] : -1;
  }
  // Techniques used by `group` with provenance, by ATT&CK ID; nullptr when it is
  // not indexed (not an active in-domain group).
  const std::vector<GroupTechnique>* UsesOf(NodeId group) const;
  // Techniques used by groups()[i], by ATT&CK ID.
  const std::vector<GroupTechnique>& uses(size_t i) const { return uses_[i]; }
  // Shared technique count of groups()[i] and groups()[j].
  int Shared(size_t i, size_t j) const;
  // Position of a node in the graph's nodes sorted as SortByAttackId sorts
  // (ATT&CK ID, name, node id): sorting by it is sorting by ATT&CK ID.
  uint32_t Rank(NodeId n) const { return rank_[n]; }
  // Approximate heap bytes held (for the registry's memory budget).
  size_t ApproxBytes() const;

 private:
  const ReleaseGraph* g_ = nullptr;
  UsagePaths paths_;
  std::vector<NodeId> groups_;
  std::vector<int> index_of_node_;  // node id -> position in groups_, -1 elsewhere
  std::vector<std::vector<GroupTechnique>> uses_;
  std::vector<uint32_t> rank_;  // by node id
  size_t words_ = 0;
  std::vector<uint64_t> bits_;  // groups_.size() rows of words_ words, by position in g.techniques()
};

}  // namespace ttpgraph
