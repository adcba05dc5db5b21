#include "graph/overlap.h"

#include <algorithm>
#include <map>
#include <set>

#include "storage/strings.h"

namespace ttpgraph {

absl::StatusOr<std::vector<NodeId>> ResolveGroups(const ReleaseGraph& g, const std::vector<std::string>& ids,
                                                  std::vector<ActiveObject>* revoked, const QueryLimits& limits) {
  std::vector<NodeId> out;
  if (ids.empty()) {
    for (NodeId n = 0; n < g.nodes().size(); ++n) {
      const Node& o = g.node(n);
      if (o.type == "intrusion-set" && o.active() && o.in_domain) out.push_back(n);
    }
    SortByAttackId(g, &out);
    return out;
  }
  static const std::vector<std::string_view> kGroupTypes = {"intrusion-set"};
  std::vector<std::string> unknown;
  for (const std::string& id : ids) {
    auto a = ResolveActive(g, id, kGroupTypes, "group", limits);
    if (!a.ok()) {
      if (absl::IsNotFound(a.status())) {
        unknown.push_back(id);
        continue;
      }
      return a.status();
    }
    if (!g.node(a->answered).in_domain)
      return absl::InvalidArgumentError(Cat("group ", id, " is outside the ", g.id().domain, " domain of ",
                                            g.id().Name()));
    if (a->answered != a->asked && revoked != nullptr) revoked->push_back(*a);
    out.push_back(a->answered);
  }
  if (!unknown.empty())
    return absl::NotFoundError(Cat("unknown group", unknown.size() > 1 ? "s " : " ", Join(unknown, ", "), " in ",
                                   g.id().Name()));
  SortByAttackId(g, &out);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::StatusOr<OverlapMatrix> ComputeOverlap(const GroupUsageIndex& index, const std::vector<NodeId>& groups,
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
    m.technique_counts.push_back(static_cast<int>(index.uses(p).size()));
  }
  m.pairs.reserve(groups.size() * (groups.size() - 1) / 2);
  for (size_t a = 0; a < groups.size(); ++a) {
    if (a % 64 == 0)
      if (auto s = limits.Check("computing overlap"); !s.ok()) return s;
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

absl::StatusOr<std::vector<SimilarGroup>> MostSimilarGroups(const GroupUsageIndex& index, NodeId group, size_t k) {
  int me = index.IndexOf(group);
  if (me < 0)
    return absl::InvalidArgumentError(Cat(index.graph().node(group).attack_id, " is not an active group of ",
                                          index.graph().id().Name()));
  if (k == 0) return absl::InvalidArgumentError("top-k needs k > 0");
  const int mine = static_cast<int>(index.uses(me).size());
  std::vector<SimilarGroup> all;
  for (size_t j = 0; j < index.groups().size(); ++j) {
    if (static_cast<int>(j) == me) continue;
    int shared = index.Shared(me, j);
    if (shared == 0) continue;
    SimilarGroup s;
    s.group = index.groups()[j];
    s.shared = shared;
    s.only_target = mine - shared;
    s.only_other = static_cast<int>(index.uses(j).size()) - shared;
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

std::vector<TechniqueUseCount> TechniqueUseCounts(const GroupUsageIndex& index, const std::vector<NodeId>& groups) {
  std::map<NodeId, std::vector<NodeId>> by_tech;
  for (NodeId gnode : groups) {
    int p = index.IndexOf(gnode);
    if (p < 0) continue;
    for (const GroupTechnique& gt : index.uses(p)) by_tech[gt.technique].push_back(gnode);
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
