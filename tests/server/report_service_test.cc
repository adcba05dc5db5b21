// ReportService.GetCoverageReport over gRPC (in-process server, port 0) on the
// mini releases (tests/testdata/mini_attack/README.md): the organization
// "acme" is mapped against 17.0 with three rules (T1001 enabled, T1013
// disabled, T1030 testing) and collects DC0002, and reports on 18.0.
//  - the JSON document's numbers are those of GetCoverage, GetGap (top blind
//    spots, BLIND first), GetCoverageTrend and PlanMigration;
//  - the stream: metadata in the first message only, total_bytes, file name,
//    content type per format;
//  - a reader of the organization fetches it; a reader of another does not;
//  - every bad input: its status code, a message naming the culprit, and
//    nothing written (the organization's generation and the audit trail stay).
#include <grpcpp/grpcpp.h>
#include <simdjson.h>

#include <algorithm>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/report_service.grpc.pb.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;

// Every chunk of one report call by `client`.
absl::Status Fetch(Client& client, const v1::CoverageReportRequest& req, std::vector<v1::CoverageReportChunk>* chunks) {
  grpc::ClientContext ctx;
  client.Prepare(&ctx, req);
  auto reader = client.reports().GetCoverageReport(&ctx, req);
  v1::CoverageReportChunk c;
  while (reader->Read(&c)) chunks->push_back(c);
  return FromGrpc(reader->Finish());
}

std::vector<std::string> Strings(simdjson::dom::array a) {
  std::vector<std::string> out;
  for (auto e : a) out.emplace_back(std::string_view(e.get_string()));
  return out;
}

class ReportServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::TestServer();
    Client& c = server_->client();
    ASSERT_OK(testing::ImportFile(c, testing::TestData("mini_attack/mini-v17.json"), "enterprise-attack", "17.0"));
    ASSERT_OK(testing::ImportFile(c, testing::TestData("mini_attack/mini-v18.json"), "enterprise-attack", "18.0"));
    // The same bundle claimed by another domain (a trend release of the wrong domain).
    std::string mobile = testing::ReadFile(testing::TestData("mini_attack/mini-v18.json"));
    for (size_t p = 0; (p = mobile.find("\"enterprise-attack\"", p)) != std::string::npos;)
      mobile.replace(p, 19, "\"mobile-attack\"");
    tmp_ = new testing::TempDir();
    testing::WriteFile(tmp_->path() + "/mobile.json", mobile);
    ASSERT_OK(testing::ImportFile(c, tmp_->path() + "/mobile.json", "mobile-attack", "18.0"));
    for (const char* org : {"acme", "beta"}) {
      v1::CreateOrganizationRequest req;
      req.set_org_id(org);
      req.set_display_name(std::string(org) == "acme" ? "Acme Corp" : "");
      req.set_release("enterprise-attack@17.0");
      v1::Organization o;
      ASSERT_OK(c.Call(&v1::OrgService::Stub::CreateOrganization, req, &o));
    }
    const std::vector<std::tuple<const char*, const char*, v1::DetectionState>> rules = {
        {"det-1", "T1001", v1::DETECTION_STATE_ENABLED}, {"det-2", "T1013", v1::DETECTION_STATE_DISABLED}, {"det-3", "T1030", v1::DETECTION_STATE_TESTING}};
    for (const auto& [id, technique, state] : rules) {
      v1::CreateDetectionRequest req;
      req.set_org_id("acme");
      req.mutable_detection()->set_id(id);
      req.mutable_detection()->set_name(Cat("rule ", id));
      req.mutable_detection()->add_techniques(technique);
      req.mutable_detection()->set_state(state);
      v1::Detection d;
      ASSERT_OK(c.Call(&v1::OrgService::Stub::CreateDetection, req, &d));
    }
    v1::UpdateInventoryRequest inv;
    inv.set_org_id("acme");
    inv.set_release("enterprise-attack@18.0");
    inv.set_op(v1::UpdateInventoryRequest::OP_SET);
    inv.add_entries()->set_data_component("DC0002");
    v1::Inventory stored;
    ASSERT_OK(c.Call(&v1::OrgService::Stub::UpdateInventory, inv, &stored));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete tmp_;
  }
  static Client& client() { return server_->client(); }

  static v1::CoverageReportRequest Request(v1::ReportFormat format = v1::REPORT_FORMAT_JSON) {
    v1::CoverageReportRequest req;
    req.set_org_id("acme");
    req.set_release("enterprise-attack@18.0");
    req.mutable_threat()->set_all_groups(true);
    req.add_trend_releases("enterprise-attack@17.0");
    req.set_format(format);
    return req;
  }
  static std::string Report(const v1::CoverageReportRequest& req, v1::CoverageReportMetadata* meta = nullptr) {
    std::string doc;
    EXPECT_OK(client().GetCoverageReport(req, &doc, meta));
    return doc;
  }

  static testing::TestServer* server_;
  static testing::TempDir* tmp_;
};
testing::TestServer* ReportServiceTest::server_ = nullptr;
testing::TempDir* ReportServiceTest::tmp_ = nullptr;

