// ExtensionService over gRPC on an in-process server with the mini 18.0
// release and the hand-made bundles of tests/testdata/extensions (README.md
// there): create, import (custom IDs assigned, Workbench collections), set and
// unset x_ fields, history, export and its round trip, delete; every refusal
// with its code and message and nothing written; tenant isolation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <string>
#include <vector>

#include "server/core/taxii.h"
#include "server/server.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/analysis_service.grpc.pb.h"
#include "ttpgraph/v1/extension_service.grpc.pb.h"
#include "ttpgraph/v1/org_service.grpc.pb.h"
#include "ttpgraph/v1/token_service.grpc.pb.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;
namespace v1 = ::ttpgraph::v1;
using Ext = v1::ExtensionService::Stub;

constexpr char kG0001[] = "intrusion-set--9a000000-0000-4000-8000-000000000001";
constexpr char kCustomTech[] = "attack-pattern--ac000000-0000-4000-8000-000000000001";
constexpr char kCustomGroup[] = "intrusion-set--ac000000-0000-4000-8000-000000000002";

class ExtensionServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::TestServer();
    ASSERT_OK(testing::ImportFile(server_->client(), testing::TestData("mini_attack/mini-v18.json"),
                                  "enterprise-attack", "18.0"));
    for (const char* org : {"acme", "beta"}) ASSERT_OK(CreateOrg(org));
  }
  static absl::Status CreateOrg(const std::string& org) {
    v1::CreateOrganizationRequest req;
    req.set_org_id(org);
    req.set_release("enterprise-attack@18.0");
    v1::Organization o;
    return client().Call(&v1::OrgService::Stub::CreateOrganization, req, &o);
  }
  static void TearDownTestSuite() { delete server_; }
  static Client& client() { return server_->client(); }

  static absl::Status Create(const std::string& org, const std::string& name, const std::string& prefix = "ACME",
                             v1::Extension* out = nullptr) {
    v1::CreateExtensionRequest req;
    req.set_org_id(org);
    req.set_name(name);
    req.set_release("enterprise-attack@latest");
    req.set_prefix(prefix);
    v1::Extension e;
    return client().Call(&Ext::CreateExtension, req, out ? out : &e);
  }
  static absl::Status Import(const std::string& org, const std::string& name, const std::vector<std::string>& files,
                             v1::ImportExtensionObjectsResponse* resp) {
    v1::ImportExtensionObjectsRequest req;
    req.set_org_id(org);
    req.set_name(name);
    for (auto& f : files) {
      auto* file = req.add_files();
      file->set_name(f);
      file->set_content(testing::ReadFile(testing::TestData("extensions/" + f)));
    }
    return client().Call(&Ext::ImportExtensionObjects, req, resp);
  }
  static v1::GetExtensionResponse Show(const std::string& org, const std::string& name) {
    v1::GetExtensionRequest req;
    req.set_org_id(org);
    req.set_name(name);
    req.set_include_json(true);
    v1::GetExtensionResponse resp;
    EXPECT_OK(client().Call(&Ext::GetExtension, req, &resp));
    return resp;
  }
  static absl::Status Set(const std::string& org, const std::string& name, const std::string& object,
                          const std::string& field, const std::string& value, bool unset,
                          v1::SetExtensionFieldResponse* resp) {
    v1::SetExtensionFieldRequest req;
    req.set_org_id(org);
    req.set_name(name);
    req.set_object_id(object);
    req.set_field(field);
    req.set_value(value);
    req.set_unset(unset);
    return client().Call(&Ext::SetExtensionField, req, resp);
  }
  // The secret of a new token of `role` for `org`.
  static std::string TokenSecret(v1::TokenRole role, const std::string& org) {
    v1::CreateTokenRequest req;
    req.set_role(role);
    req.set_org_id(org);
    v1::CreateTokenResponse resp;
    EXPECT_OK(client().Call(&v1::TokenService::Stub::CreateToken, req, &resp));
    return resp.secret();
  }
  static std::map<std::string, const v1::ExtensionObject*> ById(const v1::GetExtensionResponse& r) {
    std::map<std::string, const v1::ExtensionObject*> m;
    for (auto& o : r.objects()) m[o.stix_id()] = &o;
    return m;
  }

  static testing::TestServer* server_;
};
testing::TestServer* ExtensionServiceTest::server_ = nullptr;

