// ComputeCoverage over the hand-made mini releases (tests/testdata/mini_attack,
// tests/testdata/org/README.md gives the expected answers).
#include "graph/coverage.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "storage/import/bundle_parser.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using GraphPtr = std::shared_ptr<const ReleaseGraph>;

GraphPtr Mini(const std::string& file, const std::string& version) {
  BundleParseOptions opts;
  opts.domain = "enterprise-attack";
  opts.version = version;
  auto bundle = ParseBundle(testing::ReadFile(testing::TestData("mini_attack/" + file)), opts);
  if (!bundle.ok()) throw std::runtime_error(std::string(bundle.status().message()));
  auto g = ReleaseGraph::Build(bundle->id, bundle->objects);
  if (!g.ok()) throw std::runtime_error(std::string(g.status().message()));
  return *g;
}

OrgDetection Det(std::string id, std::vector<std::string> techniques, bool counts = true,
                 std::vector<std::string> dcs = {}) {
  return OrgDetection{id, "name " + id, counts, std::move(techniques), std::move(dcs)};
}

std::map<std::string, std::string> Statuses(const ReleaseGraph& g, const CoverageReport& r, bool rollup = false) {
  std::map<std::string, std::string> out;
  for (auto& c : r.techniques) out[g.node(c.technique).attack_id] = CoverageStatusName(rollup ? c.rollup_status : c.status);
  return out;
}

OrgView FixtureView() {
  OrgView v;
  v.org_id = "acme";
  v.detections = {Det("a", {"T1001"}), Det("b", {"T1010"}), Det("c", {"T1002", "T9999"}),
                  Det("d", {"T1001.001"}, /*counts=*/false), Det("e", {})};
  v.inventory = {InventoryEntry{"DC0002"}};
  return v;
}

TEST(CoverageMiniTest, V18StatusesStaleCarriedAndTactics) {
  GraphPtr g = Mini("mini-v18.json", "18.0");
  ASSERT_OK_AND_ASSIGN(CoverageReport r, ComputeCoverage(*g, FixtureView(), QueryLimits{}));
  EXPECT_EQ(Statuses(*g, r), (std::map<std::string, std::string>{{"T1001", "DETECTED"},
                                                                  {"T1001.001", "LOGGED"},
                                                                  {"T1003", "BLIND"},
                                                                  {"T1013", "DETECTED"},
                                                                  {"T1030", "BLIND"},
                                                                  {"T1050", "BLIND"}}));
  EXPECT_EQ(r.total, 6);
  EXPECT_EQ(r.detected, 2);
  EXPECT_EQ(r.logged, 1);
  EXPECT_EQ(r.blind, 3);
  EXPECT_EQ(r.detections_counted, 4);
  EXPECT_EQ(r.detections_ignored, 1);
  ASSERT_EQ(r.carried.size(), 1u);
  EXPECT_EQ(r.carried[0].from, "T1010");
  EXPECT_EQ(g->node(r.carried[0].chain.back()).attack_id, "T1013");
  EXPECT_EQ(r.carried[0].chain.size(), 3u);
  ASSERT_EQ(r.stale.size(), 2u);
  EXPECT_EQ(r.stale[0].technique, "T1002");
  EXPECT_EQ(r.stale[0].reason, "deprecated");
  EXPECT_EQ(r.stale[1].technique, "T9999");
  // Tactics in matrix order with counts.
  std::vector<std::tuple<std::string, int, int, int, int>> tactics;
  for (auto& t : r.tactics)
    tactics.emplace_back(g->node(t.tactic).tactics[0], t.techniques, t.detected, t.logged, t.blind);
  EXPECT_THAT(tactics, ElementsAre(std::make_tuple("execution", 3, 2, 1, 0),
                                   std::make_tuple("initial-access", 3, 1, 0, 2),
                                   std::make_tuple("defense-evasion", 3, 1, 0, 2)));
  // Parent roll-up beside its own status.
  for (auto& c : r.techniques)
    if (g->node(c.technique).attack_id == "T1001") {
      EXPECT_EQ(c.subtechniques, 1);
      EXPECT_EQ(c.sub_logged, 1);
      EXPECT_EQ(c.detections, std::vector<uint32_t>{0});
    }
}

