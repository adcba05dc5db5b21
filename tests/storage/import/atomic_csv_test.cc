// The Atomic Red Team CSV index: RFC 4180 quoting, tests keyed by GUID,
// AtomicIndex lookups, clear errors with lines. The real index:
// tests/e2e/atomic_real_test.cc.
#include "storage/import/atomic_csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/atomic_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;

TEST(AtomicCsv, MiniIndexByGuid) {
  auto d = ParseAtomicCsv(testing::ReadFile(testing::TestData("atomic/mini.csv")), "mini.csv");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->rows, 5);
  ASSERT_EQ(d->tests.size(), 4u);
  EXPECT_THAT(d->tests[0].tactics, ElementsAre("defense-evasion", "execution"));
  EXPECT_EQ(d->tests[3].technique_name, "Mini Successor, with a comma");
  AtomicIndex index("default", *d);
  EXPECT_EQ(index.TestsFor("T1001").size(), 2u);
  EXPECT_EQ(index.TestsFor("T1001", true).size(), 3u);
  EXPECT_EQ(index.TestsFor("T1001.001", true).size(), 1u);
  EXPECT_THAT(index.Techniques(), ElementsAre("T1001", "T1001.001", "T1013"));
  auto back = DecodeAtomicIndex(EncodeAtomicIndex(*d));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(EncodeAtomicIndex(*back), EncodeAtomicIndex(*d));
}

TEST(AtomicCsv, ErrorsNameTheLine) {
  auto missing = ParseAtomicCsv(testing::ReadFile(testing::TestData("atomic/missing-columns.csv")), "m.csv");
  EXPECT_THAT(missing.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("m.csv:1: not an Atomic Red Team CSV index"));
  // The first line is never echoed (the file may be one the server was asked to read).
  auto shadow = ParseAtomicCsv("root:$y$j9T$c2VjcmV0:20228:0:99999:7:::\n", "s");
  EXPECT_THAT(shadow.status(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("the first line has 1 comma-separated field")));
  EXPECT_THAT(std::string(shadow.status().message()), ::testing::Not(HasSubstr("root")));
  std::string header = "Tactic,Technique #,Technique Name,Test #,Test Name,Test GUID,Executor Name\n";
  auto bad_number = ParseAtomicCsv(header + "execution,T1001,x,one,y,g-1,sh\n", "n.csv");
  EXPECT_THAT(std::string(bad_number.status().message()), HasSubstr("n.csv:2: 'Test #'"));
  auto empty_guid = ParseAtomicCsv(header + "execution,T1001,x,1,y,,sh\n", "g.csv");
  EXPECT_THAT(std::string(empty_guid.status().message()), HasSubstr("g.csv:2: empty 'Test GUID'"));
  // A quoted field spanning lines keeps the following row's line right.
  auto multi = ParseAtomicCsv(header + "execution,T1001,x,1,\"two\nlines\",g-1,sh\nexecution,T1001,x,2,y,,sh\n", "l.csv");
  EXPECT_THAT(std::string(multi.status().message()), HasSubstr("l.csv:4:"));
  EXPECT_THAT(ParseAtomicCsv("", "e.csv").status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace ttpgraph
