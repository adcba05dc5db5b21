// ParseBundle on good and bad input: every refusal carries the right status
// code and a message naming where the input went wrong. (MaybeGunzip:
// decompress_test.cc.)
#include "storage/import/bundle_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "storage/import/sha256.h"
#include "storage/record.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::StatusIs;

std::string Mini(const std::string& file) { return testing::ReadFile(testing::TestData("mini_attack/" + file)); }
std::string Bad(const std::string& file) { return testing::ReadFile(testing::TestData("bad/" + file)); }

BundleParseOptions Enterprise(const std::string& version = "99.0") {
  BundleParseOptions o;
  o.domain = "enterprise-attack";
  o.version = version;
  return o;
}

// A bundle around the given object texts.
std::string MakeBundle(const std::vector<std::string>& objects) {
  return Cat(R"({"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[)",
             Join(objects, ","), "]}");
}

std::string Technique(const std::string& n, const std::string& extra = "") {
  return Cat(R"({"type":"attack-pattern","id":"attack-pattern--00000000-0000-4000-8000-0000000000)", n,
             R"(","modified":"2024-01-01T00:00:00.000Z","name":"T)", n,
             R"(","x_mitre_domains":["enterprise-attack"])", extra, "}");
}

std::string Relationship(const std::string& n, const std::string& src, const std::string& dst) {
  return Cat(R"({"type":"relationship","id":"relationship--00000000-0000-4000-8000-0000000000)", n,
             R"(","modified":"2024-01-01T00:00:00.000Z","relationship_type":"uses","source_ref":")", src,
             R"(","target_ref":")", dst, R"("})");
}

TEST(StixIdTest, TypeThenUuid) {
  EXPECT_TRUE(IsStixId("attack-pattern--a0000000-0000-4000-8000-000000001001", "attack-pattern"));
  EXPECT_TRUE(IsStixId("x-mitre-tactic--7A000000-0000-4000-8000-00000000000F", "x-mitre-tactic"));
  for (const std::string bad :
       {std::string("attack-pattern--a0000000-0000-4000-8000-000000001001\n"), std::string("attack-pattern--1"),
        std::string("attack-pattern--a0000000-0000-4000-8000-00000000100/"), std::string("attack-pattern--a0000000/0000-4000-8000-000000001001"),
        std::string("attack-pattern--a0000000-0000-4000-8000-00000000100|"), std::string("attack-pattern--a000000@-0000-4000-8000-000000001001"),
        std::string("attack-pattern--a0000000-0000-4000-8000-00000000100\0", 52), std::string("intrusion-set--a0000000-0000-4000-8000-000000001001"),
        std::string("attack-pattern--a0000000-0000-4000-8000-0000000010011"), std::string("attack-pattern--g0000000-0000-4000-8000-000000001001")})
    EXPECT_FALSE(IsStixId(bad, "attack-pattern")) << bad;
  EXPECT_FALSE(IsStixId("Attack-Pattern--a0000000-0000-4000-8000-000000001001", "Attack-Pattern"));
  EXPECT_FALSE(IsStixId("x|y--a0000000-0000-4000-8000-000000001001", "x|y"));
}

TEST(Rfc3339Test, TimestampsAsStixWritesThem) {
  for (const char* ok : {"2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000Z", "2018-10-17T00:14:20.652Z",
                         "2024-02-29T23:59:60.123456789Z", "2024-01-01T00:00:00+02:00", "2024-01-01T00:00:00.5-05:30"})
    EXPECT_TRUE(IsRfc3339(ok)) << ok;
  for (const char* bad : {"", "2024-01-01", "2024-01-01T00:00:00", "2024-01-01 00:00:00Z", "2024-13-01T00:00:00Z",
                          "2024-01-01T24:00:00Z", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00Z\n",
                          "2024-01-01T00:00:00Z|1", "2024-01-01T00:00:00.0000000000Z", "2024-01-01t00:00:00z",
                          "2024-01-01T00:00:00+2:00"})
    EXPECT_FALSE(IsRfc3339(bad)) << bad;
}

