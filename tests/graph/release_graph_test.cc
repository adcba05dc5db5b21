// ReleaseGraph and graph/queries.h over the hand-made releases of
// tests/testdata/mini_attack (see its README.md for the graph drawn out).
// Every expectation below is a row of that README, written as data.
#include "graph/release_graph.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "graph/detection_mapping.h"
#include "graph/queries.h"
#include "storage/import/bundle_parser.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::StatusIs;
using Strings = std::vector<std::string>;
using GraphPtr = std::shared_ptr<const ReleaseGraph>;

GraphPtr BuildFrom(const std::string& text, const std::string& domain, const std::string& version) {
  BundleParseOptions opts;
  opts.domain = domain;
  opts.version = version;
  auto bundle = ParseBundle(text, opts);
  if (!bundle.ok()) throw std::runtime_error(std::string(bundle.status().message()));
  auto g = ReleaseGraph::Build(bundle->id, bundle->objects);
  if (!g.ok()) throw std::runtime_error(std::string(g.status().message()));
  return *g;
}

// The mini releases, built once per test binary.
const ReleaseGraph& Mini(const std::string& version) {
  static std::map<std::string, GraphPtr>* graphs = [] {
    auto* m = new std::map<std::string, GraphPtr>;
    for (auto [file, v] : {std::pair{"mini-v17.json", "17.0"}, std::pair{"mini-v18.json", "18.0"}})
      (*m)[v] = BuildFrom(testing::ReadFile(testing::TestData(Cat("mini_attack/", file))), "enterprise-attack", v);
    return m;
  }();
  return *graphs->at(version);
}

// ATT&CK ID of a node, or its name when it has none.
std::string Label(const ReleaseGraph& g, NodeId n) {
  return g.node(n).attack_id.empty() ? g.node(n).name : g.node(n).attack_id;
}
Strings Labels(const ReleaseGraph& g, const std::vector<NodeId>& ids) {
  Strings out;
  for (NodeId n : ids) out.push_back(Label(g, n));
  return out;
}
NodeId Must(const ReleaseGraph& g, const std::string& id, const std::string& type = "") {
  auto n = ResolveObject(g, id, type);
  if (!n.ok()) throw std::runtime_error(std::string(n.status().message()));
  return *n;
}

// "T1001:direct,C0001" for a technique with its provenance.
std::string Format(const ReleaseGraph& g, const GroupTechnique& gt) {
  Strings via;
  if (gt.direct) via.push_back("direct");
  for (NodeId s : gt.via_software) via.push_back(Label(g, s));
  for (NodeId c : gt.via_campaigns) via.push_back(Label(g, c));
  return Cat(Label(g, gt.technique), ":", Join(via, ","));
}
std::string Format(const ReleaseGraph& g, const TechniqueUser& u) {
  Strings via;
  if (u.direct) via.push_back("direct");
  for (NodeId s : u.via_software) via.push_back(Label(g, s));
  for (NodeId c : u.via_campaigns) via.push_back(Label(g, c));
  return Cat(Label(g, u.user), ":", Join(via, ","));
}

const char* const kVersions[] = {"17.0", "18.0"};

// ------------------------------------------------------------------ structure

TEST(ReleaseGraphTest, EveryObjectIsANodeAndEveryRelationshipAnEdge) {
  EXPECT_EQ(Mini("17.0").nodes().size(), 60u);
  EXPECT_EQ(Mini("17.0").edge_count(), 31u);
  EXPECT_EQ(Mini("18.0").nodes().size(), 70u);
  EXPECT_EQ(Mini("18.0").edge_count(), 32u);
  EXPECT_EQ(Mini("18.0").id().Name(), "enterprise-attack@18.0");
}

TEST(ReleaseGraphTest, BuildRejectsCorruptStoredObjects) {
  EXPECT_THAT(ReleaseGraph::Build(ReleaseId{"enterprise-attack", {{1, 0}}}, {StoredObject{"k|m|d", "{not json"}}),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("k|m|d")));
}

