// TAXII 2.1 (issue 12): the application floor (core::Taxii: paging, `next`
// tokens, filters, the collection-source contract) on a hand-made collection,
// the release collections on the mini release, and the HTTP side (AnswerTaxii:
// status codes, envelopes, headers; the real listener over TLS).
#include "server/core/taxii.h"

#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>

#include "server/taxii.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "tests/testing/test_pki.h"
#include "ttpgraph/v1/org_service.grpc.pb.h"
#include "ttpgraph/v1/token_service.grpc.pb.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::StatusIs;
using testing::TestServer;

constexpr int64_t kDay1 = 1764547200000;  // 2025-12-01T00:00:00Z
constexpr int64_t kDay2 = kDay1 + 86400000;

// ---- a hand-made collection: six objects, two of them versions of one id

class FixtureContent final : public core::CollectionContent {
 public:
  FixtureContent(std::vector<core::TaxiiObject> objects, uint64_t incarnation)
      : CollectionContent(std::move(objects), incarnation) {}
  absl::StatusOr<std::vector<std::string>> Json(const std::vector<size_t>& indexes) const override {
    std::vector<std::string> out;
    for (size_t i : indexes) out.push_back(objects()[i].ref);  // the fixture's ref is its JSON
    return out;
  }
};

core::TaxiiObject Obj(std::string id, std::string version, int64_t added, std::string spec = "2.1") {
  core::TaxiiObject o;
  o.type = id.substr(0, id.find("--"));
  o.id = std::move(id);
  o.version = std::move(version);
  o.spec_version = std::move(spec);
  o.date_added_ms = added;
  o.ref = Cat("{\"id\":\"", o.id, "\",\"modified\":\"", o.version, "\"}");
  return o;
}

// Readable by admins only, so a reader gets PERMISSION_DENIED.
class FixtureCollections final : public core::CollectionSource {
 public:
  static constexpr char kId[] = "00000000-0000-4000-8000-000000000001";
  absl::StatusOr<std::vector<core::TaxiiCollection>> List(const core::Caller& caller) override {
    if (caller.role != Role::kAdmin) return std::vector<core::TaxiiCollection>{};
    return std::vector<core::TaxiiCollection>{{kId, "fixture", "hand-made", {"2.1"}}};
  }
  absl::StatusOr<core::TaxiiCollection> Find(const core::Caller& caller, std::string_view id) override {
    if (id != kId) return absl::NotFoundError("not mine");
    if (caller.role != Role::kAdmin) return absl::PermissionDeniedError("the fixture is for admins");
    return core::TaxiiCollection{kId, "fixture", "hand-made", {"2.1"}};
  }
  absl::StatusOr<std::shared_ptr<const core::CollectionContent>> Open(const core::Caller&, std::string_view) override {
    std::vector<core::TaxiiObject> objects = {
        // Listed in no particular order: the content sorts them.
        Obj("malware--00000000-0000-4000-8000-000000000003", "2025-01-03T00:00:00.000Z", kDay2),
        Obj("attack-pattern--00000000-0000-4000-8000-000000000001", "2025-01-01T00:00:00Z", kDay1),
        Obj("attack-pattern--00000000-0000-4000-8000-000000000002", "2025-01-02T00:00:00.000Z", kDay1),
        // The later version of ...0001 was added later (".5Z": versions compare as times).
        Obj("attack-pattern--00000000-0000-4000-8000-000000000001", "2025-01-01T00:00:00.5Z", kDay2),
        Obj("intrusion-set--00000000-0000-4000-8000-000000000004", "2025-01-04T00:00:00.000Z", kDay2, "2.0"),
        Obj("relationship--00000000-0000-4000-8000-000000000005", "2025-01-05T00:00:00.000Z", kDay2),
    };
    core::SortCollectionObjects(&objects);
    return std::make_shared<const FixtureContent>(std::move(objects), incarnation);
  }
  uint64_t incarnation = 1;
};