TEST(ParseBundleTest, IdsAndTimestampsThatCouldReachAKeyAreRefused) {
  const std::string tech = Technique("01");
  std::string id_nl = tech;
  id_nl.insert(id_nl.find("\",\"modified\""), "\\n");
  EXPECT_THAT(ParseBundle(MakeBundle({id_nl}), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("objects[0]"), HasSubstr("0001\\n"), HasSubstr("attack-pattern--<UUID>"))));
  std::string mod = tech;
  mod.insert(mod.find("Z\",\"name\"") + 1, "\\n|x");
  EXPECT_THAT(ParseBundle(MakeBundle({mod}), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("modified"), HasSubstr("RFC 3339"))));
  EXPECT_THAT(ParseBundle(MakeBundle({Technique("01", R"(,"created":"yesterday")")}), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("created \"yesterday\""), HasSubstr("RFC 3339"))));
  EXPECT_THAT(ParseBundle(MakeBundle({R"({"type":"attack-pattern","id":"attack-pattern--00000000-0000-4000-8000-000000000001",)"
                                      R"("modified":7,"name":"T"})"}),
                          Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("modified")));
}

TEST(ParseBundleTest, ABundleWithoutTechniquesIsNotAttackContent) {
  const std::string identity = R"({"type":"identity","id":"identity--00000000-0000-4000-8000-000000000001"})";
  EXPECT_THAT(ParseBundle(MakeBundle({identity}), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no ATT&CK technique")));
  std::vector<std::string> objects = {Technique("01")};
  for (int i = 0; i < 3; ++i)
    objects.push_back(Cat(R"({"type":"x-custom","id":"x-custom--00000000-0000-4000-8000-00000000000)", i, R"("})"));
  BundleParseOptions o = Enterprise();
  o.max_unknown_objects = 3;
  ASSERT_OK_AND_ASSIGN(ParsedBundle b, ParseBundle(MakeBundle(objects), o));
  EXPECT_EQ(b.counts_by_type["x-custom"], 3);
  objects.push_back(R"({"type":"x-custom","id":"x-custom--00000000-0000-4000-8000-000000000009"})");
  EXPECT_THAT(ParseBundle(MakeBundle(objects), o),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("more than 3 objects of types ATT&CK does not use"),
                             HasSubstr("objects[4] is a \"x-custom\""), HasSubstr("max_unknown_objects"))));
}

TEST(ParseBundleTest, ObjectAndNameSizesAreCapped) {
  BundleParseOptions o = Enterprise();
  o.max_object_bytes = 1000;
  o.max_name_bytes = 20;
  EXPECT_THAT(ParseBundle(MakeBundle({Technique("01", Cat(R"(,"description":")", std::string(1000, 'd'), "\""))}), o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("objects[0] (attack-pattern--00000000-0000-4000-8000-000000000001) is"),
                             HasSubstr("max_stix_object_bytes"))));
  std::string long_name = Technique("01");
  long_name.insert(long_name.find("\"name\":\"") + 8, std::string(30, 'n'));
  EXPECT_THAT(ParseBundle(MakeBundle({long_name}), o),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("name is 33 bytes"), HasSubstr("max_name_bytes"))));
}

// ---------------------------------------------------------------- JSON

TEST(ParseBundleTest, InvalidJsonNamesTheLine) {
  EXPECT_THAT(ParseBundle(Bad("invalid.json"), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("invalid JSON"), HasSubstr("line 7"))));
}

