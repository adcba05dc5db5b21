// Inputs that crashed a parser (found by the fuzz targets in tests/fuzz, or
// reported), each refused now with a clear error. Inputs too large to keep as
// files are built here; the others are in tests/testdata/fuzz/<target>/.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/import/sigma_rule.h"
#include "storage/import/turtle_d3fend.h"
#include "storage/import/turtle_parser.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

constexpr std::string_view kPrefix = "@prefix : <http://d3fend.mitre.org/ontologies/d3fend.owl#> .\n";

// `:x :p [ :p [ :p ... :y ] ] .` with `depth` blank nodes (open = "[ :p ", close = " ]"),
// or collections (open = "( ", close = " )").
std::string Nested(int depth, std::string_view open = "[ :p ", std::string_view close = " ]") {
  std::string t = Cat(kPrefix, ":x :p ");
  for (int i = 0; i < depth; ++i) t += open;
  t += ":y";
  for (int i = 0; i < depth; ++i) t += close;
  return t + " .\n";
}

int64_t CountTriples(std::string_view text, const TurtleLimits& limits = {}) {
  int64_t n = 0;
  absl::Status s = ParseTurtle(text, "t.ttl", [&](const RdfTriple&) { return ++n, absl::OkStatus(); }, limits);
  return s.ok() ? n : -1;
}

// Reported: a D3FEND upload of ~140 KB, 20,000 nested blank nodes, crashed
// the server with SIGSEGV (stack overflow inside serd's recursive reader).
TEST(FuzzRegression, TurtleNestingPastTheLimitIsRefusedBeforeSerd) {
  const std::string deep = Nested(20000);
  EXPECT_EQ(deep.size(), 140072u);
  EXPECT_THAT(ParseD3fendTurtle(deep, "upload.ttl"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "upload.ttl:2: blank nodes `[ ]` and collections `( )` nest deeper than 64 levels (the "
                       "Turtle nesting limit, max_nesting); refused"));
  EXPECT_THAT(ParseD3fendTurtle(Nested(20000, "( ", " )"), "list.ttl"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("list.ttl:2: blank nodes")));
  // Mixed, and on a later line.
  EXPECT_THAT(ParseTurtle(Cat(kPrefix, "\n\n", Nested(40, "[ :p ( ", " ) ]").substr(kPrefix.size())), "m.ttl",
                          [](const RdfTriple&) { return absl::OkStatus(); }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("m.ttl:4: ")));
}

TEST(FuzzRegression, TurtleNestingUpToTheLimitParses) {
  // One triple per blank node, plus the outer one.
  EXPECT_EQ(CountTriples(Nested(64)), 65);
  EXPECT_EQ(CountTriples(Nested(65)), -1);
  TurtleLimits two;
  two.max_nesting = 2;
  EXPECT_EQ(CountTriples(Nested(2), two), 3);
  EXPECT_EQ(CountTriples(Nested(3), two), -1);
  // Brackets in literals, IRIs, comments and escaped prefixed names are not nesting.
  const std::string many(100, '[');
  EXPECT_EQ(CountTriples(Cat(kPrefix, ":x :p \"", many, "\" .\n:x :p \"\"\"", many, "\n", many,
                             "\"\"\" .\n:x :p <http://e/", many, "> . # ", many, "\n:x :p :a\\( .\n"),
                         two),
            4);
}

// sigma_rule_fuzz: yaml-cpp's LoadAll loops for ever on a ',' where a document
// may start, allocating until memory runs out (2 GB in ~10 s here); a 4-byte
// Sigma upload took the server down.
TEST(FuzzRegression, SigmaCommaWhereADocumentStarts) {
  const std::string found = testing::ReadFile(testing::TestData("fuzz/sigma_rule_fuzz/comma-at-document-start.yml"));
  EXPECT_EQ(found.size(), 43u);
  EXPECT_THAT(ParseSigmaFile("found.yml", found, SigmaParseLimits{}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "found.yml:2: malformed YAML: unexpected ',' at column 3 (a flow indicator outside [ ] or { }?)"));
  for (const char* text : {",", ",:\nc", "\"x\" ,", "title: a\n---\n,"})
    EXPECT_THAT(ParseSigmaFile("r.yml", text, SigmaParseLimits{}),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed YAML: unexpected ','")))
        << text;
  // Commas where YAML allows them still parse.
  auto ok = ParseSigmaFile("r.yml", "title: a, b\ntags: [attack.t1059, attack.execution]\n", SigmaParseLimits{});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)[0].title, "a, b");
  EXPECT_THAT((*ok)[0].techniques, ::testing::ElementsAre("T1059"));
}

}  // namespace
}  // namespace ttpgraph
