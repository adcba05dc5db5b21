// PlanMigration / MigratedDetections over the hand-built pair
// tests/testdata/migration (README there): unchanged, revoked with one
// successor (AUTO), deprecated and revoked-into-nothing (ORPHANED), major
// change, tactic move, split and merge (REVIEW), unknown IDs, detections
// already at the target or of another domain; and a second plan over the
// migrated detections changes nothing. Also mini-v17 -> mini-v18.
#include "graph/migration.h"

#include <gtest/gtest.h>

#include <map>

#include "storage/import/bundle_parser.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;

struct Loaded {
  std::shared_ptr<const ReleaseGraph> graph;
  std::map<std::string, std::string> json_by_key;
};

Loaded Load(const std::string& rel, const std::string& version, const std::string& domain = "enterprise-attack") {
  BundleParseOptions opts;
  opts.domain = domain;
  opts.version = version;
  std::string text = testing::ReadFile(testing::TestData(rel));
  // The same objects claimed by another domain.
  for (size_t p = 0; domain != "enterprise-attack" && (p = text.find("\"enterprise-attack\"", p)) != std::string::npos;)
    text.replace(p, 19, "\"" + domain + "\"");
  auto bundle = ParseBundle(text, opts);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  Loaded l;
  l.graph = *ReleaseGraph::Build(bundle->id, bundle->objects);
  for (auto& o : bundle->objects) l.json_by_key[o.key] = o.json;
  return l;
}

DiffReport Diff(const Loaded& a, const Loaded& b) {
  DiffContent c;
  for (const std::string& k : DiffContentKeys(*a.graph, *b.graph))
    c[k] = a.json_by_key.count(k) ? a.json_by_key.at(k) : b.json_by_key.at(k);
  auto r = DiffReleases(*a.graph, *b.graph, c, QueryLimits{});
  EXPECT_TRUE(r.ok()) << r.status();
  return *r;
}

Detection Det(const std::string& id, std::vector<std::string> techniques, std::string release = "enterprise-attack@1.0") {
  Detection d;
  d.id = id;
  d.name = "rule " + id;
  d.techniques = std::move(techniques);
  d.release = std::move(release);
  return d;
}

class MigrationPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    from_ = Load("migration/migration-old.json", "1.0");
    to_ = Load("migration/migration-new.json", "2.0");
    diff_ = Diff(from_, to_);
    detections_ = {Det("a", {"T3001"}),          Det("b", {"T3002"}),  Det("c", {"T3003"}),
                   Det("d", {"T3004"}),          Det("e", {"T3005"}),  Det("f", {"T3006"}),
                   Det("g", {"T3007"}),          Det("h", {"T3011"}),  Det("i", {"T3002", "T3001"}),
                   Det("j", {"T9999"}),          Det("k", {"T3002"}, "enterprise-attack@2.0"),
                   Det("l", {"T3002"}, "mobile-attack@1.0"), Det("m", {"T3010"}),
                   Det("n", {"T3011", "T3012"}), Det("o", {"T3007.002"})};
  }
  std::map<std::string, const DetectionPlan*> ById(const MigrationPlan& p) {
    std::map<std::string, const DetectionPlan*> out;
    for (auto& dp : p.detections) out[detections_[dp.detection].id] = &dp;
    return out;
  }
  Loaded from_, to_;
  DiffReport diff_;
  std::vector<Detection> detections_;
};

