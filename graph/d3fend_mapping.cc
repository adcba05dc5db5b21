#include "graph/d3fend_mapping.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "graph/queries.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

constexpr std::string_view kTacticNames[] = {"Model", "Harden", "Detect", "Isolate", "Deceive", "Evict", "Restore",
                                             "Unknown"};

// Ancestor closures over the named-class and property hierarchies, memoised.
class Closure {
 public:
  explicit Closure(size_t n) : state_(n, 0), ancestors_(n) {}
  // Ancestors of i, itself included. parents(i) gives direct parents.
  template <typename Parents>
  const std::vector<uint32_t>& Of(uint32_t i, const Parents& parents) {
    if (state_[i] == 2) return ancestors_[i];
    if (state_[i] == 1) return ancestors_[i];  // a cycle: stop here (the ontology should have none)
    state_[i] = 1;
    std::vector<uint32_t> acc{i};
    for (uint32_t p : parents(i)) {
      const auto& pa = Of(p, parents);
      acc.insert(acc.end(), pa.begin(), pa.end());
    }
    std::sort(acc.begin(), acc.end());
    acc.erase(std::unique(acc.begin(), acc.end()), acc.end());
    ancestors_[i] = std::move(acc);
    state_[i] = 2;
    return ancestors_[i];
  }
  bool Has(uint32_t i, uint32_t ancestor) const {
    return std::binary_search(ancestors_[i].begin(), ancestors_[i].end(), ancestor);
  }

 private:
  std::vector<uint8_t> state_;
  std::vector<std::vector<uint32_t>> ancestors_;
};

}  // namespace

std::string_view D3fendTacticName(D3fendTactic t) { return kTacticNames[static_cast<int>(t)]; }

D3fendTactic ParseD3fendTactic(std::string_view name) {
  for (int i = 0; i < kD3fendTacticCount; ++i)
    if (ToLower(kTacticNames[i]) == ToLower(name)) return static_cast<D3fendTactic>(i);
  return D3fendTactic::kUnknown;
}

std::string_view MappingStatusName(MappingStatus s) {
  switch (s) {
    case MappingStatus::kMapped: return "mapped";
    case MappingStatus::kNotInD3fend: return "not in D3FEND";
    case MappingStatus::kNoArtifactRelation: return "no artifact relation on this technique";
    case MappingStatus::kNoMatchingCountermeasure: return "no D3FEND technique matches its artifacts";
  }
  return "?";
}

bool operator<(const ArtifactPath& a, const ArtifactPath& b) {
  return std::tie(a.offensive_relation, a.offensive_artifact, a.defensive_artifact, a.defensive_relation) <
         std::tie(b.offensive_relation, b.offensive_artifact, b.defensive_artifact, b.defensive_relation);
}
bool operator==(const ArtifactPath& a, const ArtifactPath& b) {
  return std::tie(a.offensive_relation, a.offensive_artifact, a.defensive_artifact, a.defensive_relation) ==
         std::tie(b.offensive_relation, b.offensive_artifact, b.defensive_artifact, b.defensive_relation);
}

