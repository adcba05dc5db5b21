// DiffReleases on hand-made releases whose answers can be read off by eye:
//  - tests/testdata/mini_attack mini-v17 -> mini-v18 (see its README,
//    "What changes in v18");
//  - a tiny pair built here that exercises every technique fate a migration
//    plan needs: revoked-by chains, merge, split, deprecation, deletion,
//    major change, tactic move, parent change, and a revocation diff_stix
//    skips (revoked-by target of another type);
//  - a group whose software and campaign gain techniques, diffed over each
//    selection of usage paths.
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "graph/diff.h"
#include "storage/import/bundle_parser.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

struct Loaded {
  std::shared_ptr<const ReleaseGraph> graph;
  std::map<std::string, std::string> json_by_key;
};

Loaded FromText(const std::string& text, const std::string& version) {
  BundleParseOptions opts;
  opts.domain = "enterprise-attack";
  opts.version = version;
  auto bundle = ParseBundle(text, opts);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  Loaded l;
  l.graph = *ReleaseGraph::Build(bundle->id, bundle->objects);
  for (auto& o : bundle->objects) l.json_by_key[o.key] = o.json;
  return l;
}

DiffReport Diff(const Loaded& a, const Loaded& b, UsagePaths paths = UsagePaths{}) {
  DiffContent c;
  for (const std::string& k : DiffContentKeys(*a.graph, *b.graph))
    c[k] = a.json_by_key.count(k) ? a.json_by_key.at(k) : b.json_by_key.at(k);
  auto r = DiffReleases(*a.graph, *b.graph, c, QueryLimits{}, paths);
  EXPECT_TRUE(r.ok()) << r.status();
  return *r;
}

// "T1001 minor_version_changes" style lines, one per listed change.
std::vector<std::string> Lines(const Loaded& from, const Loaded& to, const DiffReport& r, DiffObjectType type) {
  std::vector<std::string> out;
  for (const ObjectChange& c : r.changes) {
    if (c.object_type != type) continue;
    const Node& n = c.to != kNoNode ? to.graph->node(c.to) : from.graph->node(c.from);
    out.push_back(Cat(n.attack_id.empty() ? n.name : n.attack_id, " ", ChangeCategoryName(c.category)));
  }
  return out;
}

std::vector<std::string> Ids(const ReleaseGraph& g, const std::vector<NodeId>& ids) {
  std::vector<std::string> out;
  for (NodeId n : ids) out.push_back(g.node(n).attack_id);
  return out;
}

