#include "graph/queries.h"

#include <algorithm>
#include <map>
#include <set>

#include "storage/strings.h"
#include "graph/internal/bgl_types.h"

namespace ttpgraph {
using internal::ForEachActive;
namespace {
// "an " before a vowel ("an attack-pattern", "an intrusion-set"), else "a ".
const char* Article(std::string_view word) {
  return !word.empty() && std::string_view("aeiou").find(word[0]) != std::string_view::npos ? "an " : "a ";
}
}  // namespace
namespace {

bool IsSoftware(const Node& n) { return n.type == "malware" || n.type == "tool"; }

void SortUnique(const ReleaseGraph& g, std::vector<NodeId>* ids) {
  SortByAttackId(g, ids);
  ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
}

}  // namespace

void SortByAttackId(const ReleaseGraph& g, std::vector<NodeId>* ids) {
  std::sort(ids->begin(), ids->end(), [&](NodeId a, NodeId b) {
    const Node &x = g.node(a), &y = g.node(b);
    if (x.attack_id != y.attack_id) return x.attack_id < y.attack_id;
    if (x.name != y.name) return x.name < y.name;
    return a < b;
  });
}

absl::StatusOr<NodeId> ResolveObject(const ReleaseGraph& g, std::string_view id, std::string_view type) {
  if (id.empty()) return absl::InvalidArgumentError("no object id given");
  if (id.find("--") != std::string_view::npos) {
    NodeId n = g.FindStix(id);
    if (n == kNoNode) return absl::NotFoundError(Cat("no object ", id, " in ", g.id().Name()));
    if (!type.empty() && g.node(n).type != type)
      return absl::InvalidArgumentError(Cat(id, " is ", Article(g.node(n).type), g.node(n).type, ", not ", Article(type), type));
    return n;
  }
  std::vector<NodeId> matches;
  for (NodeId n : g.FindAttackId(id))
    if (type.empty() || g.node(n).type == type) matches.push_back(n);
  if (matches.empty()) {
    if (!type.empty() && !g.FindAttackId(id).empty())
      return absl::NotFoundError(Cat("ATT&CK ID ", id, " names no ", type, " in ", g.id().Name()));
    return absl::NotFoundError(Cat("unknown ATT&CK ID ", id, " in ", g.id().Name()));
  }
  if (matches.size() > 1) {
    std::set<std::string> types;
    for (NodeId n : matches) types.insert(g.node(n).type);
    if (types.size() > 1)
      return absl::InvalidArgumentError(Cat("ATT&CK ID ", id, " names ", matches.size(), " objects of types ",
                                                     Join(types, ", "), " in ", g.id().Name(),
                                                     "; give the type"));
    // Same type twice (a revoked duplicate): prefer the active one.
    for (NodeId n : matches)
      if (g.node(n).active()) return n;
  }
  return matches[0];
}

absl::StatusOr<NodeId> ResolveTyped(const ReleaseGraph& g, std::string_view id,
                                    const std::vector<std::string_view>& types, std::string_view what) {
  absl::StatusOr<NodeId> found = absl::NotFoundError("");
  for (auto t : types) {
    found = ResolveObject(g, id, t);
    if (found.ok() || !absl::IsNotFound(found.status())) return found;
  }
  if (!g.FindAttackId(id).empty() || g.FindStix(id) != kNoNode) {
    auto any = ResolveObject(g, id);
    if (any.ok())
      return absl::InvalidArgumentError(Cat(id, " is ", Article(g.node(*any).type), g.node(*any).type, ", not a ", what));
  }
  return absl::NotFoundError(Cat("unknown ", what, " ", id, " in ", g.id().Name()));
}

RevokedChain FollowRevokedBy(const ReleaseGraph& g, NodeId n, const QueryLimits& limits) {
  RevokedChain chain;
  std::set<NodeId> seen = {n};
  for (NodeId cur = g.RevokedBySuccessor(n); cur != kNoNode; cur = g.RevokedBySuccessor(cur)) {
    if (!seen.insert(cur).second) {
      chain.cycle = true;
      break;
    }
    if (chain.hops.size() >= limits.max_depth) {
      chain.too_long = true;
      break;
    }
    chain.hops.push_back(cur);
  }
  return chain;
}

bool RevokedChain::ends_active(const ReleaseGraph& g) const {
  return !hops.empty() && !cycle && !too_long && g.node(hops.back()).active();
}

absl::StatusOr<ActiveObject> ResolveActive(const ReleaseGraph& g, std::string_view id,
                                           const std::vector<std::string_view>& types, std::string_view what,
                                           const QueryLimits& limits) {
  auto n = ResolveTyped(g, id, types, what);
  if (!n.ok()) return n.status();
  ActiveObject a;
  a.asked = a.answered = *n;
  const Node& asked = g.node(*n);
  const std::string name = asked.attack_id.empty() ? asked.stix_id : asked.attack_id;
  if (asked.revoked) {
    RevokedChain chain = FollowRevokedBy(g, *n, limits);
    std::vector<std::string> hops = {name};
    for (NodeId h : chain.hops) hops.push_back(g.node(h).attack_id.empty() ? g.node(h).stix_id : g.node(h).attack_id);
    const std::string path = Join(hops, " -> ");
    if (chain.cycle)
      return absl::FailedPreconditionError(Cat(what, " ", name, " is revoked in ", g.id().Name(),
                                               " and its revoked-by chain loops: ", path, " -> ..."));
    if (chain.too_long)
      return absl::FailedPreconditionError(Cat(what, " ", name, " is revoked in ", g.id().Name(),
                                               " and its revoked-by chain is too long (more than ", limits.max_depth,
                                               " hops): ", path, " -> ..."));
    if (chain.hops.empty())
      return absl::FailedPreconditionError(Cat(what, " ", name, " is revoked in ", g.id().Name(),
                                               " and names no successor (its revoked-by chain ends in nothing)"));
    const Node& end = g.node(chain.hops.back());
    if (!end.active() || !std::count(types.begin(), types.end(), std::string_view(end.type)))
      return absl::FailedPreconditionError(Cat(what, " ", name, " is revoked in ", g.id().Name(),
                                               " and its revoked-by chain ends in ", hops.back(),
                                               end.revoked ? ", revoked without a successor"
                                               : end.deprecated ? ", which is deprecated"
                                                                : Cat(", ", Article(end.type), end.type, ", not a ", what),
                                               ": ", path));
    a.answered = chain.hops.back();
    a.chain = std::move(chain.hops);
    return a;
  }
  if (asked.deprecated)
    return absl::FailedPreconditionError(Cat(what, " ", name, " is deprecated in ", g.id().Name(),
                                             " (no successor to answer for)"));
  return a;
}

absl::StatusOr<std::vector<NodeId>> ListTechniques(const ReleaseGraph& g, const TechniqueFilter& f) {
  std::string tactic_short;
  if (!f.tactic.empty()) {
    NodeId t = g.FindTacticByShortname(f.tactic);
    if (t == kNoNode) {
      auto byid = ResolveObject(g, f.tactic, "x-mitre-tactic");
      if (!byid.ok())
        return absl::NotFoundError(Cat("unknown tactic '", f.tactic, "' in ", g.id().Name(),
                                                " (use a short name such as execution, or a TA id)"));
      t = *byid;
    }
    tactic_short = g.node(t).tactics.empty() ? "" : g.node(t).tactics[0];
  }
  const std::string platform = ToLower(f.platform);
  const std::string query = ToLower(f.query);
  std::vector<NodeId> out;
  for (NodeId n : g.techniques()) {
    const Node& t = g.node(n);
    if (!t.in_domain) continue;
    if (t.revoked && !f.include_revoked) continue;
    if (t.deprecated && !f.include_deprecated) continue;
    if (t.is_subtechnique && !f.include_subtechniques) continue;
    if (!tactic_short.empty() && std::find(t.tactics.begin(), t.tactics.end(), tactic_short) == t.tactics.end())
      continue;
    if (!platform.empty() && std::none_of(t.platforms.begin(), t.platforms.end(), [&](const std::string& p) {
          return ToLower(p) == platform;
        }))
      continue;
    if (!query.empty() && !Contains(ToLower(t.name), query) &&
        std::none_of(t.aliases.begin(), t.aliases.end(),
                     [&](const std::string& a) { return Contains(ToLower(a), query); }))
      continue;
    out.push_back(n);
  }
  return out;
}

std::vector<NodeId> SearchObjects(const ReleaseGraph& g, std::string_view query,
                                  const std::vector<std::string>& types, bool include_revoked,
                                  bool include_deprecated) {
  const std::string q = ToLower(query);
  std::vector<NodeId> out;
  for (NodeId n = 0; n < g.nodes().size(); ++n) {
    const Node& o = g.node(n);
    if (o.type == "relationship" || !o.in_domain) continue;
    if (types.empty() ? o.attack_id.empty() : std::find(types.begin(), types.end(), o.type) == types.end()) continue;
    if ((o.revoked && !include_revoked) || (o.deprecated && !include_deprecated)) continue;
    bool hit = Contains(ToLower(o.name), q) ||
               Contains(ToLower(o.attack_id), q) ||
               std::any_of(o.aliases.begin(), o.aliases.end(),
                           [&](const std::string& a) { return Contains(ToLower(a), q); });
    if (hit) out.push_back(n);
  }
  SortByAttackId(g, &out);
  return out;
}

std::vector<NodeId> TechniqueTactics(const ReleaseGraph& g, NodeId technique) {
  std::vector<NodeId> out;
  for (auto& shortname : g.node(technique).tactics)
    if (NodeId t = g.FindTacticByShortname(shortname); t != kNoNode) out.push_back(t);
  return out;
}

std::vector<NodeId> Subtechniques(const ReleaseGraph& g, NodeId technique) {
  std::vector<NodeId> out;
  ForEachActive(g, technique, RelType::kSubtechniqueOf, /*out=*/false, [&](NodeId sub, NodeId) {
    out.push_back(sub);
  });
  SortUnique(g, &out);
  return out;
}

std::vector<NodeId> GroupSoftware(const ReleaseGraph& g, NodeId group) {
  std::vector<NodeId> out;
  ForEachActive(g, group, RelType::kUses, true, [&](NodeId s, NodeId) {
    if (IsSoftware(g.node(s))) out.push_back(s);
  });
  SortUnique(g, &out);
  return out;
}

std::vector<NodeId> GroupCampaigns(const ReleaseGraph& g, NodeId group) {
  std::vector<NodeId> out;
  ForEachActive(g, group, RelType::kAttributedTo, false, [&](NodeId c, NodeId) {
    if (g.node(c).type == "campaign") out.push_back(c);
  });
  SortUnique(g, &out);
  return out;
}

namespace {
// Techniques a user (group, software, campaign) uses directly.
template <typename Fn>
void ForEachTechniqueUsed(const ReleaseGraph& g, NodeId user, Fn fn) {
  ForEachActive(g, user, RelType::kUses, true, [&](NodeId t, NodeId rel) {
    if (g.node(t).type == "attack-pattern") fn(t, rel);
  });
}
}  // namespace

absl::Status CheckUsagePaths(const UsagePaths& paths) {
  if (!paths.direct && !paths.software && !paths.campaigns)
    return absl::InvalidArgumentError("all three usage paths are excluded: keep at least one");
  return absl::OkStatus();
}

std::vector<GroupTechnique> TechniquesUsedByGroup(const ReleaseGraph& g, NodeId group, const UsagePaths& paths) {
  std::map<NodeId, GroupTechnique> by_tech;
  if (paths.direct)
    ForEachTechniqueUsed(g, group, [&](NodeId t, NodeId) { by_tech[t].direct = true; });
  if (paths.software)
    for (NodeId s : GroupSoftware(g, group))
      ForEachTechniqueUsed(g, s, [&](NodeId t, NodeId) { by_tech[t].via_software.push_back(s); });
  if (paths.campaigns)
    for (NodeId c : GroupCampaigns(g, group))
      ForEachTechniqueUsed(g, c, [&](NodeId t, NodeId) { by_tech[t].via_campaigns.push_back(c); });
  std::vector<GroupTechnique> out;
  out.reserve(by_tech.size());
  for (auto& [t, gt] : by_tech) {
    gt.technique = t;
    SortUnique(g, &gt.via_software);
    SortUnique(g, &gt.via_campaigns);
    out.push_back(std::move(gt));
  }
  std::sort(out.begin(), out.end(), [&](const GroupTechnique& a, const GroupTechnique& b) {
    return g.node(a.technique).attack_id < g.node(b.technique).attack_id;
  });
  return out;
}

std::vector<TechniqueUser> TechniqueUsers(const ReleaseGraph& g, NodeId technique, UserKind kind) {
  std::map<NodeId, TechniqueUser> groups;
  std::vector<NodeId> software, campaigns;
  ForEachActive(g, technique, RelType::kUses, false, [&](NodeId u, NodeId) {
    const Node& n = g.node(u);
    if (n.type == "intrusion-set") groups[u].direct = true;
    else if (IsSoftware(n)) software.push_back(u);
    else if (n.type == "campaign") campaigns.push_back(u);
  });
  SortUnique(g, &software);
  SortUnique(g, &campaigns);
  for (NodeId s : software)
    ForEachActive(g, s, RelType::kUses, false, [&](NodeId u, NodeId) {
      if (g.node(u).type == "intrusion-set") groups[u].via_software.push_back(s);
    });
  for (NodeId c : campaigns)
    ForEachActive(g, c, RelType::kAttributedTo, true, [&](NodeId u, NodeId) {
      if (g.node(u).type == "intrusion-set") groups[u].via_campaigns.push_back(c);
    });
  std::vector<TechniqueUser> out;
  if (kind == UserKind::kAll || kind == UserKind::kGroups) {
    std::vector<NodeId> ids;
    for (auto& [u, tu] : groups) ids.push_back(u);
    SortByAttackId(g, &ids);
    for (NodeId u : ids) {
      TechniqueUser tu = std::move(groups[u]);
      tu.user = u;
      SortUnique(g, &tu.via_software);
      SortUnique(g, &tu.via_campaigns);
      out.push_back(std::move(tu));
    }
  }
  if (kind == UserKind::kAll || kind == UserKind::kSoftware)
    for (NodeId s : software) out.push_back(TechniqueUser{s, true, {}, {}});
  if (kind == UserKind::kAll || kind == UserKind::kCampaigns)
    for (NodeId c : campaigns) out.push_back(TechniqueUser{c, true, {}, {}});
  return out;
}

std::vector<RelatedVia> Mitigations(const ReleaseGraph& g, NodeId technique) {
  std::vector<RelatedVia> out;
  ForEachActive(g, technique, RelType::kMitigates, false, [&](NodeId m, NodeId rel) {
    if (g.node(m).type == "course-of-action") out.push_back({m, rel});
  });
  std::sort(out.begin(), out.end(), [&](const RelatedVia& a, const RelatedVia& b) {
    return g.node(a.object).attack_id != g.node(b.object).attack_id
               ? g.node(a.object).attack_id < g.node(b.object).attack_id
               : a.relationship < b.relationship;
  });
  return out;
}

std::vector<RelatedVia> ProcedureExamples(const ReleaseGraph& g, NodeId technique) {
  std::vector<RelatedVia> out;
  ForEachActive(g, technique, RelType::kUses, false, [&](NodeId u, NodeId rel) {
    const Node& n = g.node(u);
    if (n.type == "intrusion-set" || IsSoftware(n) || n.type == "campaign") out.push_back({u, rel});
  });
  std::sort(out.begin(), out.end(), [&](const RelatedVia& a, const RelatedVia& b) {
    return g.node(a.object).attack_id != g.node(b.object).attack_id
               ? g.node(a.object).attack_id < g.node(b.object).attack_id
               : a.relationship < b.relationship;
  });
  return out;
}

std::vector<NodeId> StrategyAnalytics(const ReleaseGraph& g, NodeId strategy) {
  std::vector<NodeId> out;
  for (NodeId a : g.node(strategy).refs)
    if (g.node(a).active() && g.node(a).type == "x-mitre-analytic") out.push_back(a);
  SortUnique(g, &out);
  return out;
}

Detectability TechniqueDetectability(const ReleaseGraph& g, NodeId technique) {
  Detectability d;
  std::map<NodeId, DetectingComponent> by_dc;
  ForEachActive(g, technique, RelType::kDetects, false, [&](NodeId src, NodeId) {
    const Node& n = g.node(src);
    if (n.type == "x-mitre-data-component") {
      by_dc[src].via_detects_relationship = true;
    } else if (n.type == "x-mitre-detection-strategy") {
      d.strategies.push_back(src);
    }
  });
  SortUnique(g, &d.strategies);
  for (NodeId s : d.strategies)
    for (NodeId a : StrategyAnalytics(g, s))
      for (const LogSourceRef& ls : g.node(a).log_sources) {
        if (ls.data_component == kNoNode || !g.node(ls.data_component).active()) continue;
        DetectingComponent& dc = by_dc[ls.data_component];
        if (std::find(dc.strategies.begin(), dc.strategies.end(), s) == dc.strategies.end()) dc.strategies.push_back(s);
        if (std::find(dc.analytics.begin(), dc.analytics.end(), a) == dc.analytics.end()) dc.analytics.push_back(a);
        bool seen = std::any_of(dc.log_sources.begin(), dc.log_sources.end(), [&](const LogSourceRef& x) {
          return x.name == ls.name && x.channel == ls.channel;
        });
        if (!seen) dc.log_sources.push_back(ls);
      }
  std::vector<NodeId> ids;
  for (auto& [dc, v] : by_dc) ids.push_back(dc);
  SortByAttackId(g, &ids);
  for (NodeId id : ids) {
    DetectingComponent c = std::move(by_dc[id]);
    c.data_component = id;
    d.components.push_back(std::move(c));
  }
  return d;
}

}  // namespace ttpgraph
