#include "graph/detection_mapping.h"

#include <algorithm>
#include <unordered_set>

#include "graph/queries.h"
#include "storage/strings.h"

namespace ttpgraph {

bool WellFormedTechniqueId(std::string_view id) {
  auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (id.size() != 5 && id.size() != 9) return false;
  if (id[0] != 'T' && id[0] != 't') return false;
  if (!digits(id.substr(1, 4))) return false;
  return id.size() == 5 || (id[5] == '.' && digits(id.substr(6)));
}

MappedTechniques MapDetectionTechniques(const ReleaseGraph& g, const std::vector<std::string>& ids) {
  MappedTechniques m;
  const std::string release = g.id().Name();
  std::unordered_set<std::string> in_techniques, in_unresolved, in_stale;
  auto add = [](std::vector<std::string>* v, std::unordered_set<std::string>* seen, const std::string& s) {
    if (seen->insert(s).second) v->push_back(s);
  };
  for (const std::string& raw : ids) {
    const std::string id = ToUpper(raw);
    auto n = ResolveObject(g, id, "attack-pattern");
    if (!n.ok()) {
      add(&m.unresolved, &in_unresolved, id);
      m.notes.push_back(WellFormedTechniqueId(id) ? Cat(id, " is not a technique in ", release)
                                                  : Cat("'", raw, "' is not a technique ID (T1234 or T1234.001)"));
      continue;
    }
    const Node& node = g.node(*n);
    if (!node.in_domain) {
      add(&m.unresolved, &in_unresolved, id);
      m.notes.push_back(Cat(id, " is outside the ", g.id().domain, " domain"));
      continue;
    }
    if (node.revoked) {
      RevokedChain chain = FollowRevokedBy(g, *n, QueryLimits{});
      if (chain.ends_active(g)) {
        std::vector<std::string> hops;
        for (NodeId h : chain.hops) hops.push_back(g.node(h).attack_id);
        add(&m.techniques, &in_techniques, g.node(chain.hops.back()).attack_id);
        m.notes.push_back(Cat("warning: ", id, " is revoked in ", release, "; mapped to ",
                              g.node(chain.hops.back()).attack_id, " through revoked-by ", Join(hops, " -> ")));
      } else {
        add(&m.techniques, &in_techniques, id);
        add(&m.stale, &in_stale, id);
        m.notes.push_back(Cat("stale: ", id, " is revoked in ", release, " without an active successor"));
      }
      continue;
    }
    add(&m.techniques, &in_techniques, id);
    if (node.deprecated) {
      add(&m.stale, &in_stale, id);
      m.notes.push_back(Cat("stale: ", id, " is deprecated in ", release));
    }
  }
  return m;
}

}  // namespace ttpgraph
