#include "graph/overlap.h"

#include <algorithm>
#include <map>
#include <set>

#include "storage/strings.h"

namespace ttpgraph {
namespace {

int Popcount(uint64_t x) { return __builtin_popcountll(x); }

absl::Status CheckDeadline(const QueryLimits& limits, const char* what) {
  if (absl::Now() > limits.deadline) return absl::DeadlineExceededError(Cat("deadline passed while ", what));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<GroupTechniqueIndex> GroupTechniqueIndex::Build(const ReleaseGraph& g, const UsagePaths& paths,
                                                               const QueryLimits& limits) {
  if (absl::Status s = CheckUsagePaths(paths); !s.ok()) return s;
  GroupTechniqueIndex idx;
  idx.g_ = &g;
  idx.paths_ = paths;
  for (NodeId n = 0; n < g.nodes().size(); ++n) {
    const Node& o = g.node(n);
    if (o.type == "intrusion-set" && o.active() && o.in_domain) idx.groups_.push_back(n);
  }
  SortByAttackId(g, &idx.groups_);
  idx.index_of_node_.assign(g.nodes().size(), -1);
  for (size_t i = 0; i < idx.groups_.size(); ++i) idx.index_of_node_[idx.groups_[i]] = static_cast<int>(i);

  // Dense technique numbering: position in g.techniques().
  std::vector<int> tech_pos(g.nodes().size(), -1);
  for (size_t i = 0; i < g.techniques().size(); ++i) tech_pos[g.techniques()[i]] = static_cast<int>(i);
  idx.words_ = (g.techniques().size() + 63) / 64;
  idx.bits_.assign(idx.groups_.size() * idx.words_, 0);
  idx.techniques_.resize(idx.groups_.size());
  for (size_t i = 0; i < idx.groups_.size(); ++i) {
    if (i % 32 == 0)
      if (auto s = CheckDeadline(limits, "collecting group techniques"); !s.ok()) return s;
    for (const GroupTechnique& gt : TechniquesUsedByGroup(g, idx.groups_[i], paths)) {
      idx.techniques_[i].push_back(gt.technique);
      int p = tech_pos[gt.technique];
      idx.bits_[i * idx.words_ + p / 64] |= uint64_t{1} << (p % 64);
    }
  }
  return idx;
}

int GroupTechniqueIndex::IndexOf(NodeId group) const {
  return group < index_of_node_.size() ? index_of_node_[group] : -1;
}

int GroupTechniqueIndex::Shared(size_t i, size_t j) const {
  const uint64_t* a = &bits_[i * words_];
  const uint64_t* b = &bits_[j * words_];
  int n = 0;
  for (size_t w = 0; w < words_; ++w) n += Popcount(a[w] & b[w]);
  return n;
}

absl::StatusOr<std::vector<NodeId>> ResolveGroups(const ReleaseGraph& g, const std::vector<std::string>& ids) {
  std::vector<NodeId> out;
  if (ids.empty()) {
    for (NodeId n = 0; n < g.nodes().size(); ++n) {
      const Node& o = g.node(n);
      if (o.type == "intrusion-set" && o.active() && o.in_domain) out.push_back(n);
    }
    SortByAttackId(g, &out);
    return out;
  }
  std::vector<std::string> unknown, inactive;
  for (const std::string& id : ids) {
    auto n = ResolveObject(g, id, "intrusion-set");
    if (!n.ok()) {
      if (absl::IsNotFound(n.status())) {
        unknown.push_back(id);
        continue;
      }
      return n.status();
    }
    const Node& o = g.node(*n);
    if (!o.active() || !o.in_domain) {
      std::string why = o.revoked ? "revoked" : o.deprecated ? "deprecated" : "outside the domain";
      RevokedChain chain = FollowRevokedBy(g, *n, QueryLimits{});
      if (o.revoked && !chain.hops.empty()) why += Cat(", use ", g.node(chain.hops.back()).attack_id);
      inactive.push_back(Cat(id, " (", why, ")"));
      continue;
    }
    out.push_back(*n);
  }
  if (!unknown.empty())
    return absl::NotFoundError(Cat("unknown group", unknown.size() > 1 ? "s " : " ", Join(unknown, ", "), " in ",
                                   g.id().Name()));
  if (!inactive.empty())
    return absl::InvalidArgumentError(Cat("not an active group in ", g.id().Name(), ": ", Join(inactive, "; ")));
  SortByAttackId(g, &out);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::StatusOr<OverlapMatrix> ComputeOverlap(const GroupTechniqueIndex& index, const std::vector<NodeId>& groups,
                                             const QueryLimits& limits) {
  if (groups.size() < 2)
    return absl::InvalidArgumentError(Cat("overlap needs at least two groups, got ", groups.size()));
  std::vector<size_t> pos;
  OverlapMatrix m;
  m.groups = groups;
  for (NodeId gnode : groups) {
    int p = index.IndexOf(gnode);
    if (p < 0)
      return absl::InvalidArgumentError(Cat(index.graph().node(gnode).attack_id, " is not an active group of ",
                                            index.graph().id().Name()));
    pos.push_back(static_cast<size_t>(p));
    m.technique_counts.push_back(static_cast<int>(index.techniques(p).size()));
  }
  m.pairs.reserve(groups.size() * (groups.size() - 1) / 2);
  for (size_t a = 0; a < groups.size(); ++a) {
    if (a % 64 == 0)
      if (auto s = CheckDeadline(limits, "computing overlap"); !s.ok()) return s;
    for (size_t b = a + 1; b < groups.size(); ++b) {
      OverlapPair p;
      p.a = a;
      p.b = b;
      p.shared = index.Shared(pos[a], pos[b]);
      p.only_a = m.technique_counts[a] - p.shared;
      p.only_b = m.technique_counts[b] - p.shared;
      int uni = p.shared + p.only_a + p.only_b;
      p.jaccard = uni == 0 ? 0.0 : static_cast<double>(p.shared) / uni;
      m.pairs.push_back(p);
    }
  }
  return m;
}

absl::StatusOr<std::vector<SimilarGroup>> MostSimilarGroups(const GroupTechniqueIndex& index, NodeId group, size_t k) {
  int me = index.IndexOf(group);
  if (me < 0)
    return absl::InvalidArgumentError(Cat(index.graph().node(group).attack_id, " is not an active group of ",
                                          index.graph().id().Name()));
  if (k == 0) return absl::InvalidArgumentError("top-k needs k > 0");
  const int mine = static_cast<int>(index.techniques(me).size());
  std::vector<SimilarGroup> all;
  for (size_t j = 0; j < index.groups().size(); ++j) {
    if (static_cast<int>(j) == me) continue;
    int shared = index.Shared(me, j);
    if (shared == 0) continue;
    SimilarGroup s;
    s.group = index.groups()[j];
    s.shared = shared;
    s.only_target = mine - shared;
    s.only_other = static_cast<int>(index.techniques(j).size()) - shared;
    s.jaccard = static_cast<double>(shared) / (shared + s.only_target + s.only_other);
    all.push_back(s);
  }
  const ReleaseGraph& g = index.graph();
  auto better = [&](const SimilarGroup& a, const SimilarGroup& b) {
    if (a.jaccard != b.jaccard) return a.jaccard > b.jaccard;
    if (a.shared != b.shared) return a.shared > b.shared;
    return g.node(a.group).attack_id < g.node(b.group).attack_id;
  };
  size_t keep = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + keep, all.end(), better);
  all.resize(keep);
  return all;
}

std::vector<TechniqueUseCount> TechniqueUseCounts(const GroupTechniqueIndex& index, const std::vector<NodeId>& groups) {
  std::map<NodeId, std::vector<NodeId>> by_tech;
  for (NodeId gnode : groups) {
    int p = index.IndexOf(gnode);
    if (p < 0) continue;
    for (NodeId t : index.techniques(p)) by_tech[t].push_back(gnode);
  }
  const ReleaseGraph& g = index.graph();
  std::vector<TechniqueUseCount> out;
  for (auto& [t, gs] : by_tech) {
    SortByAttackId(g, &gs);
    out.push_back(TechniqueUseCount{t, std::move(gs)});
  }
  std::sort(out.begin(), out.end(), [&](const TechniqueUseCount& a, const TechniqueUseCount& b) {
    if (a.groups.size() != b.groups.size()) return a.groups.size() > b.groups.size();
    return g.node(a.technique).attack_id < g.node(b.technique).attack_id;
  });
  return out;
}

}  // namespace ttpgraph