TEST(DiffMiniTest, V17ToV18) {
  Loaded v17 = FromText(testing::ReadFile(testing::TestData("mini_attack/mini-v17.json")), "17.0");
  Loaded v18 = FromText(testing::ReadFile(testing::TestData("mini_attack/mini-v18.json")), "18.0");
  DiffReport r = Diff(v17, v18);

  EXPECT_THAT(Lines(v17, v18, r, DiffObjectType::kTechniques),
              ElementsAre("T1050 additions", "T1001 minor_version_changes"));
  EXPECT_THAT(Lines(v17, v18, r, DiffObjectType::kDataSources), ElementsAre("DS0001 deprecations"));
  EXPECT_THAT(Lines(v17, v18, r, DiffObjectType::kDataComponents), ElementsAre("DC0002 patches"));
  EXPECT_THAT(Lines(v17, v18, r, DiffObjectType::kDetectionStrategies),
              UnorderedElementsAre("DET0001 additions", "DET0002 additions", "DET0003 additions"));
  EXPECT_EQ(Lines(v17, v18, r, DiffObjectType::kAnalytics).size(), 5u);
  EXPECT_THAT(Lines(v17, v18, r, DiffObjectType::kGroups), IsEmpty());
  // Unchanged counts: 12 techniques in both minus T1001 minus the already
  // revoked T1010, T1011, T1012, T1020, T1021 and already deprecated T1002 (listed nowhere).
  const auto& tech = r.summary[static_cast<int>(DiffObjectType::kTechniques)].counts;
  EXPECT_EQ(tech[static_cast<int>(ChangeCategory::kUnchanged)], 5);
  EXPECT_EQ(r.summary[static_cast<int>(DiffObjectType::kGroups)].counts[static_cast<int>(ChangeCategory::kUnchanged)], 2);

  // The fields that changed.
  for (const ObjectChange& c : r.changes) {
    const Node& n = v18.graph->node(c.to);
    if (n.attack_id == "T1001")
      EXPECT_THAT(c.changed_fields, ::testing::IsSupersetOf({"description", "modified", "version"}));
    if (n.attack_id == "DC0002") {
      EXPECT_THAT(c.changed_fields, ::testing::ElementsAre("attack_id", "description", "external_references", "modified"));
    }
  }

  // Relationship diffs: G0003 gains T1050 (r50); the detects model moves.
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(v18.graph->node(r.groups[0].to).attack_id, "G0003");
  EXPECT_THAT(Ids(*v18.graph, r.groups[0].techniques.gained), ElementsAre("T1050"));
  EXPECT_THAT(r.groups[0].techniques.lost, IsEmpty());
  std::map<std::string, const TechniqueRelDelta*> techs;
  for (auto& d : r.techniques) techs[v18.graph->node(d.to).attack_id] = &d;
  ASSERT_EQ(techs.size(), 2u);
  EXPECT_THAT(Ids(*v18.graph, techs["T1001"]->strategies.gained), ElementsAre("DET0001"));
  EXPECT_THAT(Ids(*v18.graph, techs["T1001"]->data_components.gained), ElementsAre("DC0002"));  // DC0001 stays
  EXPECT_THAT(techs["T1001"]->data_components.lost, IsEmpty());
  EXPECT_THAT(Ids(*v18.graph, techs["T1001.001"]->strategies.gained), ElementsAre("DET0002"));
  EXPECT_THAT(techs["T1001.001"]->data_components.gained, IsEmpty());  // Command Execution = DC0002 both times
  // Active `detects` relationships by source type (r42 and r62 are active relationships
  // even though DC0003 and DET0003 are deprecated).
  EXPECT_EQ(r.from_detects.from_data_components, 3);  // r40, r41, r42
  EXPECT_EQ(r.to_detects.from_detection_strategies, 3);  // r60, r61, r62
  EXPECT_EQ(r.to_detects.from_data_components, 0);
  EXPECT_THAT(r.tactic_changes, IsEmpty());
  EXPECT_THAT(r.parent_changes, IsEmpty());

  // Every active v17 technique keeps its place: nothing to migrate by hand.
  for (const TechniqueFate& f : r.technique_fates) {
    EXPECT_EQ(f.kind, TechniqueFateKind::kSame) << v17.graph->node(f.from).attack_id;
    EXPECT_FALSE(f.NeedsReview()) << v17.graph->node(f.from).attack_id;
  }
  EXPECT_EQ(r.technique_fates.size(), 5u);  // T1001, T1001.001, T1003, T1013, T1030
}

// ---- a release pair built here ------------------------------------------------------

