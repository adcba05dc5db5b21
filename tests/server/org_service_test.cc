// OrgService over gRPC on an in-process server with the mini releases:
// CRUD, imports (Sigma, CSV, layer), coverage, layer export, trend; tenant
// isolation for every RPC; bad inputs each a clear status with nothing written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "server/org_service.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/org_service.grpc.pb.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;
namespace v1 = ::ttpgraph::v1;

class OrgServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::TestServer();
    ASSERT_OK(testing::ImportFile(server_->client(), testing::TestData("mini_attack/mini-v17.json"), "enterprise-attack", "17.0"));
    ASSERT_OK(testing::ImportFile(server_->client(), testing::TestData("mini_attack/mini-v18.json"), "enterprise-attack", "18.0"));
  }
  static void TearDownTestSuite() { delete server_; }
  static Client& client() { return server_->client(); }

  absl::Status CreateOrg(const std::string& id, const std::string& release = "enterprise-attack@18.0") {
    v1::CreateOrganizationRequest req;
    req.set_org_id(id);
    req.set_release(release);
    v1::Organization o;
    return client().Call(&v1::OrgService::Stub::CreateOrganization, req, &o);
  }
  absl::Status Import(const std::string& org, std::vector<std::pair<std::string, std::string>> files,
                      v1::ImportDetectionsResponse* resp, v1::ImportFormat format = v1::IMPORT_FORMAT_UNSPECIFIED,
                      const std::string& release = "") {
    v1::ImportDetectionsRequest first;
    first.set_org_id(org);
    first.mutable_header()->set_format(format);
    first.mutable_header()->set_release(release);
    grpc::ClientContext ctx;
    client().Prepare(&ctx, first);
    auto w = client().orgs().ImportDetections(&ctx, resp);
    w->Write(first);
    for (auto& [path, content] : files) {
      v1::ImportDetectionsRequest m;
      m.set_org_id(org);
      m.mutable_file()->set_path(path);
      m.mutable_file()->set_content(content);
      if (!w->Write(m)) break;
    }
    w->WritesDone();
    return FromGrpc(w->Finish());
  }
  std::pair<std::string, std::string> Fixture(const std::string& rel) {
    return {rel, testing::ReadFile(testing::TestData("org/" + rel))};
  }
  v1::Organization Org(const std::string& id) {
    v1::GetOrganizationRequest req;
    req.set_org_id(id);
    v1::Organization o;
    EXPECT_OK(client().Call(&v1::OrgService::Stub::GetOrganization, req, &o));
    return o;
  }
  static std::map<std::string, v1::CoverageStatus> Statuses(const v1::CoverageResponse& r) {
    std::map<std::string, v1::CoverageStatus> out;
    for (auto& t : r.techniques()) out[t.attack_id()] = t.status();
    return out;
  }

  static testing::TestServer* server_;
};
testing::TestServer* OrgServiceTest::server_ = nullptr;