TEST_F(MigrationPlanTest, EveryCase) {
  auto plan = PlanMigration(*from_.graph, *to_.graph, diff_, detections_, QueryLimits{});
  ASSERT_OK(plan.status());
  EXPECT_EQ(plan->detections_in_scope, 13);
  EXPECT_EQ(plan->detections_at_target, 1);
  EXPECT_EQ(plan->detections_other_domain, 1);
  auto by = ById(*plan);
  auto action = [&](const std::string& id) { return std::string(MigrationActionName(by.at(id)->action)); };
  EXPECT_EQ(action("a"), "UNCHANGED");
  EXPECT_EQ(action("b"), "AUTO");
  EXPECT_THAT(by.at("b")->techniques_after, ElementsAre("T3010"));
  EXPECT_EQ(by.at("b")->release_after, "enterprise-attack@2.0");
  EXPECT_EQ(action("c"), "ORPHANED");
  EXPECT_THAT(by.at("c")->mappings[0].reasons, ElementsAre(HasSubstr("deprecated")));
  EXPECT_EQ(action("d"), "ORPHANED");
  EXPECT_THAT(by.at("d")->mappings[0].reasons, ElementsAre(HasSubstr("without an active successor")));
  EXPECT_EQ(action("e"), "REVIEW");
  EXPECT_THAT(by.at("e")->mappings[0].reasons, ElementsAre("major version change"));
  EXPECT_EQ(action("f"), "REVIEW");
  EXPECT_THAT(by.at("f")->mappings[0].reasons, ElementsAre("tactic moved"));
  EXPECT_EQ(action("g"), "REVIEW");
  EXPECT_THAT(by.at("g")->mappings[0].reasons, ElementsAre("split into T3007, T3008"));
  EXPECT_EQ(action("h"), "REVIEW");
  EXPECT_EQ(to_.graph->node(by.at("h")->mappings[0].target).attack_id, "T3013");  // the suggestion
  EXPECT_THAT(by.at("h")->techniques_after, ElementsAre("T3011"));               // not re-mapped
  EXPECT_EQ(by.at("h")->release_after, "enterprise-attack@1.0");
  EXPECT_EQ(action("i"), "AUTO");
  EXPECT_THAT(by.at("i")->techniques_after, ElementsAre("T3010", "T3001"));
  EXPECT_EQ(action("j"), "UNKNOWN");
  EXPECT_EQ(by.count("k"), 0u);
  EXPECT_EQ(by.count("l"), 0u);
  EXPECT_EQ(action("m"), "AT_TARGET");
  EXPECT_EQ(action("n"), "REVIEW");
  EXPECT_EQ(plan->unchanged, 2);       // a, i's T3001
  EXPECT_EQ(plan->auto_migrated, 3);   // b, i's T3002, o
  // A revoked sub-technique whose successor sits under another parent: one active end, AUTO.
  EXPECT_EQ(action("o"), "AUTO");
  EXPECT_THAT(by.at("o")->techniques_after, ElementsAre("T3008.001"));
  EXPECT_EQ(plan->orphaned, 2);        // c, d
  EXPECT_EQ(plan->unknown, 1);         // j
  EXPECT_EQ(plan->at_target, 1);       // m
  // Everything whose mappings are all settled moves to the new release: a, b, i, m, o.
  EXPECT_EQ(plan->detections_changed, 5);
}

TEST_F(MigrationPlanTest, ApplyingTwiceChangesNothingTheSecondTime) {
  auto plan = PlanMigration(*from_.graph, *to_.graph, diff_, detections_, QueryLimits{});
  ASSERT_OK(plan.status());
  std::vector<Detection> rewritten = MigratedDetections(*plan, detections_);
  ASSERT_EQ(rewritten.size(), 5u);
  std::map<std::string, Detection> after;
  for (auto& d : detections_) after[d.id] = d;
  for (auto& d : rewritten) after[d.id] = d;
  EXPECT_THAT(after["b"].techniques, ElementsAre("T3010"));
  EXPECT_EQ(after["b"].release, "enterprise-attack@2.0");
  EXPECT_THAT(after["b"].notes, ElementsAre(HasSubstr("T3002 -> T3010")));
  std::vector<Detection> second_input;
  for (auto& [id, d] : after) second_input.push_back(d);
  auto second = PlanMigration(*from_.graph, *to_.graph, diff_, second_input, QueryLimits{});
  ASSERT_OK(second.status());
  EXPECT_EQ(second->detections_changed, 0);
  EXPECT_TRUE(MigratedDetections(*second, second_input).empty());
}

TEST_F(MigrationPlanTest, DifferentDomainsAndForeignDiff) {
  Loaded ics = Load("migration/migration-new.json", "2.0", "ics-attack");
  EXPECT_THAT(PlanMigration(*from_.graph, *ics.graph, diff_, detections_, QueryLimits{}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("different domains")));
  Loaded other = Load("migration/migration-new.json", "3.0");
  EXPECT_THAT(PlanMigration(*from_.graph, *other.graph, diff_, detections_, QueryLimits{}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("enterprise-attack@3.0")));
}

TEST(MigrationMiniTest, MiniV17ToV18) {
  Loaded from = Load("mini_attack/mini-v17.json", "17.0"), to = Load("mini_attack/mini-v18.json", "18.0");
  DiffReport diff = Diff(from, to);
  std::vector<Detection> ds = {Det("x", {"T1001"}, "enterprise-attack@17.0"),      // minor change: unchanged
                               Det("y", {"T1010"}, "enterprise-attack@17.0"),      // revoked in 17 already
                               Det("z", {"T1002"}, "enterprise-attack@17.0"),      // deprecated
                               Det("w", {"T1020"}, "enterprise-attack@17.0")};     // revoked-by cycle
  auto plan = PlanMigration(*from.graph, *to.graph, diff, ds, QueryLimits{});
  ASSERT_OK(plan.status());
  ASSERT_EQ(plan->detections.size(), 4u);
  EXPECT_STREQ(MigrationActionName(plan->detections[0].action), "UNCHANGED");
  EXPECT_EQ(plan->detections[0].release_after, "enterprise-attack@18.0");
  EXPECT_STREQ(MigrationActionName(plan->detections[1].action), "AUTO");
  EXPECT_THAT(plan->detections[1].techniques_after, ElementsAre("T1013"));
  EXPECT_STREQ(MigrationActionName(plan->detections[2].action), "ORPHANED");
  EXPECT_STREQ(MigrationActionName(plan->detections[3].action), "ORPHANED");
}

}  // namespace
}  // namespace ttpgraph
