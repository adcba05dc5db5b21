// The Turtle reader (storage/import/turtle_parser) and the D3FEND ontology
// read from it (storage/import/turtle_d3fend): serd errors with their lines,
// the serd long-string escape workaround, Turtle that is not D3FEND, and the
// stored encoding's round trip.
#include "storage/import/turtle_d3fend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/import/turtle_parser.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

TEST(D3fendParse, MalformedTurtleNamesTheLine) {
  auto onto = ParseD3fendTurtle(testing::ReadFile(testing::TestData("d3fend/malformed.ttl")), "malformed.ttl");
  EXPECT_THAT(onto.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(onto.status().message()), HasSubstr("malformed.ttl:6:"));
}

TEST(D3fendParse, TurtleThatIsNotD3fendIsRefused) {
  auto onto = ParseD3fendTurtle(testing::ReadFile(testing::TestData("d3fend/not-d3fend.ttl")), "foaf.ttl");
  EXPECT_THAT(onto.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(onto.status().message()), HasSubstr("not the D3FEND ontology"));
}

TEST(D3fendParse, EncodingRoundTrips) {
  auto onto = ParseD3fendTurtle(testing::ReadFile(testing::TestData("d3fend/mini.ttl")), "mini.ttl");
  ASSERT_TRUE(onto.ok());
  std::string bytes = EncodeD3fendOntology(*onto);
  auto back = DecodeD3fendOntology(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(EncodeD3fendOntology(*back), bytes);
  EXPECT_THAT(DecodeD3fendOntology(bytes.substr(0, bytes.size() - 3)).status(),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(TurtleParser, LongStringEscapeAfterQuote) {
  // serd 0.30 alone rejects this (the D3FEND 1.2.0 file has such a literal).
  std::string ttl = "<http://x/a> <http://x/b> \"\"\"flag \"\\\\* a \\\\*\" ok\"\"\" .\n"
                    "<http://x/a> <http://x/c> 'it''s' .\n";
  std::vector<std::string> objects;
  absl::Status s = ParseTurtle(ttl, "t.ttl", [&](const RdfTriple& t) {
    objects.emplace_back(t.object.value);
    return absl::OkStatus();
  });
  // 'it''s' is not valid Turtle: the second line must fail with its line number.
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("t.ttl:2:"));
  // serd hands over line 1, and line 2's 'it' before the stray `'s` fails it (the caller keeps
  // nothing of a file that fails).
  EXPECT_THAT(objects, ::testing::ElementsAre("flag \"\\* a \\*\" ok", "it"));
}

TEST(TurtleParser, UndeclaredPrefixAndBinaryAreRefused) {
  auto sink = [](const RdfTriple&) { return absl::OkStatus(); };
  EXPECT_THAT(ParseTurtle("nope:a nope:b nope:c .\n", "p.ttl", sink), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseTurtle(std::string("<a> <b> <c> .\n\0\x01", 16), "bin.ttl", sink),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace ttpgraph