TEST_F(OrgServiceTest, SigmaImportCoverageAndReimport) {
  ASSERT_OK(CreateOrg("sigma-org"));
  v1::ImportDetectionsResponse imp;
  ASSERT_OK(Import("sigma-org", {Fixture("sigma/mini_rules.yml")}, &imp));
  EXPECT_EQ(imp.rules_size(), 5);
  EXPECT_EQ(imp.created(), 5);
  EXPECT_EQ(imp.disabled(), 1);
  EXPECT_EQ(imp.no_technique(), 1);
  EXPECT_EQ(imp.with_unresolved(), 1);
  EXPECT_EQ(imp.release(), "enterprise-attack@18.0");
  // Revoked carried with a warning, unknown reported, deprecated flagged stale.
  EXPECT_EQ(imp.rules(1).techniques(0), "T1013");
  EXPECT_THAT(imp.rules(1).notes(0), HasSubstr("revoked"));
  EXPECT_EQ(imp.rules(2).unresolved_techniques(0), "T9999");
  EXPECT_EQ(imp.rules(2).stale_techniques(0), "T1002");
  EXPECT_EQ(imp.rules(2).path(), "sigma/mini_rules.yml:32");
  EXPECT_EQ(imp.rules(3).state(), v1::DETECTION_STATE_DISABLED);

  v1::UpdateInventoryRequest inv;
  inv.set_org_id("sigma-org");
  inv.set_op(v1::UpdateInventoryRequest::OP_SET);
  inv.add_entries()->set_data_component("dc0002");
  v1::Inventory stored;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::UpdateInventory, inv, &stored));
  EXPECT_EQ(stored.entries(0).data_component(), "DC0002");

  v1::CoverageRequest creq;
  creq.set_org_id("sigma-org");
  v1::CoverageResponse cov;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetCoverage, creq, &cov));
  auto st = Statuses(cov);
  EXPECT_EQ(st["T1001"], v1::COVERAGE_STATUS_DETECTED);
  EXPECT_EQ(st["T1001.001"], v1::COVERAGE_STATUS_LOGGED);
  EXPECT_EQ(st["T1013"], v1::COVERAGE_STATUS_DETECTED);
  EXPECT_EQ(st["T1050"], v1::COVERAGE_STATUS_BLIND);
  EXPECT_EQ(cov.detected(), 2);
  EXPECT_EQ(cov.rollup(), v1::ROLLUP_POLICY_NONE);  // the policy applied: UNSPECIFIED means NONE
  // Data components are objects, as in Gap: T1001.001 is LOGGED through the collected DC0002.
  for (const v1::TechniqueCoverage& t : cov.techniques())
    if (t.attack_id() == "T1001.001") {
      ASSERT_EQ(t.collected_components_size(), 1);
      EXPECT_EQ(t.collected_components(0).attack_id(), "DC0002");
      EXPECT_EQ(t.collected_components(0).name(), "Command Execution");
    }
  // A roll-up number no policy has is refused, not read as NONE.
  v1::CoverageRequest bad_rollup = creq;
  bad_rollup.set_rollup(static_cast<v1::RollupPolicy>(7));
  v1::CoverageResponse none;
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::GetCoverage, bad_rollup, &none),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rollup: unknown roll-up policy 7")));
  EXPECT_EQ(cov.tactics(0).shortname(), "execution");
  EXPECT_EQ(cov.tactics(0).detected(), 2);
  // Rules 1 and 2 (process_creation: Process Creation or Command Execution) fire on DC0002
  // Command Execution; rule 3 (windows/security) collects none of its three components, and
  // rule 5 (network_connection) names one 18.0 does not have. Rule 4 is disabled.
  std::vector<std::string> cannot_fire;
  for (auto& u : cov.cannot_fire()) cannot_fire.push_back(Cat(u.detection(), ": ", Join(u.missing_components(), ", ")));
  EXPECT_THAT(cannot_fire,
              ElementsAre("11111111-0000-4000-8000-000000000003: User Account Authentication (not in "
                          "enterprise-attack@18.0), Logon Session Creation (not in enterprise-attack@18.0), "
                          "DC0001 Process Creation",
                          "11111111-0000-4000-8000-000000000005: Network Connection Creation (not in "
                          "enterprise-attack@18.0)"));

  // Re-import: unchanged, keyed by Sigma id.
  v1::ImportDetectionsResponse again;
  ASSERT_OK(Import("sigma-org", {Fixture("sigma/mini_rules.yml")}, &again));
  EXPECT_EQ(again.unchanged(), 5);
  EXPECT_EQ(Org("sigma-org").detection_count(), 5);

  // Coverage on v17: same detections, carried again and staled there.
  creq.set_release("enterprise-attack@17.0");
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetCoverage, creq, &cov));
  EXPECT_EQ(cov.release(), "enterprise-attack@17.0");
  EXPECT_EQ(Statuses(cov)["T1013"], v1::COVERAGE_STATUS_DETECTED);

  // Trend and layer.
  v1::CoverageTrendRequest treq;
  treq.set_org_id("sigma-org");
  treq.add_releases("enterprise-attack@17.0");
  treq.add_releases("enterprise-attack@18.0");
  v1::CoverageTrendResponse trend;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetCoverageTrend, treq, &trend));
  ASSERT_EQ(trend.rows_size(), 2);
  EXPECT_EQ(trend.rows(0).total(), 5);
  EXPECT_EQ(trend.rows(1).total(), 6);
  EXPECT_EQ(trend.rows(1).detected(), 2);
}

