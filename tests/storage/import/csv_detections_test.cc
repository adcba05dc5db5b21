// Detections from CSV (storage/import/csv_detections): the header, RFC 4180
// quoting, list columns, and errors naming file and line.
#include "storage/import/csv_detections.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;

TEST(CsvDetectionsTest, ParsesHeaderQuotingAndLists) {
  ASSERT_OK_AND_ASSIGN(auto rows, ParseDetectionsCsv("d.csv", testing::ReadFile(testing::TestData("org/detections.csv"))));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].name, "Mini interpreter, Splunk");
  EXPECT_THAT(rows[0].tags, ElementsAre("prod", "windows"));
  EXPECT_THAT(rows[1].techniques, ElementsAre("T1030", "T1003"));
  EXPECT_EQ(rows[1].state, "testing");
  EXPECT_EQ(rows[2].name, "Quoted \"name\"");
  EXPECT_EQ(rows[2].line, 4);
  EXPECT_THAT(ParseDetectionsCsv("bad.csv", testing::ReadFile(testing::TestData("org/bad/bad-state.csv"))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.csv:3: unknown state 'sometimes'")));
  EXPECT_THAT(ParseDetectionsCsv("q.csv", "a,\"open\n"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("q.csv:1")));
}

}  // namespace
}  // namespace ttpgraph
