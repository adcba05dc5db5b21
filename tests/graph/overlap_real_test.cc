// Group overlap: the mini fixture's known answers, bad input, and every pair
// of a dozen real enterprise 18.1 groups against tests/e2e/diff_oracle.py
// --overlap (naive set arithmetic over the raw bundle), for three usage-path
// selections; top-k against the full matrix.
#include <simdjson.h>

#include <cstdio>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "graph/overlap.h"
#include "storage/import/bundle_parser.h"
#include "storage/import/decompress.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<const ReleaseGraph> Load(const std::string& path, const std::string& version) {
  auto text = MaybeGunzip(testing::ReadFile(path), size_t{1} << 30);
  EXPECT_TRUE(text.ok()) << text.status();
  BundleParseOptions opts;
  opts.domain = "enterprise-attack";
  opts.version = version;
  auto bundle = ParseBundle(*text, opts);
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
    ASSERT_FALSE(uses.empty());
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

std::string RunOracle(const std::string& bundle, const std::string& groups, const std::string& flags) {
  std::string cmd = Cat("python3 ", TTPGRAPH_SOURCE_DIR, "/tests/e2e/diff_oracle.py --overlap ", bundle,
                        " --groups ", groups, " ", flags);
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << cmd;
  return out;
}

TEST(OverlapRealTest, DozenGroupsMatchNaiveSets) {
  const std::string bundle = testing::SharedData("attack/enterprise-attack-18.1.json.gz");
  auto g = Load(bundle, "18.1");
  const std::vector<std::string> ids = {"G0016", "G0007", "G0032", "G0010", "G0034", "G0035",
                                        "G0050", "G0059", "G0094", "G0096", "G0102", "G0125"};
  struct Case {
    UsagePaths paths;
    const char* flags;
  };
  for (const Case& c : {Case{UsagePaths{}, ""}, Case{UsagePaths{true, false, true}, "--no-software"},
                        Case{UsagePaths{false, true, false}, "--no-direct --no-campaigns"}}) {
    SCOPED_TRACE(c.flags);
    ASSERT_OK_AND_ASSIGN(auto index, GroupUsageIndex::Build(*g, c.paths, QueryLimits{}));
    ASSERT_OK_AND_ASSIGN(auto groups, ResolveGroups(*g, ids));
    ASSERT_OK_AND_ASSIGN(OverlapMatrix m, ComputeOverlap(index, groups, QueryLimits{}));
    ASSERT_EQ(m.pairs.size(), 66u);
    std::string text = RunOracle(bundle, Join(ids, ","), c.flags);
    simdjson::dom::parser parser;
    simdjson::dom::element oracle = parser.parse(text);
    std::map<std::pair<std::string, std::string>, simdjson::dom::element> want;
    for (auto p : oracle["pairs"].get_array())
      want[{std::string(p["a"].get_string().value()), std::string(p["b"].get_string().value())}] = p;
    int nonzero = 0;
    for (const OverlapPair& p : m.pairs) {
      std::string a = g->node(m.groups[p.a]).attack_id, b = g->node(m.groups[p.b]).attack_id;
      bool flip = !want.count({a, b});
      auto it = want.find(flip ? std::make_pair(b, a) : std::make_pair(a, b));
      ASSERT_NE(it, want.end()) << a << " " << b;
      simdjson::dom::element o = it->second;
      EXPECT_EQ(p.shared, int64_t(o["shared"])) << a << " " << b;
      EXPECT_EQ(p.only_a, int64_t(o[flip ? "only_b" : "only_a"])) << a << " " << b;
      EXPECT_EQ(p.only_b, int64_t(o[flip ? "only_a" : "only_b"])) << a << " " << b;
      EXPECT_NEAR(p.jaccard, double(o["jaccard"]), 1e-12) << a << " " << b;
      nonzero += p.shared > 0;
    }
    EXPECT_GT(nonzero, 30);
    for (size_t i = 0; i < m.groups.size(); ++i)
      EXPECT_EQ(m.technique_counts[i], int64_t(oracle["groups"][g->node(m.groups[i]).attack_id]));

    // Top-k over the dozen equals the matrix's best pairs for G0016.
    ASSERT_OK_AND_ASSIGN(auto all, ResolveGroups(*g, {}));
    ASSERT_OK_AND_ASSIGN(auto top, MostSimilarGroups(index, groups[0], 3));
    ASSERT_OK_AND_ASSIGN(OverlapMatrix full, ComputeOverlap(index, all, QueryLimits{}));
    double best = 0;
    for (const OverlapPair& p : full.pairs)
      if (full.groups[p.a] == groups[0] || full.groups[p.b] == groups[0]) best = std::max(best, p.jaccard);
    ASSERT_FALSE(top.empty());
    EXPECT_DOUBLE_EQ(top[0].jaccard, best);
    for (size_t i = 1; i < top.size(); ++i) EXPECT_LE(top[i].jaccard, top[i - 1].jaccard);
  }
}

}  // namespace
}  // namespace ttpgraph