class TaxiiCoreTest : public ::testing::Test {
 protected:
  TaxiiCoreTest() : taxii_(&server_.server().app()) {
    auto source = std::make_unique<FixtureCollections>();
    fixture_ = source.get();
    taxii_.AddSource(std::move(source));
    auto admin = taxii_.Authenticate("Bearer " + server_.admin_token());
    EXPECT_OK(admin.status());
    admin_ = *admin;
  }
  // Every page of `q` at `limit`: the objects as "id@version".
  std::vector<std::string> All(core::TaxiiQuery q, size_t limit, size_t* pages = nullptr) {
    std::vector<std::string> out;
    q.limit = limit;
    for (size_t n = 1;; ++n) {
      auto page = taxii_.Objects(admin_, FixtureCollections::kId, q);
      EXPECT_OK(page.status());
      if (!page.ok()) return out;
      EXPECT_LE(page->indexes.size(), limit);
      for (size_t i : page->indexes) {
        const auto& o = page->content->objects()[i];
        out.push_back(o.id.substr(o.id.size() - 1) + "@" + o.version.substr(8, 2) + (o.version.size() > 20 ? "+" : ""));
      }
      if (pages) *pages = n;
      if (!page->more) {
        EXPECT_EQ(page->next, "");
        return out;
      }
      EXPECT_FALSE(page->indexes.empty()) << "a page with more=true must carry objects";
      q.next = page->next;
    }
  }

  TestServer server_;
  core::Taxii taxii_;
  FixtureCollections* fixture_;
  core::Caller admin_;
};

TEST_F(TaxiiCoreTest, OrderIsDateAddedThenIdAndEveryLimitPagesTheSame) {
  // Version last (the default): ...0001's first version (day 1) is left out.
  // Day 1: ...0002 (...0001's first version is not its last); day 2, by id: attack-pattern,
  // intrusion-set, malware, relationship.
  const std::vector<std::string> expected = {"2@02+", "1@01+", "4@04+", "3@03+", "5@05+"};
  for (size_t limit : {1, 2, 3, 4, 5, 6, 1000}) {
    size_t pages = 0;
    EXPECT_EQ(All({}, limit, &pages), expected) << "limit " << limit;
    EXPECT_EQ(pages, (expected.size() + limit - 1) / limit) << "limit " << limit << ": no empty last page";
  }
  core::TaxiiQuery q;
  q.limit = 5;  // exactly the count: one page, no next
  auto page = taxii_.Objects(admin_, FixtureCollections::kId, q);
  ASSERT_OK(page.status());
  EXPECT_EQ(page->indexes.size(), 5u);
  EXPECT_FALSE(page->more);
  auto json = taxii_.Json(*page);
  ASSERT_OK(json.status());
  EXPECT_EQ((*json)[0], "{\"id\":\"attack-pattern--00000000-0000-4000-8000-000000000002\",\"modified\":\"2025-01-02T00:00:00.000Z\"}");
}

TEST_F(TaxiiCoreTest, Filters) {
  core::TaxiiQuery q;
  q.added_after_ms = kDay1;  // strictly after: day 1's objects are out
  EXPECT_EQ(All(q, 2), (std::vector<std::string>{"1@01+", "4@04+", "3@03+", "5@05+"}));
  q.added_after_ms = kDay2;
  EXPECT_EQ(All(q, 2), std::vector<std::string>{});
  q = {};
  q.types = {"malware", "intrusion-set"};
  EXPECT_EQ(All(q, 1), (std::vector<std::string>{"4@04+", "3@03+"}));
  q = {};
  q.ids = {"attack-pattern--00000000-0000-4000-8000-000000000001", "relationship--00000000-0000-4000-8000-000000000005"};
  EXPECT_EQ(All(q, 1), (std::vector<std::string>{"1@01+", "5@05+"}));
  q.versions = {"all"};
  EXPECT_EQ(All(q, 1), (std::vector<std::string>{"1@01", "1@01+", "5@05+"}));
  q.versions = {"first"};
  EXPECT_EQ(All(q, 1), (std::vector<std::string>{"1@01", "5@05+"}));
  q.versions = {"2025-01-01T00:00:00.000Z"};  // the first version, written with another precision
  EXPECT_EQ(All(q, 1), (std::vector<std::string>{"1@01"}));
  q.versions = {"2025-01-01T00:00:00.500Z", "first"};
  EXPECT_EQ(All(q, 1), (std::vector<std::string>{"1@01", "1@01+", "5@05+"}));
  q = {};
  q.spec_versions = {"2.0"};
  EXPECT_EQ(All(q, 3), (std::vector<std::string>{"4@04+"}));
  q.spec_versions = {"2.0", "2.1"};
  EXPECT_EQ(All(q, 3).size(), 5u);
  q = {};
  q.versions = {"yesterday"};
  EXPECT_THAT(taxii_.Objects(admin_, FixtureCollections::kId, q),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("match[version] 'yesterday' is not an RFC 3339")));
}