TEST(CoverageMiniTest, SubTechniqueDoesNotCoverParentUnlessRolledUp) {
  GraphPtr g = Mini("mini-v18.json", "18.0");
  auto index = DetectabilityIndex::Build(*g);
  OrgView v;
  v.detections = {Det("sub", {"T1001.001"})};
  CoverageOptions none;
  ASSERT_OK_AND_ASSIGN(CoverageReport r, ComputeCoverage(*g, *index, v, none, QueryLimits{}));
  EXPECT_EQ(Statuses(*g, r)["T1001"], "BLIND");
  EXPECT_EQ(Statuses(*g, r)["T1001.001"], "DETECTED");
  CoverageOptions any{"", "", RollupPolicy::kAny};
  ASSERT_OK_AND_ASSIGN(r, ComputeCoverage(*g, *index, v, any, QueryLimits{}));
  EXPECT_EQ(Statuses(*g, r, true)["T1001"], "DETECTED");
  EXPECT_EQ(Statuses(*g, r)["T1001"], "BLIND");
  CoverageOptions all{"", "", RollupPolicy::kAll};
  ASSERT_OK_AND_ASSIGN(r, ComputeCoverage(*g, *index, v, all, QueryLimits{}));
  EXPECT_EQ(Statuses(*g, r, true)["T1001"], "DETECTED");  // its one sub is detected
  // A parent detection does not cover the sub-technique.
  v.detections = {Det("parent", {"T1001"})};
  ASSERT_OK_AND_ASSIGN(r, ComputeCoverage(*g, *index, v, none, QueryLimits{}));
  EXPECT_EQ(Statuses(*g, r)["T1001.001"], "BLIND");
}

TEST(CoverageMiniTest, LogSourcesCannotFireAndFilters) {
  GraphPtr g = Mini("mini-v18.json", "18.0");
  auto index = DetectabilityIndex::Build(*g);
  OrgView v;
  v.detections = {Det("needs-dc1", {"T1030"}, true, {"DC0001"}), Det("needs-unknown", {"T1003"}, true, {"DC9999"})};
  InventoryEntry ls;
  ls.log_source_name = "WinEventLog:Security";
  ls.log_source_channel = "EventCode=4688";
  v.inventory = {ls};
  ASSERT_OK_AND_ASSIGN(CoverageReport r, ComputeCoverage(*g, *index, v, CoverageOptions{}, QueryLimits{}));
  EXPECT_EQ(Statuses(*g, r)["T1001"], "LOGGED");      // DC0001 via AN0001's log source
  EXPECT_EQ(Statuses(*g, r)["T1001.001"], "BLIND");   // only DC0002 sees it
  EXPECT_TRUE(r.cannot_fire.size() == 1 && r.cannot_fire[0].detection == 1);
  // A log source name alone (empty channel) matches every channel.
  ls.log_source_name = "auditd:EXECVE";
  ls.log_source_channel = "";
  v.inventory = {ls, InventoryEntry{"Not A Component"}};
  ASSERT_OK_AND_ASSIGN(r, ComputeCoverage(*g, *index, v, CoverageOptions{}, QueryLimits{}));
  EXPECT_EQ(Statuses(*g, r)["T1001.001"], "LOGGED");
  EXPECT_THAT(r.unresolved_inventory, ElementsAre("Not A Component"));
  // Filters.
  ASSERT_OK_AND_ASSIGN(r, ComputeCoverage(*g, *index, v, CoverageOptions{"initial-access", "", RollupPolicy::kNone},
                                          QueryLimits{}));
  EXPECT_EQ(r.total, 3);
  ASSERT_EQ(r.tactics.size(), 1u);
  ASSERT_OK_AND_ASSIGN(r, ComputeCoverage(*g, *index, v, CoverageOptions{"", "macOS", RollupPolicy::kNone}, QueryLimits{}));
  EXPECT_EQ(r.total, 1);  // T1030
  EXPECT_THAT(ComputeCoverage(*g, *index, v, CoverageOptions{"nope", "", RollupPolicy::kNone}, QueryLimits{}),
              testing::StatusIs(absl::StatusCode::kNotFound));
}