TEST_F(ReportServiceTest, JsonHasTheNumbersOfTheOtherRpcs) {
  const std::string json = Report(Request());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;

  simdjson::dom::element h = doc["header"];
  EXPECT_EQ(std::string_view(h["organization"].get_string()), "Acme Corp");
  EXPECT_EQ(std::string_view(h["release"].get_string()), "enterprise-attack@18.0");
  EXPECT_EQ(int64_t(h["rules_enabled"]), 1);
  EXPECT_EQ(int64_t(h["rules_disabled"]), 1);
  EXPECT_EQ(int64_t(h["rules_testing"]), 1);
  EXPECT_EQ(int64_t(h["data_components_collected"]), 1);  // DC0002
  EXPECT_EQ(std::string_view(h["threat_selection"].get_string()), "all 2 active groups of enterprise-attack@18.0");
  EXPECT_EQ(int64_t(h["groups_selected"]), 2);

  v1::CoverageRequest cov_req;
  cov_req.set_org_id("acme");
  cov_req.set_release("enterprise-attack@18.0");
  v1::CoverageResponse cov;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetCoverage, cov_req, &cov));
  // T1001 detected (det-1); T1001.001 logged (DC0002 through AN0004); T1003, T1013, T1030, T1050 blind.
  simdjson::dom::element overall = doc["overall"];
  EXPECT_EQ(int64_t(overall["techniques"]), 6);
  EXPECT_EQ(int64_t(overall["detected"]), 1);
  EXPECT_EQ(int64_t(overall["logged"]), 1);
  EXPECT_EQ(int64_t(overall["blind"]), 4);
  EXPECT_EQ(int64_t(overall["techniques"]), cov.total());
  EXPECT_EQ(int64_t(overall["detected"]), cov.detected());
  EXPECT_EQ(int64_t(overall["logged"]), cov.logged());
  simdjson::dom::array tactics = doc["tactics"];
  ASSERT_EQ(tactics.size(), static_cast<size_t>(cov.tactics_size()));
  int i = 0;
  for (simdjson::dom::element t : tactics) {
    const v1::TacticCoverage& want = cov.tactics(i++);
    EXPECT_EQ(std::string_view(t["shortname"].get_string()), want.shortname());
    EXPECT_EQ(int64_t(t["coverage"]["techniques"]), want.techniques());
    EXPECT_EQ(double(t["coverage"]["detected_pct"]), want.detected_pct());
    EXPECT_EQ(double(t["coverage"]["logged_pct"]), want.logged_pct());
  }
  EXPECT_EQ(simdjson::dom::array(doc["techniques"]).size(), 6u);

  // Blind spots: the gap's order, BLIND first.
  v1::GapRequest gap_req;
  gap_req.set_org_id("acme");
  gap_req.set_release("enterprise-attack@18.0");
  gap_req.mutable_threat()->set_all_groups(true);
  v1::GapResponse gap;
  ASSERT_OK(client().CallAllPages(&v1::AnalysisService::Stub::GetGap, gap_req, &gap));
  std::vector<std::string> want_spots;
  for (bool blind : {true, false})
    for (const v1::Gap& g : gap.gaps())
      if ((g.status() == v1::COVERAGE_STATUS_BLIND) == blind) want_spots.push_back(g.technique().attack_id());
  std::vector<std::string> spots, reasons;
  for (simdjson::dom::element b : simdjson::dom::array(doc["blind_spots"])) {
    spots.emplace_back(std::string_view(b["technique_id"].get_string()));
    reasons.emplace_back(std::string_view(b["reason"].get_string()));
  }
  EXPECT_EQ(spots, want_spots);
  EXPECT_THAT(spots, ElementsAre("T1013", "T1030", "T1050", "T1001.001"));
  EXPECT_EQ(reasons.back(), "telemetry collected but no rule");
  EXPECT_FALSE(bool(doc["d3fend_loaded"]));
  EXPECT_FALSE(bool(doc["atomic_loaded"]));
  EXPECT_EQ(simdjson::dom::array(doc["telemetry"]).size(), static_cast<size_t>(gap.recommendations_size()));

  // Trend: 17.0 asked, 18.0 (the report's) added, oldest first; GetCoverageTrend's rows.
  v1::CoverageTrendRequest trend_req;
  trend_req.set_org_id("acme");
  trend_req.add_releases("enterprise-attack@17.0");
  trend_req.add_releases("enterprise-attack@18.0");
  v1::CoverageTrendResponse trend;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetCoverageTrend, trend_req, &trend));
  simdjson::dom::array points = doc["trend"];
  ASSERT_EQ(points.size(), 2u);
  i = 0;
  for (simdjson::dom::element p : points) {
    const v1::CoverageTrendRow& row = trend.rows(i++);
    EXPECT_EQ(std::string_view(p["release"].get_string()), row.release());
    EXPECT_EQ(int64_t(p["coverage"]["techniques"]), row.total());
    EXPECT_EQ(int64_t(p["coverage"]["detected"]), row.detected());
    EXPECT_EQ(int64_t(p["coverage"]["logged"]), row.logged());
  }

  // Next release: acme maps against 17.0; 18.0 is stored.
  v1::MigrationRequest plan_req;
  plan_req.set_org_id("acme");
  plan_req.set_from_release("enterprise-attack@17.0");
  plan_req.set_to_release("enterprise-attack@18.0");
  v1::MigrationPlan plan;
  ASSERT_OK(client().CallAllPages(&v1::AnalysisService::Stub::PlanMigration, plan_req, &plan));
  simdjson::dom::element next = doc["next_release"];
  EXPECT_EQ(std::string_view(next["target_release"].get_string()), "enterprise-attack@18.0");
  EXPECT_EQ(int64_t(next["detections_in_scope"]), 3);
  EXPECT_EQ(int64_t(next["detections_in_scope"]), plan.detections_in_scope());
  EXPECT_EQ(int64_t(next["unchanged"]), plan.unchanged());
  EXPECT_EQ(int64_t(next["auto_migrated"]), plan.auto_migrated());
  EXPECT_EQ(int64_t(next["needs_review"]), plan.needs_review());
  EXPECT_EQ(int64_t(next["orphaned"]), plan.orphaned());
}