TEST_F(ExtensionServiceTest, CreateResolvesTheReleaseAndRefusesADuplicate) {
  v1::Extension e;
  ASSERT_OK(Create("acme", "create", "ACME", &e));
  EXPECT_EQ(e.org_id(), "acme");
  EXPECT_EQ(e.base_release(), "enterprise-attack@18.0");
  EXPECT_EQ(e.prefix(), "ACME");
  EXPECT_EQ(e.version(), 1);
  EXPECT_EQ(e.object_count(), 0);
  EXPECT_THAT(Create("acme", "create"), StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("'create'")));
  EXPECT_THAT(Create("acme", "Bad Name"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("extension name 'Bad Name'")));
  EXPECT_THAT(Create("acme", "p", "acme-lower"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("prefix 'acme-lower'")));
  EXPECT_THAT(Create("nobody", "x"), StatusIs(absl::StatusCode::kNotFound, HasSubstr("organization 'nobody'")));
  v1::CreateExtensionRequest req;
  req.set_org_id("acme");
  req.set_name("norelease");
  req.set_release("enterprise-attack@9.9");
  v1::Extension out;
  EXPECT_THAT(client().Call(&Ext::CreateExtension, req, &out), StatusIs(absl::StatusCode::kNotFound));
  // The default prefix is the organization's id in capitals.
  req.set_release("enterprise-attack@18.0");
  ASSERT_OK(client().Call(&Ext::CreateExtension, req, &out));
  EXPECT_EQ(out.prefix(), "ACME");
}

TEST_F(ExtensionServiceTest, ImportAssignsIdsKeepsXFieldsAndHistory) {
  ASSERT_OK(Create("acme", "main"));
  v1::ImportExtensionObjectsResponse r;
  ASSERT_OK(Import("acme", "main", {"acme-main.json"}, &r));
  EXPECT_EQ(r.added(), 4);  // technique, group, two relationships
  EXPECT_EQ(r.edited(), 1);  // G0001
  EXPECT_EQ(r.unchanged(), 0);
  ASSERT_EQ(r.assigned_ids_size(), 1);
  EXPECT_EQ(r.assigned_ids(0).stix_id(), kCustomGroup);
  EXPECT_EQ(r.assigned_ids(0).attack_id(), "ACME-G0001");
  EXPECT_EQ(r.extension().version(), 2);
  EXPECT_EQ(r.extension().object_count(), 5);

  auto shown = Show("acme", "main");
  auto by_id = ById(shown);
  ASSERT_EQ(by_id.size(), 5u);
  EXPECT_EQ(by_id[kCustomTech]->attack_id(), "ACME-T0001");
  EXPECT_TRUE(by_id[kCustomTech]->custom());
  EXPECT_EQ(by_id[kCustomTech]->x_fields().at("x_acme_priority"), "1");
  EXPECT_EQ(by_id[kCustomGroup]->attack_id(), "ACME-G0001");
  EXPECT_EQ(by_id[kCustomGroup]->x_fields().at("x_acme_sector"), "[\"finance\"]");
  EXPECT_FALSE(by_id[kG0001]->custom());
  EXPECT_EQ(by_id[kG0001]->attack_id(), "G0001");
  EXPECT_EQ(by_id[kG0001]->x_fields().at("x_acme_sector"), "[\"energy\",\"finance\"]");
  EXPECT_EQ(by_id[kG0001]->modified(), "2026-11-02T00:00:00.000Z");

  // The same bundle again changes nothing and writes no version.
  v1::ImportExtensionObjectsResponse again;
  ASSERT_OK(Import("acme", "main", {"acme-main.json"}, &again));
  EXPECT_EQ(again.added(), 0);
  EXPECT_EQ(again.edited(), 0);
  EXPECT_EQ(again.unchanged(), 5);
  EXPECT_EQ(again.extension().version(), 2);

  v1::GetExtensionHistoryRequest h;
  h.set_org_id("acme");
  h.set_name("main");
  h.set_object_id("G0001");
  v1::GetExtensionHistoryResponse hist;
  ASSERT_OK(client().Call(&Ext::GetExtensionHistory, h, &hist));
  ASSERT_EQ(hist.changes_size(), 1);
  EXPECT_EQ(hist.changes(0).action(), "edited");
  EXPECT_EQ(hist.changes(0).version(), 2);
  EXPECT_THAT(hist.changes(0).fields(), ElementsAre("x_acme_sector"));
  EXPECT_EQ(hist.changes(0).token_id(), server_->admin_token().substr(5, 16));
}

