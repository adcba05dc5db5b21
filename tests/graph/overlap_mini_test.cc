// Group overlap: the mini fixture's known answers (tests/testdata/mini_attack)
// and bad input. A dozen real groups against tests/e2e/diff_oracle.py:
// tests/e2e/overlap_real_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "graph/overlap.h"
#include "storage/import/bundle_parser.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<const ReleaseGraph> Load(const std::string& path, const std::string& version) {
  BundleParseOptions opts;
  opts.domain = "enterprise-attack";
  opts.version = version;
  auto bundle = ParseBundle(testing::ReadFile(path), opts);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  return *ReleaseGraph::Build(bundle->id, bundle->objects);
}

TEST(OverlapMiniTest, KnownAnswers) {
  for (auto [file, version, jaccard] : {std::make_tuple("mini-v17.json", "17.0", 0.75),
                                        std::make_tuple("mini-v18.json", "18.0", 0.6)}) {
    auto g = Load(testing::TestData(std::string("mini_attack/") + file), version);
    ASSERT_OK_AND_ASSIGN(auto index, GroupUsageIndex::Build(*g, UsagePaths{}, QueryLimits{}));
    ASSERT_OK_AND_ASSIGN(auto groups, ResolveGroups(*g, {}));
    ASSERT_EQ(groups.size(), 2u);  // G0001, G0003 (G0002 is revoked)
    ASSERT_OK_AND_ASSIGN(OverlapMatrix m, ComputeOverlap(index, groups, QueryLimits{}));
    ASSERT_EQ(m.pairs.size(), 1u);
    EXPECT_EQ(m.pairs[0].shared, 3);  // T1001.001, T1013, T1030
    EXPECT_EQ(m.pairs[0].only_a, 1);  // G0001: T1001
    EXPECT_EQ(m.pairs[0].only_b, std::string(version) == "18.0" ? 1 : 0);  // G0003: T1050 in v18
    EXPECT_DOUBLE_EQ(m.pairs[0].jaccard, jaccard);
    ASSERT_OK_AND_ASSIGN(auto similar, MostSimilarGroups(index, groups[0], 5));
    ASSERT_EQ(similar.size(), 1u);
    EXPECT_EQ(g->node(similar[0].group).attack_id, "G0003");
    auto uses = TechniqueUseCounts(index, groups);
    ASSERT_EQ(uses.size(), std::string(version) == "18.0" ? 5u : 4u);  // shared + only_a + only_b
    EXPECT_EQ(uses[0].groups.size(), 2u);
    EXPECT_EQ(g->node(uses[0].technique).attack_id, "T1001.001");  // count 2, then by ATT&CK ID
  }
  // Direct only: G0001 {T1001}, G0003 {T1030}: nothing shared.
  auto g = Load(testing::TestData("mini_attack/mini-v17.json"), "17.0");
  ASSERT_OK_AND_ASSIGN(auto index, GroupUsageIndex::Build(*g, UsagePaths{true, false, false}, QueryLimits{}));
  ASSERT_OK_AND_ASSIGN(auto groups, ResolveGroups(*g, {"G0003", "G0001", "g0001"}));
  ASSERT_OK_AND_ASSIGN(OverlapMatrix m, ComputeOverlap(index, groups, QueryLimits{}));
  EXPECT_EQ(g->node(m.groups[0]).attack_id, "G0001");
  EXPECT_EQ(m.pairs[0].shared, 0);
  EXPECT_EQ(m.pairs[0].jaccard, 0.0);
  ASSERT_OK_AND_ASSIGN(auto similar, MostSimilarGroups(index, groups[0], 5));
  EXPECT_TRUE(similar.empty());
}

TEST(OverlapMiniTest, BadInput) {
  auto g = Load(testing::TestData("mini_attack/mini-v17.json"), "17.0");
  EXPECT_THAT(ResolveGroups(*g, {"G0001", "G0998", "G0999"}),
              testing::StatusIs(absl::StatusCode::kNotFound, HasSubstr("G0998, G0999")));
  // A revoked group stands for its successor, and says so.
  std::vector<ActiveObject> revoked;
  ASSERT_OK_AND_ASSIGN(auto successor, ResolveGroups(*g, {"G0002"}, &revoked));
  ASSERT_EQ(successor.size(), 1u);
  EXPECT_EQ(g->node(successor[0]).attack_id, "G0001");
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(g->node(revoked[0].asked).attack_id, "G0002");
  EXPECT_EQ(revoked[0].answered, successor[0]);
  EXPECT_THAT(ResolveGroups(*g, {"T1001"}),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("T1001 is an attack-pattern, not a group")));
  EXPECT_THAT(GroupUsageIndex::Build(*g, UsagePaths{false, false, false}, QueryLimits{}),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("usage paths")));
  ASSERT_OK_AND_ASSIGN(auto index, GroupUsageIndex::Build(*g, UsagePaths{}, QueryLimits{}));
  ASSERT_OK_AND_ASSIGN(auto one, ResolveGroups(*g, {"G0001"}));
  EXPECT_THAT(ComputeOverlap(index, one, QueryLimits{}),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least two groups")));
  EXPECT_THAT(MostSimilarGroups(index, one[0], 0), testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace ttpgraph