std::string Ref(const std::string& attack_id) {
  return Cat("\"external_references\":[{\"source_name\":\"mitre-attack\",\"external_id\":\"", attack_id, "\"}]");
}
std::string StixId(const std::string& attack_id) {
  std::string digits;
  for (char c : attack_id)
    if (isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  while (digits.size() < 12) digits = "0" + digits;
  return "attack-pattern--00000000-0000-4000-8000-" + digits;
}
std::string Technique(const std::string& id, const std::string& tactics, const std::string& version,
                      const std::string& extra = "", const std::string& modified = "2025-01-01T00:00:00.000Z") {
  std::string phases;
  for (auto& t : Split(tactics, ','))
    phases += Cat(phases.empty() ? "" : ",", "{\"kill_chain_name\":\"mitre-attack\",\"phase_name\":\"", t, "\"}");
  return Cat("{\"type\":\"attack-pattern\",\"id\":\"", StixId(id), "\",\"name\":\"Tech ", id,
             "\",\"created\":\"2020-01-01T00:00:00.000Z\",\"modified\":\"", modified, "\",\"x_mitre_version\":\"",
             version, "\",\"description\":\"About ", id, "\",\"kill_chain_phases\":[", phases, "],",
             Contains(id, ".") ? "\"x_mitre_is_subtechnique\":true," : "", Ref(id), extra, "}");
}
int rel_counter = 0;
std::string Rel(const std::string& type, const std::string& src, const std::string& dst) {
  ++rel_counter;
  char buf[16];
  snprintf(buf, sizeof buf, "%012d", rel_counter);
  return Cat("{\"type\":\"relationship\",\"id\":\"relationship--00000000-0000-4000-9000-", buf,
             "\",\"relationship_type\":\"", type, "\",\"source_ref\":\"", src, "\",\"target_ref\":\"", dst,
             "\",\"modified\":\"2025-01-01T00:00:00.000Z\"}");
}
std::string Tactic(const std::string& id, const std::string& shortname, int n) {
  return Cat("{\"type\":\"x-mitre-tactic\",\"id\":\"x-mitre-tactic--00000000-0000-4000-8000-00000000000", n,
             "\",\"name\":\"", shortname, "\",\"x_mitre_shortname\":\"", shortname,
             "\",\"modified\":\"2025-01-01T00:00:00.000Z\",", Ref(id), "}");
}
std::string Bundle(const std::vector<std::string>& objects) {
  return Cat("{\"type\":\"bundle\",\"id\":\"bundle--00000000-0000-4000-8000-000000000000\",\"objects\":[",
             Join(objects, ","), "]}");
}
const std::string kGroupId = "intrusion-set--00000000-0000-4000-8000-000000000001";
std::string Group(const std::string& extra = "") {
  return Cat("{\"type\":\"intrusion-set\",\"id\":\"", kGroupId,
             "\",\"name\":\"Fate Group\",\"modified\":\"2025-01-01T00:00:00.000Z\",\"x_mitre_version\":\"1.0\",",
             Ref("G0900"), extra, "}");
}

TEST(DiffFatesTest, EveryFateAMigrationNeeds) {
  const std::string revoked = ",\"revoked\":true";
  const std::string deprecated = ",\"x_mitre_deprecated\":true";
  const std::string later = "2025-06-01T00:00:00.000Z";
  std::vector<std::string> common = {Tactic("TA0002", "execution", 1), Tactic("TA0003", "persistence", 2)};

  std::vector<std::string> old_objects = common;
  for (auto* id : {"T1100", "T1101", "T1102", "T1103", "T1104", "T1105", "T1106", "T1107", "T1108"})
    old_objects.push_back(Technique(id, "execution", "1.0"));
  old_objects.push_back(Technique("T1103.001", "execution", "1.0"));
  old_objects.push_back(Technique("T1103.002", "execution", "1.0"));
  old_objects.push_back(Technique("T1109.001", "execution", "1.0"));
  old_objects.push_back(Technique("T1109", "execution", "1.0"));
  old_objects.push_back(Technique("T1113", "execution", "1.0"));
  old_objects.push_back(Group());
  rel_counter = 0;
  old_objects.push_back(Rel("subtechnique-of", StixId("T1103.001"), StixId("T1103")));
  old_objects.push_back(Rel("subtechnique-of", StixId("T1103.002"), StixId("T1103")));
  old_objects.push_back(Rel("subtechnique-of", StixId("T1109.001"), StixId("T1109")));
  old_objects.push_back(Rel("uses", kGroupId, StixId("T1100")));
  old_objects.push_back(Rel("uses", kGroupId, StixId("T1104")));

  std::vector<std::string> new_objects = common;
  new_objects.push_back(Technique("T1100", "execution", "1.0", revoked, later));        // merged into T1101
  new_objects.push_back(Technique("T1101", "execution", "1.1", "", later));             // minor
  new_objects.push_back(Technique("T1102", "execution", "1.0", revoked, later));        // chain T1110 -> T1111
  new_objects.push_back(Technique("T1110", "execution", "1.0", revoked, later));
  new_objects.push_back(Technique("T1111", "persistence", "1.0"));
  new_objects.push_back(Technique("T1103", "execution", "1.0"));                        // split (below)
  new_objects.push_back(Technique("T1103.001", "execution", "1.0"));
  new_objects.push_back(Technique("T1103.002", "execution", "1.0", revoked, later));    // -> T1112.001
  new_objects.push_back(Technique("T1112", "execution", "1.0"));
  new_objects.push_back(Technique("T1112.001", "execution", "1.0"));
  new_objects.push_back(Technique("T1104", "execution", "1.1", deprecated, later));     // deprecated
  // T1105 deleted.
  new_objects.push_back(Technique("T1106", "execution", "2.0", "", later));             // major
  new_objects.push_back(Technique("T1107", "persistence", "1.0", "", later));           // patch + tactic move
  new_objects.push_back(Technique("T1108", "execution", "1.0", revoked, later));        // revoked by a group: skipped
  new_objects.push_back(Technique("T1109.001", "execution", "1.0"));                    // now under T1113
  new_objects.push_back(Technique("T1109", "execution", "1.0"));
  new_objects.push_back(Technique("T1113", "execution", "1.0"));
  new_objects.push_back(Group());
  rel_counter = 100;
  new_objects.push_back(Rel("subtechnique-of", StixId("T1103.001"), StixId("T1103")));
  new_objects.push_back(Rel("subtechnique-of", StixId("T1103.002"), StixId("T1103")));
  new_objects.push_back(Rel("subtechnique-of", StixId("T1112.001"), StixId("T1112")));
  new_objects.push_back(Rel("subtechnique-of", StixId("T1109.001"), StixId("T1113")));
  new_objects.push_back(Rel("revoked-by", StixId("T1100"), StixId("T1101")));
  new_objects.push_back(Rel("revoked-by", StixId("T1102"), StixId("T1110")));
  new_objects.push_back(Rel("revoked-by", StixId("T1110"), StixId("T1111")));
  new_objects.push_back(Rel("revoked-by", StixId("T1103.002"), StixId("T1112.001")));
  new_objects.push_back(Rel("revoked-by", StixId("T1108"), kGroupId));
  new_objects.push_back(Rel("uses", kGroupId, StixId("T1101")));
  new_objects.push_back(Rel("uses", kGroupId, StixId("T1106")));

  Loaded from = FromText(Bundle(old_objects), "1.0"), to = FromText(Bundle(new_objects), "2.0");
  DiffReport r = Diff(from, to);

  EXPECT_THAT(Lines(from, to, r, DiffObjectType::kTechniques),
              ElementsAre("T1110 additions", "T1111 additions", "T1112 additions", "T1112.001 additions",
                          "T1106 major_version_changes", "T1101 minor_version_changes", "T1107 patches",
                          "T1100 revocations", "T1102 revocations", "T1103.002 revocations",
                          "T1104 deprecations", "T1105 deletions"));
  // T1108 was revoked by an object of another type: diff_stix skips it (and T1103,
  // T1103.001, T1109, T1109.001, T1113 are unchanged).
  EXPECT_EQ(r.summary[0].counts[static_cast<int>(ChangeCategory::kUnchanged)], 5);
  for (const ObjectChange& c : r.changes)
    if (to.graph->node(c.to == kNoNode ? 0 : c.to).attack_id == "T1102" && c.to != kNoNode) {
      EXPECT_THAT(Ids(*to.graph, c.revoked_by), ElementsAre("T1110", "T1111"));
    }

  std::map<std::string, const TechniqueFate*> fates;
  for (auto& f : r.technique_fates) fates[from.graph->node(f.from).attack_id] = &f;
  ASSERT_EQ(fates.size(), 14u);
  auto succ = [&](const char* id) {
    return fates[id]->successor == kNoNode ? std::string("-") : to.graph->node(fates[id]->successor).attack_id;
  };
  EXPECT_EQ(fates["T1100"]->kind, TechniqueFateKind::kRevoked);
  EXPECT_EQ(succ("T1100"), "T1101");
  EXPECT_THAT(Ids(*from.graph, fates["T1100"]->merged_with), ElementsAre("T1101"));  // merge
  EXPECT_THAT(Ids(*from.graph, fates["T1101"]->merged_with), ElementsAre("T1100"));
  EXPECT_TRUE(fates["T1100"]->NeedsReview());
  EXPECT_EQ(succ("T1102"), "T1111");                      // two hops
  EXPECT_TRUE(fates["T1102"]->tactic_moved);              // execution -> persistence
  EXPECT_TRUE(fates["T1102"]->NeedsReview());
  EXPECT_TRUE(fates["T1103"]->split);                      // subs now under T1103 and T1112
  EXPECT_THAT(Ids(*to.graph, fates["T1103"]->split_into), ElementsAre("T1103", "T1112"));
  EXPECT_EQ(succ("T1103.002"), "T1112.001");
  EXPECT_FALSE(fates["T1103.002"]->NeedsReview());         // auto-migrated: one active successor
  EXPECT_EQ(fates["T1104"]->kind, TechniqueFateKind::kDeprecated);
  EXPECT_EQ(fates["T1105"]->kind, TechniqueFateKind::kDeleted);
  EXPECT_EQ(fates["T1106"]->kind, TechniqueFateKind::kMajorChange);
  EXPECT_TRUE(fates["T1106"]->NeedsReview());
  EXPECT_EQ(fates["T1107"]->kind, TechniqueFateKind::kSame);
  EXPECT_TRUE(fates["T1107"]->tactic_moved);
  EXPECT_EQ(fates["T1108"]->kind, TechniqueFateKind::kRevoked);
  EXPECT_EQ(succ("T1108"), "-");                           // revoked into a group: orphaned
  EXPECT_FALSE(fates["T1108"]->NeedsReview());
  EXPECT_TRUE(fates["T1109.001"]->parent_changed);
  EXPECT_EQ(fates["T1113"]->kind, TechniqueFateKind::kSame);
  EXPECT_FALSE(fates["T1113"]->NeedsReview());

  // Relationship diffs.
  ASSERT_EQ(r.tactic_changes.size(), 1u);
  EXPECT_EQ(to.graph->node(r.tactic_changes[0].to).attack_id, "T1107");
  EXPECT_THAT(r.tactic_changes[0].removed, ElementsAre("execution"));
  EXPECT_THAT(r.tactic_changes[0].added, ElementsAre("persistence"));
  ASSERT_EQ(r.tactic_moves.size(), 1u);
  EXPECT_EQ(r.tactic_moves[0].techniques, 1);
  ASSERT_EQ(r.parent_changes.size(), 1u);
  EXPECT_EQ(from.graph->node(r.parent_changes[0].old_parent).attack_id, "T1109");
  EXPECT_EQ(to.graph->node(r.parent_changes[0].new_parent).attack_id, "T1113");
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_THAT(Ids(*to.graph, r.groups[0].techniques.gained), ElementsAre("T1101", "T1106"));
  EXPECT_THAT(Ids(*from.graph, r.groups[0].techniques.lost), ElementsAre("T1100", "T1104"));
}

// A group's delta follows the usage paths asked, as "techniques used by a
// group" does: its software gains T1202 and its attributed campaign gains
// T1203, while its direct uses (T1201) stay.
TEST(DiffMiniTest, GroupDeltasFollowTheUsagePaths) {
  const std::string software = "malware--00000000-0000-4000-8000-000000000001";
  const std::string campaign = "campaign--00000000-0000-4000-8000-000000000001";
  auto objects = [&](bool later) {
    std::vector<std::string> o = {Tactic("TA0002", "execution", 1), Group()};
    for (auto* id : {"T1201", "T1202", "T1203"}) o.push_back(Technique(id, "execution", "1.0"));
    o.push_back(Cat("{\"type\":\"malware\",\"id\":\"", software,
                    "\",\"name\":\"Path Malware\",\"modified\":\"2025-01-01T00:00:00.000Z\",", Ref("S0900"), "}"));
    o.push_back(Cat("{\"type\":\"campaign\",\"id\":\"", campaign,
                    "\",\"name\":\"Path Campaign\",\"modified\":\"2025-01-01T00:00:00.000Z\",", Ref("C0900"), "}"));
    rel_counter = 200;
    o.push_back(Rel("uses", kGroupId, StixId("T1201")));
    o.push_back(Rel("uses", kGroupId, software));
    o.push_back(Rel("attributed-to", campaign, kGroupId));
    if (later) {
      o.push_back(Rel("uses", software, StixId("T1202")));
      o.push_back(Rel("uses", campaign, StixId("T1203")));
    }
    return Bundle(o);
  };
  Loaded from = FromText(objects(false), "1.0"), to = FromText(objects(true), "2.0");
  struct Case {
    UsagePaths paths;
    std::vector<std::string> gained;  // empty: the group has no delta
  };
  for (const Case& c : {Case{UsagePaths{}, {"T1202", "T1203"}}, Case{UsagePaths{true, false, false}, {}},
                        Case{UsagePaths{false, true, false}, {"T1202"}}, Case{UsagePaths{true, false, true}, {"T1203"}}}) {
    SCOPED_TRACE(Cat("direct=", c.paths.direct, " software=", c.paths.software, " campaigns=", c.paths.campaigns));
    DiffReport r = Diff(from, to, c.paths);
    if (c.gained.empty()) {
      EXPECT_THAT(r.groups, IsEmpty());
      continue;
    }
    ASSERT_EQ(r.groups.size(), 1u);
    EXPECT_EQ(to.graph->node(r.groups[0].to).attack_id, "G0900");
    EXPECT_EQ(Ids(*to.graph, r.groups[0].techniques.gained), c.gained);
    EXPECT_THAT(r.groups[0].techniques.lost, IsEmpty());
  }
}

TEST(DiffFatesTest, MissingContentIsRefused) {
  Loaded v17 = FromText(testing::ReadFile(testing::TestData("mini_attack/mini-v17.json")), "17.0");
  Loaded v18 = FromText(testing::ReadFile(testing::TestData("mini_attack/mini-v18.json")), "18.0");
  EXPECT_THAT(DiffReleases(*v17.graph, *v18.graph, {}, QueryLimits{}),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("attack-pattern--")));
  QueryLimits past;
  past.deadline = absl::InfinitePast();
  DiffContent c;
  for (const std::string& k : DiffContentKeys(*v17.graph, *v18.graph))
    c[k] = v17.json_by_key.count(k) ? v17.json_by_key.at(k) : v18.json_by_key.at(k);
  EXPECT_THAT(DiffReleases(*v17.graph, *v18.graph, c, past), testing::StatusIs(absl::StatusCode::kDeadlineExceeded));
}

}  // namespace
}  // namespace ttpgraph
