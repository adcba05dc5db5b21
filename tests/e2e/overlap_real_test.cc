// Group overlap on the real enterprise 18.1 bundle (../shared/data/attack):
// every pair of a dozen groups against tests/e2e/diff_oracle.py --overlap
// (naive set arithmetic over the raw bundle), for three usage-path
// selections; top-k against the full matrix. The mini fixture's answers:
// tests/graph/overlap_mini_test.cc.
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

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
    // diff_oracle.py --overlap: each of the 66 pairs shares techniques, in all three selections.
    EXPECT_EQ(nonzero, 66);
    for (size_t i = 0; i < m.groups.size(); ++i)
      EXPECT_EQ(m.technique_counts[i], int64_t(oracle["groups"][g->node(m.groups[i]).attack_id]));

    // Top-k for G0016 equals the best three of its row in the matrix over every group
    // (by Jaccard index, then more shared techniques, then ATT&CK ID).
    ASSERT_OK_AND_ASSIGN(auto all, ResolveGroups(*g, {}));
    ASSERT_OK_AND_ASSIGN(auto top, MostSimilarGroups(index, groups[0], 3));
    ASSERT_OK_AND_ASSIGN(OverlapMatrix full, ComputeOverlap(index, all, QueryLimits{}));
    std::vector<std::tuple<double, int, std::string>> row;  // (-jaccard, -shared, ATT&CK ID)
    for (const OverlapPair& p : full.pairs) {
      NodeId a = full.groups[p.a], b = full.groups[p.b];
      NodeId other = a == groups[0] ? b : b == groups[0] ? a : kNoNode;
      if (other != kNoNode && p.shared > 0) row.emplace_back(-p.jaccard, -p.shared, g->node(other).attack_id);
    }
    std::sort(row.begin(), row.end());
    ASSERT_EQ(top.size(), 3u);
    for (size_t i = 0; i < top.size(); ++i) {
      EXPECT_EQ(g->node(top[i].group).attack_id, std::get<2>(row[i])) << i;
      EXPECT_DOUBLE_EQ(top[i].jaccard, -std::get<0>(row[i])) << i;
      EXPECT_EQ(top[i].shared, -std::get<1>(row[i])) << i;
    }
  }
}

}  // namespace
}  // namespace ttpgraph