absl::StatusOr<std::shared_ptr<const D3fendIndex>> D3fendIndex::Build(const D3fendOntology& onto,
                                                                       std::string version) {
  std::shared_ptr<D3fendIndex> idx(new D3fendIndex());
  idx->version_ = std::move(version);
  const auto& classes = onto.classes;
  const size_t n = classes.size();
  std::unordered_map<std::string_view, uint32_t> class_by_name;
  class_by_name.reserve(n);
  for (uint32_t i = 0; i < n; ++i) class_by_name.emplace(classes[i].name, i);
  auto find_class = [&](std::string_view name) -> int64_t {
    auto it = class_by_name.find(name);
    return it == class_by_name.end() ? -1 : it->second;
  };
  for (const auto& c : classes)
    if (!c.label.empty()) idx->labels_.emplace(c.name, c.label);

  // Class closure (named parents only).
  std::vector<std::vector<uint32_t>> class_parents(n);
  for (uint32_t i = 0; i < n; ++i)
    for (const auto& p : classes[i].parents)
      if (int64_t j = find_class(p); j >= 0) class_parents[i].push_back(static_cast<uint32_t>(j));
  Closure cc(n);
  auto cparents = [&](uint32_t i) -> const std::vector<uint32_t>& { return class_parents[i]; };
  for (uint32_t i = 0; i < n; ++i) cc.Of(i, cparents);

  // Property closure.
  const auto& props = onto.properties;
  std::unordered_map<std::string_view, uint32_t> prop_by_name;
  for (uint32_t i = 0; i < props.size(); ++i) prop_by_name.emplace(props[i].name, i);
  std::vector<std::vector<uint32_t>> prop_parents(props.size());
  for (uint32_t i = 0; i < props.size(); ++i)
    for (const auto& p : props[i].parents)
      if (auto it = prop_by_name.find(p); it != prop_by_name.end()) prop_parents[i].push_back(it->second);
  Closure pc(props.size());
  auto pparents = [&](uint32_t i) -> const std::vector<uint32_t>& { return prop_parents[i]; };
  for (uint32_t i = 0; i < props.size(); ++i) pc.Of(i, pparents);

  const int64_t artifact = find_class("Artifact");
  const int64_t defensive = find_class("DefensiveTechnique");
  auto assoc_it = prop_by_name.find("may-be-associated-with");
  if (defensive < 0) return absl::InvalidArgumentError("the ontology has no class DefensiveTechnique");
  auto is_artifact = [&](std::string_view name) {
    int64_t c = find_class(name);
    return artifact >= 0 && c >= 0 && cc.Has(static_cast<uint32_t>(c), static_cast<uint32_t>(artifact));
  };
  auto is_association = [&](std::string_view name) {
    auto it = prop_by_name.find(name);
    return assoc_it != prop_by_name.end() && it != prop_by_name.end() && name != "enables" &&
           pc.Has(it->second, assoc_it->second);
  };
  auto relations_of = [&](const D3fendClass& c) {
    std::vector<D3fendRestriction> out;
    for (const auto& r : c.restrictions)
      if (is_association(r.property) && is_artifact(r.filler)) out.push_back(r);
    return out;
  };

  // ---- D3FEND techniques: subClassOf+ DefensiveTechnique.
  std::vector<int32_t> defense_of_class(n, -1);
  std::vector<uint32_t> defense_classes;
  for (uint32_t i = 0; i < n; ++i)
    if (static_cast<int64_t>(i) != defensive && cc.Has(i, static_cast<uint32_t>(defensive))) defense_classes.push_back(i);
  if (defense_classes.empty())
    return absl::InvalidArgumentError("no class is a subclass of DefensiveTechnique: not a D3FEND ontology");
  // Tactic of a class: :enables written directly, or as a restriction.
  auto enables_of = [&](const D3fendClass& c) {
    for (const auto& e : c.enables)
      if (auto t = ParseD3fendTactic(e); t != D3fendTactic::kUnknown) return t;
    for (const auto& r : c.restrictions)
      if (r.property == "enables")
        if (auto t = ParseD3fendTactic(r.filler); t != D3fendTactic::kUnknown) return t;
    return D3fendTactic::kUnknown;
  };
  struct Tmp {
    uint32_t cls;
    int32_t parent_cls = -1;  // class index of the tree parent
    D3fendTactic tactic = D3fendTactic::kUnknown;
  };
  std::vector<Tmp> tmp;
  std::vector<bool> is_defense(n, false);
  for (uint32_t c : defense_classes) is_defense[c] = true;
  for (uint32_t c : defense_classes) {
    Tmp t{c};
    const auto& parents = class_parents[c];
    bool top = std::find(parents.begin(), parents.end(), static_cast<uint32_t>(defensive)) != parents.end();
    if (!top) {
      // Tree parent: the first named parent that is itself a D3FEND technique.
      std::vector<uint32_t> cand;
      for (uint32_t p : parents)
        if (is_defense[p]) cand.push_back(p);
      std::sort(cand.begin(), cand.end(), [&](uint32_t a, uint32_t b) { return classes[a].name < classes[b].name; });
      if (!cand.empty()) t.parent_cls = static_cast<int32_t>(cand[0]);
    }
    tmp.push_back(t);
  }
  // Tactic from the top-level ancestor(s): ancestors that directly subclass DefensiveTechnique.
  for (Tmp& t : tmp) {
    for (uint32_t a : cc.Of(t.cls, cparents)) {
      if (!is_defense[a]) continue;
      const auto& ap = class_parents[a];
      if (std::find(ap.begin(), ap.end(), static_cast<uint32_t>(defensive)) == ap.end()) continue;
      D3fendTactic tt = enables_of(classes[a]);
      if (tt != D3fendTactic::kUnknown && (t.tactic == D3fendTactic::kUnknown || tt < t.tactic)) t.tactic = tt;
    }
  }
  // Order: tactics in published order, then depth-first, siblings by label.
  std::unordered_map<uint32_t, std::vector<uint32_t>> kids;  // parent class -> tmp indices
  std::vector<uint32_t> top_level;
  for (uint32_t k = 0; k < tmp.size(); ++k) {
    if (tmp[k].parent_cls < 0) top_level.push_back(k);
    else kids[static_cast<uint32_t>(tmp[k].parent_cls)].push_back(k);
  }
  auto by_label = [&](uint32_t a, uint32_t b) {
    const auto& ca = classes[tmp[a].cls];
    const auto& cb = classes[tmp[b].cls];
    return std::tie(ca.label, ca.name) < std::tie(cb.label, cb.name);
  };
  std::sort(top_level.begin(), top_level.end(), [&](uint32_t a, uint32_t b) {
    if (tmp[a].tactic != tmp[b].tactic) return tmp[a].tactic < tmp[b].tactic;
    return by_label(a, b);
  });
  for (auto& [p, v] : kids) std::sort(v.begin(), v.end(), by_label);
  std::vector<int32_t> defense_index_of_class(n, -1);
  std::vector<uint8_t> placed(tmp.size(), 0);
  std::function<void(uint32_t, int32_t, int)> place = [&](uint32_t k, int32_t parent, int depth) {
    if (placed[k]) return;
    placed[k] = 1;
    const D3fendClass& c = classes[tmp[k].cls];
    D3fendTechnique d;
    d.name = c.name;
    d.d3fend_id = c.d3fend_id;
    d.label = c.label;
    d.definition = c.definition;
    d.tactic = tmp[k].tactic;
    d.parent = parent;
    d.depth = depth;
    d.relations = relations_of(c);
    uint32_t me = static_cast<uint32_t>(idx->techniques_.size());
    defense_index_of_class[tmp[k].cls] = static_cast<int32_t>(me);
    idx->techniques_.push_back(std::move(d));
    if (parent >= 0) idx->techniques_[parent].children.push_back(me);
    else idx->roots_.push_back(me);
    if (auto it = kids.find(tmp[k].cls); it != kids.end())
      for (uint32_t kid : it->second) place(kid, static_cast<int32_t>(me), depth + 1);
  };
  for (uint32_t k : top_level) place(k, -1, 0);
  for (uint32_t k = 0; k < tmp.size(); ++k) place(k, -1, 0);  // parent chain with a cycle: keep as roots
  for (uint32_t i = 0; i < idx->techniques_.size(); ++i) {
    const auto& d = idx->techniques_[i];
    std::string upper = ToUpper(d.d3fend_id);
    if (!upper.empty()) idx->defense_by_id_.emplace(upper, i);
    idx->defense_by_id_.emplace(ToUpper(d.name), i);
  }

  // ---- ATT&CK techniques and their direct relations.
  for (uint32_t i = 0; i < n; ++i) {
    const D3fendClass& c = classes[i];
    if (c.attack_id.empty()) continue;
    AttackTechniqueInfo a;
    a.attack_id = c.attack_id;
    a.name = c.name;
    a.label = c.label;
    a.deprecated = c.deprecated;
    a.relations = relations_of(c);
    idx->attack_.push_back(std::move(a));
  }
  std::sort(idx->attack_.begin(), idx->attack_.end(),
            [](const AttackTechniqueInfo& a, const AttackTechniqueInfo& b) { return a.attack_id < b.attack_id; });
  for (uint32_t i = 0; i < idx->attack_.size(); ++i) idx->attack_by_id_.emplace(ToUpper(idx->attack_[i].attack_id), i);

  // ---- Match (rule 3): defensive relations indexed by artifact class.
  struct DefRel {
    uint32_t defense;
    const std::string* property;
    const std::string* artifact;
  };
  std::unordered_map<uint32_t, std::vector<DefRel>> def_by_artifact;
  for (uint32_t d = 0; d < idx->techniques_.size(); ++d)
    for (const auto& r : idx->techniques_[d].relations)
      if (int64_t a = find_class(r.filler); a >= 0)
        def_by_artifact[static_cast<uint32_t>(a)].push_back({d, &r.property, &r.filler});
  idx->links_by_attack_.resize(idx->attack_.size());
  idx->links_by_defense_.resize(idx->techniques_.size());
  for (uint32_t t = 0; t < idx->attack_.size(); ++t) {
    std::map<uint32_t, std::vector<ArtifactPath>> by_defense;
    for (const auto& r : idx->attack_[t].relations) {
      int64_t ao = find_class(r.filler);
      if (ao < 0) continue;
      for (uint32_t ad : cc.Of(static_cast<uint32_t>(ao), cparents)) {
        auto it = def_by_artifact.find(ad);
        if (it == def_by_artifact.end()) continue;
        for (const DefRel& dr : it->second)
          by_defense[dr.defense].push_back({r.property, r.filler, *dr.artifact, *dr.property});
      }
    }
    std::vector<CountermeasureLink> links;
    for (auto& [d, paths] : by_defense) {
      std::sort(paths.begin(), paths.end());
      paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
      idx->path_count_ += paths.size();
      links.push_back({t, d, std::move(paths)});
    }
    std::sort(links.begin(), links.end(), [&](const CountermeasureLink& a, const CountermeasureLink& b) {
      const auto& da = idx->techniques_[a.defense];
      const auto& db = idx->techniques_[b.defense];
      return std::tie(da.tactic, da.d3fend_id, da.name) < std::tie(db.tactic, db.d3fend_id, db.name);
    });
    for (auto& l : links) idx->links_.push_back(std::move(l));
  }
  for (uint32_t i = 0; i < idx->links_.size(); ++i) {
    idx->links_by_attack_[idx->links_[i].attack].push_back(i);
    idx->links_by_defense_[idx->links_[i].defense].push_back(i);  // attack order = ATT&CK ID order
  }
  return std::shared_ptr<const D3fendIndex>(std::move(idx));
}

