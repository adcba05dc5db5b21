#include "graph/detection_mapping.h"

#include <algorithm>
#include <unordered_set>

#include "graph/queries.h"
#include "storage/strings.h"

namespace ttpgraph {

bool WellFormedTechniqueId(std::string_view id) {
  if (TechniqueIdShape{}.Matches(id)) return true;
  // A framework's: a prefix of letters, '.' and '-' starting and ending with
  // a letter, digits, and optionally '.' and digits. The prefix "T" is
  // ATT&CK's, whose shape is fixed (T10 is no technique ID).
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  size_t i = 0;
  while (i < id.size() && !digit(id[i])) {
    if (!letter(id[i]) && (i == 0 || (id[i] != '.' && id[i] != '-'))) return false;
    ++i;
  }
  if (i == 0 || i == id.size() || !letter(id[i - 1]) || id.size() > 64) return false;
  if (i == 1 && (id[0] == 'T' || id[0] == 't')) return false;
  const size_t digits_from = i;
  while (i < id.size() && digit(id[i])) ++i;
  if (i == id.size()) return true;
  if (id[i] != '.' || i == digits_from || i + 1 == id.size()) return false;
  return std::all_of(id.begin() + i + 1, id.end(), digit);
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
      m.notes.push_back(g.technique_id_shape().Matches(id) || WellFormedTechniqueId(id)
                            ? Cat(id, " is not a technique in ", release)
                            : Cat("'", raw, "' is not a technique ID (", g.technique_id_shape().Example(), ")"));
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
