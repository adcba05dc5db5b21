// The real ATT&CK Navigator layers of ../shared/data/navigator: two 4.5
// layers with their technique counts and the legacy 3.0 sample refused. The
// hand-made fixtures: tests/storage/import/navigator_layer_test.cc.
#include "storage/import/navigator_layer_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

TEST(NavigatorLayerParserTest, RealLayers) {
  ASSERT_OK_AND_ASSIGN(auto art, ParseNavigatorLayers("art", testing::ReadFile(testing::SharedData(
                                                                 "navigator/atomic-red-team/art-navigator-layer.json"))));
  ASSERT_EQ(art.size(), 1u);
  EXPECT_EQ(art[0].domain, "enterprise-attack");
  EXPECT_EQ(art[0].techniques.size(), 371u);  // navigator/README.md: techniques[371]
  ASSERT_OK_AND_ASSIGN(auto mobile, ParseNavigatorLayers("m", testing::ReadFile(testing::SharedData(
                                                                 "navigator/mitreattack-python/changelog-v16.1_to_v17.0/layer-mobile.json"))));
  ASSERT_EQ(mobile.size(), 1u);
  EXPECT_EQ(mobile[0].domain, "mobile-attack");
  EXPECT_EQ(mobile[0].techniques.size(), 122u);  // navigator/README.md: 122 (one per tactic) for 106 IDs in Mobile
  EXPECT_THAT(ParseNavigatorLayers("Bear_APT.json", testing::ReadFile(testing::SharedData(
                                                        "navigator/attack-navigator/samples/Bear_APT.json"))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("legacy layer format 3.0")));
}

}  // namespace
}  // namespace ttpgraph