TEST_F(ExtensionServiceTest, SetAndUnsetAFieldMakeNewVersions) {
  ASSERT_OK(Create("acme", "set"));
  v1::SetExtensionFieldResponse r;
  ASSERT_OK(Set("acme", "set", "G0001", "x_acme_sector", "finance", false, &r));
  EXPECT_EQ(r.object().attack_id(), "G0001");
  EXPECT_FALSE(r.object().custom());
  EXPECT_EQ(r.object().x_fields().at("x_acme_sector"), "\"finance\"");
  EXPECT_EQ(r.extension().version(), 2);
  EXPECT_GT(r.object().modified(), "2025-04-15T00:00:00.000Z");  // later than MITRE's
  ASSERT_OK(Set("acme", "set", kG0001, "x_acme_targets", "[\"bank\",\"insurer\"]", false, &r));
  EXPECT_EQ(r.object().x_fields().at("x_acme_targets"), "[\"bank\",\"insurer\"]");
  EXPECT_EQ(r.object().x_fields().at("x_acme_sector"), "\"finance\"");
  ASSERT_OK(Set("acme", "set", "G0001", "x_acme_sector", "", true, &r));
  EXPECT_EQ(r.object().x_fields().count("x_acme_sector"), 0u);
  EXPECT_EQ(r.extension().version(), 4);

  v1::GetExtensionHistoryRequest h;
  h.set_org_id("acme");
  h.set_name("set");
  v1::GetExtensionHistoryResponse hist;
  ASSERT_OK(client().Call(&Ext::GetExtensionHistory, h, &hist));
  ASSERT_EQ(hist.changes_size(), 3);
  EXPECT_THAT(hist.changes(0).fields(), ElementsAre("x_acme_sector"));
  EXPECT_THAT(hist.changes(1).fields(), ElementsAre("x_acme_targets"));
  EXPECT_THAT(hist.changes(2).fields(), ElementsAre("x_acme_sector"));

  // Refusals, each leaving version 4.
  EXPECT_THAT(Set("acme", "set", "G0001", "sector", "x", false, &r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("x_acme_sector")));
  EXPECT_THAT(Set("acme", "set", "G0001", "x_mitre_version", "9.9", false, &r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("never x_mitre_")));
  EXPECT_THAT(Set("acme", "set", "G0001", "x_acme_none", "", true, &r),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no field 'x_acme_none'")));
  EXPECT_THAT(Set("acme", "set", "G9999", "x_acme_a", "1", false, &r),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("G9999")));
  EXPECT_THAT(Set("acme", "set", "T1030", "x_acme_a", "1", false, &r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("names 2 objects")));
  EXPECT_EQ(Show("acme", "set").extension().version(), 4);
}

