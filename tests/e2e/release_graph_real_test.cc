// ReleaseGraph and graph/queries.h on the real enterprise 18.1 bundle
// (../shared/data/attack): the matrix's tactic order, one group's techniques
// over its usage paths, and the sub-technique parent links of the whole
// release. Every count is the one tests/e2e/oracle_check.py --print reads
// from the raw bundle. The hand-made releases' answers:
// tests/graph/release_graph_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "graph/queries.h"
#include "graph/release_graph.h"
#include "storage/import/bundle_parser.h"
#include "storage/import/decompress.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> AttackIds(const ReleaseGraph& g, const std::vector<NodeId>& ids) {
  std::vector<std::string> out;
  for (NodeId n : ids) out.push_back(g.node(n).attack_id);
  return out;
}

TEST(ReleaseGraphTest, RealEnterprise181TacticOrderAndGroup) {
  ASSERT_OK_AND_ASSIGN(
      std::string text,
      MaybeGunzip(testing::ReadFile(testing::SharedData("attack/enterprise-attack-18.1.json.gz")), 1u << 30));
  BundleParseOptions opts;
  opts.domain = "enterprise-attack";
  opts.version = "18.1";
  ASSERT_OK_AND_ASSIGN(ParsedBundle bundle, ParseBundle(text, opts));
  ASSERT_OK_AND_ASSIGN(auto g, ReleaseGraph::Build(bundle.id, bundle.objects));
  EXPECT_THAT(AttackIds(*g, g->tactics()),
              ElementsAre("TA0043", "TA0042", "TA0001", "TA0002", "TA0003", "TA0004", "TA0005", "TA0006", "TA0007",
                          "TA0008", "TA0009", "TA0011", "TA0010", "TA0040"));
  ASSERT_OK_AND_ASSIGN(NodeId apt29, ResolveObject(*g, "G0016", ""));
  EXPECT_EQ(g->node(apt29).name, "APT29");
  // oracle_check.py --print, group G0016: all 249, no-software 119.
  EXPECT_EQ(TechniquesUsedByGroup(*g, apt29, UsagePaths{}).size(), 249u);
  EXPECT_EQ(TechniquesUsedByGroup(*g, apt29, UsagePaths{true, false, true}).size(), 119u);
  // Sub-technique parent links hold across the whole release.
  ASSERT_OK_AND_ASSIGN(auto techniques, ListTechniques(*g, TechniqueFilter{}));
  EXPECT_EQ(techniques.size(), 691u);  // oracle_check.py --print: 691 active techniques
  size_t subs = 0;
  for (NodeId t : techniques) {
    if (!g->node(t).is_subtechnique) continue;
    ++subs;
    NodeId p = g->ParentOf(t);
    ASSERT_NE(p, kNoNode) << g->node(t).attack_id;
    EXPECT_TRUE(StartsWith(g->node(t).attack_id, g->node(p).attack_id + ".")) << g->node(t).attack_id;
  }
  EXPECT_EQ(subs, 475u);  // of which 475 have a '.' in their ID
}

}  // namespace
}  // namespace ttpgraph