TEST_F(TaxiiCoreTest, NextTokensBelongToTheirQueryAndContent) {
  core::TaxiiQuery q;
  q.limit = 2;
  auto first = taxii_.Objects(admin_, FixtureCollections::kId, q);
  ASSERT_OK(first.status());
  ASSERT_TRUE(first->more);
  for (const std::string& bad : std::vector<std::string>{"zz", "", ".", "0123456789abcdef", "0123456789abcdef.1", "0123456789abcdefg.1",
                          first->next + "0", first->next.substr(0, 17) + "x"}) {
    if (bad.empty()) continue;
    q.next = bad;
    EXPECT_THAT(taxii_.Objects(admin_, FixtureCollections::kId, q), StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
  q.next = first->next.substr(0, 17) + "7";  // past the end (6 objects)
  EXPECT_THAT(taxii_.Objects(admin_, FixtureCollections::kId, q),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("start again without it")));
  // Another filter, the same token: refused.
  q.next = first->next;
  q.types = {"malware"};
  EXPECT_THAT(taxii_.Objects(admin_, FixtureCollections::kId, q), StatusIs(absl::StatusCode::kInvalidArgument));
  // Another limit is fine (clients may change it between pages).
  q.types.clear();
  q.limit = 100;
  auto rest = taxii_.Objects(admin_, FixtureCollections::kId, q);
  ASSERT_OK(rest.status());
  EXPECT_EQ(rest->indexes.size(), 3u);
  // The content changed since: refused.
  fixture_->incarnation = 2;
  EXPECT_THAT(taxii_.Objects(admin_, FixtureCollections::kId, q),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("changed since")));
  q.next.clear();
  q.limit = 0;
  EXPECT_THAT(taxii_.Objects(admin_, FixtureCollections::kId, q),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limit")));
}

TEST_F(TaxiiCoreTest, WhoMayReadWhatAndUnknownOnes) {
  // A reader of an organization: the releases yes, the admins' fixture no.
  v1::CreateOrganizationRequest org;
  org.set_org_id("acme");
  org.set_release("enterprise-attack@18.0");
  ASSERT_OK(testing::ImportFile(server_.client(), testing::TestData("mini_attack/mini-v18.json"), "enterprise-attack",
                                "18.0"));
  v1::Organization created;
  ASSERT_OK(server_.client().Call(&v1::OrgService::Stub::CreateOrganization, org, &created));
  v1::CreateTokenRequest tok;
  tok.set_role(v1::TOKEN_ROLE_READER);
  tok.set_org_id("acme");
  v1::CreateTokenResponse reader_token;
  ASSERT_OK(server_.client().Call(&v1::TokenService::Stub::CreateToken, tok, &reader_token));
  auto reader = taxii_.Authenticate("Bearer " + reader_token.secret());
  ASSERT_OK(reader.status());
  auto listed = taxii_.Collections(*reader);
  ASSERT_OK(listed.status());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].title, "enterprise-attack@18.0");
  EXPECT_THAT(taxii_.Collection(*reader, FixtureCollections::kId), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(taxii_.Objects(*reader, FixtureCollections::kId, {}), StatusIs(absl::StatusCode::kPermissionDenied));
  auto admin_list = taxii_.Collections(admin_);
  ASSERT_OK(admin_list.status());
  EXPECT_EQ(admin_list->size(), 2u);

  EXPECT_THAT(taxii_.Collection(admin_, "no-such-collection"), StatusIs(absl::StatusCode::kNotFound));
  core::TaxiiQuery q;
  q.ids = {"malware--00000000-0000-4000-8000-00000000ffff"};
  EXPECT_THAT(taxii_.Objects(admin_, FixtureCollections::kId, q, /*object_endpoint=*/true),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no object malware--")));
  EXPECT_THAT(taxii_.Authenticate(""), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(taxii_.Authenticate("Bearer ttpg_0000000000000000_nope"), StatusIs(absl::StatusCode::kUnauthenticated));
  // A revoked token is refused at once.
  v1::RevokeTokenRequest revoke;
  revoke.set_id(reader_token.token().id());
  v1::RevokeTokenResponse revoked;
  ASSERT_OK(server_.client().Call(&v1::TokenService::Stub::RevokeToken, revoke, &revoked));
  EXPECT_THAT(taxii_.Authenticate("Bearer " + reader_token.secret()), StatusIs(absl::StatusCode::kUnauthenticated));
}

// ---- the release collections, on the mini release

class TaxiiReleaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(testing::ImportFile(server_.client(), testing::TestData("mini_attack/mini-v18.json"), "enterprise-attack",
                                  "18.0"));
    auto admin = server_.server().taxii().Authenticate("Bearer " + server_.admin_token());
    ASSERT_OK(admin.status());
    admin_ = *admin;
  }
  core::Taxii& taxii() { return server_.server().taxii(); }
  TestServer server_;
  core::Caller admin_;
};

