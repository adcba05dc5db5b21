// The ATT&CK -> D3FEND inference on the real D3FEND 1.2.0 ontology
// (../shared/data/d3fend), against the published tree (d3fend.csv) and the
// counts of ../shared/data/d3fend/README.md. The hand-written fixture's
// answers: tests/graph/d3fend_mapping_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "graph/d3fend_mapping.h"
#include "storage/import/atomic_csv.h"
#include "storage/import/decompress.h"
#include "storage/import/turtle_d3fend.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

const CountermeasureLink* LinkTo(const D3fendIndex& idx, const CountermeasureAnswer& a, std::string_view id) {
  for (auto* l : a.links)
    if (idx.technique(l->defense).d3fend_id == id) return l;
  return nullptr;
}

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
  // d3fend/README.md: "about 32k triples"; exactly 32,060 (serdi alone stops at line 34598's
  // long-string escape, the one storage/import/turtle_parser works around).
  EXPECT_EQ(triples_, 32060);
  auto csv = ParseCsv(testing::ReadFile(testing::SharedData("d3fend/d3fend.csv")), "d3fend.csv");
  ASSERT_TRUE(csv.ok()) << csv.status();
  std::map<std::string, int> want_counts;
  std::map<std::string, std::pair<std::string, int>> want;  // id -> (tactic, depth)
  for (size_t r = 1; r < csv->rows.size(); ++r) {
    const auto& row = csv->rows[r];
    ASSERT_EQ(row.size(), 6u) << "d3fend.csv row " << r;  // ID, Tactic, Technique, Level 0, Level 1, Definition
    int depth = !row[2].empty() ? 0 : !row[3].empty() ? 1 : 2;
    want[row[0]] = {row[1], depth};
    ++want_counts[row[1]];
  }
  EXPECT_EQ(want.size(), 248u);  // d3fend/README.md: 248 defensive techniques
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
  EXPECT_EQ(idx.attack_techniques().size(), 823u);  // d3fend/README.md: 823 classes carry :attack-id
  auto t1059 = idx.CountermeasuresFor("T1059");
  EXPECT_EQ(t1059.status, MappingStatus::kMapped);
  const CountermeasureLink* eal = LinkTo(idx, t1059, "D3-EAL");
  ASSERT_NE(eal, nullptr);
  ArtifactPath want{"executes", "ExecutableScript", "ExecutableFile", "blocks"};
  EXPECT_NE(std::find(eal->paths.begin(), eal->paths.end(), want), eal->paths.end());
  // The README's own example: PowerShell has no relation of its own.
  EXPECT_EQ(idx.CountermeasuresFor("T1059.001").status, MappingStatus::kNoArtifactRelation);
  // Every link has a path and a tactic.
  size_t paths = 0, without_path = 0, without_tactic = 0;
  for (const auto& l : idx.links()) {
    paths += l.paths.size();
    without_path += l.paths.empty();
    without_tactic += idx.technique(l.defense).tactic == D3fendTactic::kUnknown;
  }
  // The pair and path totals tests/e2e/d3fend_test.sh checks against its serdi oracle.
  EXPECT_EQ(idx.links().size(), 3027u);
  EXPECT_EQ(paths, 3329u);
  EXPECT_EQ(without_path, 0u);
  EXPECT_EQ(without_tactic, 0u);
}

}  // namespace
}  // namespace ttpgraph