TEST_F(OrgServiceTest, LayerExportFollowsFormat45AndReimports) {
  ASSERT_OK(CreateOrg("layer-org"));
  v1::ImportDetectionsResponse imp;
  ASSERT_OK(Import("layer-org", {Fixture("sigma/mini_rules.yml")}, &imp));
  v1::CoverageRequest req;
  req.set_org_id("layer-org");
  v1::CoverageLayerResponse layer;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::ExportCoverageLayer, req, &layer));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(layer.layer_json()).get(root), simdjson::SUCCESS);
  std::string_view s;
  ASSERT_EQ(root["versions"]["layer"].get_string().get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "4.5");
  ASSERT_EQ(root["versions"]["attack"].get_string().get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "18.0");
  ASSERT_EQ(root["versions"]["navigator"].get_string().get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "5.1.0");
  ASSERT_EQ(root["domain"].get_string().get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "enterprise-attack");
  ASSERT_EQ(root["name"].get_string().get(s), simdjson::SUCCESS);
  simdjson::dom::array arr;
  ASSERT_EQ(root["legendItems"].get_array().get(arr), simdjson::SUCCESS);
  EXPECT_EQ(arr.size(), 3u);
  ASSERT_EQ(root["gradient"]["colors"].get_array().get(arr), simdjson::SUCCESS);
  EXPECT_EQ(arr.size(), 3u);
  int64_t maxv;
  ASSERT_EQ(root["gradient"]["maxValue"].get_int64().get(maxv), simdjson::SUCCESS);
  EXPECT_EQ(maxv, 100);
  ASSERT_EQ(root["techniques"].get_array().get(arr), simdjson::SUCCESS);
  EXPECT_EQ(arr.size(), 6u);
  std::map<std::string, int64_t> scores;
  for (auto t : arr) {
    std::string_view id;
    int64_t score;
    ASSERT_EQ(t["techniqueID"].get_string().get(id), simdjson::SUCCESS);
    ASSERT_EQ(t["score"].get_int64().get(score), simdjson::SUCCESS);
    ASSERT_EQ(t["comment"].get_string().get(s), simdjson::SUCCESS);
    scores[std::string(id)] = score;
  }
  EXPECT_EQ(scores["T1001"], 100);
  EXPECT_EQ(scores["T1003"], 0);
  // The exported layer imports back: score > 50 gives exactly the DETECTED techniques.
  ASSERT_OK(CreateOrg("layer-back"));
  v1::ImportDetectionsResponse back;
  v1::ImportDetectionsRequest first;
  first.set_org_id("layer-back");
  first.mutable_header()->set_layer_score_threshold(50);
  first.mutable_file()->set_path("exported.json");
  first.mutable_file()->set_content(layer.layer_json());
  grpc::ClientContext ctx;
  client().Prepare(&ctx, first);
  auto w = client().orgs().ImportDetections(&ctx, &back);
  w->Write(first);
  w->WritesDone();
  ASSERT_OK(FromGrpc(w->Finish()));
  ASSERT_EQ(back.rules_size(), 2);
  EXPECT_EQ(back.rules(0).techniques(0), "T1001");
  EXPECT_EQ(back.rules(1).techniques(0), "T1013");
}

TEST_F(OrgServiceTest, CsvAndLayerImports) {
  ASSERT_OK(CreateOrg("csv-org"));
  v1::ImportDetectionsResponse imp;
  ASSERT_OK(Import("csv-org", {Fixture("detections.csv"), Fixture("layer-mini.json")}, &imp));
  EXPECT_EQ(imp.created(), 5);  // 3 CSV rows + T1001 and T1013 from the layer (T1030 scores 0)
  v1::ListDetectionsRequest lreq;
  lreq.set_org_id("csv-org");
  lreq.set_state(v1::DETECTION_STATE_TESTING);
  v1::ListDetectionsResponse list;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::ListDetections, lreq, &list));
  ASSERT_EQ(list.detections_size(), 1);
  EXPECT_EQ(list.detections(0).id(), "kql-2");
  lreq.clear_state();
  lreq.set_technique("t1013");
  ASSERT_OK(client().Call(&v1::OrgService::Stub::ListDetections, lreq, &list));
  EXPECT_EQ(list.page().total_size(), 2);
  lreq.clear_technique();
  lreq.set_tag("windows");
  ASSERT_OK(client().Call(&v1::OrgService::Stub::ListDetections, lreq, &list));
  EXPECT_EQ(list.page().total_size(), 1);
}