// The server compiles an organization once per data version and answers
// every request option from that one CompiledCoverage: each answer must equal
// a fresh computation, and the compiled lists must be the report's.
TEST(CoverageMiniTest, OneCompiledViewAnswersEveryOption) {
  GraphPtr g = Mini("mini-v18.json", "18.0");
  auto index = DetectabilityIndex::Build(*g);
  OrgView v = FixtureView();
  v.detections.push_back(Det("f", {"T1001.001"}, true, {"DC0001", "DC9999"}));
  ASSERT_OK_AND_ASSIGN(auto compiled, CompileCoverage(*g, *index, v, QueryLimits{}));
  std::vector<CoverageOptions> all_options = {
      {}, {"", "", RollupPolicy::kAny}, {"", "", RollupPolicy::kAll}, {"initial-access", "", RollupPolicy::kAny},
      {"", "macOS", RollupPolicy::kAll}, {"TA0002", "windows", RollupPolicy::kNone}};
  for (const CoverageOptions& o : all_options) {
    ASSERT_OK_AND_ASSIGN(CoverageReport fresh, ComputeCoverage(*g, *index, v, o, QueryLimits{}));
    ASSERT_OK_AND_ASSIGN(CoverageReport reused, ComputeCoverage(*g, *index, *compiled, o, QueryLimits{}));
    SCOPED_TRACE(o.tactic + "/" + o.platform + "/" + std::to_string(static_cast<int>(o.rollup)));
    EXPECT_EQ(Statuses(*g, reused), Statuses(*g, fresh));
    EXPECT_EQ(Statuses(*g, reused, true), Statuses(*g, fresh, true));
    ASSERT_EQ(reused.techniques.size(), fresh.techniques.size());
    for (size_t i = 0; i < fresh.techniques.size(); ++i) {
      EXPECT_EQ(reused.techniques[i].detections, fresh.techniques[i].detections);
      EXPECT_EQ(reused.techniques[i].collected_components, fresh.techniques[i].collected_components);
      EXPECT_EQ(reused.techniques[i].sub_detected, fresh.techniques[i].sub_detected);
      EXPECT_EQ(reused.techniques[i].sub_blind, fresh.techniques[i].sub_blind);
    }
    EXPECT_EQ(std::make_tuple(reused.total, reused.detected, reused.logged, reused.blind),
              std::make_tuple(fresh.total, fresh.detected, fresh.logged, fresh.blind));
    ASSERT_EQ(reused.tactics.size(), fresh.tactics.size());
    for (size_t i = 0; i < fresh.tactics.size(); ++i)
      EXPECT_EQ(std::make_tuple(reused.tactics[i].techniques, reused.tactics[i].detected, reused.tactics[i].blind),
                std::make_tuple(fresh.tactics[i].techniques, fresh.tactics[i].detected, fresh.tactics[i].blind));
    EXPECT_EQ(reused.stale.size(), fresh.stale.size());
    EXPECT_EQ(reused.carried.size(), fresh.carried.size());
    EXPECT_EQ(reused.cannot_fire.size(), fresh.cannot_fire.size());
  }
  // Without the mapping lists the counts stay and the lists are the compiled ones.
  CoverageOptions brief;
  brief.with_mapping_lists = false;
  ASSERT_OK_AND_ASSIGN(CoverageReport r, ComputeCoverage(*g, *index, *compiled, brief, QueryLimits{}));
  EXPECT_TRUE(r.stale.empty() && r.carried.empty() && r.cannot_fire.empty());
  EXPECT_EQ(compiled->stale.size(), 2u);
  EXPECT_EQ(compiled->carried.size(), 1u);
  ASSERT_EQ(compiled->cannot_fire.size(), 1u);
  EXPECT_EQ(compiled->cannot_fire[0].detection, 5u);
  EXPECT_EQ(compiled->cannot_fire[0].missing_components.size(), 2u);  // DC0001 not collected, DC9999 unknown
  EXPECT_EQ(r.detections_counted, 5);
  EXPECT_EQ(r.detections_ignored, 1);
}

TEST(CoverageMiniTest, V17UsesDetectsRelationships) {
  GraphPtr g = Mini("mini-v17.json", "17.0");
  OrgView v;
  v.inventory = {InventoryEntry{"Command Execution"}};
  ASSERT_OK_AND_ASSIGN(CoverageReport r, ComputeCoverage(*g, v, QueryLimits{}));
  EXPECT_EQ(Statuses(*g, r)["T1001.001"], "LOGGED");
  EXPECT_EQ(Statuses(*g, r)["T1001"], "BLIND");
  v.inventory = {InventoryEntry{"DC0001"}};
  ASSERT_OK_AND_ASSIGN(r, ComputeCoverage(*g, v, QueryLimits{}));
  EXPECT_EQ(Statuses(*g, r)["T1001"], "LOGGED");
  EXPECT_EQ(r.total, 5);
}

}  // namespace
}  // namespace ttpgraph