// The minified JSON of each object of a bundle, by id.
std::map<std::string, std::string> BundleObjects(const std::string& path) {
  simdjson::dom::parser parser;
  std::map<std::string, std::string> out;
  for (simdjson::dom::element o : parser.load(path)["objects"].get_array()) {
    std::string_view id = o["id"].get_string();
    out[std::string(id)] = simdjson::minify(o);
  }
  return out;
}

TEST_F(TaxiiReleaseTest, OneCollectionPerReleaseWithItsObjectsAsImported) {
  auto listed = taxii().Collections(admin_);
  ASSERT_OK(listed.status());
  ASSERT_EQ(listed->size(), 1u);
  // The UUID v5 of the name (Python: uuid5(uuid5(NAMESPACE_URL, "ttpgraph:taxii:release"), name)).
  EXPECT_EQ((*listed)[0].id, "4fc66af5-6022-5436-afa3-33b7c6d6bdd5");
  EXPECT_EQ(core::CollectionIdFor("enterprise-attack@18.0"), "4fc66af5-6022-5436-afa3-33b7c6d6bdd5");
  EXPECT_EQ((*listed)[0].title, "enterprise-attack@18.0");
  EXPECT_THAT((*listed)[0].spec_versions, ElementsAre("2.0"));  // the bundle's: its objects carry none

  const auto expected = BundleObjects(testing::TestData("mini_attack/mini-v18.json"));
  ASSERT_EQ(expected.size(), 70u);
  core::TaxiiQuery q;
  q.limit = 7;
  std::map<std::string, std::string> paged;
  std::string previous_id;
  int pages = 0;
  int64_t imported = 0;
  for (;; ++pages) {
    auto page = taxii().Objects(admin_, (*listed)[0].id, q);
    ASSERT_OK(page.status());
    auto json = taxii().Json(*page);
    ASSERT_OK(json.status());
    simdjson::dom::parser parser;
    for (size_t k = 0; k < page->indexes.size(); ++k) {
      const core::TaxiiObject& o = page->content->objects()[page->indexes[k]];
      EXPECT_LT(previous_id, o.id) << "ordered by id (all added at once)";
      previous_id = o.id;
      EXPECT_EQ(o.spec_version, "2.0");
      if (imported == 0) imported = o.date_added_ms;
      EXPECT_EQ(o.date_added_ms, imported) << "every object added at the import";
      paged[o.id] = simdjson::minify(parser.parse((*json)[k]).value());
    }
    if (!page->more) break;
    q.next = page->next;
  }
  EXPECT_EQ(pages + 1, 10);
  EXPECT_EQ(paged, expected);  // every object once, its JSON as in the bundle
  auto info = server_.server().store()->GetRelease(ReleaseId{"enterprise-attack", *Version::Parse("18.0")});
  ASSERT_OK(info.status());
  EXPECT_EQ(imported, info->imported_at_unix_ms);
}