TEST(ParseBundleTest, InvalidJsonVariants) {
  EXPECT_THAT(ParseBundle("", Enterprise()), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid JSON")));
  EXPECT_THAT(ParseBundle("{\"type\": \"bundle\",\n \"objects\": [", Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("line 2"), HasSubstr("end of input"))));
  EXPECT_THAT(ParseBundle("{\"type\": \"bundle\", \"objects\": []} trailing", Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 1")));
}

TEST(LocateJsonSyntaxErrorTest, GivesLineAndColumn) {
  EXPECT_EQ(LocateJsonSyntaxError("{\"a\": [1, 2]}", 64), "");
  EXPECT_THAT(LocateJsonSyntaxError(Bad("invalid.json"), 64), HasSubstr("line 7, column 32"));
  EXPECT_THAT(LocateJsonSyntaxError("{\n\"a\": tru}", 64), HasSubstr("line 2"));
  EXPECT_THAT(LocateJsonSyntaxError("[[[[1]]]]", 3), HasSubstr("depth limit"));
}

TEST(ParseBundleTest, NotABundle) {
  EXPECT_THAT(ParseBundle(Bad("not-a-bundle.json"), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("not a STIX bundle"), HasSubstr("$.type"), HasSubstr("\"attack-pattern\""))));
  EXPECT_THAT(ParseBundle("[1, 2]", Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a JSON object")));
  EXPECT_THAT(ParseBundle(R"({"objects": []})", Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got nothing")));
  EXPECT_THAT(ParseBundle(R"({"type": "bundle", "objects": {}})", Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("$.objects must be an array")));
  EXPECT_THAT(ParseBundle(MakeBundle({Technique("01"), "42"}), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("objects[1] is not a JSON object")));
}

TEST(ParseBundleTest, ObjectWithoutIdNamesItsIndex) {
  EXPECT_THAT(ParseBundle(Bad("no-id.json"), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("objects[2]"), HasSubstr("attack-pattern"), HasSubstr("\"id\""))));
}

TEST(ParseBundleTest, ObjectWithoutTypeNamesItsIndexAndId) {
  EXPECT_THAT(ParseBundle(Bad("no-type.json"), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("objects[1]"), HasSubstr("attack-pattern--ba000000-0000-4000-8000-000000000021"),
                             HasSubstr("\"type\""))));
}

TEST(ParseBundleTest, IdNotMatchingTypeAndIncompleteRelationship) {
  std::string wrong = R"({"type":"intrusion-set","id":"attack-pattern--00000000-0000-4000-8000-000000000009"})";
  EXPECT_THAT(ParseBundle(MakeBundle({Technique("01"), wrong}), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("objects[1]"), HasSubstr("does not start with its type"))));
  std::string rel = R"({"type":"relationship","id":"relationship--00000000-0000-4000-8000-000000000009",)"
                    R"("relationship_type":"uses","target_ref":"attack-pattern--x"})";
  EXPECT_THAT(ParseBundle(MakeBundle({Technique("01"), rel}), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("objects[1]"), HasSubstr("relationship--00000000-0000-4000-8000-000000000009"),
                             HasSubstr("source_ref"))));
}

TEST(ParseBundleTest, NestingPastTheDepthLimitNamesTheLimit) {
  EXPECT_THAT(ParseBundle(Bad("deep.json"), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("nested deeper than the limit of 64 levels"), HasSubstr("line 1, column"))));
  BundleParseOptions tight = Enterprise();
  tight.max_depth = 5;
  EXPECT_THAT(ParseBundle(Mini("mini-v17.json"), tight),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limit of 5 levels")));
}

TEST(ParseBundleTest, DeepButUnderARaisedLimitKeepsTheCustomPropertyVerbatim) {
  BundleParseOptions wide = Enterprise();
  wide.max_depth = 256;
  ASSERT_OK_AND_ASSIGN(ParsedBundle b, ParseBundle(Bad("deep.json"), wide));
  auto it = std::find_if(b.objects.begin(), b.objects.end(),
                         [](const StoredObject& o) { return Contains(o.json, "x_org_deep"); });
  ASSERT_NE(it, b.objects.end());
  EXPECT_TRUE(Contains(it->json, std::string(200, '[') + "\"leaf\"" + std::string(200, ']')));
}

TEST(ParseBundleTest, OverMaxObjectsIsResourceExhausted) {
  BundleParseOptions o = Enterprise();
  o.max_objects = 59;
  EXPECT_THAT(ParseBundle(Mini("mini-v17.json"), o),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("60 objects"), HasSubstr("over the limit of 59"))));
  o.max_objects = 60;
  EXPECT_OK(ParseBundle(Mini("mini-v17.json"), o));
}

// ---------------------------------------------------------------- domain and version

TEST(ParseBundleTest, BundleOfAnotherDomainIsRefused) {
  EXPECT_THAT(ParseBundle(Bad("mobile-as-enterprise.json"), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("wrong domain"), HasSubstr("enterprise-attack"), HasSubstr("mobile-attack"))));
  BundleParseOptions mobile;
  mobile.domain = "mobile-attack";
  mobile.version = "1.0";
  ASSERT_OK_AND_ASSIGN(ParsedBundle b, ParseBundle(Bad("mobile-as-enterprise.json"), mobile));
  EXPECT_EQ(b.id.Name(), "mobile-attack@1.0");
}

