// Sigma rule parsing, tarball reading and the logsource mapping table, on
// hand-made fixtures (tests/testdata/org). The real SigmaHQ rule set:
// tests/e2e/sigma_real_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "storage/import/sigma_logsource_map.h"
#include "storage/import/sigma_rule.h"
#include "storage/import/sigma_tarball.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;

TEST(SigmaRuleTest, MultiDocumentFixture) {
  ASSERT_OK_AND_ASSIGN(auto rules, ParseSigmaFile("mini_rules.yml", testing::ReadFile(testing::TestData("org/sigma/mini_rules.yml")),
                                                  SigmaParseLimits{}));
  ASSERT_EQ(rules.size(), 5u);
  EXPECT_EQ(rules[0].id, "11111111-0000-4000-8000-000000000001");
  EXPECT_THAT(rules[0].techniques, ElementsAre("T1001"));
  EXPECT_THAT(rules[0].tactics, ElementsAre("execution"));
  EXPECT_EQ(rules[0].category, "process_creation");
  EXPECT_EQ(rules[0].line, 1);
  EXPECT_EQ(rules[2].line, 32);
  EXPECT_THAT(rules[1].techniques, ElementsAre("T1010"));  // the YAML comment is dropped
  EXPECT_THAT(rules[2].techniques, ElementsAre("T1002", "T9999"));
  EXPECT_EQ(rules[3].status, "deprecated");
  EXPECT_TRUE(rules[4].techniques.empty());
  EXPECT_THAT(rules[4].groups, ElementsAre("G0001"));
  EXPECT_THAT(rules[4].software, ElementsAre("S0001"));
  EXPECT_THAT(rules[4].tactics, ElementsAre("command-and-control"));
  EXPECT_TRUE(Contains(rules[2].text, "Mini deprecated technique"));
  EXPECT_FALSE(Contains(rules[2].text, "Mini revoked technique"));
}

TEST(SigmaRuleTest, TechniqueTags) {
  EXPECT_EQ(SigmaTechniqueTag("attack.t1059.001"), "T1059.001");
  EXPECT_EQ(SigmaTechniqueTag("attack.T1059"), "T1059");
  EXPECT_EQ(SigmaTechniqueTag("attack.t1059.1"), "");
  EXPECT_EQ(SigmaTechniqueTag("attack.execution"), "");
  EXPECT_EQ(SigmaTechniqueTag("attack.t10590"), "");
}