// The next-release section is kept between reports (NextReleaseCache) but never
// outlives a change of the organization's detections.
TEST_F(ReportServiceTest, NextReleaseFollowsEveryDetectionChange) {
  v1::CoverageReportRequest req = Request();
  req.set_org_id("beta");
  req.set_release("enterprise-attack@17.0");
  auto in_scope = [&] {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    std::string text = Report(req);
    EXPECT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS);
    return int64_t(doc["next_release"]["detections_in_scope"]);
  };
  EXPECT_EQ(in_scope(), 0);
  EXPECT_EQ(in_scope(), 0);  // from the cache
  v1::CreateDetectionRequest create;
  create.set_org_id("beta");
  create.mutable_detection()->set_id("beta-1");
  create.mutable_detection()->set_name("rule beta-1");
  create.mutable_detection()->add_techniques("T1001");
  v1::Detection d;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::CreateDetection, create, &d));
  EXPECT_EQ(in_scope(), 1);
  v1::DeleteDetectionRequest del;
  del.set_org_id("beta");
  del.set_id("beta-1");
  v1::DeleteDetectionResponse deleted;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::DeleteDetection, del, &deleted));
  EXPECT_EQ(in_scope(), 0);
}

TEST_F(ReportServiceTest, GroupsRollupAndNoNewerRelease) {
  v1::CoverageReportRequest req = Request();
  req.set_org_id("beta");  // maps against 17.0, no detections
  req.mutable_threat()->mutable_groups()->add_ids("G0002");  // revoked by G0001
  req.set_rollup(v1::ROLLUP_POLICY_ANY);
  req.clear_trend_releases();
  const std::string json = Report(req);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["header"]["organization"].get_string()), "beta");  // no display name
  EXPECT_EQ(std::string_view(doc["header"]["threat_selection"].get_string()), "1 group: Mini Group (G0001)");
  EXPECT_EQ(std::string_view(doc["rollup"].get_string()), "any");
  EXPECT_EQ(simdjson::dom::array(doc["trend"]).size(), 0u);
  std::vector<std::string> spots;
  for (simdjson::dom::element b : simdjson::dom::array(doc["blind_spots"]))
    spots.emplace_back(std::string_view(b["technique_id"].get_string()));
  EXPECT_THAT(spots, ElementsAre("T1001", "T1001.001", "T1013", "T1030"));  // G0001's, all blind, by ID

  // An organization already on the newest release has no next-release section.
  v1::UpdateOrganizationRequest up;
  up.set_org_id("beta");
  up.set_release("enterprise-attack@18.0");
  v1::Organization o;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::UpdateOrganization, up, &o));
  ASSERT_EQ(parser.parse(Report(req)).get(doc), simdjson::SUCCESS);
  EXPECT_TRUE(doc["next_release"].is_null());
  up.set_release("enterprise-attack@17.0");
  ASSERT_OK(client().Call(&v1::OrgService::Stub::UpdateOrganization, up, &o));
}

