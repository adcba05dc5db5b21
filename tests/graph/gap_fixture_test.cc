// ComputeGaps over the hand-made tests/testdata/gap/gap-fixture.json, whose
// README spells out every expected answer: ranking (groups, then software +
// campaigns, then ATT&CK ID), statuses, usage-path options, min_groups, the
// sub-technique rule and the greedy telemetry recommendation (DC1002 covers
// more gaps than DC1003 at the start but adds nothing once DC1001 is taken).
#include "graph/gaps.h"

#include <gtest/gtest.h>

#include "graph/overlap.h"
#include "storage/import/bundle_parser.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;

class GapFixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BundleParseOptions opts;
    opts.domain = "enterprise-attack";
    opts.version = "1.0";
    auto bundle = ParseBundle(testing::ReadFile(testing::TestData("gap/gap-fixture.json")), opts);
    ASSERT_OK(bundle.status());
    auto g = ReleaseGraph::Build(bundle->id, bundle->objects);
    ASSERT_OK(g.status());
    g_ = *g;
    di_ = DetectabilityIndex::Build(*g_);
    view_.org_id = "acme";
    view_.detections = {OrgDetection{"d1", "T2004 rule", true, {"T2004"}, {}},
                        OrgDetection{"d2", "sub rule", true, {"T2001.001"}, {}},
                        OrgDetection{"d3", "disabled rule", false, {"T2003"}, {}}};
    view_.inventory = {InventoryEntry{"DC1004"}};
  }

  GapReport Run(const std::vector<std::string>& groups, UsagePaths paths = {}, int min_groups = 1) {
    auto usage = GroupUsageIndex::Build(*g_, paths, QueryLimits{});
    EXPECT_OK(usage.status());
    auto cov = ComputeCoverage(*g_, *di_, view_, CoverageOptions{}, QueryLimits{});
    EXPECT_OK(cov.status());
    auto sel = ResolveGroups(*g_, groups);
    EXPECT_OK(sel.status());
    GapOptions o;
    o.min_groups = min_groups;
    auto r = ComputeGaps(*g_, *di_, *usage, *cov, *sel, o, QueryLimits{});
    EXPECT_OK(r.status());
    return *r;
  }
  std::vector<std::string> Ids(const std::vector<NodeId>& ns) {
    std::vector<std::string> out;
    for (NodeId n : ns) out.push_back(g_->node(n).attack_id);
    return out;
  }
  std::vector<std::string> Ranking(const GapReport& r) {
    std::vector<std::string> out;
    for (const Gap& gap : r.gaps) out.push_back(g_->node(gap.technique).attack_id);
    return out;
  }
  std::vector<std::string> Recs(const GapReport& r) {
    std::vector<std::string> out;
    for (auto& rec : r.recommendations)
      out.push_back(Cat(g_->node(rec.data_component).attack_id, " +", rec.gaps_added, " =", rec.cumulative));
    return out;
  }

  std::shared_ptr<const ReleaseGraph> g_;
  std::shared_ptr<const DetectabilityIndex> di_;
  OrgView view_;
};

TEST_F(GapFixtureTest, AllGroupsRankingStatusesAndProvenance) {
  GapReport r = Run({});
  EXPECT_THAT(Ids(r.groups), ElementsAre("G1001", "G1002", "G1003"));  // G1009 is revoked
  EXPECT_EQ(r.techniques_used, 9);
  EXPECT_EQ(r.detected, 2);  // T2004, T2001.001
  EXPECT_EQ(r.logged, 1);    // T2005
  EXPECT_EQ(r.blind, 6);
  EXPECT_EQ(r.blind_without_telemetry, 1);  // T2006
  // T2002 (software S1001) and T2007 (campaign C1001) tie on groups and uses: ATT&CK ID decides.
  EXPECT_THAT(Ranking(r), ElementsAre("T2001", "T2002", "T2007", "T2003", "T2005", "T2006", "T2008"));
  const Gap& top = r.gaps[0];
  EXPECT_THAT(Ids(top.groups), ElementsAre("G1001", "G1002", "G1003"));
  EXPECT_EQ(top.status, CoverageStatus::kBlind);  // its sub-technique's detection does not close it
  EXPECT_THAT(Ids(top.data_components), ElementsAre("DC1001", "DC1002"));
  EXPECT_THAT(Ids(r.gaps[1].software), ElementsAre("S1001"));
  EXPECT_TRUE(r.gaps[1].campaigns.empty());
  EXPECT_THAT(Ids(r.gaps[2].campaigns), ElementsAre("C1001"));
  EXPECT_THAT(Ids(r.gaps[2].groups), ElementsAre("G1001", "G1002"));
  EXPECT_EQ(r.gaps[3].status, CoverageStatus::kBlind);  // T2003: its only detection is disabled
  const Gap& logged = r.gaps[4];
  EXPECT_EQ(logged.status, CoverageStatus::kLogged);
  EXPECT_THAT(Ids(logged.collected_components), ElementsAre("DC1004"));
  EXPECT_TRUE(r.gaps[5].data_components.empty());
}