TEST(SigmaRuleTest, BadInputsNameFileAndLine) {
  auto parse = [](const std::string& f) {
    return ParseSigmaFile(f, testing::ReadFile(testing::TestData("org/bad/" + f)), SigmaParseLimits{});
  };
  EXPECT_THAT(parse("malformed.yml"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed.yml:")));
  EXPECT_THAT(parse("alias_bomb.yml"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("alias bomb")));
  EXPECT_THAT(parse("deep.yml"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("deep.yml:")));
  EXPECT_THAT(parse("tags_not_list.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tags_not_list.yml:3: `tags` must be a list")));
  EXPECT_THAT(ParseSigmaFile("list.yml", "- a\n- b\n", SigmaParseLimits{}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a mapping")));
  EXPECT_THAT(ParseSigmaFile("big.yml", std::string(100, 'x'), SigmaParseLimits{50, 10, 10}),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

// A rule collection (tests/testdata/org/sigma_collection.yml): the global
// document merges into each rule, `repeat` takes the previous rule's fields,
// `reset` ends the global part. (A real collection: tests/e2e/sigma_real_test.cc.)
TEST(SigmaRuleTest, RuleCollectionMergesGlobal) {
  ASSERT_OK_AND_ASSIGN(auto rules, ParseSigmaFile("c.yml", testing::ReadFile(testing::TestData("org/sigma_collection.yml")),
                                                  SigmaParseLimits{}));
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].id, "22222222-0000-4000-8000-000000000001");
  EXPECT_EQ(rules[0].line, 14);
  EXPECT_EQ(rules[0].title, "Mini collection");
  EXPECT_EQ(rules[0].status, "test");
  EXPECT_THAT(rules[0].techniques, ElementsAre("T1001"));
  EXPECT_THAT(rules[0].tactics, ElementsAre("execution"));
  EXPECT_THAT(rules[0].groups, ElementsAre("G0001"));
  // The logsource mapping merges key by key.
  EXPECT_EQ(rules[0].category, "process_creation");
  EXPECT_EQ(rules[0].product, "windows");
  EXPECT_EQ(rules[0].service, "system");
  EXPECT_TRUE(StartsWith(rules[0].text, "action: global\n"));
  EXPECT_EQ(rules[1].id, "22222222-0000-4000-8000-000000000002");
  EXPECT_EQ(rules[1].line, 21);
  EXPECT_EQ(rules[1].title, "Mini collection, repeated");
  EXPECT_EQ(rules[1].category, "process_creation");
  EXPECT_THAT(rules[1].techniques, ElementsAre("T1001"));
  EXPECT_EQ(rules[2].id, "22222222-0000-4000-8000-000000000003");
  EXPECT_EQ(rules[2].line, 27);
  EXPECT_EQ(rules[2].status, "experimental");
  EXPECT_THAT(rules[2].techniques, ElementsAre("T1013"));
  EXPECT_THAT(rules[2].tactics, ::testing::IsEmpty());
  EXPECT_EQ(rules[2].product, "linux");
  EXPECT_EQ(rules[2].service, "");
  EXPECT_TRUE(StartsWith(rules[2].text, "id: 22222222-0000-4000-8000-000000000003\n"));
}

// A plain rule is read without the collection merge, but still the way the
// merge read it: of duplicate top-level keys the last one wins.
TEST(SigmaRuleTest, DuplicateTopLevelKeyLastWins) {
  ASSERT_OK_AND_ASSIGN(auto rules, ParseSigmaFile("dup.yml", "title: first\nid: x\ntitle: second\ntags: [attack.t1059]\n",
                                                  SigmaParseLimits{}));
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].title, "second");
  EXPECT_THAT(rules[0].techniques, ElementsAre("T1059"));
}

// The worker pool returns, slot for slot, what a sequential loop returns:
// same rules in the same order, and each bad file's error at its own position.
TEST(SigmaRuleTest, ParallelParseEqualsSequential) {
  const std::string fixture = testing::ReadFile(testing::TestData("org/sigma/mini_rules.yml"));
  const std::string malformed = testing::ReadFile(testing::TestData("org/bad/malformed.yml"));
  const std::string bomb = testing::ReadFile(testing::TestData("org/bad/alias_bomb.yml"));
  std::vector<SigmaFileInput> files;
  for (int i = 0; i < 40; ++i) {
    files.push_back({Cat("ok-", i, ".yml"), fixture});
    if (i % 13 == 5) files.push_back({Cat("malformed-", i, ".yml"), malformed});
    if (i % 17 == 8) files.push_back({Cat("bomb-", i, ".yml"), bomb});
  }
  for (int workers : {1, 2, 7}) {
    auto parallel = ParseSigmaFiles(files, SigmaParseLimits{}, workers);
    ASSERT_EQ(parallel.size(), files.size());
    for (size_t i = 0; i < files.size(); ++i) {
      auto sequential = ParseSigmaFile(files[i].path, files[i].text, SigmaParseLimits{});
      ASSERT_EQ(parallel[i].ok(), sequential.ok()) << files[i].path;
      if (!sequential.ok()) {
        EXPECT_EQ(parallel[i].status(), sequential.status());
        continue;
      }
      ASSERT_EQ(parallel[i]->size(), sequential->size());
      for (size_t r = 0; r < sequential->size(); ++r) {
        EXPECT_EQ((*parallel[i])[r].path, files[i].path);
        EXPECT_EQ((*parallel[i])[r].id, (*sequential)[r].id);
        EXPECT_EQ((*parallel[i])[r].techniques, (*sequential)[r].techniques);
        EXPECT_EQ((*parallel[i])[r].text, (*sequential)[r].text);
      }
    }
  }
  EXPECT_TRUE(ParseSigmaFiles({}, SigmaParseLimits{}, 2).empty());
}

TEST(SigmaTarballTest, BadArchives) {
  // Corrupt one header byte of the second member: checksum mismatch names it.
  std::string raw(1 << 20, '\0');
  std::string good = testing::TarMember("a.yml", "abc\n");
  std::string bad = good;
  bad[2] = 'X';
  EXPECT_OK(ReadTarball("t.tar", good + std::string(1024, '\0'), 1 << 20));
  EXPECT_THAT(ReadTarball("t.tar", good + bad + std::string(1024, '\0'), 1 << 20),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("t.tar: member 2 (byte offset 1024)")));
  EXPECT_THAT(ReadTarball("t.tar", good.substr(0, 514), 1 << 20),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("truncated")));
  ASSERT_OK_AND_ASSIGN(auto members, ReadTarball("t.tar.gz", testing::Gzip(good + std::string(1024, '\0')), 1 << 20));
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].path, "a.yml");
  EXPECT_EQ(members[0].content, "abc\n");
  const std::string gz = testing::Gzip(good + good + std::string(1024, '\0'));
  EXPECT_THAT(ReadTarball("t.tar.gz", gz.substr(0, gz.size() / 2), 1 << 20),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("t.tar.gz"), HasSubstr("truncated"))));
}