TEST_F(ExtensionServiceTest, BadBundlesAreRefusedWithNothingWritten) {
  ASSERT_OK(Create("acme", "bad"));
  struct Case {
    std::vector<std::string> files;
    absl::StatusCode code;
    std::string message;
  } cases[] = {
      {{"bad-namespace.json"}, absl::StatusCode::kInvalidArgument,
       "claims the ATT&CK ID T9999, outside this extension's namespace ACME-"},
      {{"bad-relationship.json"}, absl::StatusCode::kInvalidArgument,
       "target_ref attack-pattern--ffffffff-0000-4000-8000-000000000001 is in neither enterprise-attack@18.0 nor "
       "extension 'bad'"},
      {{"bad-field.json"}, absl::StatusCode::kInvalidArgument,
       "adds the field 'sector' to enterprise-attack@18.0's G0001: custom fields on MITRE objects need an x_ prefix"},
      {{"bad-stix.json"}, absl::StatusCode::kInvalidArgument, "bad-stix.json: objects[0]: id \"attack-pattern--not-a-uuid\""},
      // One good file and one bad: neither lands.
      {{"acme-main.json", "bad-namespace.json"}, absl::StatusCode::kInvalidArgument, "T9999"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.files.back());
    v1::ImportExtensionObjectsResponse r;
    EXPECT_THAT(Import("acme", "bad", c.files, &r), StatusIs(c.code, HasSubstr(c.message)));
  }
  auto shown = Show("acme", "bad");
  EXPECT_EQ(shown.extension().version(), 1);
  EXPECT_EQ(shown.objects_size(), 0);
  v1::GetExtensionHistoryRequest h;
  h.set_org_id("acme");
  h.set_name("bad");
  v1::GetExtensionHistoryResponse hist;
  ASSERT_OK(client().Call(&Ext::GetExtensionHistory, h, &hist));
  EXPECT_EQ(hist.changes_size(), 0);
}

TEST_F(ExtensionServiceTest, WorkbenchCollectionImportsWithoutMitresUnchangedObjects) {
  ASSERT_OK(Create("acme", "wb"));
  v1::ImportExtensionObjectsResponse r;
  ASSERT_OK(Import("acme", "wb", {"workbench-collection.json"}, &r));
  EXPECT_EQ(r.added(), 1);      // ACME Dropper
  EXPECT_EQ(r.unchanged(), 1);  // G0001 as MITRE has it
  ASSERT_EQ(r.assigned_ids_size(), 1);
  EXPECT_EQ(r.assigned_ids(0).attack_id(), "ACME-S0001");
  EXPECT_EQ(Show("acme", "wb").objects_size(), 1);
}

TEST_F(ExtensionServiceTest, ExportIsACollectionBundleThatImportsBack) {
  ASSERT_OK(Create("acme", "exp"));
  v1::ImportExtensionObjectsResponse r;
  ASSERT_OK(Import("acme", "exp", {"acme-main.json"}, &r));
  for (bool merged : {false, true}) {
    SCOPED_TRACE(merged ? "merged" : "alone");
    v1::ExportExtensionRequest req;
    req.set_org_id("acme");
    req.set_name("exp");
    req.set_merged(merged);
    v1::ExportExtensionResponse resp;
    ASSERT_OK(client().Call(&Ext::ExportExtension, req, &resp));
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(resp.document()).get(doc), simdjson::SUCCESS);
    simdjson::dom::array objects = doc["objects"].get_array();
    std::string_view first_type = objects.at(0)["type"].get_string();
    EXPECT_EQ(first_type, "x-mitre-collection");
    EXPECT_EQ(objects.at(0)["x_mitre_contents"].get_array().size(), objects.size() - 1);
    // Merged: mini 18.0's 70 objects with G0001 replaced by its edit, plus the 4 new ones.
    EXPECT_EQ(objects.size() - 1, merged ? 74u : 5u);
    for (auto o : objects) {
      std::string_view spec = o["spec_version"].get_string();
      EXPECT_EQ(spec, "2.1");
    }
  }
  // The extension alone imports into another extension as it is.
  v1::ExportExtensionRequest req;
  req.set_org_id("acme");
  req.set_name("exp");
  v1::ExportExtensionResponse resp;
  ASSERT_OK(client().Call(&Ext::ExportExtension, req, &resp));
  ASSERT_OK(Create("acme", "copy"));
  v1::ImportExtensionObjectsRequest ireq;
  ireq.set_org_id("acme");
  ireq.set_name("copy");
  auto* f = ireq.add_files();
  f->set_name("exp.json");
  f->set_content(resp.document());
  v1::ImportExtensionObjectsResponse back;
  ASSERT_OK(client().Call(&Ext::ImportExtensionObjects, ireq, &back));
  EXPECT_EQ(back.added(), 4);
  EXPECT_EQ(back.edited(), 1);
  EXPECT_EQ(back.assigned_ids_size(), 0);  // ACME-G0001 came with the export
  auto a = Show("acme", "exp"), b = Show("acme", "copy");
  ASSERT_EQ(a.objects_size(), b.objects_size());
  for (int i = 0; i < a.objects_size(); ++i) {
    EXPECT_EQ(a.objects(i).attack_id(), b.objects(i).attack_id());
    std::map<std::string, std::string> xa(a.objects(i).x_fields().begin(), a.objects(i).x_fields().end()),
        xb(b.objects(i).x_fields().begin(), b.objects(i).x_fields().end());
    EXPECT_EQ(xa, xb);
  }

  // The collection index names the collection at its version.
  req.set_collection_index(true);
  req.set_url("https://cti.acme.example/exp.json");
  ASSERT_OK(client().Call(&Ext::ExportExtension, req, &resp));
  simdjson::dom::parser parser;
  simdjson::dom::element idx;
  ASSERT_EQ(parser.parse(resp.document()).get(idx), simdjson::SUCCESS);
  simdjson::dom::element version = idx["collections"].at(0)["versions"].at(0);
  EXPECT_EQ(std::string_view(version["version"].get_string()), "2.0");
  EXPECT_EQ(std::string_view(version["url"].get_string()), "https://cti.acme.example/exp.json");
}

