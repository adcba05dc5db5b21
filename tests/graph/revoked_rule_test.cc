// The revoked-object rule (graph/queries.h ResolveActive, SPEC.md "Asking about
// a revoked object"), hop limits, and QueryLimits' deadline and cancellation,
// over the mini releases (tests/testdata/mini_attack/README.md).
#include <gtest/gtest.h>

#include "graph/group_usage.h"
#include "graph/queries.h"
#include "storage/import/bundle_parser.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

std::shared_ptr<const ReleaseGraph> MiniV17() {
  BundleParseOptions opts;
  opts.domain = "enterprise-attack";
  opts.version = "17.0";
  auto bundle = ParseBundle(testing::ReadFile(testing::TestData("mini_attack/mini-v17.json")), opts);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  auto g = ReleaseGraph::Build(bundle->id, bundle->objects);
  EXPECT_TRUE(g.ok()) << g.status();
  return *g;
}

const std::vector<std::string_view> kTechnique = {"attack-pattern"};

TEST(RevokedRuleTest, ActiveAnswersForItself) {
  auto g = MiniV17();
  ASSERT_OK_AND_ASSIGN(ActiveObject a, ResolveActive(*g, "t1001", kTechnique, "technique", QueryLimits{}));
  EXPECT_EQ(a.asked, a.answered);
  EXPECT_TRUE(a.chain.empty());
}

TEST(RevokedRuleTest, RevokedAnswersForTheEndOfItsChain) {
  auto g = MiniV17();
  ASSERT_OK_AND_ASSIGN(ActiveObject a, ResolveActive(*g, "T1010", kTechnique, "technique", QueryLimits{}));
  EXPECT_EQ(g->node(a.asked).attack_id, "T1010");
  EXPECT_EQ(g->node(a.answered).attack_id, "T1013");
  ASSERT_EQ(a.chain.size(), 3u);
  EXPECT_EQ(g->node(a.chain[0]).attack_id, "T1011");
  EXPECT_EQ(g->node(a.chain[1]).attack_id, "T1012");
}

TEST(RevokedRuleTest, ChainsThatEndInNoActiveObjectFail) {
  auto g = MiniV17();
  EXPECT_THAT(ResolveActive(*g, "T1020", kTechnique, "technique", QueryLimits{}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("technique T1020 is revoked in enterprise-attack@17.0 and its revoked-by chain loops: "
                                 "T1020 -> T1021 -> ...")));
  EXPECT_THAT(ResolveActive(*g, "T1002", kTechnique, "technique", QueryLimits{}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("technique T1002 is deprecated in enterprise-attack@17.0")));
  EXPECT_THAT(ResolveActive(*g, "T9999", kTechnique, "technique", QueryLimits{}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ResolveActive(*g, "G0001", kTechnique, "technique", QueryLimits{}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("G0001 is an intrusion-set, not a technique")));
}

// A chain longer than the hop limit is "too long", never reported as a loop.
TEST(RevokedRuleTest, ChainPastTheHopLimitIsTooLongNotALoop) {
  auto g = MiniV17();
  QueryLimits two_hops;
  two_hops.max_depth = 2;
  NodeId t1010 = *ResolveObject(*g, "T1010", "attack-pattern");
  RevokedChain chain = FollowRevokedBy(*g, t1010, two_hops);
  EXPECT_TRUE(chain.too_long);
  EXPECT_FALSE(chain.cycle);
  EXPECT_EQ(chain.hops.size(), 2u);
  EXPECT_FALSE(chain.ends_active(*g));
  EXPECT_THAT(ResolveActive(*g, "T1010", kTechnique, "technique", two_hops),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("its revoked-by chain is too long (more than 2 hops): T1010 -> T1011 -> T1012 -> ...")));
  RevokedChain loop = FollowRevokedBy(*g, *ResolveObject(*g, "T1020", "attack-pattern"), QueryLimits{});
  EXPECT_TRUE(loop.cycle);
  EXPECT_FALSE(loop.too_long);
}

class Gone : public Cancellation {
 public:
  bool Cancelled() const override { return true; }
};

TEST(QueryLimitsTest, DeadlineAndCancellationStopWork) {
  auto g = MiniV17();
  QueryLimits past;
  past.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_THAT(GroupUsageIndex::Build(*g, UsagePaths{}, past),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("collecting group techniques")));
  Gone gone;
  QueryLimits cancelled;
  cancelled.cancellation = &gone;
  EXPECT_THAT(GroupUsageIndex::Build(*g, UsagePaths{}, cancelled),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
  EXPECT_OK(GroupUsageIndex::Build(*g, UsagePaths{}, QueryLimits{}).status());
}

}  // namespace
}  // namespace ttpgraph