// data/sigma_logsource_map.csv: one row per line after the header (106 today).
size_t CsvDataLines() {
  const std::string csv = testing::ReadFile(std::string(TTPGRAPH_SOURCE_DIR) + "/data/sigma_logsource_map.csv");
  return std::count(csv.begin(), csv.end(), '\n') - 1;
}

TEST(SigmaTarballTest, EveryLimitHoldsWhileStreaming) {
  using testing::TarMember;
  const std::string end(1024, '\0');
  TarLimits limits;
  limits.max_member_bytes = 100;
  limits.max_members = 3;
  limits.max_unpacked_bytes = 8192;
  // A kept member over its limit: refused from its header, whatever follows.
  EXPECT_THAT(ReadTarball("a.tar", testing::TarHeader("big.yml", uint64_t{1} << 32), limits),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("a.tar: member 1 'big.yml' is 4294967296 bytes"),
                             HasSubstr("over the limit of 100 bytes per file (max_rule_file_bytes)"))));
  // The same member, skipped: only the archive's own bound applies (checked before reading it).
  auto yml = [](std::string_view p) { return EndsWith(p, ".yml"); };
  EXPECT_THAT(ReadTarball("a.tar", testing::TarHeader("big.bin", uint64_t{1} << 32), limits, yml),
              StatusIs(absl::StatusCode::kResourceExhausted, AllOf(HasSubstr("unpacks to more than 8192 bytes"), HasSubstr("max_archive_bytes"))));
  ASSERT_OK_AND_ASSIGN(Tarball ok, ReadTarball("a.tar", TarMember("a.yml", "x: 1\n") + TarMember("b.bin", std::string(1000, 'b')) + end,
                                               limits, yml));
  ASSERT_EQ(ok.members.size(), 1u);
  EXPECT_EQ(ok.members[0].content, "x: 1\n");
  EXPECT_EQ(ok.skipped, 1u);
  EXPECT_THAT(ReadTarball("a.tar", TarMember("1.yml", "") + TarMember("2.yml", "") + TarMember("3.yml", "") + TarMember("4.yml", "") + end,
                          limits),
              StatusIs(absl::StatusCode::kResourceExhausted, AllOf(HasSubstr("more than 3 members"), HasSubstr("max_archive_members"))));
  // Gzip: the ratio holds while inflating (1 MiB is never held to it).
  limits.max_unpacked_bytes = 1u << 30;
  limits.max_inflation_ratio = 10;
  const std::string zeros = TarMember("z.bin", std::string(4u << 20, '\0')) + end;
  EXPECT_THAT(ReadTarball("z.tar.gz", testing::Gzip(zeros), limits, yml),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("z.tar.gz: unpacks to more than 10 times"), HasSubstr("max_inflation_ratio"))));
  limits.max_inflation_ratio = 0;
  ASSERT_OK_AND_ASSIGN(Tarball z, ReadTarball("z.tar.gz", testing::Gzip(zeros), limits, yml));
  EXPECT_EQ(z.skipped, 1u);
}

TEST(SigmaLogsourceMapTest, RepositoryTableLoadsAndMatchesMostSpecific) {
  ASSERT_OK_AND_ASSIGN(auto map, SigmaLogsourceMap::Parse("map", testing::ReadFile(std::string(TTPGRAPH_SOURCE_DIR) +
                                                                                    "/data/sigma_logsource_map.csv")));
  EXPECT_EQ(map.rows().size(), CsvDataLines());
  EXPECT_THAT(map.Lookup("process_creation", "windows", ""), ElementsAre("Process Creation", "Command Execution"));
  EXPECT_THAT(map.Lookup("", "windows", "taskscheduler"), ElementsAre("Scheduled Job Creation", "Scheduled Job Modification"));
  EXPECT_TRUE(map.Lookup("nothing", "nowhere", "").empty());
  EXPECT_THAT(SigmaLogsourceMap::Parse("m.csv", "category,product,service,data_components\n,,,X\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("m.csv:2")));
}

// The server reads the table compiled into it, never a file beside the
// executable or in the working directory: it must equal the repository's CSV.
TEST(SigmaLogsourceMapTest, BuiltinTableIsTheRepositoryCsv) {
  EXPECT_EQ(SigmaLogsourceMap::BuiltinCsv(),
            testing::ReadFile(std::string(TTPGRAPH_SOURCE_DIR) + "/data/sigma_logsource_map.csv"));
  ASSERT_OK_AND_ASSIGN(auto map, SigmaLogsourceMap::Builtin());
  EXPECT_EQ(map.rows().size(), CsvDataLines());
  EXPECT_THAT(map.Lookup("process_creation", "windows", ""), ElementsAre("Process Creation", "Command Execution"));
}

}  // namespace
}  // namespace ttpgraph