// TAXII (core/taxii.h ViewCollections): one collection per extension view the
// caller may read, holding the merged view as STIX 2.1, the extension's objects
// added at their last change; another organization's view is PERMISSION_DENIED;
// an edit makes a new content (a `next` of the old one is refused).
TEST_F(ExtensionServiceTest, TaxiiServesOneCollectionPerView) {
  ASSERT_OK(Create("acme", "taxii", "ACME"));
  v1::ImportExtensionObjectsResponse r;
  ASSERT_OK(Import("acme", "taxii", {"acme-main.json"}, &r));
  core::Taxii& taxii = server_->server().taxii();
  ASSERT_OK_AND_ASSIGN(core::Caller admin, taxii.Authenticate("Bearer " + server_->admin_token()));
  const std::string id = core::CollectionIdFor("view:acme/taxii");
  ASSERT_OK_AND_ASSIGN(auto listed, taxii.Collections(admin));
  std::map<std::string, core::TaxiiCollection> by_title;
  for (auto& c : listed) by_title[c.title] = c;
  ASSERT_EQ(by_title.count("acme/taxii"), 1u);
  EXPECT_EQ(by_title["acme/taxii"].id, id);
  EXPECT_THAT(by_title["acme/taxii"].spec_versions, ElementsAre("2.1"));
  EXPECT_THAT(by_title["acme/taxii"].description, HasSubstr("on enterprise-attack@18.0"));

  // Every object of the view, paged by 9: MITRE's 70 with G0001 in the extension's version, plus its 4.
  core::TaxiiQuery q;
  q.limit = 9;
  std::map<std::string, std::string> paged;
  std::map<std::string, int64_t> added;
  for (;;) {
    ASSERT_OK_AND_ASSIGN(core::TaxiiPage page, taxii.Objects(admin, id, q));
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> json, taxii.Json(page));
    for (size_t k = 0; k < page.indexes.size(); ++k) {
      const core::TaxiiObject& o = page.content->objects()[page.indexes[k]];
      EXPECT_EQ(o.spec_version, "2.1") << o.id;
      EXPECT_TRUE(paged.emplace(o.id, json[k]).second) << o.id << " twice";
      added[o.id] = o.date_added_ms;
    }
    if (!page.more) break;
    q.next = page.next;
  }
  EXPECT_EQ(paged.size(), 74u);
  simdjson::dom::parser parser;
  for (auto& [stix_id, json] : paged) {
    std::string_view spec;
    ASSERT_EQ(parser.parse(json)["spec_version"].get_string().get(spec), simdjson::SUCCESS) << json;
    EXPECT_EQ(spec, "2.1");
  }
  EXPECT_THAT(paged[kG0001], HasSubstr("x_acme_sector"));
  EXPECT_THAT(paged[kCustomTech], HasSubstr("ACME-T0001"));
  EXPECT_THAT(paged[kCustomGroup], HasSubstr("ACME-G0001"));
  // MITRE's objects were added at the release's import, the extension's at their change, later.
  ASSERT_OK_AND_ASSIGN(ReleaseInfo release,
                       server_->server().store()->GetRelease(ReleaseId{"enterprise-attack", *Version::Parse("18.0")}));
  int64_t at_import = 0;
  for (auto& [stix_id, ms] : added) at_import += ms == release.imported_at_unix_ms;
  EXPECT_EQ(at_import, 70 - 1);  // all but G0001, whose version is the extension's
  EXPECT_GE(added[kCustomTech], release.imported_at_unix_ms);
  EXPECT_GE(added[kG0001], release.imported_at_unix_ms);
  // The release's own collection still serves MITRE's G0001, without the edit.
  core::TaxiiQuery one;
  one.ids = {kG0001};
  ASSERT_OK_AND_ASSIGN(core::TaxiiPage mitre, taxii.Objects(admin, core::CollectionIdFor("enterprise-attack@18.0"), one));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> mitre_json, taxii.Json(mitre));
  ASSERT_EQ(mitre_json.size(), 1u);
  EXPECT_THAT(mitre_json[0], ::testing::Not(HasSubstr("x_acme_sector")));

  // An edit: a new content; the old `next` is refused, the new one lists the field.
  core::TaxiiQuery first;
  first.limit = 1;
  ASSERT_OK_AND_ASSIGN(core::TaxiiPage before, taxii.Objects(admin, id, first));
  v1::SetExtensionFieldResponse set;
  ASSERT_OK(Set("acme", "taxii", "G0001", "x_acme_tier", "2", false, &set));
  first.next = before.next;
  EXPECT_THAT(taxii.Objects(admin, id, first), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("changed")));
  ASSERT_OK_AND_ASSIGN(core::TaxiiPage edited, taxii.Objects(admin, id, one));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> edited_json, taxii.Json(edited));
  ASSERT_EQ(edited_json.size(), 1u);
  EXPECT_THAT(edited_json[0], HasSubstr("x_acme_tier"));

  // Tenants: acme's reader sees acme's views; beta's reader neither lists nor reads them.
  auto caller = [&](v1::TokenRole role, const std::string& org) {
    return taxii.Authenticate("Bearer " + TokenSecret(role, org));
  };
  ASSERT_OK_AND_ASSIGN(core::Caller acme_reader, caller(v1::TOKEN_ROLE_READER, "acme"));
  ASSERT_OK(taxii.Collection(acme_reader, id).status());
  ASSERT_OK_AND_ASSIGN(core::Caller beta_reader, caller(v1::TOKEN_ROLE_READER, "beta"));
  ASSERT_OK_AND_ASSIGN(auto beta_listed, taxii.Collections(beta_reader));
  for (auto& c : beta_listed) EXPECT_NE(c.title.rfind("acme/", 0), 0u) << c.title;
  EXPECT_THAT(taxii.Objects(beta_reader, id, q), StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("'beta'")));
  EXPECT_THAT(taxii.Collection(beta_reader, core::CollectionIdFor("view:acme/none")),
              StatusIs(absl::StatusCode::kNotFound));
}

