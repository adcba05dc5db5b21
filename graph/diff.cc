#include "graph/diff.h"

#include <simdjson.h>

#include <algorithm>
#include <map>
#include <set>

#include "graph/internal/bgl_types.h"
#include "graph/queries.h"
#include "storage/strings.h"

namespace ttpgraph {
using internal::ForEachActive;
namespace {

constexpr const char* kTypeNames[kDiffObjectTypeCount] = {
    "techniques", "software",       "groups",         "campaigns",           "assets",
    "mitigations", "datasources",   "datacomponents", "detectionstrategies", "analytics"};
constexpr const char* kCategoryNames[kChangeCategoryCount] = {
    "additions", "major_version_changes", "minor_version_changes", "other_version_changes", "patches",
    "revocations", "deprecations", "deletions", "unchanged"};

// diff_stix's AttackObjectVersion: "major.minor", 0.0 when absent.
struct ObjVersion {
  long major = 0, minor = 0;
  bool valid = true;
  bool operator==(const ObjVersion& o) const { return major == o.major && minor == o.minor && valid == o.valid; }
};
ObjVersion ParseObjVersion(const std::string& v) {
  ObjVersion out;
  if (v.empty()) return out;
  auto parts = Split(v, '.');
  if (parts.size() != 2 || !ParseNumber(parts[0], &out.major) || !ParseNumber(parts[1], &out.minor)) out.valid = false;
  return out;
}

// A STIX timestamp reduced to a comparable instant: seconds part plus the
// fraction without trailing zeros ("...:00.000Z" equals "...:00Z").
std::string NormalizeTimestamp(std::string_view ts) {
  std::string s(ts);
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.pop_back();
  auto dot = s.find('.');
  if (dot == std::string::npos) return s;
  std::string frac = s.substr(dot + 1);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return frac.empty() ? s.substr(0, dot) : s.substr(0, dot + 1) + frac;
}

// Python's str.replace("\n", " ").splitlines(), as a set of lines.
std::set<std::string> DescriptionLines(std::string_view d) {
  std::set<std::string> lines;
  std::string cur;
  bool pending = false;  // a line was started (Python drops only a trailing empty piece)
  for (size_t i = 0; i < d.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(d[i]);
    size_t sep = 0;
    if (c == '\r') sep = (i + 1 < d.size() && d[i + 1] == '\n') ? 2 : 1;
    else if (c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e) sep = 1;
    else if (c == 0xc2 && i + 1 < d.size() && static_cast<unsigned char>(d[i + 1]) == 0x85) sep = 2;
    else if (c == 0xe2 && i + 2 < d.size() && static_cast<unsigned char>(d[i + 1]) == 0x80 &&
             (static_cast<unsigned char>(d[i + 2]) == 0xa8 || static_cast<unsigned char>(d[i + 2]) == 0xa9))
      sep = 3;
    if (sep) {
      // "\r\n": the "\n" was replaced by a space before splitting, so only "\r" splits.
      if (sep == 2 && c == '\r') sep = 1;
      lines.insert(cur);
      cur.clear();
      pending = false;
      i += sep - 1;
      continue;
    }
    cur.push_back(c == '\n' ? ' ' : static_cast<char>(c));
    pending = true;
  }
  if (pending) lines.insert(cur);
  return lines;
}

std::string FieldName(std::string_view key) {
  if (key == "kill_chain_phases") return "tactics";
  if (key == "x_mitre_platforms") return "platforms";
  if (key == "x_mitre_version") return "version";
  if (key == "aliases" || key == "x_mitre_aliases") return "aliases";
  if (key == "x_mitre_deprecated") return "deprecated";
  return std::string(key);
}

// A JSON value as comparable text; arrays compare regardless of order (as
// diff_stix's DeepDiff(ignore_order=True) does).
std::string Canonical(simdjson::dom::element e) {
  simdjson::dom::array a;
  if (e.get_array().get(a) == simdjson::SUCCESS) {
    std::vector<std::string> items;
    for (auto x : a) items.push_back(Canonical(x));
    std::sort(items.begin(), items.end());
    return "[" + Join(items, ",") + "]";
  }
  simdjson::dom::object o;
  if (e.get_object().get(o) == simdjson::SUCCESS) {
    std::map<std::string, std::string> fields;
    for (auto f : o) fields[std::string(f.key)] = Canonical(f.value);
    std::string out = "{";
    for (auto& [k, v] : fields) out += k + ":" + v + ",";
    return out + "}";
  }
  return simdjson::minify(e);
}

struct ParsedPair {
  std::vector<std::string> fields;  // changed top-level keys, mapped
  bool description_lines_differ = false;
};

absl::StatusOr<ParsedPair> CompareJson(const std::string& key_old, const std::string& old_json,
                                       const std::string& key_new, const std::string& new_json) {
  simdjson::dom::parser p1, p2;
  simdjson::dom::object a, b;
  if (p1.parse(old_json).get_object().get(a) != simdjson::SUCCESS)
    return absl::DataLossError(Cat("stored object ", key_old, " is not a JSON object"));
  if (p2.parse(new_json).get_object().get(b) != simdjson::SUCCESS)
    return absl::DataLossError(Cat("stored object ", key_new, " is not a JSON object"));
  ParsedPair out;
  std::set<std::string> fields;
  std::map<std::string_view, simdjson::dom::element> av;
  for (auto f : a) av.emplace(f.key, f.value);
  std::set<std::string_view> seen;
  for (auto f : b) {
    seen.insert(f.key);
    auto it = av.find(f.key);
    if (it == av.end() || Canonical(it->second) != Canonical(f.value)) fields.insert(FieldName(f.key));
  }
  for (auto& [k, v] : av)
    if (!seen.count(k)) fields.insert(FieldName(k));
  std::string_view da, db;
  if (a["description"].get_string().get(da) == simdjson::SUCCESS &&
      b["description"].get_string().get(db) == simdjson::SUCCESS)
    out.description_lines_differ = DescriptionLines(da) != DescriptionLines(db);
  out.fields.assign(fields.begin(), fields.end());
  return out;
}

// Set difference by STIX id; gained are ids of `to`, lost ids of `from`.
SetDelta Delta(const ReleaseGraph& from, const std::vector<NodeId>& a, const ReleaseGraph& to,
               const std::vector<NodeId>& b) {
  std::set<std::string_view> sa, sb;
  for (NodeId n : a) sa.insert(from.node(n).stix_id);
  for (NodeId n : b) sb.insert(to.node(n).stix_id);
  SetDelta d;
  for (NodeId n : b)
    if (!sa.count(to.node(n).stix_id)) d.gained.push_back(n);
  for (NodeId n : a)
    if (!sb.count(from.node(n).stix_id)) d.lost.push_back(n);
  SortByAttackId(to, &d.gained);
  d.gained.erase(std::unique(d.gained.begin(), d.gained.end()), d.gained.end());
  SortByAttackId(from, &d.lost);
  d.lost.erase(std::unique(d.lost.begin(), d.lost.end()), d.lost.end());
  return d;
}

std::string StixOf(const ReleaseGraph& g, NodeId n) { return n == kNoNode ? "" : g.node(n).stix_id; }

bool SameStrings(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

// The parent (in `to`) a sub-technique of `from` ends under: follows its own
// revoked-by chain; a technique that is no longer a sub-technique is its own parent.
NodeId ParentInTo(const ReleaseGraph& to, const std::string& stix, const QueryLimits& limits) {
  NodeId n = to.FindStix(stix);
  if (n == kNoNode) return kNoNode;
  if (to.node(n).revoked) {
    RevokedChain c = FollowRevokedBy(to, n, limits);
    if (!c.ends_active(to)) return kNoNode;
    n = c.hops.back();
  }
  if (!to.node(n).active()) return kNoNode;
  NodeId p = to.ParentOf(n);
  return p == kNoNode ? n : p;
}

bool Active(const ReleaseGraph& g, NodeId n) { return n != kNoNode && g.node(n).active(); }

}  // namespace

const char* DiffObjectTypeName(DiffObjectType t) { return kTypeNames[static_cast<int>(t)]; }
const char* ChangeCategoryName(ChangeCategory c) { return kCategoryNames[static_cast<int>(c)]; }

bool DiffObjectTypeOf(std::string_view t, DiffObjectType* out) {
  static const std::pair<std::string_view, DiffObjectType> kMap[] = {
      {"attack-pattern", DiffObjectType::kTechniques},
      {"malware", DiffObjectType::kSoftware},
      {"tool", DiffObjectType::kSoftware},
      {"intrusion-set", DiffObjectType::kGroups},
      {"campaign", DiffObjectType::kCampaigns},
      {"x-mitre-asset", DiffObjectType::kAssets},
      {"course-of-action", DiffObjectType::kMitigations},
      {"x-mitre-data-source", DiffObjectType::kDataSources},
      {"x-mitre-data-component", DiffObjectType::kDataComponents},
      {"x-mitre-detection-strategy", DiffObjectType::kDetectionStrategies},
      {"x-mitre-analytic", DiffObjectType::kAnalytics},
  };
  for (auto& [name, type] : kMap)
    if (name == t) {
      *out = type;
      return true;
    }
  return false;
}

bool TechniqueFate::NeedsReview() const {
  if (kind == TechniqueFateKind::kDeprecated || kind == TechniqueFateKind::kDeleted) return false;  // orphaned
  if (kind == TechniqueFateKind::kRevoked && successor == kNoNode) return false;                    // orphaned
  return kind == TechniqueFateKind::kMajorChange || tactic_moved || parent_changed || split ||
         !merged_with.empty();
}

std::vector<std::string> DiffContentKeys(const ReleaseGraph& from, const ReleaseGraph& to) {
  std::vector<std::string> keys;
  DiffObjectType t;
  for (const Node& n : to.nodes()) {
    if (!DiffObjectTypeOf(n.type, &t)) continue;
    NodeId f = from.FindStix(n.stix_id);
    if (f == kNoNode || from.node(f).object_key == n.object_key) continue;
    keys.push_back(from.node(f).object_key);
    keys.push_back(n.object_key);
  }
  return keys;
}

absl::StatusOr<DiffReport> DiffReleases(const ReleaseGraph& from, const ReleaseGraph& to, const DiffContent& content,
                                        const QueryLimits& limits, const UsagePaths& group_paths,
                                        const GroupUsageIndex* from_usage, const GroupUsageIndex* to_usage) {
  if (absl::Status s = CheckUsagePaths(group_paths); !s.ok()) return s;
  if (from.id().domain != to.id().domain)
    return absl::InvalidArgumentError(Cat("cannot diff releases of different domains: ", from.id().Name(), " and ",
                                          to.id().Name()));
  DiffReport r;
  r.from_release = from.id();
  r.to_release = to.id();

  // ---- 1. The changelog -------------------------------------------------------
  std::unordered_map<std::string_view, ChangeCategory> category_of;  // by STIX id, techniques only
  DiffObjectType type;
  for (NodeId tn = 0; tn < to.nodes().size(); ++tn) {
    const Node& n = to.node(tn);
    if (!DiffObjectTypeOf(n.type, &type)) continue;
    ObjectChange c;
    c.object_type = type;
    c.to = tn;
    c.new_version = n.version;
    NodeId fn = from.FindStix(n.stix_id);
    if (fn == kNoNode || !DiffObjectTypeOf(from.node(fn).type, &c.object_type) || c.object_type != type) {
      c.object_type = type;
      c.category = ChangeCategory::kAddition;
      r.changes.push_back(std::move(c));
      continue;
    }
    const Node& o = from.node(fn);
    c.from = fn;
    c.old_version = o.version;
    if (n.revoked) {
      if (o.revoked) continue;  // already revoked: diff_stix lists it nowhere
      bool valid = false;
      const auto& csr = to.bgl().csr;
      for (auto [it, end] = boost::out_edges(tn, csr); it != end; ++it) {
        if (to.node(csr[*it].relationship).rel_type != RelType::kRevokedBy) continue;
        DiffObjectType tt;
        if (DiffObjectTypeOf(to.node(boost::target(*it, csr)).type, &tt) && tt == type) valid = true;
      }
      if (!valid) continue;  // diff_stix logs an error and skips the object
      c.category = ChangeCategory::kRevocation;
      RevokedChain chain = FollowRevokedBy(to, tn, limits);
      c.revoked_by = chain.hops;
      c.revoked_by_cycle = chain.cycle;
    } else if (n.deprecated) {
      if (o.deprecated) continue;  // already deprecated: listed nowhere
      c.category = ChangeCategory::kDeprecation;
    } else {
      ObjVersion ov = ParseObjVersion(o.version), nv = ParseObjVersion(n.version);
      if (ov.valid && nv.valid && nv.major == ov.major + 1 && nv.minor == 0) {
        c.category = ChangeCategory::kMajorVersionChange;
      } else if (ov.valid && nv.valid && nv.major == ov.major && nv.minor == ov.minor + 1) {
        c.category = ChangeCategory::kMinorVersionChange;
      } else if (!(ov == nv)) {
        c.category = ChangeCategory::kOtherVersionChange;
      } else {
        c.category = ChangeCategory::kUnchanged;
      }
    }
    if (o.object_key != n.object_key) {
      auto a = content.find(o.object_key), b = content.find(n.object_key);
      if (a == content.end() || b == content.end())
        return absl::InvalidArgumentError(Cat("diff content lacks the stored JSON of ", n.stix_id,
                                              " (give every key DiffContentKeys lists)"));
      auto cmp = CompareJson(o.object_key, a->second, n.object_key, b->second);
      if (!cmp.ok()) return cmp.status();
      c.changed_fields = std::move(cmp->fields);
      if (o.attack_id != n.attack_id) c.changed_fields.push_back("attack_id");
      if (c.category == ChangeCategory::kUnchanged &&
          (NormalizeTimestamp(o.modified) != NormalizeTimestamp(n.modified) || cmp->description_lines_differ))
        c.category = ChangeCategory::kPatch;
    }
    if (n.type == "attack-pattern" && StixOf(from, from.ParentOf(fn)) != StixOf(to, to.ParentOf(tn)))
      c.changed_fields.push_back("parent");
    std::sort(c.changed_fields.begin(), c.changed_fields.end());
    c.changed_fields.erase(std::unique(c.changed_fields.begin(), c.changed_fields.end()), c.changed_fields.end());
    if (c.category == ChangeCategory::kUnchanged) {
      r.summary[static_cast<int>(type)].counts[static_cast<int>(ChangeCategory::kUnchanged)]++;
      if (n.type == "attack-pattern") category_of[n.stix_id] = c.category;
      continue;
    }
    if (n.type == "attack-pattern") category_of[n.stix_id] = c.category;
    r.changes.push_back(std::move(c));
  }
  for (NodeId fn = 0; fn < from.nodes().size(); ++fn) {
    const Node& o = from.node(fn);
    if (!DiffObjectTypeOf(o.type, &type)) continue;
    NodeId tn = to.FindStix(o.stix_id);
    DiffObjectType tt;
    if (tn != kNoNode && DiffObjectTypeOf(to.node(tn).type, &tt) && tt == type) continue;
    ObjectChange c;
    c.object_type = type;
    c.category = ChangeCategory::kDeletion;
    c.from = fn;
    c.old_version = o.version;
    r.changes.push_back(std::move(c));
  }
  if (auto s = limits.Check("classifying objects"); !s.ok()) return s;
  auto name_of = [&](const ObjectChange& c) -> const Node& { return c.to != kNoNode ? to.node(c.to) : from.node(c.from); };
  std::sort(r.changes.begin(), r.changes.end(), [&](const ObjectChange& a, const ObjectChange& b) {
    if (a.object_type != b.object_type) return a.object_type < b.object_type;
    if (a.category != b.category) return a.category < b.category;
    const Node &x = name_of(a), &y = name_of(b);
    return x.name != y.name ? x.name < y.name : x.stix_id < y.stix_id;
  });
  for (const ObjectChange& c : r.changes) r.summary[static_cast<int>(c.object_type)].counts[static_cast<int>(c.category)]++;

  // ---- 2. Relationship diffs --------------------------------------------------
  // Objects of `type` active in both releases, as (from node, to node), by `to` ATT&CK ID.
  auto active_pairs = [&](std::string_view stix_type) {
    std::vector<std::pair<NodeId, NodeId>> out;
    for (NodeId tn = 0; tn < to.nodes().size(); ++tn) {
      const Node& n = to.node(tn);
      if (n.type != stix_type || !n.active()) continue;
      NodeId fn = from.FindStix(n.stix_id);
      if (fn != kNoNode && from.node(fn).active() && from.node(fn).type == n.type) out.emplace_back(fn, tn);
    }
    std::sort(out.begin(), out.end(), [&](auto& a, auto& b) {
      const Node &x = to.node(a.second), &y = to.node(b.second);
      return x.attack_id != y.attack_id ? x.attack_id < y.attack_id : x.stix_id < y.stix_id;
    });
    return out;
  };
  auto direct_techniques = [](const ReleaseGraph& g, NodeId user) {
    std::vector<NodeId> out;
    ForEachActive(g, user, RelType::kUses, true, [&](NodeId t, NodeId) {
      if (g.node(t).type == "attack-pattern") out.push_back(t);
    });
    return out;
  };

  auto group_techniques = [&](const ReleaseGraph& g, NodeId group) {
    std::vector<NodeId> out;
    const GroupUsageIndex* usage = &g == &from ? from_usage : to_usage;
    const std::vector<GroupTechnique>* indexed =
        usage && &usage->graph() == &g && usage->paths() == group_paths ? usage->UsesOf(group) : nullptr;
    if (indexed) {
      for (const GroupTechnique& gt : *indexed) out.push_back(gt.technique);
    } else {
      for (const GroupTechnique& gt : TechniquesUsedByGroup(g, group, group_paths)) out.push_back(gt.technique);
    }
    return out;
  };
  for (auto [fn, tn] : active_pairs("intrusion-set")) {
    GroupDelta d{fn, tn, Delta(from, group_techniques(from, fn), to, group_techniques(to, tn)),
                 Delta(from, GroupSoftware(from, fn), to, GroupSoftware(to, tn))};
    if (!d.techniques.empty() || !d.software.empty()) r.groups.push_back(std::move(d));
  }
  auto attributed_groups = [](const ReleaseGraph& g, NodeId campaign) {
    std::vector<NodeId> out;
    ForEachActive(g, campaign, RelType::kAttributedTo, true, [&](NodeId u, NodeId) {
      if (g.node(u).type == "intrusion-set") out.push_back(u);
    });
    return out;
  };
  for (auto [fn, tn] : active_pairs("campaign")) {
    CampaignDelta d{fn, tn, Delta(from, direct_techniques(from, fn), to, direct_techniques(to, tn)),
                    Delta(from, attributed_groups(from, fn), to, attributed_groups(to, tn))};
    if (!d.techniques.empty() || !d.groups.empty()) r.campaigns.push_back(std::move(d));
  }
  if (auto s = limits.Check("diffing group relationships"); !s.ok()) return s;

  auto technique_pairs = active_pairs("attack-pattern");
  std::map<std::pair<std::string, std::string>, int> moves;
  for (auto [fn, tn] : technique_pairs) {
    auto mits = [](const ReleaseGraph& g, NodeId t) {
      std::vector<NodeId> out;
      for (auto& m : Mitigations(g, t)) out.push_back(m.object);
      return out;
    };
    Detectability df = TechniqueDetectability(from, fn), dt = TechniqueDetectability(to, tn);
    auto dcs = [](const Detectability& d) {
      std::vector<NodeId> out;
      for (auto& c : d.components) out.push_back(c.data_component);
      return out;
    };
    TechniqueRelDelta d{fn, tn, Delta(from, mits(from, fn), to, mits(to, tn)),
                        Delta(from, df.strategies, to, dt.strategies), Delta(from, dcs(df), to, dcs(dt))};
    if (!d.mitigations.empty() || !d.strategies.empty() || !d.data_components.empty())
      r.techniques.push_back(std::move(d));

    const Node &o = from.node(fn), &n = to.node(tn);
    if (!SameStrings(o.tactics, n.tactics)) {
      TacticChange tc{fn, tn, {}, {}};
      for (auto& t : o.tactics)
        if (std::find(n.tactics.begin(), n.tactics.end(), t) == n.tactics.end()) tc.removed.push_back(t);
      for (auto& t : n.tactics)
        if (std::find(o.tactics.begin(), o.tactics.end(), t) == o.tactics.end()) tc.added.push_back(t);
      for (auto& a : tc.removed)
        for (auto& b : tc.added) moves[{a, b}]++;
      r.tactic_changes.push_back(std::move(tc));
    }
    NodeId op = from.ParentOf(fn), np = to.ParentOf(tn);
    if (StixOf(from, op) != StixOf(to, np)) r.parent_changes.push_back(ParentChange{fn, tn, op, np});
  }
  for (auto& [k, count] : moves) r.tactic_moves.push_back(TacticMove{k.first, k.second, count});
  std::sort(r.tactic_moves.begin(), r.tactic_moves.end(), [](const TacticMove& a, const TacticMove& b) {
    if (a.techniques != b.techniques) return a.techniques > b.techniques;
    return a.from_tactic != b.from_tactic ? a.from_tactic < b.from_tactic : a.to_tactic < b.to_tactic;
  });
  // Tactics gone from `to`, and where their techniques went.
  for (NodeId t : from.tactics()) {
    const Node& tac = from.node(t);
    if (!tac.active() || !tac.in_domain || tac.tactics.empty()) continue;
    if (Active(to, to.FindTacticByShortname(tac.tactics[0]))) continue;
    TacticFate fate{t, {}};
    std::set<std::string> dest;
    for (auto& tc : r.tactic_changes)
      if (std::find(tc.removed.begin(), tc.removed.end(), tac.tactics[0]) != tc.removed.end())
        dest.insert(tc.added.begin(), tc.added.end());
    fate.destinations.assign(dest.begin(), dest.end());
    r.removed_tactics.push_back(std::move(fate));
  }
  for (NodeId t : to.tactics()) {
    const Node& tac = to.node(t);
    if (!tac.active() || !tac.in_domain || tac.tactics.empty()) continue;
    if (!Active(from, from.FindTacticByShortname(tac.tactics[0]))) r.added_tactics.push_back(tac.tactics[0]);
  }
  auto count_detects = [](const ReleaseGraph& g, DetectsModel* m) {
    for (const Node& n : g.nodes()) {
      if (n.type != "relationship" || n.rel_type != RelType::kDetects || !n.active() || n.source == kNoNode) continue;
      const std::string& st = g.node(n.source).type;
      if (st == "x-mitre-data-component") m->from_data_components++;
      else if (st == "x-mitre-detection-strategy") m->from_detection_strategies++;
      else m->other++;
    }
  };
  count_detects(from, &r.from_detects);
  count_detects(to, &r.to_detects);
  if (auto s = limits.Check("diffing technique relationships"); !s.ok()) return s;

  // ---- 3. Technique fates (input of a migration plan) -------------------------
  std::map<std::string, std::vector<size_t>> by_successor;  // successor STIX id -> fates
  for (NodeId fn : from.techniques()) {
    const Node& o = from.node(fn);
    if (!o.active() || !o.in_domain) continue;
    TechniqueFate f;
    f.from = fn;
    f.to = to.FindStix(o.stix_id);
    if (f.to != kNoNode && to.node(f.to).type != o.type) f.to = kNoNode;
    if (f.to == kNoNode) {
      f.kind = TechniqueFateKind::kDeleted;
      f.category = ChangeCategory::kDeletion;
    } else if (to.node(f.to).revoked) {
      f.kind = TechniqueFateKind::kRevoked;
      f.category = ChangeCategory::kRevocation;
      RevokedChain chain = FollowRevokedBy(to, f.to, limits);
      f.chain_cycle = chain.cycle;
      if (chain.ends_active(to) && to.node(chain.hops.back()).type == "attack-pattern")
        f.successor = chain.hops.back();
    } else if (to.node(f.to).deprecated) {
      f.kind = TechniqueFateKind::kDeprecated;
      f.category = ChangeCategory::kDeprecation;
    } else {
      auto it = category_of.find(o.stix_id);
      f.category = it == category_of.end() ? ChangeCategory::kUnchanged : it->second;
      f.kind = f.category == ChangeCategory::kMajorVersionChange ? TechniqueFateKind::kMajorChange
                                                                  : TechniqueFateKind::kSame;
      f.parent_changed = StixOf(from, from.ParentOf(fn)) != StixOf(to, to.ParentOf(f.to));
    }
    NodeId landing = f.kind == TechniqueFateKind::kRevoked ? f.successor : f.to;
    if (landing != kNoNode && f.kind != TechniqueFateKind::kDeprecated && f.kind != TechniqueFateKind::kDeleted) {
      f.tactic_moved = !SameStrings(o.tactics, to.node(landing).tactics);
      if (f.kind == TechniqueFateKind::kRevoked) by_successor[to.node(landing).stix_id].push_back(r.technique_fates.size());
    }
    if (!o.is_subtechnique) {
      std::set<std::string> parents;
      std::vector<NodeId> parent_nodes;
      for (NodeId sub : Subtechniques(from, fn)) {
        NodeId p = ParentInTo(to, from.node(sub).stix_id, limits);
        if (p != kNoNode && parents.insert(to.node(p).stix_id).second) parent_nodes.push_back(p);
      }
      if (parents.size() > 1) {
        f.split = true;
        SortByAttackId(to, &parent_nodes);
        f.split_into = parent_nodes;
      }
    }
    r.technique_fates.push_back(std::move(f));
  }
  // Merges: several techniques of `from` end in one technique of `to`, or one is
  // revoked into a technique that was itself active in `from`.
  std::unordered_map<std::string_view, size_t> fate_by_stix;
  for (size_t i = 0; i < r.technique_fates.size(); ++i) fate_by_stix[from.node(r.technique_fates[i].from).stix_id] = i;
  for (auto& [succ, idx] : by_successor) {
    std::vector<NodeId> members;
    for (size_t i : idx) members.push_back(r.technique_fates[i].from);
    auto it = fate_by_stix.find(succ);
    if (it != fate_by_stix.end()) members.push_back(r.technique_fates[it->second].from);
    if (members.size() < 2) continue;
    SortByAttackId(from, &members);
    std::vector<size_t> all = idx;
    if (it != fate_by_stix.end()) all.push_back(it->second);
    for (size_t i : all) {
      for (NodeId m : members)
        if (m != r.technique_fates[i].from) r.technique_fates[i].merged_with.push_back(m);
    }
  }
  return r;
}

}  // namespace ttpgraph