TEST_F(ReportServiceTest, StreamMetadataAndFormats) {
  struct Want {
    v1::ReportFormat format;
    const char* content_type;
    const char* file_name;
    const char* marker;
  };
  for (const Want& w : {Want{v1::REPORT_FORMAT_HTML, "text/html; charset=utf-8",
                             "acme-coverage-report-enterprise-attack-18.0.html", "<svg id=\"heatmap\""},
                        Want{v1::REPORT_FORMAT_MARKDOWN, "text/markdown; charset=utf-8",
                             "acme-coverage-report-enterprise-attack-18.0.md", "| Tactic |"},
                        Want{v1::REPORT_FORMAT_JSON, "application/json",
                             "acme-coverage-report-enterprise-attack-18.0.json", "\"ttpgraph.coverage-report\""}}) {
    SCOPED_TRACE(w.file_name);
    std::vector<v1::CoverageReportChunk> chunks;
    ASSERT_OK(Fetch(client(), Request(w.format), &chunks));
    ASSERT_GE(chunks.size(), 1u);
    const v1::CoverageReportMetadata& meta = chunks[0].metadata();
    EXPECT_EQ(meta.content_type(), w.content_type);
    EXPECT_EQ(meta.file_name(), w.file_name);
    EXPECT_EQ(meta.release(), "enterprise-attack@18.0");
    EXPECT_EQ(meta.generated_at().size(), 20u) << meta.generated_at();  // 2026-12-03T09:00:00Z
    std::string doc;
    for (size_t i = 0; i < chunks.size(); ++i) {
      EXPECT_EQ(chunks[i].has_metadata(), i == 0);
      EXPECT_LE(chunks[i].data().size(), 64u << 10);
      doc += chunks[i].data();
    }
    EXPECT_EQ(static_cast<int64_t>(doc.size()), meta.total_bytes());
    EXPECT_THAT(doc, HasSubstr(w.marker));
    EXPECT_THAT(doc, HasSubstr(meta.generated_at()));
  }
}