int32_t D3fendIndex::FindTechnique(std::string_view id) const {
  auto it = defense_by_id_.find(ToUpper(id));
  return it == defense_by_id_.end() ? -1 : static_cast<int32_t>(it->second);
}

CountermeasureAnswer D3fendIndex::CountermeasuresFor(std::string_view attack_id) const {
  CountermeasureAnswer a;
  auto it = attack_by_id_.find(ToUpper(attack_id));
  if (it == attack_by_id_.end()) {
    a.status = MappingStatus::kNotInD3fend;
    return a;
  }
  a.technique = &attack_[it->second];
  for (uint32_t l : links_by_attack_[it->second]) a.links.push_back(&links_[l]);
  a.status = !a.links.empty()                  ? MappingStatus::kMapped
             : a.technique->relations.empty() ? MappingStatus::kNoArtifactRelation
                                              : MappingStatus::kNoMatchingCountermeasure;
  return a;
}

std::vector<CounteredTechnique> D3fendIndex::CounteredTechniques(uint32_t defense) const {
  std::vector<CounteredTechnique> out;
  if (defense >= links_by_defense_.size()) return out;
  for (uint32_t l : links_by_defense_[defense]) out.push_back({&attack_[links_[l].attack], &links_[l]});
  return out;
}

std::array<int, kD3fendTacticCount + 1> D3fendIndex::TacticCounts() const {
  std::array<int, kD3fendTacticCount + 1> counts{};
  for (const auto& t : techniques_) ++counts[static_cast<int>(t.tactic)];
  return counts;
}