// Gap threat selection by a custom property: the release's groups whose field,
// as the organization's extensions give it (else as the release has it), holds
// one of the values; the extensions' own groups that match are named, not counted.
TEST_F(ExtensionServiceTest, GapSelectsGroupsByACustomProperty) {
  ASSERT_OK(CreateOrg("sectors"));
  ASSERT_OK(Create("sectors", "sel", "ACME"));
  v1::ImportExtensionObjectsResponse imported;
  ASSERT_OK(Import("sectors", "sel", {"acme-main.json"}, &imported));
  auto gap = [&](const std::string& org_id, const std::string& property, std::vector<std::string> values,
                 v1::GapResponse* resp) {
    v1::GapRequest req;
    req.set_org_id(org_id);
    req.mutable_threat()->mutable_custom_property()->set_property(property);
    for (auto& v : values) req.mutable_threat()->mutable_custom_property()->add_values(v);
    return client().Call(&v1::AnalysisService::Stub::GetGap, req, resp);
  };
  auto ids = [](const auto& objects) {
    std::vector<std::string> out;
    for (auto& o : objects) out.push_back(o.attack_id());
    return out;
  };
  v1::GapResponse finance;
  ASSERT_OK(gap("sectors", "x_acme_sector", {"finance"}, &finance));
  EXPECT_THAT(ids(finance.groups()), ElementsAre("G0001"));
  EXPECT_THAT(ids(finance.custom_groups()), ElementsAre("ACME-G0001"));
  EXPECT_EQ(finance.custom_groups(0).stix_id(), kCustomGroup);
  EXPECT_GT(finance.techniques_used(), 0);
  // The same gap as selecting G0001 by id.
  v1::GapRequest by_id;
  by_id.set_org_id("sectors");
  by_id.mutable_threat()->mutable_groups()->add_ids("G0001");
  v1::GapResponse g0001;
  ASSERT_OK(client().Call(&v1::AnalysisService::Stub::GetGap, by_id, &g0001));
  EXPECT_EQ(finance.techniques_used(), g0001.techniques_used());
  EXPECT_EQ(finance.gaps_size(), g0001.gaps_size());
  v1::GapResponse energy;
  ASSERT_OK(gap("sectors", "x_acme_sector", {"retail", "energy"}, &energy));
  EXPECT_THAT(ids(energy.groups()), ElementsAre("G0001"));
  EXPECT_EQ(energy.custom_groups_size(), 0);
  // A field of the release's own objects selects too: G0002 is revoked, G0001 and G0003 are active.
  v1::GapResponse domain;
  ASSERT_OK(gap("sectors", "x_mitre_domains", {"enterprise-attack"}, &domain));
  EXPECT_THAT(ids(domain.groups()), ElementsAre("G0001", "G0003"));
  EXPECT_THAT(ids(domain.custom_groups()), ElementsAre("ACME-G0001"));  // it names its domain too

  v1::GapResponse none;
  EXPECT_THAT(gap("sectors", "x_acme_sector", {"retail"}, &none),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no active group of enterprise-attack@18.0 has x_acme_sector holding retail (in "
                                 "enterprise-attack@18.0 or extensions sectors/sel)")));
  EXPECT_THAT(gap("sectors", "x_acme_priority", {"1"}, &none),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has x_acme_priority holding 1")));
  EXPECT_THAT(gap("beta", "x_acme_sector", {"finance"}, &none),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("organization beta has no extension on enterprise-attack@18.0")));
  EXPECT_THAT(gap("sectors", "", {"finance"}, &none),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("threat.custom_property.property")));
  EXPECT_THAT(gap("sectors", "x_acme_sector", {}, &none),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("threat.custom_property.values")));
  EXPECT_THAT(gap("sectors", "x_acme_sector", {"finance", ""}, &none),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("values[1]: empty")));
  // Overlap does not select by a custom property.
  v1::OverlapRequest overlap;
  overlap.set_release("enterprise-attack@18.0");
  overlap.mutable_threat()->mutable_custom_property()->set_property("x_acme_sector");
  overlap.mutable_threat()->mutable_custom_property()->add_values("finance");
  v1::OverlapResponse overlapped;
  EXPECT_THAT(client().Call(&v1::AnalysisService::Stub::GetOverlap, overlap, &overlapped),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("answered by GetGap and GetGapLayer")));
}

