#include "graph/group_usage.h"

namespace ttpgraph {

absl::StatusOr<GroupUsageIndex> GroupUsageIndex::Build(const ReleaseGraph& g, const UsagePaths& paths,
                                                       const QueryLimits& limits) {
  if (absl::Status s = CheckUsagePaths(paths); !s.ok()) return s;
  GroupUsageIndex idx;
  idx.g_ = &g;
  idx.paths_ = paths;
  for (NodeId n = 0; n < g.nodes().size(); ++n) {
    const Node& o = g.node(n);
    if (o.type == "intrusion-set" && o.active() && o.in_domain) idx.groups_.push_back(n);
  }
  SortByAttackId(g, &idx.groups_);
  idx.index_of_node_.assign(g.nodes().size(), -1);
  for (size_t i = 0; i < idx.groups_.size(); ++i) idx.index_of_node_[idx.groups_[i]] = static_cast<int>(i);

  // Bit rows over a dense technique numbering: the position in g.techniques().
  std::vector<int> tech_pos(g.nodes().size(), -1);
  for (size_t i = 0; i < g.techniques().size(); ++i) tech_pos[g.techniques()[i]] = static_cast<int>(i);
  idx.words_ = (g.techniques().size() + 63) / 64;
  idx.bits_.assign(idx.groups_.size() * idx.words_, 0);
  idx.uses_.resize(idx.groups_.size());
  for (size_t i = 0; i < idx.groups_.size(); ++i) {
    if (i % 32 == 0)
      if (absl::Status s = limits.Check("collecting group techniques"); !s.ok()) return s;
    idx.uses_[i] = TechniquesUsedByGroup(g, idx.groups_[i], paths);
    for (const GroupTechnique& gt : idx.uses_[i]) {
      const int p = tech_pos[gt.technique];
      idx.bits_[i * idx.words_ + p / 64] |= uint64_t{1} << (p % 64);
    }
  }
  std::vector<NodeId> all(g.nodes().size());
  for (NodeId n = 0; n < all.size(); ++n) all[n] = n;
  SortByAttackId(g, &all);
  idx.rank_.resize(all.size());
  for (uint32_t i = 0; i < all.size(); ++i) idx.rank_[all[i]] = i;
  return idx;
}

const std::vector<GroupTechnique>* GroupUsageIndex::UsesOf(NodeId group) const {
  const int i = IndexOf(group);
  return i < 0 ? nullptr : &uses_[i];
}

int GroupUsageIndex::Shared(size_t i, size_t j) const {
  const uint64_t* a = &bits_[i * words_];
  const uint64_t* b = &bits_[j * words_];
  int n = 0;
  for (size_t w = 0; w < words_; ++w) n += __builtin_popcountll(a[w] & b[w]);
  return n;
}

size_t GroupUsageIndex::ApproxBytes() const {
  size_t bytes = sizeof(*this) + groups_.capacity() * sizeof(NodeId) + index_of_node_.capacity() * sizeof(int) +
                 rank_.capacity() * sizeof(uint32_t) + bits_.capacity() * sizeof(uint64_t);
  for (const auto& u : uses_) {
    bytes += u.capacity() * sizeof(GroupTechnique);
    for (const GroupTechnique& gt : u)
      bytes += (gt.via_software.capacity() + gt.via_campaigns.capacity()) * sizeof(NodeId);
  }
  return bytes;
}

}  // namespace ttpgraph
