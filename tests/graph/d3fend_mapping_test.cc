// The ATT&CK -> D3FEND inference on the hand-written fixture
// (tests/testdata/d3fend/README.md draws it). The real 1.2.0 ontology:
// tests/e2e/d3fend_real_test.cc.
#include "graph/d3fend_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/import/turtle_d3fend.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::shared_ptr<const D3fendIndex> Mini() {
  auto onto = ParseD3fendTurtle(testing::ReadFile(testing::TestData("d3fend/mini.ttl")), "mini.ttl");
  EXPECT_TRUE(onto.ok()) << onto.status();
  auto idx = D3fendIndex::Build(*onto, "0.1");
  EXPECT_TRUE(idx.ok()) << idx.status();
  return *idx;
}

std::vector<std::string> Ids(const D3fendIndex& idx, const CountermeasureAnswer& a) {
  std::vector<std::string> out;
  for (auto* l : a.links) out.push_back(idx.technique(l->defense).d3fend_id);
  return out;
}

const CountermeasureLink* LinkTo(const D3fendIndex& idx, const CountermeasureAnswer& a, std::string_view id) {
  for (auto* l : a.links)
    if (idx.technique(l->defense).d3fend_id == id) return l;
  return nullptr;
}

TEST(D3fendMappingMini, SubclassClosureMatchesThroughArtifactAncestors) {
  auto idx = Mini();
  auto a = idx->CountermeasuresFor("T1059");
  EXPECT_EQ(a.status, MappingStatus::kMapped);
  // Detect before Isolate (published tactic order), then by D3FEND ID.
  EXPECT_THAT(Ids(*idx, a), ElementsAre("D3-FH", "D3-EAL", "D3-SAL"));
  const CountermeasureLink* fh = LinkTo(*idx, a, "D3-FH");
  ASSERT_NE(fh, nullptr);
  // ExecutableScript ⊑ ExecutableFile ⊑ File: two hops up the artifact tree.
  ASSERT_EQ(fh->paths.size(), 1u);
  EXPECT_EQ(fh->paths[0].offensive_relation, "executes");
  EXPECT_EQ(fh->paths[0].offensive_artifact, "ExecutableScript");
  EXPECT_EQ(fh->paths[0].defensive_artifact, "File");
  EXPECT_EQ(fh->paths[0].defensive_relation, "reads");
  const CountermeasureLink* eal = LinkTo(*idx, a, "D3-EAL");
  ASSERT_NE(eal, nullptr);
  EXPECT_EQ(eal->paths[0].defensive_artifact, "ExecutableFile");
  EXPECT_EQ(idx->Label("ExecutableScript"), "Executable Script");
}

TEST(D3fendMappingMini, MatchIsOneWay) {
  auto idx = Mini();
  // T1204 executes ExecutableFile; D3-SAL blocks the more specific ExecutableScript: no match.
  auto a = idx->CountermeasuresFor("t1204");
  EXPECT_EQ(a.status, MappingStatus::kMapped);
  EXPECT_THAT(Ids(*idx, a), ElementsAre("D3-FH", "D3-EAL"));
  int32_t sal = idx->FindTechnique("D3-SAL");
  ASSERT_NE(sal, -1);
  EXPECT_EQ(idx->technique(sal).d3fend_id, "D3-SAL");
  std::vector<std::string> countered;
  for (auto& c : idx->CounteredTechniques(sal)) countered.push_back(c.technique->attack_id);
  EXPECT_THAT(countered, ElementsAre("T1001", "T1059"));  // never T1204 or T1010
  std::vector<std::string> by_eal;
  for (auto& c : idx->CounteredTechniques(idx->FindTechnique("ExecutableAllowlisting")))
    by_eal.push_back(c.technique->attack_id);
  EXPECT_THAT(by_eal, ElementsAre("T1001", "T1010", "T1059", "T1204"));
}

TEST(D3fendMappingMini, RelationOnlyOnParentGivesNoMapping) {
  auto idx = Mini();
  auto a = idx->CountermeasuresFor("T1059.001");
  EXPECT_EQ(a.status, MappingStatus::kNoArtifactRelation);
  ASSERT_NE(a.technique, nullptr);
  EXPECT_EQ(a.technique->label, "PowerShell");
  EXPECT_THAT(a.links, IsEmpty());
  // The tactic grouping class's "executes File" is not inherited either:
  // T1055 has only its own ProcessMemory relation, which nothing counters.
  auto b = idx->CountermeasuresFor("T1055");
  EXPECT_EQ(b.status, MappingStatus::kNoMatchingCountermeasure);
  ASSERT_EQ(b.technique->relations.size(), 1u);
  EXPECT_EQ(b.technique->relations[0].filler, "ProcessMemory");
}

TEST(D3fendMappingMini, RelationsOutsideTheRulesAreIgnored) {
  auto idx = Mini();
  auto a = idx->CountermeasuresFor("T1027");
  EXPECT_EQ(a.status, MappingStatus::kNoArtifactRelation);
  EXPECT_THAT(a.technique->relations, IsEmpty());
  EXPECT_EQ(idx->CountermeasuresFor("T9999").status, MappingStatus::kNotInD3fend);
  EXPECT_EQ(idx->CountermeasuresFor("T9999").technique, nullptr);
  auto dep = idx->CountermeasuresFor("T1002");
  EXPECT_TRUE(dep.technique->deprecated);
  EXPECT_THAT(Ids(*idx, dep), ElementsAre("D3-FH"));
}

TEST(D3fendMappingMini, TacticComesFromTopLevelAncestor) {
  auto idx = Mini();
  auto tactic_of = [&](const char* id) { return idx->technique(idx->FindTechnique(id)).tactic; };
  EXPECT_EQ(tactic_of("D3-EI"), D3fendTactic::kIsolate);
  EXPECT_EQ(tactic_of("D3-EAL"), D3fendTactic::kIsolate);  // no :enables of its own
  EXPECT_EQ(tactic_of("D3-SAL"), D3fendTactic::kIsolate);  // two levels down
  EXPECT_EQ(tactic_of("D3-FA"), D3fendTactic::kDetect);    // :enables only as a restriction
  EXPECT_EQ(tactic_of("D3-FH"), D3fendTactic::kDetect);
  auto counts = idx->TacticCounts();
  EXPECT_EQ(counts[static_cast<int>(D3fendTactic::kIsolate)], 4);
  EXPECT_EQ(counts[static_cast<int>(D3fendTactic::kDetect)], 2);
  EXPECT_EQ(counts[static_cast<int>(D3fendTactic::kUnknown)], 0);
  // Tree: Detect root first, children nested with depth.
  ASSERT_EQ(idx->roots().size(), 2u);
  EXPECT_EQ(idx->technique(idx->roots()[0]).d3fend_id, "D3-FA");
  const auto& sal = idx->technique(idx->FindTechnique("D3-SAL"));
  EXPECT_EQ(sal.depth, 2);
  EXPECT_EQ(idx->technique(sal.parent).d3fend_id, "D3-EAL");
}

}  // namespace
}  // namespace ttpgraph