TEST_F(ExtensionServiceTest, DeleteRemovesEverythingAndOtherOrganizationsSeeNothing) {
  ASSERT_OK(Create("beta", "main", "BETA"));
  v1::ListExtensionsRequest list;
  list.set_org_id("beta");
  v1::ListExtensionsResponse listed;
  ASSERT_OK(client().Call(&Ext::ListExtensions, list, &listed));
  ASSERT_EQ(listed.extensions_size(), 1);
  EXPECT_EQ(listed.extensions(0).name(), "main");

  // acme's editor may not touch beta's extensions; beta's reader may read but not write.
  ClientOptions o;
  o.target = server_->address();
  o.token = TokenSecret(v1::TOKEN_ROLE_EDITOR, "acme");
  ASSERT_OK_AND_ASSIGN(auto acme_editor, Client::Connect(o));
  v1::GetExtensionRequest get;
  get.set_org_id("beta");
  get.set_name("main");
  v1::GetExtensionResponse got;
  EXPECT_THAT(acme_editor->Call(&Ext::GetExtension, get, &got), StatusIs(absl::StatusCode::kPermissionDenied));
  o.token = TokenSecret(v1::TOKEN_ROLE_READER, "beta");
  ASSERT_OK_AND_ASSIGN(auto beta_reader, Client::Connect(o));
  EXPECT_OK(beta_reader->Call(&Ext::GetExtension, get, &got));
  v1::SetExtensionFieldRequest set;
  set.set_org_id("beta");
  set.set_name("main");
  set.set_object_id("G0001");
  set.set_field("x_beta_a");
  set.set_value("1");
  v1::SetExtensionFieldResponse sr;
  EXPECT_THAT(beta_reader->Call(&Ext::SetExtensionField, set, &sr), StatusIs(absl::StatusCode::kPermissionDenied));

  v1::DeleteExtensionRequest del;
  del.set_org_id("beta");
  del.set_name("main");
  v1::Extension deleted;
  ASSERT_OK(client().Call(&Ext::DeleteExtension, del, &deleted));
  EXPECT_THAT(client().Call(&Ext::GetExtension, get, &got),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("organization 'beta' has no extension 'main'")));
  EXPECT_THAT(client().Call(&Ext::DeleteExtension, del, &deleted), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ExtensionServiceTest, OrganizationDocumentCarriesExtensions) {
  ASSERT_OK(CreateOrg("gamma"));
  ASSERT_OK(Create("gamma", "main", "GAMMA"));
  v1::ImportExtensionObjectsRequest req;
  req.set_org_id("gamma");
  req.set_name("main");
  auto* f = req.add_files();
  f->set_name("wb.json");
  f->set_content(testing::ReadFile(testing::TestData("extensions/workbench-collection.json")));
  v1::ImportExtensionObjectsResponse imported;
  ASSERT_OK(client().Call(&Ext::ImportExtensionObjects, req, &imported));
  v1::SetExtensionFieldResponse set;
  ASSERT_OK(Set("gamma", "main", "G0001", "x_gamma_sector", "finance", false, &set));
  const auto before = Show("gamma", "main");

  v1::ExportOrganizationRequest ex;
  ex.set_org_id("gamma");
  v1::ExportOrganizationResponse doc;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::ExportOrganization, ex, &doc));
  EXPECT_THAT(doc.document(), HasSubstr("\"extensions\""));
  v1::DeleteOrganizationRequest del;
  del.set_org_id("gamma");
  v1::DeleteOrganizationResponse deleted;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::DeleteOrganization, del, &deleted));
  v1::ImportOrganizationResponse back;
  ASSERT_OK(client().ImportOrganization(doc.document(), &back));

  const auto after = Show("gamma", "main");
  EXPECT_EQ(after.extension().version(), before.extension().version());
  EXPECT_EQ(after.extension().prefix(), "GAMMA");
  ASSERT_EQ(after.objects_size(), 2);
  for (int i = 0; i < after.objects_size(); ++i) EXPECT_EQ(after.objects(i).stix_json(), before.objects(i).stix_json());
  v1::GetExtensionHistoryRequest h;
  h.set_org_id("gamma");
  h.set_name("main");
  v1::GetExtensionHistoryResponse hist;
  ASSERT_OK(client().Call(&Ext::GetExtensionHistory, h, &hist));
  ASSERT_EQ(hist.changes_size(), 2);
  EXPECT_EQ(hist.changes(1).action(), "edited");
  EXPECT_THAT(hist.changes(1).fields(), ElementsAre("x_gamma_sector"));
  // The next custom ID continues where the exported extension stopped.
  v1::ImportExtensionObjectsResponse more;
  std::string bundle = testing::ReadFile(testing::TestData("extensions/acme-main.json"));
  req.mutable_files(0)->set_content(bundle);
  // acme-main's technique claims ACME-T0001, outside GAMMA-: refused, nothing written.
  EXPECT_THAT(client().Call(&Ext::ImportExtensionObjects, req, &more),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside this extension's namespace GAMMA-")));
}

}  // namespace
}  // namespace ttpgraph