TEST(ParseBundleTest, WithoutCollectionDomainAndVersionMustBeGiven) {
  const std::string v17 = Mini("mini-v17.json");
  for (auto [domain, version] : std::vector<std::pair<std::string, std::string>>{
           {"", ""}, {"enterprise-attack", ""}, {"", "17.0"}}) {
    BundleParseOptions o;
    o.domain = domain;
    o.version = version;
    EXPECT_THAT(ParseBundle(v17, o), StatusIs(absl::StatusCode::kInvalidArgument,
                                              AllOf(HasSubstr("no x-mitre-collection"), HasSubstr("--domain"))));
  }
  BundleParseOptions unknown;
  unknown.domain = "pre-attack";
  unknown.version = "17.0";
  EXPECT_THAT(ParseBundle(v17, unknown),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown domain 'pre-attack'")));
  EXPECT_THAT(ParseBundle(v17, Enterprise("seventeen")), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseBundleTest, Stix20BundleWithExplicitRelease) {
  ASSERT_OK_AND_ASSIGN(ParsedBundle b, ParseBundle(Mini("mini-v17.json"), Enterprise("17.0")));
  EXPECT_EQ(b.id.Name(), "enterprise-attack@17.0");
  EXPECT_EQ(b.spec_version, "2.0");
  EXPECT_EQ(b.objects.size(), 60u);
  // The counts of tests/testdata/mini_attack/README.md.
  const std::map<std::string, int64_t> want = {
      {"attack-pattern", 12}, {"x-mitre-tactic", 3},    {"x-mitre-matrix", 1}, {"intrusion-set", 3},
      {"malware", 1},         {"tool", 1},              {"campaign", 2},       {"course-of-action", 2},
      {"x-mitre-data-source", 1}, {"x-mitre-data-component", 3}, {"relationship", 31}};
  EXPECT_EQ(b.counts_by_type, want);
  EXPECT_THAT(b.dangling_relationship_ids, IsEmpty());
  for (const auto& o : b.objects) EXPECT_EQ(std::count(o.key.begin(), o.key.end(), '|'), 2) << o.key;
}

TEST(ParseBundleTest, V18CountsAndSharedContentAddresses) {
  ASSERT_OK_AND_ASSIGN(ParsedBundle v17, ParseBundle(Mini("mini-v17.json"), Enterprise("17.0")));
  ASSERT_OK_AND_ASSIGN(ParsedBundle v18, ParseBundle(Mini("mini-v18.json"), Enterprise("18.0")));
  EXPECT_EQ(v18.objects.size(), 70u);
  EXPECT_EQ(v18.counts_by_type["x-mitre-detection-strategy"], 3);
  EXPECT_EQ(v18.counts_by_type["x-mitre-analytic"], 5);
  EXPECT_EQ(v18.counts_by_type["relationship"], 32);
  // 54 objects are byte-identical in both files, so 54 keys are shared.
  std::set<std::string> keys17;
  for (auto& o : v17.objects) keys17.insert(o.key);
  size_t shared = 0;
  for (auto& o : v18.objects) shared += keys17.count(o.key);
  EXPECT_EQ(shared, 54u);
}

TEST(ParseBundleTest, Stix21CollectionGivesDomainAndVersion) {
  const std::string text = Mini("mini-v21-collection.json");
  ASSERT_OK_AND_ASSIGN(ParsedBundle b, ParseBundle(text, BundleParseOptions{}));
  EXPECT_EQ(b.id.Name(), "enterprise-attack@18.1");
  EXPECT_EQ(b.spec_version, "2.1");
  EXPECT_EQ(b.objects.size(), 7u);
  EXPECT_EQ(b.counts_by_type["x-mitre-collection"], 1);
  // Agreeing explicit options are fine.
  ASSERT_OK_AND_ASSIGN(ParsedBundle same, ParseBundle(text, Enterprise("18.1")));
  EXPECT_EQ(same.id.Name(), "enterprise-attack@18.1");
  // Contradicting ones are refused, naming both sides.
  EXPECT_THAT(ParseBundle(text, Enterprise("18.0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("version 18.1"), HasSubstr("requested version 18.0"))));
  BundleParseOptions mobile;
  mobile.domain = "mobile-attack";
  EXPECT_THAT(ParseBundle(text, mobile),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("enterprise-attack"), HasSubstr("requested domain mobile-attack"))));
}

TEST(ParseBundleTest, CollectionNamingNoDomainIsRefused) {
  std::string coll = R"({"type":"x-mitre-collection","id":"x-mitre-collection--00000000-0000-4000-8000-000000000001",)"
                     R"("name":"Something Else","x_mitre_version":"1.0"})";
  EXPECT_THAT(ParseBundle(MakeBundle({coll, Technique("01")}), BundleParseOptions{}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("objects[0]"), HasSubstr("Something Else"), HasSubstr("names no ATT&CK domain"))));
}

// ---------------------------------------------------------------- relationships and duplicates

TEST(ParseBundleTest, DanglingRelationshipsAreReported) {
  const std::string t1 = "attack-pattern--00000000-0000-4000-8000-000000000001";
  const std::string t2 = "attack-pattern--00000000-0000-4000-8000-000000000002";
  const std::string missing = "intrusion-set--00000000-0000-4000-8000-000000000099";
  std::string bundle = MakeBundle({Technique("01"), Technique("02"), Relationship("11", t1, t2),
                                   Relationship("12", missing, t1), Relationship("13", t2, missing)});
  ASSERT_OK_AND_ASSIGN(ParsedBundle b, ParseBundle(bundle, Enterprise()));
  EXPECT_THAT(b.dangling_relationship_ids,
              ElementsAre("relationship--00000000-0000-4000-8000-000000000012",
                          "relationship--00000000-0000-4000-8000-000000000013"));
  EXPECT_EQ(b.objects.size(), 5u);  // dangling relationships are kept, only reported
}

TEST(ParseBundleTest, DuplicateIds) {
  // An exact duplicate is kept once.
  ASSERT_OK_AND_ASSIGN(ParsedBundle b,
                       ParseBundle(MakeBundle({Technique("01"), Technique("02"), Technique("01")}), Enterprise()));
  EXPECT_EQ(b.objects.size(), 2u);
  EXPECT_EQ(b.counts_by_type["attack-pattern"], 2);
  // Same id, different content: refused, naming the index and the id.
  EXPECT_THAT(ParseBundle(MakeBundle({Technique("01"), Technique("01", R"(,"x_extra":1)")}), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("objects[1]"), HasSubstr("duplicate id"),
                             HasSubstr("attack-pattern--00000000-0000-4000-8000-000000000001"))));
}

TEST(ParseBundleTest, ContentAddressDependsOnContent) {
  ASSERT_OK_AND_ASSIGN(ParsedBundle a, ParseBundle(MakeBundle({Technique("01")}), Enterprise()));
  ASSERT_OK_AND_ASSIGN(ParsedBundle b, ParseBundle(MakeBundle({Technique("01", R"(,"x_extra":1)")}), Enterprise()));
  // Text around the objects does not matter, their content does.
  ASSERT_OK_AND_ASSIGN(ParsedBundle c, ParseBundle("  " + MakeBundle({Technique("01")}) + "\n", Enterprise()));
  EXPECT_NE(a.objects[0].key, b.objects[0].key);  // digests: only their difference is the point
  EXPECT_EQ(a.objects[0].key, c.objects[0].key);
  EXPECT_TRUE(StartsWith(a.objects[0].key, "attack-pattern--00000000-0000-4000-8000-000000000001|2024-01-01T00:00:00.000Z|"));
}

TEST(ParseBundleTest, ObjectTextsAreTheBytesAsSent) {
  // Whitespace, brackets and escaped quotes inside strings, nested arrays and
  // objects, and an "objects" key nested in another member before the array.
  const std::string first =
      "{ \"type\" : \"attack-pattern\",\n  \"id\":\"attack-pattern--00000000-0000-4000-8000-000000000001\","
      " \"name\":\"a ] } [ { \\\" \\\\\", \"x_nested\":[[1, 2], {\"k\": [], \"objects\": [{}]}],"
      " \"x_mitre_domains\":[\"enterprise-attack\"] }";
  const std::string second = Technique("02");
  const std::string text = Cat(R"({"type":"bundle", "x_meta": {"objects": [1, {"a": "]"}]}, "id":"bundle--1",)",
                               "\n \"objects\" :\t[ ", first, " ,\n", second, "\n] }");
  ASSERT_OK_AND_ASSIGN(ParsedBundle b, ParseBundle(text, Enterprise()));
  ASSERT_EQ(b.objects.size(), 2u);
  EXPECT_EQ(b.objects[0].json, first);
  EXPECT_EQ(b.objects[1].json, second);
}