TEST_F(TaxiiReleaseTest, AReplacedReleaseIsANewContent) {
  const std::string id = core::CollectionIdFor("enterprise-attack@18.0");
  core::TaxiiQuery q;
  q.limit = 10;
  auto first = taxii().Objects(admin_, id, q);
  ASSERT_OK(first.status());
  ASSERT_OK(testing::ImportFile(server_.client(), testing::TestData("mini_attack/mini-v17.json"), "enterprise-attack",
                                "18.0", nullptr, /*replace=*/true));
  q.next = first->next;
  EXPECT_THAT(taxii().Objects(admin_, id, q), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("changed since")));
  q.next.clear();
  q.limit = 1000;
  auto all = taxii().Objects(admin_, id, q);
  ASSERT_OK(all.status());
  EXPECT_EQ(all->indexes.size(), BundleObjects(testing::TestData("mini_attack/mini-v17.json")).size());
}

// ---- HTTP: AnswerTaxii

class TaxiiHttpTest : public TaxiiReleaseTest {
 protected:
  HttpResponse Get(std::string path, std::vector<std::pair<std::string, std::string>> query = {},
                   std::string accept = kTaxiiMediaType, std::string token = "admin", bool tls = false,
                   bool require_tls = false) {
    HttpRequest req;
    req.method = "GET";
    req.path = std::move(path);
    req.authorization = token == "admin" ? "Bearer " + server_.admin_token() : token;
    req.accept = std::move(accept);
    req.host = "taxii.example:9443";
    req.tls = tls;
    req.query = std::move(query);
    return AnswerTaxii(taxii(), TaxiiHttpOptions{require_tls}, req);
  }
  std::string Root() { return kTaxiiApiRoot; }
  std::string Coll() { return Cat(kTaxiiApiRoot, "collections/", core::CollectionIdFor("enterprise-attack@18.0"), "/"); }
  static std::string Header(const HttpResponse& r, const std::string& name) {
    for (const auto& [n, v] : r.headers)
      if (n == name) return v;
    return "(none)";
  }
};

TEST_F(TaxiiHttpTest, DiscoveryApiRootCollections) {
  HttpResponse r = Get("/taxii2/", {}, "application/taxii+json;version=2.1", "admin", /*tls=*/true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/taxii+json;version=2.1");
  EXPECT_THAT(r.body, HasSubstr("\"api_roots\":[\"https://taxii.example:9443/taxii2/ttpgraph/\"]"));
  r = Get(Root());
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("\"versions\":[\"application/taxii+json;version=2.1\"]"));
  r = Get(Root() + "collections/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, Cat("{\"collections\":[{\"id\":\"4fc66af5-6022-5436-afa3-33b7c6d6bdd5\",\"title\":\"enterprise-attack@"
                        "18.0\",\"description\":",
                        JsonQuote(taxii().Collections(admin_)->at(0).description),
                        ",\"can_read\":true,\"can_write\":false,\"media_types\":[\"application/stix+json;version=2.0\"]}]}"));
  r = Get(Coll());
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("\"title\":\"enterprise-attack@18.0\""));
}

