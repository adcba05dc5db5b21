// The ATT&CK -> D3FEND inference on the hand-written fixture
// (tests/testdata/d3fend/README.md draws it) and on the real 1.2.0 ontology.
#include "graph/d3fend_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "storage/import/atomic_csv.h"
#include "storage/import/decompress.h"
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
  ASSERT_GE(sal, 0);
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

TEST(D3fendParse, MalformedTurtleNamesTheLine) {
  auto onto = ParseD3fendTurtle(testing::ReadFile(testing::TestData("d3fend/malformed.ttl")), "malformed.ttl");
  EXPECT_THAT(onto.status(), testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(onto.status().message()), ::testing::HasSubstr("malformed.ttl:6:"));
}

TEST(D3fendParse, TurtleThatIsNotD3fendIsRefused) {
  auto onto = ParseD3fendTurtle(testing::ReadFile(testing::TestData("d3fend/not-d3fend.ttl")), "foaf.ttl");
  EXPECT_THAT(onto.status(), testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(onto.status().message()), ::testing::HasSubstr("not the D3FEND ontology"));
}

TEST(D3fendParse, EncodingRoundTrips) {
  auto onto = ParseD3fendTurtle(testing::ReadFile(testing::TestData("d3fend/mini.ttl")), "mini.ttl");
  ASSERT_TRUE(onto.ok());
  std::string bytes = EncodeD3fendOntology(*onto);
  auto back = DecodeD3fendOntology(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(EncodeD3fendOntology(*back), bytes);
  EXPECT_THAT(DecodeD3fendOntology(bytes.substr(0, bytes.size() - 3)).status(),
              testing::StatusIs(absl::StatusCode::kDataLoss));
}

// ---- The real ontology, against the published tree (d3fend.csv).
class D3fendReal : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto gz = MaybeGunzip(testing::ReadFile(testing::SharedData("d3fend/d3fend-protege-1.2.0.ttl.gz")), 64 << 20);
    ASSERT_TRUE(gz.ok()) << gz.status();
    auto onto = ParseD3fendTurtle(*gz, "d3fend-protege-1.2.0.ttl");
    ASSERT_TRUE(onto.ok()) << onto.status();
    triples_ = onto->triple_count;
    auto idx = D3fendIndex::Build(*onto, "1.2.0");
    ASSERT_TRUE(idx.ok()) << idx.status();
    index_ = new std::shared_ptr<const D3fendIndex>(*idx);
  }
  static std::shared_ptr<const D3fendIndex>* index_;
  static int64_t triples_;
};
std::shared_ptr<const D3fendIndex>* D3fendReal::index_ = nullptr;
int64_t D3fendReal::triples_ = 0;

TEST_F(D3fendReal, TreeEqualsPublishedCsv) {
  const D3fendIndex& idx = **index_;
  EXPECT_GT(triples_, 30000);
  auto csv = ParseCsv(testing::ReadFile(testing::SharedData("d3fend/d3fend.csv")), "d3fend.csv");
  ASSERT_TRUE(csv.ok()) << csv.status();
  std::map<std::string, int> want_counts;
  std::map<std::string, std::pair<std::string, int>> want;  // id -> (tactic, depth)
  for (size_t r = 1; r < csv->rows.size(); ++r) {
    const auto& row = csv->rows[r];
    ASSERT_GE(row.size(), 5u);
    int depth = !row[2].empty() ? 0 : !row[3].empty() ? 1 : 2;
    want[row[0]] = {row[1], depth};
    ++want_counts[row[1]];
  }
  EXPECT_EQ(want.size(), 248u);
  EXPECT_EQ(idx.techniques().size(), want.size());
  std::map<std::string, int> got_counts;
  auto counts = idx.TacticCounts();
  for (int t = 0; t <= kD3fendTacticCount; ++t)
    if (counts[t]) got_counts[std::string(D3fendTacticName(static_cast<D3fendTactic>(t)))] = counts[t];
  EXPECT_EQ(got_counts, want_counts);
  for (const auto& t : idx.techniques()) {
    auto it = want.find(t.d3fend_id);
    ASSERT_NE(it, want.end()) << t.d3fend_id << " " << t.label << " is not in d3fend.csv";
    EXPECT_EQ(D3fendTacticName(t.tactic), it->second.first) << t.d3fend_id;
    // The published layout has three levels; deeper techniques sit in its last column.
    EXPECT_EQ(std::min(t.depth, 2), it->second.second) << t.d3fend_id;
  }
}

TEST_F(D3fendReal, KnownMappings) {
  const D3fendIndex& idx = **index_;
  EXPECT_EQ(idx.attack_techniques().size(), 823u);
  auto t1059 = idx.CountermeasuresFor("T1059");
  EXPECT_EQ(t1059.status, MappingStatus::kMapped);
  const CountermeasureLink* eal = LinkTo(idx, t1059, "D3-EAL");
  ASSERT_NE(eal, nullptr);
  ArtifactPath want{"executes", "ExecutableScript", "ExecutableFile", "blocks"};
  EXPECT_NE(std::find(eal->paths.begin(), eal->paths.end(), want), eal->paths.end());
  // The README's own example: PowerShell has no relation of its own.
  EXPECT_EQ(idx.CountermeasuresFor("T1059.001").status, MappingStatus::kNoArtifactRelation);
  // Every link has a path, every path obeys the one-way rule's shape.
  for (const auto& l : idx.links()) {
    ASSERT_FALSE(l.paths.empty());
    EXPECT_NE(idx.technique(l.defense).tactic, D3fendTactic::kUnknown);
  }
}

}  // namespace
}  // namespace ttpgraph