TEST(ParseBundleTest, ObjectMembersFirstOneWins) {
  // As with a DOM lookup by key, the first of two members with a key counts.
  ASSERT_OK_AND_ASSIGN(ObjectRecord r, ExtractRecordFromJson(
      R"({"type":"attack-pattern","id":"attack-pattern--1","name":"first","name":"second","revoked":1,"revoked":true})"));
  EXPECT_EQ(r.name, "first");
  EXPECT_FALSE(r.revoked);
}

// Bundles of thousands of objects are scanned on two threads; errors still
// name the first offending object in bundle order.
TEST(ParseBundleTest, LargeBundleErrorsNameTheFirstOffendingObject) {
  auto technique = [](size_t i, const std::string& extra = "") {
    char id[64];
    snprintf(id, sizeof id, "attack-pattern--00000000-0000-4000-8000-%012zu", i);
    return Cat(R"({"type":"attack-pattern","id":")", id, R"(","modified":"2024-01-01T00:00:00.000Z","name":"T)", i,
               R"(","x_mitre_domains":["enterprise-attack"])", extra, "}");
  };
  std::vector<std::string> objects;
  for (size_t i = 0; i < 5000; ++i) objects.push_back(technique(i));
  ASSERT_OK_AND_ASSIGN(ParsedBundle all, ParseBundle(MakeBundle(objects), Enterprise()));
  ASSERT_EQ(all.objects.size(), 5000u);
  for (size_t i = 0; i < objects.size(); ++i) ASSERT_EQ(all.objects[i].json, objects[i]) << i;

  std::vector<std::string> bad = objects;
  bad[4000] = R"({"type":"attack-pattern","name":"no id"})";
  bad[4500] = technique(7, R"(,"x_extra":1)");  // a later error: a duplicate id
  EXPECT_THAT(ParseBundle(MakeBundle(bad), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("objects[4000]"), HasSubstr("\"id\""))));
  bad[4000] = objects[4000];
  EXPECT_THAT(ParseBundle(MakeBundle(bad), Enterprise()),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("objects[4500]"), HasSubstr("duplicate id"))));
  bad[4500] = objects[7];  // an exact duplicate is kept once
  ASSERT_OK_AND_ASSIGN(ParsedBundle deduplicated, ParseBundle(MakeBundle(bad), Enterprise()));
  EXPECT_EQ(deduplicated.objects.size(), 4999u);
}

