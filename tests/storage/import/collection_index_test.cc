// The ATT&CK collection index parser: every version of every collection with
// its domain, URL and checksum; errors name the JSON path.
#include "storage/import/collection_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

absl::Status ParseStatus(std::string_view json) { return ParseCollectionIndex(json).status(); }

TEST(CollectionIndex, EveryVersionOfTheFixture) {
  auto index = ParseCollectionIndex(testing::ReadFile(testing::TestData("collection_index/index.json")));
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(index->name, "MITRE ATT&CK");
  std::vector<std::string> seen;
  for (auto& v : index->versions) seen.push_back(Cat(v.domain, "@", v.version, " ", v.json_path));
  EXPECT_THAT(seen, ::testing::ElementsAre("enterprise-attack@18.1 $.collections[0].versions[0]",
                                           "enterprise-attack@17.1 $.collections[0].versions[1]",
                                           "enterprise-attack@9.0 $.collections[0].versions[2]",
                                           "mobile-attack@18.1 $.collections[1].versions[0]",
                                           "ics-attack@18.1 $.collections[2].versions[0]",
                                           "ics-attack@8.0 $.collections[2].versions[1]",
                                           "@1.0 $.collections[3].versions[0]"));
  const CollectionVersion& e181 = index->versions[0];
  EXPECT_EQ(e181.collection, "Enterprise ATT&CK");
  EXPECT_EQ(e181.url,
            "https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/"
            "enterprise-attack-18.1.json");
  EXPECT_EQ(e181.modified, "2025-11-12T14:00:00.188Z");
  EXPECT_EQ(e181.sha256, "0e5f0f1b52c0e3b1d7d3b0a5f1c2c4e7a9b8d6f4e2c0a1b3d5f7e9c1a3b5d7f9");
  EXPECT_EQ(index->versions[1].sha256, "");
  EXPECT_EQ(index->versions[2].url, "enterprise-attack/enterprise-attack-9.0.json");
  const CollectionVersion& ics8 = index->versions[5];
  EXPECT_EQ(ics8.collection, "ATT&CK for ICS");
  EXPECT_EQ(ics8.url, "");
  EXPECT_EQ(ics8.taxii_url, "https://cti-taxii.mitre.org/stix/collections/0bb14cfb-58fa-4284-ba85-43ab76dd4622");
  EXPECT_EQ(index->versions[6].collection, "Partner techniques");
}

// The fixture the release service tests import from (@MINI_DIR@ is replaced there).
TEST(CollectionIndex, MiniAttackFixture) {
  auto index = ParseCollectionIndex(testing::ReadFile(testing::TestData("mini_attack/collection-index.json.in")));
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_EQ(index->versions.size(), 2u);
  EXPECT_EQ(index->versions[1].domain, "enterprise-attack");
  EXPECT_EQ(index->versions[1].version, "18.0");
  EXPECT_EQ(index->versions[1].url, "@MINI_DIR@/mini-v18.json");
}

TEST(CollectionIndex, EmptyCollectionsIsAnEmptyList) {
  auto index = ParseCollectionIndex(R"({"collections": []})");
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(index->versions.size(), 0u);
  EXPECT_EQ(index->name, "");
}

TEST(CollectionIndex, ErrorsNameTheJsonPath) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ParseStatus("{\"collections\": \n ["),
              StatusIs(kInvalid, HasSubstr("collection index: invalid JSON at line 2, column 3: unexpected end of input")));
  EXPECT_THAT(ParseStatus("[]"), StatusIs(kInvalid, "collection index: $: must be a JSON object"));
  EXPECT_THAT(ParseStatus("{}"), StatusIs(kInvalid, HasSubstr("collection index: $.collections: missing")));
  EXPECT_THAT(ParseStatus(R"({"collections": {}})"),
              StatusIs(kInvalid, "collection index: $.collections: must be an array"));
  EXPECT_THAT(ParseStatus(R"({"name": 3, "collections": []})"),
              StatusIs(kInvalid, "collection index: $.name: must be a string"));
  EXPECT_THAT(ParseStatus(R"({"collections": [7]})"),
              StatusIs(kInvalid, "collection index: $.collections[0]: a collection must be a JSON object"));
  EXPECT_THAT(ParseStatus(R"({"collections": [{"versions": []}]})"),
              StatusIs(kInvalid, "collection index: $.collections[0].name: missing"));
  EXPECT_THAT(ParseStatus(R"({"collections": [{"name": "Mobile ATT&CK"}]})"),
              StatusIs(kInvalid, "collection index: $.collections[0].versions: missing"));
  EXPECT_THAT(ParseStatus(R"({"collections": [{"name": "Mobile ATT&CK", "versions": "18.1"}]})"),
              StatusIs(kInvalid, "collection index: $.collections[0].versions: must be an array"));
  const std::string head = R"({"collections": [{"name": "Enterprise ATT&CK", "versions": [{"version": "18.1", "url": "a.json"}, )";
  EXPECT_THAT(ParseStatus(head + "null]}]}"),
              StatusIs(kInvalid, "collection index: $.collections[0].versions[1]: a version must be a JSON object"));
  EXPECT_THAT(ParseStatus(head + R"({"url": "b.json"}]}]})"),
              StatusIs(kInvalid, "collection index: $.collections[0].versions[1].version: missing"));
  EXPECT_THAT(ParseStatus(head + R"({"version": 17.1, "url": "b.json"}]}]})"),
              StatusIs(kInvalid, "collection index: $.collections[0].versions[1].version: must be a string"));
  EXPECT_THAT(ParseStatus(head + R"({"version": "v17", "url": "b.json"}]}]})"),
              StatusIs(kInvalid, "collection index: $.collections[0].versions[1].version: version 'v17' is not "
                                 "dotted numbers like 18.1"));
  EXPECT_THAT(ParseStatus(head + R"({"version": "17.1", "url": ["b.json"]}]}]})"),
              StatusIs(kInvalid, "collection index: $.collections[0].versions[1].url: must be a string"));
  EXPECT_THAT(ParseStatus(head + R"({"version": "17.1", "modified": "x"}]}]})"),
              StatusIs(kInvalid, "collection index: $.collections[0].versions[1]: gives neither url nor taxii_url"));
  EXPECT_THAT(ParseStatus(head + R"({"version": "17.1", "url": "b.json", "sha256": "abc"}]}]})"),
              StatusIs(kInvalid, "collection index: $.collections[0].versions[1].sha256: 'abc' is not a SHA-256 "
                                 "(64 hex digits)"));
  // 18.1.0 is 18.1.
  EXPECT_THAT(ParseStatus(head + R"({"version": "18.1.0", "url": "b.json"}]}]})"),
              StatusIs(kInvalid, "collection index: $.collections[0].versions[1]: version 18.1.0 of 'Enterprise "
                                 "ATT&CK' is listed twice (also at $.collections[0].versions[0])"));
  EXPECT_THAT(ParseStatus(std::string(40, '[') + std::string(40, ']')),
              StatusIs(kInvalid, HasSubstr("nesting deeper than the depth limit")));
}

}  // namespace
}  // namespace ttpgraph