TEST_F(OrgServiceTest, DetectionCrud) {
  ASSERT_OK(CreateOrg("crud"));
  v1::CreateDetectionRequest c;
  c.set_org_id("crud");
  auto* d = c.mutable_detection();
  d->set_id("my-rule");
  d->set_name("My rule");
  d->set_source_format("splunk");
  d->add_techniques("t1001");
  v1::Detection out;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::CreateDetection, c, &out));
  EXPECT_EQ(out.techniques(0), "T1001");
  EXPECT_EQ(out.state(), v1::DETECTION_STATE_ENABLED);
  EXPECT_EQ(out.release(), "enterprise-attack@18.0");
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::CreateDetection, c, &out), StatusIs(absl::StatusCode::kAlreadyExists));
  v1::UpdateDetectionRequest u;
  u.set_org_id("crud");
  *u.mutable_detection() = c.detection();
  u.mutable_detection()->set_state(v1::DETECTION_STATE_DISABLED);
  ASSERT_OK(client().Call(&v1::OrgService::Stub::UpdateDetection, u, &out));
  EXPECT_EQ(out.state(), v1::DETECTION_STATE_DISABLED);
  for (auto [field, value] : std::vector<std::pair<std::string, std::string>>{{"name", ""}, {"technique", "T10"},
                                                                               {"format", "cobol"}, {"id", ""}}) {
    v1::CreateDetectionRequest bad = c;
    bad.mutable_detection()->set_id("bad-" + field);
    if (field == "name") bad.mutable_detection()->set_name(value);
    if (field == "technique") bad.mutable_detection()->add_techniques(value);
    if (field == "format") bad.mutable_detection()->set_source_format(value);
    if (field == "id") bad.mutable_detection()->set_id(value);
    EXPECT_THAT(client().Call(&v1::OrgService::Stub::CreateDetection, bad, &out), StatusIs(absl::StatusCode::kInvalidArgument))
        << field;
  }
  EXPECT_EQ(Org("crud").detection_count(), 1);
  v1::DeleteDetectionRequest del;
  del.set_org_id("crud");
  del.set_id("my-rule");
  v1::DeleteDetectionResponse dresp;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::DeleteDetection, del, &dresp));
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::DeleteDetection, del, &dresp), StatusIs(absl::StatusCode::kNotFound));
}