// ---------------------------------------------------------------- frameworks in ATT&CK's shape

std::string Framework(const std::string& file) { return testing::ReadFile(testing::TestData("frameworks/" + file)); }

const ObjectRecord* RecordOf(const ParsedBundle& b, const std::string& stix_id, ObjectRecord* storage) {
  for (const auto& o : b.objects)
    if (o.key.substr(0, o.key.find('|')) == stix_id) {
      auto r = DecodeRecord(o.record);
      if (!r.ok()) return nullptr;
      *storage = std::move(*r);
      return storage;
    }
  return nullptr;
}

// tests/testdata/frameworks/README.md: domain from the matrix's external_id,
// version from the collection, source and kill-chain names from the matrix.
TEST(ParseBundleTest, FrameworkOfItsOwnTakesItsNamesFromItsMatrix) {
  ASSERT_OK_AND_ASSIGN(ParsedBundle b, ParseBundle(Framework("atlas-mini.json"), BundleParseOptions{}));
  EXPECT_EQ(b.id.Name(), "atlas@4.9");
  EXPECT_THAT(b.sources.source_names, ElementsAre("mitre-atlas"));
  EXPECT_THAT(b.sources.kill_chains, ElementsAre("mitre-atlas"));
  EXPECT_EQ(b.objects.size(), 38u);
  const std::map<std::string, int64_t> want = {
      {"x-mitre-collection", 1}, {"x-mitre-matrix", 1},  {"x-mitre-tactic", 5}, {"attack-pattern", 12},
      {"course-of-action", 4},   {"intrusion-set", 1},   {"relationship", 14}};
  EXPECT_EQ(b.counts_by_type, want);
  EXPECT_THAT(b.reidentified, IsEmpty());
  ObjectRecord r;
  // Its ATT&CK reference comes first; the framework's own one gives the ID,
  // and only the framework's kill chain gives tactics.
  ASSERT_NE(RecordOf(b, "attack-pattern--a71a0000-0000-4000-8000-000000000207", &r), nullptr);
  EXPECT_EQ(r.attack_id, "AML.T0010");
  EXPECT_EQ(r.url, "https://atlas.mitre.org/techniques/AML.T0010");
  EXPECT_THAT(r.kill_chain_phases, ElementsAre("initial-access"));
  ASSERT_NE(RecordOf(b, "attack-pattern--a71a0000-0000-4000-8000-000000000208", &r), nullptr);
  EXPECT_THAT(r.kill_chain_phases, ElementsAre("initial-access", "ml-attack-staging"));
  ASSERT_NE(RecordOf(b, "x-mitre-tactic--a71a0000-0000-4000-8000-000000000104", &r), nullptr);
  EXPECT_EQ(r.attack_id, "AML.TA0000");
  EXPECT_EQ(r.shortname, "ml-model-access");
  ASSERT_NE(RecordOf(b, "intrusion-set--a71a0000-0000-4000-8000-000000000401", &r), nullptr);
  EXPECT_EQ(r.attack_id, "AML.G0001");
}

