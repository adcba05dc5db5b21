// Navigator layers (storage/import/navigator_layer_parser) on the hand-made
// fixtures of tests/testdata/org, and bad layers with their messages. The
// real layers: tests/e2e/navigator_real_test.cc.
#include "storage/import/navigator_layer_parser.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;

TEST(NavigatorLayerParserTest, MiniLayer) {
  ASSERT_OK_AND_ASSIGN(auto layers,
                       ParseNavigatorLayers("mini", testing::ReadFile(testing::TestData("org/layer-mini.json"))));
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].name, "Mini layer");
  EXPECT_EQ(layers[0].domain, "enterprise-attack");
  EXPECT_EQ(layers[0].layer_version, "4.5");
  EXPECT_EQ(layers[0].attack_version, "18");
  std::vector<std::string> got;
  for (const LayerTechnique& t : layers[0].techniques)
    got.push_back(Cat(t.technique_id, "/", t.tactic, " score=", t.has_score ? Cat(t.score) : "none",
                      t.enabled ? "" : " disabled", " ", t.comment, " ", t.json_path));
  EXPECT_THAT(got, ElementsAre("T1001/ score=3 hunted techniques[0]", "T1030/ score=0  techniques[1]",
                               "T1013/execution score=1  techniques[2]", "T1013/initial-access score=2  techniques[3]"));
  // Several layers in one file, as the Navigator saves them.
  const std::string one = testing::ReadFile(testing::TestData("org/layer-mini.json"));
  ASSERT_OK_AND_ASSIGN(auto two, ParseNavigatorLayers("two", Cat("[", one, ",", one, "]")));
  EXPECT_EQ(two.size(), 2u);
}

TEST(NavigatorLayerParserTest, BadLayers) {
  EXPECT_THAT(ParseNavigatorLayers("layer-v3.json", testing::ReadFile(testing::TestData("org/bad/layer-v3.json"))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("legacy layer format 3.0")));
  EXPECT_THAT(ParseNavigatorLayers("x.json", "{\"name\":1}"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseNavigatorLayers("x.json", "{nope"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
  EXPECT_THAT(ParseNavigatorLayers("x.json", R"({"name":"n","domain":"enterprise-attack","versions":{"layer":"4.5"},"techniques":[{"score":1}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("techniques[0].techniqueID")));
}

}  // namespace
}  // namespace ttpgraph