TEST_F(GapFixtureTest, GreedyRecommendationSkipsComponentsThatAddNothing) {
  GapReport r = Run({});
  // DC1002 sees 2 BLIND gaps, DC1003 2 as well, but DC1002's are DC1001's too.
  EXPECT_THAT(Recs(r), ElementsAre("DC1001 +3 =3", "DC1003 +2 =5"));
}

TEST_F(GapFixtureTest, MinGroups) {
  GapReport two = Run({}, UsagePaths{}, 2);
  EXPECT_THAT(Ranking(two), ElementsAre("T2001", "T2002", "T2007", "T2003"));
  EXPECT_EQ(two.detected, 1);  // T2004; T2001.001 has one group
  EXPECT_EQ(two.techniques_used, 9);
  EXPECT_THAT(Recs(two), ElementsAre("DC1001 +3 =3", "DC1003 +1 =4"));
  GapReport three = Run({}, UsagePaths{}, 3);
  EXPECT_THAT(Ranking(three), ElementsAre("T2001"));
}

TEST_F(GapFixtureTest, UsagePaths) {
  UsagePaths no_software{true, false, true};
  GapReport a = Run({}, no_software);
  EXPECT_THAT(Ranking(a), ElementsAre("T2001", "T2007", "T2002", "T2003", "T2005", "T2006", "T2008"));
  EXPECT_TRUE(a.gaps[2].software.empty());
  UsagePaths no_campaigns{true, true, false};
  GapReport b = Run({}, no_campaigns);
  EXPECT_THAT(Ranking(b), ElementsAre("T2001", "T2002", "T2003", "T2005", "T2006", "T2007", "T2008"));
  EXPECT_THAT(Ids(b.gaps[5].groups), ElementsAre("G1002"));
}

TEST_F(GapFixtureTest, ExplicitGroups) {
  GapReport r = Run({"G1003"});
  EXPECT_THAT(Ranking(r), ElementsAre("T2001", "T2005", "T2008"));
  EXPECT_EQ(r.detected, 1);
  EXPECT_THAT(Recs(r), ElementsAre("DC1001 +1 =1", "DC1003 +1 =2"));
}

TEST_F(GapFixtureTest, BadInput) {
  auto usage = GroupUsageIndex::Build(*g_, UsagePaths{}, QueryLimits{});
  ASSERT_OK(usage.status());
  auto cov = ComputeCoverage(*g_, *di_, view_, CoverageOptions{}, QueryLimits{});
  ASSERT_OK(cov.status());
  GapOptions o;
  o.min_groups = 0;
  EXPECT_THAT(ComputeGaps(*g_, *di_, *usage, *cov, usage->groups(), o, QueryLimits{}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("min_groups")));
  NodeId revoked = g_->FindAttackId("G1009")[0];
  EXPECT_THAT(ComputeGaps(*g_, *di_, *usage, *cov, {revoked}, GapOptions{}, QueryLimits{}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("G1009")));
  EXPECT_THAT(GroupUsageIndex::Build(*g_, UsagePaths{false, false, false}, QueryLimits{}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("usage paths")));
  QueryLimits past;
  past.deadline = absl::InfinitePast();
  EXPECT_THAT(ComputeGaps(*g_, *di_, *usage, *cov, usage->groups(), GapOptions{}, past).status(),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

}  // namespace
}  // namespace ttpgraph