TEST(ParseBundleTest, FrameworkNamesFromFlagsWin) {
  BundleParseOptions o;
  o.domain = "atlas-lab";
  o.source_name = "mitre-attack";  // one of MITRE's: MITRE's three, then the matrix's domain cannot be used
  EXPECT_THAT(ParseBundle(Framework("atlas-mini.json"), o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("unknown domain 'atlas-lab'"), HasSubstr("--source-name"))));
  o.source_name = "mitre-atlas";
  o.kill_chain = "mitre-attack";  // ATT&CK's phase on AML.T0010 is the only one left
  ASSERT_OK_AND_ASSIGN(ParsedBundle b, ParseBundle(Framework("atlas-mini.json"), o));
  EXPECT_EQ(b.id.Name(), "atlas-lab@4.9");
  EXPECT_THAT(b.sources.kill_chains, ElementsAre("mitre-attack"));
  ObjectRecord r;
  ASSERT_NE(RecordOf(b, "attack-pattern--a71a0000-0000-4000-8000-000000000207", &r), nullptr);
  EXPECT_EQ(r.attack_id, "AML.T0010");
  EXPECT_THAT(r.kill_chain_phases, ElementsAre("reconnaissance"));
  // The same text read with other names is another stored object.
  ASSERT_OK_AND_ASSIGN(ParsedBundle plain, ParseBundle(Framework("atlas-mini.json"), BundleParseOptions{}));
  EXPECT_NE(plain.objects[7].key, b.objects[7].key);
  EXPECT_EQ(plain.objects[7].json, b.objects[7].json);
}

TEST(ParseBundleTest, MitreBundlesKeepMitreNamesAndContentAddresses) {
  ASSERT_OK_AND_ASSIGN(ParsedBundle b, ParseBundle(Mini("mini-v17.json"), Enterprise("17.0")));
  EXPECT_THAT(b.sources.source_names, ElementsAre("mitre-attack", "mitre-mobile-attack", "mitre-ics-attack"));
  EXPECT_EQ(b.sources.kill_chains, b.sources.source_names);
  // The key is still over the object's text alone.
  const std::string text = b.objects[0].json;
  EXPECT_EQ(b.objects[0].key.substr(b.objects[0].key.rfind('|') + 1), Sha256Hex(text).substr(0, 16));
  // Importing MITRE content under a domain of its own needs names of its own.
  BundleParseOptions pre;
  pre.domain = "pre-attack";
  pre.version = "1.0";
  EXPECT_THAT(ParseBundle(Mini("mini-v17.json"), pre),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("unknown domain 'pre-attack'"), HasSubstr("x-mitre-matrix"))));
}

TEST(ParseBundleTest, BadFrameworkNamesAreRefused) {
  for (auto [domain, source, kill_chain, want] : std::vector<std::tuple<std::string, std::string, std::string, std::string>>{
           {"Atlas", "", "", "unknown domain 'Atlas'"},
           {"at las", "", "", "unknown domain 'at las'"},
           {"", "mitre atlas", "", "--source-name 'mitre atlas' is not a name"},
           {"", "", std::string(129, 'k'), "--kill-chain 'kkkk"}}) {
    BundleParseOptions o;
    o.domain = domain;
    o.source_name = source;
    o.kill_chain = kill_chain;
    EXPECT_THAT(ParseBundle(Framework("atlas-mini.json"), o), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(want)))
        << domain << source << kill_chain;
  }
  // A collection naming no MITRE domain and no matrix of its own: the user must name the domain.
  std::string coll = R"({"type":"x-mitre-collection","id":"x-mitre-collection--00000000-0000-4000-8000-000000000001",)"
                     R"("name":"Sector Framework","x_mitre_version":"1.0"})";
  EXPECT_THAT(ParseBundle(MakeBundle({coll, Technique("01")}), BundleParseOptions{}),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("Sector Framework"), HasSubstr("--domain"))));
}

// The fixture's 4.10 reuses three relationship ids for relationships with other
// targets, and repeats one of those word for word.
TEST(ParseBundleTest, StrictImportNamesTheFirstReusedId) {
  EXPECT_THAT(ParseBundle(Framework("atlas-mini-reused-ids.json"), BundleParseOptions{}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("objects[35]: duplicate id relationship--a71a0000-0000-4000-8000-000000000501"),
                             HasSubstr("--lenient"))));
}