// Every RPC, called by org "intruder" about org "victim"'s data, fails or sees
// only its own (empty) data, and the victim's data is unchanged.
TEST_F(OrgServiceTest, TenantIsolationForEveryRpc) {
  ASSERT_OK(CreateOrg("victim"));
  ASSERT_OK(CreateOrg("intruder"));
  v1::ImportDetectionsResponse imp;
  ASSERT_OK(Import("victim", {Fixture("sigma/mini_rules.yml")}, &imp));
  v1::UpdateInventoryRequest inv;
  inv.set_org_id("victim");
  inv.set_op(v1::UpdateInventoryRequest::OP_ADD);
  inv.add_entries()->set_data_component("DC0001");
  v1::Inventory invr;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::UpdateInventory, inv, &invr));
  const v1::Organization before = Org("victim");
  const std::string victim_rule = "11111111-0000-4000-8000-000000000001";

  v1::Detection det;
  v1::GetDetectionRequest get;
  get.set_org_id("intruder");
  get.set_id(victim_rule);
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::GetDetection, get, &det), StatusIs(absl::StatusCode::kNotFound));
  v1::UpdateDetectionRequest upd;
  upd.set_org_id("intruder");
  upd.mutable_detection()->set_id(victim_rule);
  upd.mutable_detection()->set_name("hijack");
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::UpdateDetection, upd, &det), StatusIs(absl::StatusCode::kNotFound));
  v1::DeleteDetectionRequest del;
  del.set_org_id("intruder");
  del.set_id(victim_rule);
  v1::DeleteDetectionResponse delr;
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::DeleteDetection, del, &delr), StatusIs(absl::StatusCode::kNotFound));
  v1::CreateDetectionRequest cre;
  cre.set_org_id("intruder");
  cre.mutable_detection()->set_id(victim_rule);
  cre.mutable_detection()->set_name("own copy");
  ASSERT_OK(client().Call(&v1::OrgService::Stub::CreateDetection, cre, &det));  // its own namespace
  v1::ListDetectionsRequest list;
  list.set_org_id("intruder");
  v1::ListDetectionsResponse listr;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::ListDetections, list, &listr));
  EXPECT_EQ(listr.detections_size(), 1);
  v1::ImportDetectionsResponse imp2;
  ASSERT_OK(Import("intruder", {Fixture("sigma/mini_rules.yml")}, &imp2));
  EXPECT_EQ(imp2.updated(), 1);  // its own copy of the id, not the victim's
  EXPECT_EQ(imp2.created(), 4);
  v1::GetInventoryRequest ginv;
  ginv.set_org_id("intruder");
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetInventory, ginv, &invr));
  EXPECT_EQ(invr.entries_size(), 0);
  inv.set_org_id("intruder");
  inv.set_op(v1::UpdateInventoryRequest::OP_REMOVE);
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::UpdateInventory, inv, &invr), StatusIs(absl::StatusCode::kNotFound));
  v1::InferInventoryRequest infer;
  infer.set_org_id("intruder");
  infer.set_dry_run(true);
  v1::InferInventoryResponse inferr;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::InferInventory, infer, &inferr));
  EXPECT_EQ(inferr.rules_considered(), 4);  // its own 4 enabled Sigma rules
  v1::CoverageRequest cov;
  cov.set_org_id("intruder");
  v1::CoverageResponse covr;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetCoverage, cov, &covr));
  // Its coverage counts its own detections (the same Sigma ids as the victim's, its own records).
  std::vector<std::string> counted;
  for (auto& t : covr.techniques())
    if (t.detections_size()) counted.push_back(Cat(t.attack_id(), ": ", Join(t.detections(), ", ")));
  EXPECT_THAT(counted, ElementsAre("T1001: 11111111-0000-4000-8000-000000000001",
                                   "T1013: 11111111-0000-4000-8000-000000000002"));  // T1010 -> T1013
  EXPECT_EQ(covr.logged(), 0);  // the victim's DC0001 does not count
  v1::CoverageLayerResponse layer;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::ExportCoverageLayer, cov, &layer));
  EXPECT_EQ(layer.layer_json().find("victim"), std::string::npos);
  v1::CoverageTrendRequest trend;
  trend.set_org_id("intruder");
  trend.add_releases("enterprise-attack@18.0");
  v1::CoverageTrendResponse trendr;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetCoverageTrend, trend, &trendr));
  v1::ListOrganizationsRequest lo;
  lo.set_org_id("intruder");
  v1::ListOrganizationsResponse lor;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::ListOrganizations, lo, &lor));
  ASSERT_EQ(lor.organizations_size(), 1);
  EXPECT_EQ(lor.organizations(0).org_id(), "intruder");
  v1::UpdateOrganizationRequest uo;
  uo.set_org_id("intruder");
  uo.set_display_name("changed");
  v1::Organization o;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::UpdateOrganization, uo, &o));
  v1::DeleteOrganizationRequest dorg;
  dorg.set_org_id("intruder");
  v1::DeleteOrganizationResponse dorgr;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::DeleteOrganization, dorg, &dorgr));
  EXPECT_EQ(dorgr.detections_deleted(), 5);

  const v1::Organization after = Org("victim");
  EXPECT_EQ(after.generation(), before.generation());
  EXPECT_EQ(after.detection_count(), 5);
  EXPECT_EQ(after.display_name(), "victim");
  get.set_org_id("victim");
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetDetection, get, &det));
  EXPECT_EQ(det.name(), "Mini interpreter use");
}