TEST_F(TaxiiHttpTest, ObjectsManifestAndOneObject) {
  HttpResponse r = Get(Coll() + "objects/", {{"limit", "3"}, {"match[type]", "intrusion-set,malware"}});
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::parser parser;
  simdjson::dom::element env = parser.parse(r.body);
  EXPECT_TRUE(env["more"].get_bool().value());
  EXPECT_EQ(env["objects"].get_array().size(), 3u);
  const std::string added = core::FormatTaxiiTime(taxii().Objects(admin_, core::CollectionIdFor("enterprise-attack@18.0"),
                                                                  {})->content->objects()[0].date_added_ms);
  EXPECT_EQ(Header(r, "X-TAXII-Date-Added-First"), added);
  EXPECT_EQ(Header(r, "X-TAXII-Date-Added-Last"), added);
  const std::string next(env["next"].get_string().value());
  r = Get(Coll() + "objects/", {{"limit", "3"}, {"match[type]", "intrusion-set,malware"}, {"next", next}});
  ASSERT_EQ(r.status, 200);
  env = parser.parse(r.body);
  EXPECT_FALSE(env["more"].get_bool().value());
  EXPECT_EQ(env["objects"].get_array().size(), 1u);  // 3 groups + 1 malware
  EXPECT_THAT(r.body, Not(HasSubstr("\"next\"")));

  // added_after the import: an empty envelope, no date headers.
  r = Get(Coll() + "objects/", {{"added_after", added}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"more\":false,\"objects\":[]}");
  EXPECT_EQ(Header(r, "X-TAXII-Date-Added-First"), "(none)");

  r = Get(Coll() + "manifest/", {{"match[type]", "x-mitre-matrix"}});
  ASSERT_EQ(r.status, 200);
  env = parser.parse(r.body);
  ASSERT_EQ(env["objects"].get_array().size(), 1u);
  simdjson::dom::element entry = env["objects"].at(0);
  const std::string matrix_id(entry["id"].get_string().value());
  EXPECT_EQ(std::string(entry["date_added"].get_string().value()), added);
  EXPECT_EQ(std::string(entry["media_type"].get_string().value()), "application/stix+json;version=2.0");
  const std::string version(entry["version"].get_string().value());

  r = Get(Coll() + "objects/" + matrix_id + "/");
  ASSERT_EQ(r.status, 200);
  env = parser.parse(r.body);
  ASSERT_EQ(env["objects"].get_array().size(), 1u);
  EXPECT_EQ(std::string(env["objects"].at(0)["id"].get_string().value()), matrix_id);
  r = Get(Coll() + "objects/" + matrix_id + "/versions/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, Cat("{\"more\":false,\"versions\":[\"", version, "\"]}"));
  r = Get(Coll() + "objects/" + matrix_id + "/", {{"match[version]", version}});
  EXPECT_EQ(parser.parse(r.body)["objects"].get_array().size(), 1u);
  r = Get(Coll() + "objects/x-mitre-matrix--00000000-0000-4000-8000-000000000000/");
  EXPECT_EQ(r.status, 404);
}

TEST_F(TaxiiHttpTest, ErrorsAreTaxiiErrorMessages) {
  struct Case {
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
    std::string accept, token;
    bool tls, require_tls;
    int status;
    std::string says;
  };
  const std::string objects = Coll() + "objects/";
  const std::vector<Case> cases = {
      {objects, {}, kTaxiiMediaType, "", false, false, 401, "missing token"},
      {objects, {}, kTaxiiMediaType, "Bearer ttpg_0000000000000000_nope", false, false, 401, "token"},
      {objects, {}, kTaxiiMediaType, "Basic dXNlcjpwYXNz", false, false, 401, "Bearer"},
      {objects, {}, "application/json", "admin", false, false, 406, "does not admit application/taxii+json"},
      {objects, {}, "application/taxii+json;version=2.0", "admin", false, false, 406, "Accept"},
      {objects, {}, "application/taxii+json;q=0", "admin", false, false, 406, "Accept"},
      {objects, {}, kTaxiiMediaType, "admin", false, true, 403, "HTTPS only"},
      {Root() + "collections/4fc66af5-6022-5436-afa3-000000000000/objects/", {}, kTaxiiMediaType, "admin", false, false,
       404, "no collection 4fc66af5-6022-5436-afa3-000000000000"},
      {"/taxii2/other/", {}, kTaxiiMediaType, "admin", false, false, 404, "no API root"},
      {Coll() + "status/", {}, kTaxiiMediaType, "admin", false, false, 404, "no TAXII endpoint"},
      {objects, {{"limit", "0"}}, kTaxiiMediaType, "admin", false, false, 400, "limit '0' is not a positive number"},
      {objects, {{"limit", "-5"}}, kTaxiiMediaType, "admin", false, false, 400, "limit '-5'"},
      {objects, {{"limit", "ten"}}, kTaxiiMediaType, "admin", false, false, 400, "limit 'ten'"},
      {objects, {{"next", "bogus"}}, kTaxiiMediaType, "admin", false, false, 400, "next 'bogus' is not a token"},
      {objects, {{"added_after", "2025-13-45"}}, kTaxiiMediaType, "admin", false, false, 400, "added_after '2025-13-45'"},
      {objects, {{"match[colour]", "red"}}, kTaxiiMediaType, "admin", false, false, 400, "match[colour] is not a filter"},
      {Coll() + "manifest/", {{"match[version]", "soon"}}, kTaxiiMediaType, "admin", false, false, 400,
       "match[version] 'soon'"},
  };
  for (const Case& c : cases) {
    HttpResponse r = Get(c.path, c.query, c.accept, c.token, c.tls, c.require_tls);
    EXPECT_EQ(r.status, c.status) << c.path << " " << c.says << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/taxii+json;version=2.1");
    EXPECT_THAT(r.body, HasSubstr(c.says));
    EXPECT_THAT(r.body, HasSubstr(Cat("\"http_status\":\"", c.status, "\"")));
    if (c.status == 401) EXPECT_EQ(Header(r, "WWW-Authenticate"), "Bearer realm=\"ttpgraphd taxii\"");
  }
  // What every client sends, or none: admitted.
  for (const std::string accept : {"", "*/*", "application/taxii+json", "application/*;q=0.5, text/html",
                                   "text/html, application/taxii+json; version=2.1"})
    EXPECT_EQ(Get(objects, {}, accept).status, 200) << accept;
  EXPECT_EQ(Get(objects, {}, kTaxiiMediaType, "admin", /*tls=*/true, /*require_tls=*/true).status, 200);
}

// ---- the real listener: HTTPS with the gRPC certificate, plain HTTP beside it

size_t Append(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

// GET `url` with curl trusting `ca` ("" for plain HTTP); the status (0 when
// no HTTP answer came) and the body.
std::pair<long, std::string> Fetch(const std::string& url, const std::string& token, const std::string& ca,
                                   const std::string& method = "GET") {
  CURL* curl = curl_easy_init();
  if (method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (method == "POST") curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "{}");
  std::string body;
  curl_slist* headers = curl_slist_append(nullptr, ("Authorization: Bearer " + token).c_str());
  headers = curl_slist_append(headers, "Accept: application/taxii+json;version=2.1");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  if (!ca.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
  long code = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return {code, body};
}

TEST(HttpListenerTest, DecodesTheQueryAndAnswersGetAndHeadOnly) {
  auto http = HttpListener::Start("127.0.0.1:0");
  ASSERT_OK(http.status());
  (*http)->Handle("/echo", [](const HttpRequest& req) {
    std::string out = req.method + " " + req.path + (req.tls ? " tls" : " plain");
    for (const auto& [k, v] : req.query) out += " [" + k + "=" + v + "]";
    return HttpResponse{200, "text/plain", out, {{"X-Echo", "1"}}};
  });
  const std::string base = Cat("http://127.0.0.1:", (*http)->port());
  auto r = Fetch(base + "/echo/sub?limit=5&match%5Btype%5D=attack-pattern%2Cmalware&flag&a+b=c+d", "", "");
  EXPECT_EQ(r.first, 200);
  EXPECT_EQ(r.second, "GET /echo/sub plain [limit=5] [match[type]=attack-pattern,malware] [flag=] [a b=c d]");
  EXPECT_EQ(Fetch(base + "/echoes", "", "").first, 404) << "a prefix matches whole segments";
  EXPECT_EQ(Fetch(base + "/echo", "", "", "HEAD"), (std::pair<long, std::string>{200, ""}));
  r = Fetch(base + "/echo", "", "", "POST");
  EXPECT_EQ(r.first, 405);
  EXPECT_EQ(r.second, "only GET and HEAD\n");
}

TEST(TaxiiTlsTest, HttpsWithTheGrpcCertificateAndProbesStayPlain) {
  testing::TempDir dir;
  auto pki = testing::MakeTestPki(dir.path());
  ASSERT_OK(pki.status());
  ServerOptions o;
  o.tls_cert = pki->server_cert;
  o.tls_key = pki->server_key;
  o.http_listen = "127.0.0.1:0";
  o.https_listen = "127.0.0.1:0";
  TestServer server(o);
  const int http = server.server().http_port(), https = server.server().https_port();
  ASSERT_GT(http, 0);
  ASSERT_GT(https, 0);
  ASSERT_NE(http, https);
  const std::string token = server.admin_token();
  auto r = Fetch(Cat("https://localhost:", https, "/taxii2/ttpgraph/collections/"), token, pki->ca);
  EXPECT_EQ(r.first, 200) << r.second;
  EXPECT_EQ(r.second, "{}");  // no release imported
  r = Fetch(Cat("https://localhost:", https, "/taxii2/"), token, pki->ca);
  EXPECT_THAT(r.second, HasSubstr(Cat("\"https://localhost:", https, "/taxii2/ttpgraph/\"")));
  EXPECT_EQ(Fetch(Cat("https://localhost:", https, "/taxii2/"), token, pki->other_ca).first, 0) << "untrusted CA";
  EXPECT_EQ(Fetch(Cat("https://localhost:", https, "/taxii2/"), "wrong", pki->ca).first, 401);
  EXPECT_EQ(Fetch(Cat("https://localhost:", https, "/healthz"), "", pki->ca).first, 200);
  // Plain HTTP: the probes and metrics as before; TAXII refused (the token would cross in clear).
  EXPECT_EQ(Fetch(Cat("http://127.0.0.1:", http, "/healthz"), "", "").first, 200);
  EXPECT_EQ(Fetch(Cat("http://127.0.0.1:", http, "/metrics"), "", "").first, 200);
  r = Fetch(Cat("http://127.0.0.1:", http, "/taxii2/"), token, "");
  EXPECT_EQ(r.first, 403);
  EXPECT_THAT(r.second, HasSubstr("HTTPS only"));
}

TEST(TaxiiTlsTest, BadTlsSetupsStopTheStart) {
  testing::TempDir dir;
  auto pki = testing::MakeTestPki(dir.path());
  ASSERT_OK(pki.status());
  ServerOptions o;
  o.data_dir = dir.path() + "/db";
  o.listen = "127.0.0.1:0";
  o.https_listen = "127.0.0.1:0";
  EXPECT_THAT(TtpgraphServer::Start(o), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--tls-cert")));
  o.tls_cert = pki->server_cert;
  o.tls_key = pki->client_key;  // not the certificate's key
  EXPECT_FALSE(TtpgraphServer::Start(o).ok());
  auto plain = HttpListener::Start(HttpListenOptions{"", "127.0.0.1:0", pki->server_cert, pki->client_key});
  EXPECT_THAT(plain, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not match the certificate")));
  plain = HttpListener::Start(HttpListenOptions{"", "127.0.0.1:0", pki->ca + ".missing", pki->server_key});
  EXPECT_THAT(plain, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(".missing")));
  plain = HttpListener::Start(HttpListenOptions{"", "127.0.0.1:x", pki->server_cert, pki->server_key});
  EXPECT_THAT(plain, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--https-listen '127.0.0.1:x'")));
}

}  // namespace
}  // namespace ttpgraph