TEST_F(ReportServiceTest, ReaderOfTheOrganizationOnly) {
  auto reader = [&](const std::string& org) {
    v1::CreateTokenRequest req;
    req.set_role(v1::TOKEN_ROLE_READER);
    req.set_org_id(org);
    v1::CreateTokenResponse resp;
    EXPECT_OK(client().Call(&v1::TokenService::Stub::CreateToken, req, &resp));
    ClientOptions o;
    o.target = server_->address();
    o.token = resp.secret();
    auto c = Client::Connect(o);
    EXPECT_OK(c.status());
    return std::move(*c);
  };
  auto own = reader("acme");
  std::vector<v1::CoverageReportChunk> chunks;
  v1::CoverageReportRequest req = Request(v1::REPORT_FORMAT_MARKDOWN);
  req.clear_org_id();  // a reader's empty org_id is theirs
  ASSERT_OK(Fetch(*own, req, &chunks));
  EXPECT_EQ(chunks[0].metadata().file_name(), "acme-coverage-report-enterprise-attack-18.0.md");
  auto other = reader("beta");
  chunks.clear();
  EXPECT_THAT(Fetch(*other, Request(), &chunks), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_TRUE(chunks.empty());
}

TEST_F(ReportServiceTest, EveryBadInputIsAClearErrorAndWritesNothing) {
  v1::GetOrganizationRequest get;
  get.set_org_id("acme");
  v1::Organization before;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetOrganization, get, &before));
  v1::ListAuditEventsRequest audit_req;
  v1::ListAuditEventsResponse audit_before;
  ASSERT_OK(client().CallAllPages(&v1::AuditService::Stub::ListAuditEvents, audit_req, &audit_before));

  struct Case {
    const char* what;
    std::function<void(v1::CoverageReportRequest*)> edit;
    absl::StatusCode code;
    std::vector<std::string> message;  // substrings
  };
  const std::vector<Case> cases = {
      {"no format", [](auto* r) { r->set_format(v1::REPORT_FORMAT_UNSPECIFIED); },
       absl::StatusCode::kInvalidArgument, {"format", "REPORT_FORMAT_HTML", "REPORT_FORMAT_UNSPECIFIED"}},
      {"unknown format", [](auto* r) { r->set_format(static_cast<v1::ReportFormat>(42)); },
       absl::StatusCode::kInvalidArgument, {"format", "got 42"}},
      {"no threat", [](auto* r) { r->clear_threat(); }, absl::StatusCode::kInvalidArgument,
       {"threat", "threat.groups", "threat.all_groups"}},
      {"all_groups false", [](auto* r) { r->mutable_threat()->set_all_groups(false); },
       absl::StatusCode::kInvalidArgument, {"threat.all_groups"}},
      {"empty group list", [](auto* r) { r->mutable_threat()->mutable_groups(); }, absl::StatusCode::kInvalidArgument,
       {"threat.groups.ids", "at least one group"}},
      {"empty group id",
       [](auto* r) {
         r->mutable_threat()->mutable_groups()->add_ids("G0001");
         r->mutable_threat()->mutable_groups()->add_ids("");
       },
       absl::StatusCode::kInvalidArgument, {"threat.groups.ids[1]"}},
      {"custom property", [](auto* r) { r->mutable_threat()->mutable_custom_property()->set_property("x_org_sectors"); },
       absl::StatusCode::kUnimplemented, {"x_org_sectors", "answered by GetGap"}},
      {"unknown organization", [](auto* r) { r->set_org_id("nobody"); }, absl::StatusCode::kNotFound, {"nobody"}},
      {"unknown release", [](auto* r) { r->set_release("enterprise-attack@9.9"); }, absl::StatusCode::kNotFound,
       {"enterprise-attack@9.9"}},
      {"unknown group",
       [](auto* r) {
         r->mutable_threat()->mutable_groups()->add_ids("G0001");
         r->mutable_threat()->mutable_groups()->add_ids("G9999");
       },
       absl::StatusCode::kNotFound, {"G9999"}},
      {"unknown trend release", [](auto* r) { r->add_trend_releases("enterprise-attack@16.1"); },
       absl::StatusCode::kNotFound, {"trend_releases[1]", "enterprise-attack@16.1"}},
      {"empty trend release", [](auto* r) { r->add_trend_releases(""); }, absl::StatusCode::kInvalidArgument,
       {"trend_releases[1]", "empty"}},
      {"trend release of another domain", [](auto* r) { r->add_trend_releases("mobile-attack@18.0"); },
       absl::StatusCode::kInvalidArgument, {"trend_releases[1]", "mobile-attack@18.0", "enterprise-attack"}},
      {"too many trend releases",
       [](auto* r) {
         for (int i = 0; i < 21; ++i) r->add_trend_releases("enterprise-attack@17.0");
       },
       absl::StatusCode::kInvalidArgument, {"trend_releases", "max_trend_releases"}},
      {"D3FEND version not imported", [](auto* r) { r->set_d3fend_version("1.2.0"); }, absl::StatusCode::kNotFound,
       {"d3fend_version", "1.2.0"}},
      {"Atomic index not imported", [](auto* r) { r->set_atomic_index("lab"); }, absl::StatusCode::kNotFound,
       {"atomic_index", "lab"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    v1::CoverageReportRequest req = Request();
    c.edit(&req);
    std::vector<v1::CoverageReportChunk> chunks;
    absl::Status s = Fetch(client(), req, &chunks);
    EXPECT_THAT(s, StatusIs(c.code)) << s;
    for (const std::string& part : c.message) EXPECT_THAT(std::string(s.message()), HasSubstr(part));
    EXPECT_TRUE(chunks.empty()) << "a refused report sends nothing";
  }

  v1::Organization after;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetOrganization, get, &after));
  EXPECT_EQ(after.generation(), before.generation());
  EXPECT_EQ(after.detection_count(), before.detection_count());
  v1::ListAuditEventsResponse audit_after;
  ASSERT_OK(client().CallAllPages(&v1::AuditService::Stub::ListAuditEvents, audit_req, &audit_after));
  EXPECT_EQ(audit_after.events_size(), audit_before.events_size()) << "a report is a read: no audit record";
}