TEST(ParseBundleTest, LenientImportReidentifiesCollidingObjectsByContent) {
  BundleParseOptions o;
  o.lenient = true;
  ASSERT_OK_AND_ASSIGN(ParsedBundle b, ParseBundle(Framework("atlas-mini-reused-ids.json"), o));
  EXPECT_EQ(b.id.Name(), "atlas@4.10");
  EXPECT_EQ(b.objects.size(), 38u);  // 39 less the word-for-word repeat
  EXPECT_EQ(b.counts_by_type["relationship"], 14);
  // Expected ids: Python's uuid.uuid5(UUID("00abedb4-aa42-466c-9c01-fed23315a9b7"),
  // json.dumps(obj, separators=(",", ":"))) of each object as the fixture holds it.
  std::vector<std::tuple<size_t, std::string, std::string, std::string>> got;
  for (const auto& r : b.reidentified) got.emplace_back(r.index, r.type, r.old_id, r.new_id);
  using Row = std::tuple<size_t, std::string, std::string, std::string>;
  EXPECT_THAT(got, ElementsAre(Row{35, "relationship", "relationship--a71a0000-0000-4000-8000-000000000501",
                                   "relationship--2effc888-93b0-54ae-8c14-8e235b1bc1aa"},
                               Row{36, "relationship", "relationship--a71a0000-0000-4000-8000-000000000506",
                                   "relationship--9fea591f-7bfb-5120-ab2a-b88a4eff7c92"},
                               Row{37, "relationship", "relationship--a71a0000-0000-4000-8000-000000000511",
                                   "relationship--9ac6c01c-c8b1-566a-be16-7cd8ce785a63"}));
  // The stored text and record carry the new id; the rest of the object is as sent.
  ObjectRecord r;
  ASSERT_NE(RecordOf(b, "relationship--9fea591f-7bfb-5120-ab2a-b88a4eff7c92", &r), nullptr);
  EXPECT_EQ(r.stix_id, "relationship--9fea591f-7bfb-5120-ab2a-b88a4eff7c92");
  EXPECT_EQ(r.target_ref, "attack-pattern--a71a0000-0000-4000-8000-000000000210");
  EXPECT_EQ(r.relationship_type, "uses");
  for (const auto& obj : b.objects)
    if (obj.key.rfind("relationship--9fea591f", 0) == 0) {
      EXPECT_THAT(obj.json, HasSubstr(R"("id": "relationship--9fea591f-7bfb-5120-ab2a-b88a4eff7c92")"));
      EXPECT_THAT(obj.json, Not(HasSubstr("000000000506")));
    }
  // The first holder of each id keeps it.
  ASSERT_NE(RecordOf(b, "relationship--a71a0000-0000-4000-8000-000000000506", &r), nullptr);
  EXPECT_EQ(r.relationship_type, "mitigates");
  // Deterministic: the same bundle gives the same ids.
  ASSERT_OK_AND_ASSIGN(ParsedBundle again, ParseBundle(Framework("atlas-mini-reused-ids.json"), o));
  ASSERT_EQ(again.objects.size(), b.objects.size());
  for (size_t i = 0; i < b.objects.size(); ++i) EXPECT_EQ(again.objects[i].key, b.objects[i].key);
  // A clean bundle is the same with or without lenient.
  ASSERT_OK_AND_ASSIGN(ParsedBundle clean, ParseBundle(Framework("atlas-mini.json"), o));
  EXPECT_THAT(clean.reidentified, IsEmpty());
}

TEST(ContentDerivedIdTest, IgnoresWhitespaceOutsideStringsOnly) {
  EXPECT_EQ(ContentDerivedId("relationship", R"({"a": "x y",  "b" : [1, 2]})"),
            ContentDerivedId("relationship", R"({"a":"x y","b":[1,2]})"));
  EXPECT_NE(ContentDerivedId("relationship", R"({"a":"x y"})"), ContentDerivedId("relationship", R"({"a":"xy"})"));
  EXPECT_NE(ContentDerivedId("relationship", R"({"a":"x\" y"})"), ContentDerivedId("relationship", R"({"a":"x\"y"})"));
  // Python: uuid.uuid5(UUID("00abedb4-aa42-466c-9c01-fed23315a9b7"), '{"a":1}')
  EXPECT_EQ(ContentDerivedId("relationship", "{ \"a\" : 1 }"), "relationship--098e0b91-cdd6-5333-94a2-5a77037e03d0");
}

}  // namespace
}  // namespace ttpgraph