TEST_F(OrgServiceTest, BadInputsWriteNothing) {
  ASSERT_OK(CreateOrg("strict"));
  const int64_t gen = Org("strict").generation();
  v1::ImportDetectionsResponse r;
  struct Case {
    std::vector<std::pair<std::string, std::string>> files;
    absl::StatusCode code;
    std::string message;
  };
  std::string good = testing::ReadFile(testing::TestData("org/sigma/mini_rules.yml"));
  std::vector<Case> cases = {
      {{{"ok.yml", good}, Fixture("bad/malformed.yml")}, absl::StatusCode::kInvalidArgument, "bad/malformed.yml:"},
      {{Fixture("bad/alias_bomb.yml")}, absl::StatusCode::kInvalidArgument, "alias bomb"},
      {{Fixture("bad/deep.yml")}, absl::StatusCode::kInvalidArgument, "bad/deep.yml:"},
      {{Fixture("bad/tags_not_list.yml")}, absl::StatusCode::kInvalidArgument, "tags_not_list.yml:3"},
      {{Fixture("bad/layer-mobile.json")}, absl::StatusCode::kInvalidArgument, "is for mobile-attack"},
      {{Fixture("bad/layer-v3.json")}, absl::StatusCode::kInvalidArgument, "legacy layer format 3.0"},
      {{Fixture("bad/bad-state.csv")}, absl::StatusCode::kInvalidArgument, "bad-state.csv:3"},
      {{{"rules.tar.gz", testing::Gzip(std::string(512, 'x'))}}, absl::StatusCode::kInvalidArgument, "rules.tar.gz: member 1"},
      {{{"README.md", "hello"}}, absl::StatusCode::kInvalidArgument, "no detection found"},
  };
  for (auto& c : cases) {
    r.Clear();
    EXPECT_THAT(Import("strict", c.files, &r), StatusIs(c.code, HasSubstr(c.message))) << c.message;
  }
  // A tarball with one bad member among good ones.
  EXPECT_EQ(Org("strict").generation(), gen);
  EXPECT_EQ(Org("strict").detection_count(), 0);
  // Unknown organization, unknown release.
  EXPECT_THAT(Import("ghost", {{"ok.yml", good}}, &r), StatusIs(absl::StatusCode::kNotFound, HasSubstr("ghost")));
  EXPECT_THAT(Import("strict", {{"ok.yml", good}}, &r, v1::IMPORT_FORMAT_SIGMA, "enterprise-attack@9.9"),
              StatusIs(absl::StatusCode::kNotFound));
  v1::CreateDetectionRequest c;
  c.set_org_id("ghost");
  c.mutable_detection()->set_id("x");
  c.mutable_detection()->set_name("x");
  v1::Detection d;
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::CreateDetection, c, &d), StatusIs(absl::StatusCode::kNotFound, HasSubstr("ghost")));
  // Inventory: unknown data component.
  v1::UpdateInventoryRequest inv;
  inv.set_org_id("strict");
  inv.set_op(v1::UpdateInventoryRequest::OP_ADD);
  inv.add_entries()->set_data_component("DC0001");
  inv.add_entries()->set_data_component("Telepathy");
  v1::Inventory invr;
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::UpdateInventory, inv, &invr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("entries[1]: 'Telepathy'")));
  inv.clear_entries();
  inv.add_entries()->set_log_source_name("NoSuch:Log");
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::UpdateInventory, inv, &invr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("NoSuch:Log")));
  EXPECT_THAT(CreateOrg("strict"), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(CreateOrg("Bad Name"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CreateOrg("badrel", "enterprise"), StatusIs(absl::StatusCode::kInvalidArgument));
  v1::CoverageRequest cov;
  cov.set_org_id("strict");
  cov.set_tactic("no-such-tactic");
  v1::CoverageResponse covr;
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::GetCoverage, cov, &covr), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Org("strict").generation(), gen);
}

TEST_F(OrgServiceTest, InferInventoryFromSigmaLogsources) {
  ASSERT_OK(CreateOrg("infer", "enterprise-attack@18.0"));
  v1::ImportDetectionsResponse imp;
  ASSERT_OK(Import("infer", {Fixture("sigma/mini_rules.yml")}, &imp));
  // The mini release names its components DC0001 Process Creation and DC0002 Command Execution.
  v1::InferInventoryRequest req;
  req.set_org_id("infer");
  req.set_mapping_csv("category,product,service,data_components,note\nprocess_creation,,,Process Creation,x\n");
  v1::InferInventoryResponse resp;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::InferInventory, req, &resp));
  EXPECT_EQ(resp.rules_considered(), 4);
  ASSERT_EQ(resp.added_size(), 1);
  EXPECT_EQ(resp.added(0), "DC0001 Process Creation");
  EXPECT_EQ(resp.unmapped_size(), 2);
  EXPECT_EQ(Org("infer").inventory_count(), 1);
  req.set_mapping_csv("garbage");
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::InferInventory, req, &resp), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace ttpgraph