// Last: it imports D3FEND and Atomic, which the tests above expect absent.
TEST_F(ReportServiceTest, BlindSpotsJoinD3fendAndAtomicOnceLoaded) {
  {
    v1::ImportD3fendResponse r;
    v1::D3fendImportOptions h;
    h.set_version("0.1");
    h.set_source_name("mini.ttl");
    ASSERT_OK(client().ImportD3fend(testing::ReadFile(testing::TestData("d3fend/mini.ttl")), h, &r));
  }
  {
    v1::ImportAtomicIndexResponse r;
    v1::AtomicImportOptions h;
    h.set_source_name("mini.csv");
    ASSERT_OK(client().ImportAtomicIndex(testing::ReadFile(testing::TestData("atomic/mini.csv")), h, &r));
  }
  v1::CoverageReportRequest req = Request();
  req.set_org_id("beta");  // no detections: every technique G0001 uses is a blind spot
  req.mutable_threat()->mutable_groups()->add_ids("G0001");
  const std::string json = Report(req);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_TRUE(bool(doc["d3fend_loaded"]));
  EXPECT_TRUE(bool(doc["atomic_loaded"]));
  std::map<std::string, std::pair<std::vector<std::string>, size_t>> join;  // technique -> (D3FEND IDs, Atomic tests)
  for (simdjson::dom::element b : simdjson::dom::array(doc["blind_spots"])) {
    auto& j = join[std::string(std::string_view(b["technique_id"].get_string()))];
    for (simdjson::dom::element c : simdjson::dom::array(b["countermeasures"]))
      j.first.emplace_back(std::string_view(c["id"].get_string()));
    std::sort(j.first.begin(), j.first.end());
    j.second = simdjson::dom::array(b["atomic_tests"]).size();
  }
  using J = std::pair<std::vector<std::string>, size_t>;
  EXPECT_EQ(join["T1001"], (J{{"D3-EAL", "D3-FH", "D3-SAL"}, 2}));
  EXPECT_EQ(join["T1013"], (J{{"D3-EAL", "D3-FH"}, 1}));  // D3FEND files them under T1010, revoked into T1013
  EXPECT_EQ(join["T1001.001"], (J{{}, 1}));
  EXPECT_EQ(join["T1030"], (J{{}, 0}));
  EXPECT_EQ(join.size(), 4u);
}

}  // namespace
}  // namespace ttpgraph