TEST(ReleaseGraphTest, SubtechniqueAndParent) {
  for (auto v : kVersions) {
    SCOPED_TRACE(v);
    const auto& g = Mini(v);
    NodeId sub = Must(g, "T1001.001"), parent = Must(g, "T1001");
    EXPECT_TRUE(g.node(sub).is_subtechnique);
    EXPECT_FALSE(g.node(parent).is_subtechnique);
    EXPECT_EQ(g.ParentOf(sub), parent);
    EXPECT_EQ(g.ParentOf(parent), kNoNode);
    EXPECT_THAT(Labels(g, Subtechniques(g, parent)), ElementsAre("T1001.001"));
    EXPECT_THAT(Subtechniques(g, sub), IsEmpty());
  }
}

// ------------------------------------------------------------------ lookups

struct ChainCase {
  const char* id;
  Strings hops;
  bool cycle;
};

TEST(ResolveTest, RevokedByChainsFollowedToTheirEndWithACycleGuard) {
  const std::vector<ChainCase> cases = {
      {"T1010", {"T1011", "T1012", "T1013"}, false},
      {"T1011", {"T1012", "T1013"}, false},
      {"T1012", {"T1013"}, false},
      {"T1020", {"T1021"}, true},
      {"T1021", {"T1020"}, true},
      {"G0002", {"G0001"}, false},
      {"T1013", {}, false},  // active: no chain
  };
  for (auto v : kVersions)
    for (const auto& c : cases) {
      SCOPED_TRACE(Cat(v, " ", c.id));
      const auto& g = Mini(v);
      NodeId n = Must(g, c.id);
      EXPECT_EQ(g.node(n).revoked, !c.hops.empty());
      RevokedChain chain = FollowRevokedBy(g, n, QueryLimits{});
      EXPECT_EQ(Labels(g, chain.hops), c.hops);
      EXPECT_EQ(chain.cycle, c.cycle);
    }
}

TEST(ResolveTest, ChainStopsAtMaxDepth) {
  const auto& g = Mini("17.0");
  QueryLimits limits;
  limits.max_depth = 2;
  RevokedChain chain = FollowRevokedBy(g, Must(g, "T1010"), limits);
  EXPECT_THAT(Labels(g, chain.hops), ElementsAre("T1011", "T1012"));
}

TEST(ResolveTest, AttackIdSharedByTwoTypesNeedsTheType) {
  for (auto v : kVersions) {
    SCOPED_TRACE(v);
    const auto& g = Mini(v);
    EXPECT_THAT(ResolveObject(g, "T1030"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("T1030"), HasSubstr("attack-pattern"), HasSubstr("course-of-action"),
                               HasSubstr("give the type"))));
    NodeId tech = Must(g, "T1030", "attack-pattern");
    EXPECT_EQ(g.node(tech).name, "Mini Phishing");
    EXPECT_TRUE(g.node(tech).active());
    NodeId coa = Must(g, "T1030", "course-of-action");
    EXPECT_EQ(g.node(coa).name, "Mini Phishing Mitigation");
    EXPECT_TRUE(g.node(coa).deprecated);
    // Technique queries pick the attack-pattern.
    ASSERT_OK_AND_ASSIGN(NodeId typed, ResolveTyped(g, "T1030", {"attack-pattern"}, "technique"));
    EXPECT_EQ(typed, tech);
    EXPECT_THAT(ResolveObject(g, "T1030", "intrusion-set"),
                StatusIs(absl::StatusCode::kNotFound, HasSubstr("names no intrusion-set")));
  }
}

