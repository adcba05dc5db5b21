// The real SigmaHQ rules (../shared/data/sigma): the r2026-04-01 tarball's
// counts as ../shared/data/sigma/README.md states them, and a real rule
// collection of the sample. The hand-made fixtures' answers:
// tests/storage/import/sigma_parser_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "storage/import/sigma_rule.h"
#include "storage/import/sigma_tarball.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;

TEST(SigmaRuleTest, RuleCollectionMergesGlobal) {
  ASSERT_OK_AND_ASSIGN(auto rules, ParseSigmaFile("tor.yml", testing::ReadFile(testing::SharedData(
                                       "sigma/sample/unsupported/windows/win_apt_apt29_tor.yml")), SigmaParseLimits{}));
  ASSERT_EQ(rules.size(), 1u);  // the global document and one rule
  EXPECT_EQ(rules[0].status, "unsupported");
  EXPECT_THAT(rules[0].techniques, ElementsAre("T1050", "T1543.003"));
  EXPECT_EQ(rules[0].id, "c069f460-2b87-4010-8dcf-e45bab362624");
}

// The real rule set: counts as stated in ../shared/data/sigma/README.md.
TEST(SigmaTarballTest, RealSigmaHqCounts) {
  ASSERT_OK_AND_ASSIGN(auto members, ReadTarball("sigma-rules.tar.gz",
                                                 testing::ReadFile(testing::SharedData("sigma/sigma-rules.tar.gz")),
                                                 1u << 30));
  std::map<std::string, int> rules, tagged;
  std::set<std::string> ids;
  for (auto& m : members) {
    if (!EndsWith(m.path, ".yml")) continue;
    std::string folder = m.path.substr(0, m.path.find('/'));
    ASSERT_OK_AND_ASSIGN(auto parsed, ParseSigmaFile(m.path, m.content, SigmaParseLimits{}));
    ++rules[folder];
    bool any = false;
    for (auto& r : parsed) any = any || !r.techniques.empty();
    if (any) ++tagged[folder];
    if (folder == "rules" || folder == "rules-emerging-threats" || folder == "rules-threat-hunting")
      for (auto& r : parsed) ids.insert(r.techniques.begin(), r.techniques.end());
  }
  EXPECT_EQ(rules["rules"], 3132);
  EXPECT_EQ(rules["rules-emerging-threats"], 457);
  EXPECT_EQ(rules["rules-threat-hunting"], 139);
  EXPECT_EQ(rules["deprecated"], 167);
  EXPECT_EQ(rules["unsupported"], 87);
  EXPECT_EQ(tagged["rules"] + tagged["rules-emerging-threats"] + tagged["rules-threat-hunting"], 3259);
  EXPECT_EQ(ids.size(), 397u);
}

// The server's defaults (TarLimits{}) take the real rule set; the members
// `keep` declines are counted, not returned.
TEST(SigmaTarballTest, RealSetUnderTheDefaultLimits) {
  const std::string tar = testing::ReadFile(testing::SharedData("sigma/sigma-rules.tar.gz"));
  ASSERT_OK_AND_ASSIGN(Tarball t, ReadTarball("sigma-rules.tar.gz", tar, TarLimits{}, [](std::string_view p) {
                         return EndsWith(p, ".yml");
                       }));
  EXPECT_EQ(t.members.size(), 3982u);
  for (const ArchiveMember& m : t.members) ASSERT_TRUE(EndsWith(m.path, ".yml")) << m.path;
  ASSERT_OK_AND_ASSIGN(auto all, ReadTarball("sigma-rules.tar.gz", tar, 1u << 30));
  EXPECT_EQ(t.members.size() + t.skipped, all.size());
}

}  // namespace
}  // namespace ttpgraph