std::string_view D3fendIndex::Label(std::string_view name) const {
  auto it = labels_.find(std::string(name));
  return it == labels_.end() ? name : std::string_view(it->second);
}

std::shared_ptr<const RevokedInto> BuildRevokedInto(const ReleaseGraph& g, const QueryLimits& limits) {
  auto out = std::make_shared<RevokedInto>();
  for (NodeId t : g.techniques()) {  // ordered by ATT&CK ID
    const Node& node = g.node(t);
    if (!node.revoked || node.attack_id.empty()) continue;
    RevokedChain chain = FollowRevokedBy(g, t, limits);
    if (chain.ends_active(g)) out->predecessors[chain.hops.back()].push_back(t);
  }
  return out;
}

absl::StatusOr<ReleaseCountermeasures> CountermeasuresInRelease(const D3fendIndex& index, const ReleaseGraph& g,
                                                                std::string_view technique,
                                                                const QueryLimits& limits,
                                                                const RevokedInto* revoked_into) {
  auto a = ResolveActive(g, technique, {"attack-pattern"}, "technique", limits);
  if (!a.ok()) return a.status();
  ReleaseCountermeasures out;
  out.asked = a->asked;
  out.resolved = a->answered;
  out.revoked_chain = std::move(a->chain);
  out.answer = index.CountermeasuresFor(g.node(out.resolved).attack_id);
  // D3FEND is built against one ATT&CK version: an ID it still knows may be
  // revoked into the asked technique in this release.
  std::shared_ptr<const RevokedInto> built;
  if (!revoked_into) revoked_into = (built = BuildRevokedInto(g, limits)).get();
  if (auto it = revoked_into->predecessors.find(out.resolved); it != revoked_into->predecessors.end()) {
    for (NodeId t : it->second) {
      CountermeasureAnswer prev = index.CountermeasuresFor(g.node(t).attack_id);
      if (prev.status == MappingStatus::kMapped) out.via_revoked.push_back(std::move(prev));
    }
  }
  std::sort(out.via_revoked.begin(), out.via_revoked.end(), [](const auto& a, const auto& b) {
    return a.technique->attack_id < b.technique->attack_id;
  });
  return out;
}

}  // namespace ttpgraph