TEST(ResolveTest, UnknownAndMistypedIds) {
  const auto& g = Mini("17.0");
  EXPECT_THAT(ResolveObject(g, "T9999"),
              StatusIs(absl::StatusCode::kNotFound, AllOf(HasSubstr("T9999"), HasSubstr("enterprise-attack@17.0"))));
  EXPECT_THAT(ResolveObject(g, "attack-pattern--ffffffff-0000-4000-8000-000000000000"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("attack-pattern--ffffffff")));
  EXPECT_THAT(ResolveObject(g, ""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ResolveObject(g, "attack-pattern--a0000000-0000-4000-8000-000000001001", "intrusion-set"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is an attack-pattern, not an intrusion-set")));
  EXPECT_THAT(ResolveTyped(g, "G0001", {"attack-pattern"}, "technique"),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("G0001"), HasSubstr("not a technique"))));
  EXPECT_THAT(ResolveTyped(g, "T9999", {"attack-pattern"}, "technique"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("unknown technique T9999")));
}

TEST(ResolveTest, StixIdsAndCaseInsensitiveAttackIds) {
  const auto& g = Mini("17.0");
  NodeId by_stix = Must(g, "attack-pattern--a0000000-0000-4000-8000-000001001001");
  EXPECT_EQ(Label(g, by_stix), "T1001.001");
  EXPECT_EQ(Must(g, "t1001.001"), by_stix);
  // Relationships are nodes too, so any STIX id resolves.
  NodeId rel = Must(g, "relationship--7e000000-0000-4000-8000-000000000010");
  EXPECT_EQ(g.node(rel).rel_type, RelType::kUses);
  EXPECT_EQ(Label(g, g.node(rel).source), "G0001");
  EXPECT_EQ(Label(g, g.node(rel).target), "T1001");
}

TEST(ResolveTest, ObjectOutsideTheDomainIsKeptButNotListed) {
  for (auto v : kVersions) {
    SCOPED_TRACE(v);
    const auto& g = Mini(v);
    NodeId mobile = Must(g, "T1040");
    EXPECT_FALSE(g.node(mobile).in_domain);
    // Its kill chain is mitre-mobile-attack's: its "execution" is not enterprise's.
    EXPECT_THAT(g.node(mobile).tactics, IsEmpty());
    EXPECT_THAT(TechniqueTactics(g, mobile), IsEmpty());
    TechniqueFilter all;
    all.include_revoked = all.include_deprecated = true;
    ASSERT_OK_AND_ASSIGN(auto ids, ListTechniques(g, all));
    EXPECT_THAT(Labels(g, ids), ::testing::Not(::testing::Contains("T1040")));
    EXPECT_THAT(SearchObjects(g, "Mini Mobile", {}, true, true), IsEmpty());
    EXPECT_TRUE(g.node(Must(g, "T1001")).in_domain);
  }
}

// ------------------------------------------------------------------ tactics

TEST(TacticTest, MatrixOrder) {
  for (auto v : kVersions) {
    const auto& g = Mini(v);
    EXPECT_THAT(Labels(g, g.tactics()), ElementsAre("TA0002", "TA0001", "TA0005")) << v;
    EXPECT_EQ(g.FindTacticByShortname("defense-evasion"), Must(g, "TA0005"));
    EXPECT_EQ(g.FindTacticByShortname("nope"), kNoNode);
  }
}

TEST(TacticTest, TacticsAndPlatformsOfTechniques) {
  struct Row {
    const char* id;
    Strings tactics;
    Strings platforms;
  };
  const std::vector<Row> rows = {
      {"T1001", {"execution"}, {"Windows", "Linux"}},
      {"T1001.001", {"execution"}, {"Linux"}},
      {"T1003", {"initial-access", "defense-evasion"}, {"Windows", "Linux"}},
      {"T1013", {"execution", "initial-access", "defense-evasion"}, {"Windows"}},
      {"T1030", {"initial-access"}, {"Windows", "Linux", "macOS"}},
  };
  for (auto v : kVersions)
    for (const auto& r : rows) {
      SCOPED_TRACE(Cat(v, " ", r.id));
      const auto& g = Mini(v);
      NodeId t = Must(g, r.id, "attack-pattern");
      EXPECT_EQ(g.node(t).tactics, r.tactics);
      EXPECT_EQ(g.node(t).platforms, r.platforms);
      Strings via_query;
      for (NodeId ta : TechniqueTactics(g, t)) via_query.push_back(g.node(ta).name);
      Strings names;
      for (auto& s : r.tactics)
        names.push_back(s == "execution" ? "Execution" : s == "initial-access" ? "Initial Access" : "Defense Evasion");
      EXPECT_EQ(via_query, names);
    }
  const auto& g18 = Mini("18.0");
  EXPECT_THAT(g18.node(Must(g18, "T1050")).tactics, ElementsAre("defense-evasion"));
}

// ------------------------------------------------------------------ technique lists

struct FilterCase {
  const char* name;
  TechniqueFilter filter;
  Strings v17;
  Strings v18_extra;  // added in 18.0
};

TechniqueFilter F(std::string tactic = "", std::string platform = "", bool subs = true, bool revoked = false,
                  bool deprecated = false, std::string query = "") {
  TechniqueFilter f;
  f.tactic = tactic;
  f.platform = platform;
  f.include_subtechniques = subs;
  f.include_revoked = revoked;
  f.include_deprecated = deprecated;
  f.query = query;
  return f;
}

TEST(ListTechniquesTest, Filters) {
  const Strings active = {"T1001", "T1001.001", "T1003", "T1013", "T1030"};
  const std::vector<FilterCase> cases = {
      {"default: active, in domain", F(), active, {"T1050"}},
      {"tactic by short name", F("execution"), {"T1001", "T1001.001", "T1013"}, {}},
      {"tactic by TA id", F("TA0002"), {"T1001", "T1001.001", "T1013"}, {}},
      {"initial-access", F("initial-access"), {"T1003", "T1013", "T1030"}, {}},
      {"defense-evasion", F("defense-evasion"), {"T1003", "T1013"}, {"T1050"}},
      {"platform, any case", F("", "linux"), {"T1001", "T1001.001", "T1003", "T1030"}, {}},
      {"platform macOS", F("", "macOS"), {"T1030"}, {}},
      {"platform Windows", F("", "Windows"), {"T1001", "T1003", "T1013", "T1030"}, {"T1050"}},
      {"platform nobody has", F("", "Android"), {}, {}},
      {"no sub-techniques", F("", "", false), {"T1001", "T1003", "T1013", "T1030"}, {"T1050"}},
      {"tactic + platform + no subs", F("execution", "Linux", false), {"T1001"}, {}},
      {"with revoked", F("", "", true, true),
       {"T1001", "T1001.001", "T1003", "T1010", "T1011", "T1012", "T1013", "T1020", "T1021", "T1030"}, {"T1050"}},
      {"with deprecated", F("", "", true, false, true), {"T1001", "T1001.001", "T1002", "T1003", "T1013", "T1030"},
       {"T1050"}},
      {"with both", F("", "", true, true, true),
       {"T1001", "T1001.001", "T1002", "T1003", "T1010", "T1011", "T1012", "T1013", "T1020", "T1021", "T1030"},
       {"T1050"}},
      {"search by name", F("", "", true, false, false, "shell"), {"T1001.001"}, {}},
      {"search, any case", F("", "", true, false, false, "MINI C"), {"T1001", "T1013"}, {}},
  };
  for (auto v : kVersions)
    for (const auto& c : cases) {
      SCOPED_TRACE(Cat(v, ": ", c.name));
      const auto& g = Mini(v);
      Strings want = c.v17;
      if (std::string(v) == "18.0") {
        want.insert(want.end(), c.v18_extra.begin(), c.v18_extra.end());
        std::sort(want.begin(), want.end());
      }
      ASSERT_OK_AND_ASSIGN(auto ids, ListTechniques(g, c.filter));
      EXPECT_EQ(Labels(g, ids), want);
    }
}

TEST(ListTechniquesTest, UnknownTacticIsNotFound) {
  EXPECT_THAT(ListTechniques(Mini("17.0"), F("stealth")),
              StatusIs(absl::StatusCode::kNotFound, AllOf(HasSubstr("stealth"), HasSubstr("enterprise-attack@17.0"))));
}

TEST(SearchObjectsTest, ByNameAliasAndId) {
  const auto& g = Mini("17.0");
  EXPECT_THAT(Labels(g, SearchObjects(g, "mini panda", {}, false, false)), ElementsAre("G0001"));
  EXPECT_THAT(Labels(g, SearchObjects(g, "g0003", {}, false, false)), ElementsAre("G0003"));
  EXPECT_THAT(Labels(g, SearchObjects(g, "minirat", {}, false, false)), ElementsAre("S0001"));
  EXPECT_THAT(Labels(g, SearchObjects(g, "old group", {}, false, false)), IsEmpty());  // revoked
  EXPECT_THAT(Labels(g, SearchObjects(g, "old group", {}, true, false)), ElementsAre("G0002"));
  EXPECT_THAT(Labels(g, SearchObjects(g, "minitool", {}, false, true)), ElementsAre("S0002"));  // deprecated
  EXPECT_THAT(Labels(g, SearchObjects(g, "mini", {"intrusion-set"}, false, false)), ElementsAre("G0001", "G0003"));
  EXPECT_THAT(Labels(g, SearchObjects(g, "phishing", {}, false, false)), ElementsAre("T1030"));
  EXPECT_THAT(Labels(g, SearchObjects(g, "phishing", {}, false, true)), ElementsAre("T1030", "T1030"));
}

// ------------------------------------------------------------------ usage

// What the README says each group uses, one fact per (technique, path).
struct Fact {
  const char* technique;
  const char* via;  // "direct", a software or a campaign ID
  bool v18_only = false;
};
const std::map<std::string, std::vector<Fact>>& UsageFacts() {
  static const auto* facts = new std::map<std::string, std::vector<Fact>>{
      {"G0001", {{"T1001", "direct"}, {"T1001", "C0001"}, {"T1001.001", "S0001"}, {"T1013", "S0001"}, {"T1030", "C0001"}}},
      {"G0003", {{"T1001.001", "S0001"}, {"T1013", "S0001"}, {"T1030", "direct"}, {"T1050", "direct", true}}},
  };
  return *facts;
}

TEST(GroupTechniquesTest, EveryPathCombinationWithProvenance) {
  for (auto v : kVersions)
    for (const auto& [group, facts] : UsageFacts())
      for (int mask = 0; mask < 8; ++mask) {
        UsagePaths paths{(mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0};
        SCOPED_TRACE(Cat(v, " ", group, " direct=", paths.direct, " software=", paths.software,
                         " campaigns=", paths.campaigns));
        std::map<std::string, Strings> want_by_tech;
        for (const auto& f : facts) {
          if (f.v18_only && std::string(v) != "18.0") continue;
          std::string via = f.via;
          bool keep = via == "direct" ? paths.direct : via[0] == 'S' ? paths.software : paths.campaigns;
          if (keep) want_by_tech[f.technique].push_back(via);
        }
        Strings want;
        for (auto& [t, via] : want_by_tech) want.push_back(Cat(t, ":", Join(via, ",")));
        const auto& g = Mini(v);
        Strings got;
        for (const auto& gt : TechniquesUsedByGroup(g, Must(g, group), paths)) got.push_back(Format(g, gt));
        EXPECT_EQ(got, want);
      }
}

TEST(GroupTechniquesTest, ReadmeRowsVerbatim) {
  // The mitreattack-python equivalent (no software) and the default, as printed in the README.
  const auto& g = Mini("17.0");
  auto run = [&](const char* group, UsagePaths p) {
    Strings out;
    for (const auto& gt : TechniquesUsedByGroup(g, Must(g, group), p)) out.push_back(Format(g, gt));
    return out;
  };
  EXPECT_THAT(run("G0001", {}), ElementsAre("T1001:direct,C0001", "T1001.001:S0001", "T1013:S0001", "T1030:C0001"));
  EXPECT_THAT(run("G0001", {true, false, true}), ElementsAre("T1001:direct,C0001", "T1030:C0001"));
  EXPECT_THAT(run("G0003", {}), ElementsAre("T1001.001:S0001", "T1013:S0001", "T1030:direct"));
}

TEST(GroupTechniquesTest, InactivePathsAndTargetsNeverAppear) {
  for (auto v : kVersions) {
    const auto& g = Mini(v);
    for (const char* group : {"G0001", "G0003"})
      for (const auto& gt : TechniquesUsedByGroup(g, Must(g, group), UsagePaths{})) {
        const std::string id = Label(g, gt.technique);
        EXPECT_NE(id, "T1003") << group;  // only inactive paths
        EXPECT_NE(id, "T1002") << group;  // deprecated target
        EXPECT_NE(id, "T1010") << group;  // revoked target, chain not followed
        EXPECT_NE(id, "T1040") << group;
      }
  }
}

TEST(GroupTechniquesTest, SoftwareAndCampaignsOfAGroup) {
  for (auto v : kVersions) {
    const auto& g = Mini(v);
    EXPECT_THAT(Labels(g, GroupSoftware(g, Must(g, "G0001"))), ElementsAre("S0001")) << v;  // S0002 deprecated
    EXPECT_THAT(Labels(g, GroupCampaigns(g, Must(g, "G0001"))), ElementsAre("C0001")) << v;  // C0002 deprecated
    EXPECT_THAT(Labels(g, GroupSoftware(g, Must(g, "G0003"))), ElementsAre("S0001")) << v;
    EXPECT_THAT(GroupCampaigns(g, Must(g, "G0003")), IsEmpty()) << v;
  }
}

TEST(TechniqueUsersTest, GroupsSoftwareAndCampaignsUsingATechnique) {
  struct Row {
    const char* technique;
    Strings groups, software, campaigns;
  };
  const std::vector<Row> rows = {
      {"T1001", {"G0001:direct,C0001"}, {}, {"C0001"}},
      {"T1001.001", {"G0001:S0001", "G0003:S0001"}, {"S0001"}, {}},
      {"T1013", {"G0001:S0001", "G0003:S0001"}, {"S0001"}, {}},
      {"T1030", {"G0001:C0001", "G0003:direct"}, {}, {"C0001"}},
      {"T1003", {}, {}, {}},
  };
  for (auto v : kVersions)
    for (const auto& r : rows) {
      SCOPED_TRACE(Cat(v, " ", r.technique));
      const auto& g = Mini(v);
      NodeId t = Must(g, r.technique, "attack-pattern");
      auto format = [&](UserKind kind, bool provenance) {
        Strings out;
        for (const auto& u : TechniqueUsers(g, t, kind)) out.push_back(provenance ? Format(g, u) : Label(g, u.user));
        return out;
      };
      EXPECT_EQ(format(UserKind::kGroups, true), r.groups);
      EXPECT_EQ(format(UserKind::kSoftware, false), r.software);
      EXPECT_EQ(format(UserKind::kCampaigns, false), r.campaigns);
      EXPECT_EQ(format(UserKind::kAll, false).size(), r.groups.size() + r.software.size() + r.campaigns.size());
    }
  const auto& g18 = Mini("18.0");
  Strings t1050;
  for (const auto& u : TechniqueUsers(g18, Must(g18, "T1050"), UserKind::kAll)) t1050.push_back(Format(g18, u));
  EXPECT_THAT(t1050, ElementsAre("G0003:direct"));
}

TEST(TechniqueUsersTest, ProcedureExamplesCarryTheRelationshipDescription) {
  const auto& g = Mini("17.0");
  auto examples = ProcedureExamples(g, Must(g, "T1001"));
  Strings users;
  for (const auto& e : examples) {
    users.push_back(Label(g, e.object));
    EXPECT_EQ(g.node(e.relationship).type, "relationship");
  }
  EXPECT_THAT(users, ElementsAre("C0001", "G0001"));
}

// ------------------------------------------------------------------ mitigations

TEST(MitigationsTest, OnlyActiveMitigationsThroughActiveRelationships) {
  struct Row {
    const char* technique;
    Strings mitigations;
  };
  const std::vector<Row> rows = {{"T1001", {"M1001"}}, {"T1013", {}},  {"T1030", {}},
                                 {"T1001.001", {}},     {"T1003", {}}};
  for (auto v : kVersions)
    for (const auto& r : rows) {
      const auto& g = Mini(v);
      auto ms = Mitigations(g, Must(g, r.technique, "attack-pattern"));
      Strings got;
      for (const auto& m : ms) got.push_back(Label(g, m.object));
      EXPECT_EQ(got, r.mitigations) << v << " " << r.technique;
      if (!ms.empty()) {
        EXPECT_EQ(g.node(ms[0].object).name, "Mini Execution Prevention");
        EXPECT_EQ(g.node(ms[0].relationship).description, "Block unapproved mini interpreters.");
      }
    }
  EXPECT_THAT(Mitigations(Mini("18.0"), Must(Mini("18.0"), "T1050")), IsEmpty());
}

// ------------------------------------------------------------------ detectability

// "DC0001 detects" (v17 style) or "DC0002 DET0001 AN0002 auditd:SYSCALL/execve" (v18 style).
Strings FormatDetectability(const ReleaseGraph& g, const Detectability& d) {
  Strings out;
  for (const auto& c : d.components) {
    Strings parts = {Label(g, c.data_component)};
    if (c.via_detects_relationship) parts.push_back("detects");
    for (NodeId s : c.strategies) parts.push_back(Label(g, s));
    for (NodeId a : c.analytics) parts.push_back(Label(g, a));
    for (const auto& ls : c.log_sources) parts.push_back(Cat(ls.name, "/", ls.channel));
    out.push_back(Join(parts, " "));
  }
  return out;
}

TEST(DetectabilityTest, V17DataComponentDetects) {
  const auto& g = Mini("17.0");
  struct Row {
    const char* technique;
    Strings components;
  };
  for (const Row& r : std::vector<Row>{{"T1001", {"DC0001 detects"}},  // not DC0003 (deprecated)
                                       {"T1001.001", {"Command Execution detects"}},
                                       {"T1013", {}},
                                       {"T1003", {}},
                                       {"T1030", {}}}) {
    Detectability d = TechniqueDetectability(g, Must(g, r.technique, "attack-pattern"));
    EXPECT_EQ(FormatDetectability(g, d), r.components) << r.technique;
    EXPECT_THAT(d.strategies, IsEmpty()) << r.technique;
  }
  NodeId ce = TechniqueDetectability(g, Must(g, "T1001.001")).components.at(0).data_component;
  EXPECT_EQ(g.node(ce).stix_id, "x-mitre-data-component--dc000000-0000-4000-8000-000000000002");
  EXPECT_EQ(g.node(ce).attack_id, "");
  EXPECT_EQ(g.node(ce).data_source, "Mini Process");
}

TEST(DetectabilityTest, V18StrategyAnalyticDataComponentChain) {
  const auto& g = Mini("18.0");
  struct Row {
    const char* technique;
    Strings components;
    Strings strategies;
  };
  const std::vector<Row> rows = {
      {"T1001",
       {"DC0001 DET0001 AN0001 WinEventLog:Security/EventCode=4688", "DC0002 DET0001 AN0002 auditd:SYSCALL/execve"},
       {"DET0001"}},
      // AN0003 is deprecated, DC0003 is deprecated.
      {"T1001.001", {"DC0002 DET0002 AN0004 auditd:EXECVE/bash -c"}, {"DET0002"}},
      // DET0003 is deprecated.
      {"T1013", {}, {}},
      {"T1003", {}, {}},
      {"T1030", {}, {}},
      {"T1050", {}, {}},
  };
  for (const auto& r : rows) {
    Detectability d = TechniqueDetectability(g, Must(g, r.technique, "attack-pattern"));
    EXPECT_EQ(FormatDetectability(g, d), r.components) << r.technique;
    EXPECT_EQ(Labels(g, d.strategies), r.strategies) << r.technique;
  }
  EXPECT_THAT(Labels(g, StrategyAnalytics(g, Must(g, "DET0001"))), ElementsAre("AN0001", "AN0002"));
  EXPECT_THAT(Labels(g, StrategyAnalytics(g, Must(g, "DET0002"))), ElementsAre("AN0004"));
  // The raw chain keeps every log source of AN0004, the deprecated DC0003 included.
  const Node& an4 = g.node(Must(g, "AN0004"));
  ASSERT_EQ(an4.log_sources.size(), 2u);
  EXPECT_EQ(Label(g, an4.log_sources[0].data_component), "DC0003");
  EXPECT_EQ(an4.log_sources[0].name, "linux:syslog");
  EXPECT_THAT(an4.platforms, ElementsAre("Linux"));
  // 18.0 gives Command Execution an ATT&CK ID.
  EXPECT_EQ(g.node(Must(g, "DC0002")).name, "Command Execution");
  EXPECT_TRUE(g.node(Must(g, "DS0001")).deprecated);
}

// ------------------------------------------------------------------ STIX 2.1 collection and real data

TEST(ReleaseGraphTest, Stix21CollectionRelease) {
  auto g = BuildFrom(testing::ReadFile(testing::TestData("mini_attack/mini-v21-collection.json")), "", "");
  EXPECT_EQ(g->id().Name(), "enterprise-attack@18.1");
  NodeId group = Must(*g, "G0101");
  Strings all, software_only;
  for (const auto& gt : TechniquesUsedByGroup(*g, group, UsagePaths{})) all.push_back(Format(*g, gt));
  for (const auto& gt : TechniquesUsedByGroup(*g, group, UsagePaths{false, true, false}))
    software_only.push_back(Format(*g, gt));
  EXPECT_THAT(all, ElementsAre("T1101:direct"));
  EXPECT_THAT(software_only, IsEmpty());
  ASSERT_OK_AND_ASSIGN(auto techniques, ListTechniques(*g, F()));
  EXPECT_THAT(Labels(*g, techniques), ElementsAre("T1101", "T1102"));
  EXPECT_THAT(Labels(*g, g->tactics()), ElementsAre("TA0002"));
}

// ---------------------------------------------------------------- a framework of its own (issue 12)

// tests/testdata/frameworks/README.md.
TEST(FrameworkGraphTest, AtlasShapedReleaseAnswersLikeEnterprise) {
  GraphPtr g = BuildFrom(testing::ReadFile(testing::TestData("frameworks/atlas-mini.json")), "", "");
  EXPECT_EQ(g->id().Name(), "atlas@4.9");
  Strings tactics;
  for (NodeId t : g->tactics()) tactics.push_back(g->node(t).attack_id);
  EXPECT_THAT(tactics, ElementsAre("AML.TA0002", "AML.TA0003", "AML.TA0004", "AML.TA0000", "AML.TA0001"));
  Strings techniques;
  for (NodeId t : g->techniques())
    if (g->node(t).in_domain) techniques.push_back(g->node(t).attack_id);
  EXPECT_EQ(techniques.size(), 12u);  // AML.T0051's Workbench tag (enterprise-attack) does not take it out
  ASSERT_OK_AND_ASSIGN(NodeId t0010, ResolveObject(*g, "AML.T0010", "attack-pattern"));
  EXPECT_THAT(g->node(t0010).tactics, ElementsAre("initial-access"));
  ASSERT_OK_AND_ASSIGN(NodeId sub, ResolveObject(*g, "aml.t0043.000", "attack-pattern"));
  EXPECT_EQ(g->node(g->ParentOf(sub)).attack_id, "AML.T0043");

  const TechniqueIdShape& shape = g->technique_id_shape();
  EXPECT_EQ(shape.prefix, "AML.T");
  EXPECT_EQ(shape.digits, 4u);
  EXPECT_EQ(shape.sub_digits, 3u);
  EXPECT_EQ(shape.Example(), "AML.T0000 or AML.T0000.000");
  for (const char* id : {"AML.T0043", "aml.t0043.000", "AML.T9999"}) EXPECT_TRUE(shape.Matches(id)) << id;
  for (const char* id : {"T1059", "AML.T043", "AML.T0043.00", "AML.T0043.", "AML.TA0000", "AML.T00430"})
    EXPECT_FALSE(shape.Matches(id)) << id;
}

TEST(FrameworkGraphTest, TechniqueIdShapes) {
  EXPECT_EQ(Mini("17.0").technique_id_shape().Example(), "T0000 or T0000.000");
  EXPECT_EQ(TechniqueIdShape::Of({}).Example(), "T0000 or T0000.000");
  EXPECT_EQ(TechniqueIdShape::Of({"ICS-T10", "ICS-T11", "ICS-T11.01", "T1059"}).Example(), "ICS-T00 or ICS-T00.00");
  // Without a release: ATT&CK's shape or any framework's.
  for (const char* id : {"T1059", "t1059.001", "AML.T0043.000", "ACME-T0001", "TA0001"}) EXPECT_TRUE(WellFormedTechniqueId(id)) << id;
  for (const char* id : {"", "1059", "T", "T10", "t10590", "T1059.1", "T1059.", ".T1059", "AML.T00x3", "T1059 ", "-T1",
                         "AML.T0043.000.1"})
    EXPECT_FALSE(WellFormedTechniqueId(id)) << id;
}

TEST(FrameworkGraphTest, DetectionMappingNamesTheReleasesShape) {
  GraphPtr g = BuildFrom(testing::ReadFile(testing::TestData("frameworks/atlas-mini.json")), "", "");
  MappedTechniques m = MapDetectionTechniques(*g, {"aml.t0043", "AML.T0099", "T1059", "bogus"});
  EXPECT_THAT(m.techniques, ElementsAre("AML.T0043"));
  EXPECT_THAT(m.unresolved, ElementsAre("AML.T0099", "T1059", "BOGUS"));
  EXPECT_THAT(m.notes, ElementsAre("AML.T0099 is not a technique in atlas@4.9", "T1059 is not a technique in atlas@4.9",
                                   "'bogus' is not a technique ID (AML.T0000 or AML.T0000.000)"));
}

}  // namespace
}  // namespace ttpgraph
