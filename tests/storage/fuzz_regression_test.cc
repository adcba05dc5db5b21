// Inputs that crashed a parser (found by the fuzz targets in tests/fuzz, or
// reported), each refused now with a clear error. Inputs too large to keep as
// files are built here; the others are in tests/testdata/fuzz/<target>/.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/import/turtle_d3fend.h"
#include "storage/import/turtle_parser.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

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

}  // namespace
}  // namespace ttpgraph
