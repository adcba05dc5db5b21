// AnalysisService gap and migration over gRPC (in-process server, port 0):
//  - GetGap on the hand-made gap fixture (tests/testdata/gap/README.md):
//    ranking, statuses, provenance, recommendations, paging, the layer;
//  - the D3FEND / Atomic join on the mini releases (tests/testdata/d3fend,
//    tests/testdata/atomic), revoked-ID inheritance included;
//  - PlanMigration / ApplyMigration on the hand-built pair
//    (tests/testdata/migration) and on mini-v17 -> mini-v18: dry run writes
//    nothing, apply is one write, a second apply is a no-op, tenant isolation;
//  - every bad input with its status, a message naming the culprit, and
//    nothing written.
#include <grpcpp/grpcpp.h>
#include <simdjson.h>

#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/analysis_service.grpc.pb.h"
#include "ttpgraph/v1/d3fend_service.grpc.pb.h"
#include "ttpgraph/v1/org_service.grpc.pb.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;

std::string Id(const v1::AttackObject& o) { return o.attack_id().empty() ? o.stix_id() : o.attack_id(); }
template <typename L>
std::vector<std::string> Ids(const L& list) {
  std::vector<std::string> out;
  for (auto& o : list) out.push_back(Id(o));
  return out;
}

class GapServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::TestServer();
    auto& c = server_->client();
    ASSERT_OK(testing::ImportFile(c, testing::TestData("gap/gap-fixture.json"), "enterprise-attack", "1.0"));
    ASSERT_OK(testing::ImportFile(c, testing::TestData("migration/migration-old.json"), "enterprise-attack", "2.0"));
    ASSERT_OK(testing::ImportFile(c, testing::TestData("migration/migration-new.json"), "enterprise-attack", "3.0"));
    ASSERT_OK(testing::ImportFile(c, testing::TestData("mini_attack/mini-v17.json"), "enterprise-attack", "17.0"));
    ASSERT_OK(testing::ImportFile(c, testing::TestData("mini_attack/mini-v18.json"), "enterprise-attack", "18.0"));
    // The pair's new release claimed by another domain.
    std::string ics = testing::ReadFile(testing::TestData("migration/migration-new.json"));
    for (size_t p = 0; (p = ics.find("\"enterprise-attack\"", p)) != std::string::npos;)
      ics.replace(p, 19, "\"ics-attack\"");
    tmp_ = new testing::TempDir();
    testing::WriteFile(tmp_->path() + "/ics.json", ics);
    ASSERT_OK(testing::ImportFile(c, tmp_->path() + "/ics.json", "ics-attack", "3.0"));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete tmp_;
  }
  static Client& client() { return server_->client(); }

  void CreateOrg(const std::string& id, const std::string& release) {
    v1::CreateOrganizationRequest req;
    req.set_org_id(id);
    req.set_release(release);
    v1::Organization o;
    ASSERT_OK(client().Call(&v1::OrgService::Stub::CreateOrganization, req, &o));
  }
  void AddDetection(const std::string& org, const std::string& id, std::vector<std::string> techniques,
                    const std::string& release = "", v1::DetectionState state = v1::DETECTION_STATE_ENABLED) {
    v1::CreateDetectionRequest req;
    req.set_org_id(org);
    auto* d = req.mutable_detection();
    d->set_id(id);
    d->set_name("rule " + id);
    for (auto& t : techniques) d->add_techniques(t);
    d->set_release(release);
    d->set_state(state);
    v1::Detection out;
    ASSERT_OK(client().Call(&v1::OrgService::Stub::CreateDetection, req, &out));
  }
  void Collect(const std::string& org, const std::string& dc) {
    v1::UpdateInventoryRequest req;
    req.set_org_id(org);
    req.set_op(v1::UpdateInventoryRequest::OP_ADD);
    req.add_entries()->set_data_component(dc);
    v1::Inventory inv;
    ASSERT_OK(client().Call(&v1::OrgService::Stub::UpdateInventory, req, &inv));
  }
  v1::Detection Get(const std::string& org, const std::string& id) {
    v1::GetDetectionRequest req;
    req.set_org_id(org);
    req.set_id(id);
    v1::Detection d;
    EXPECT_OK(client().Call(&v1::OrgService::Stub::GetDetection, req, &d));
    return d;
  }
  int64_t Generation(const std::string& org) {
    v1::GetOrganizationRequest req;
    req.set_org_id(org);
    v1::Organization o;
    EXPECT_OK(client().Call(&v1::OrgService::Stub::GetOrganization, req, &o));
    return o.generation();
  }
  static v1::GapRequest GapReq(const std::string& org, const std::string& release, std::vector<std::string> groups) {
    v1::GapRequest r;
    r.set_org_id(org);
    r.set_release(release);
    if (groups.empty()) r.mutable_threat()->set_all_groups(true);
    for (auto& g : groups) r.mutable_threat()->mutable_groups()->add_ids(g);
    return r;
  }
  absl::Status Gap(const v1::GapRequest& req, v1::GapResponse* resp) {
    return client().Call(&v1::AnalysisService::Stub::GetGap, req, resp);
  }
  absl::Status Apply(const std::string& org, const std::string& from, const std::string& to, bool apply,
                     v1::ApplyMigrationResponse* resp, std::vector<std::string> ids = {}) {
    v1::ApplyMigrationRequest req;
    req.set_org_id(org);
    req.set_from_release(from);
    req.set_to_release(to);
    req.set_apply(apply);
    for (auto& i : ids) req.add_detection_ids(i);
    return client().Call(&v1::AnalysisService::Stub::ApplyMigration, req, resp);
  }

  static testing::TestServer* server_;
  static testing::TempDir* tmp_;
};
testing::TestServer* GapServiceTest::server_ = nullptr;
testing::TempDir* GapServiceTest::tmp_ = nullptr;


TEST_F(GapServiceTest, FixtureRankingRecommendationsAndPaging) {
  CreateOrg("gapco", "enterprise-attack@1.0");
  AddDetection("gapco", "d1", {"T2004"});
  AddDetection("gapco", "d2", {"T2001.001"});
  AddDetection("gapco", "d3", {"T2003"}, "", v1::DETECTION_STATE_DISABLED);
  Collect("gapco", "DC1004");
  v1::GapResponse all;
  ASSERT_OK(Gap(GapReq("gapco", "", {}), &all));  // release: the organization's
  EXPECT_EQ(all.release(), "enterprise-attack@1.0");
  EXPECT_THAT(Ids(all.groups()), ElementsAre("G1001", "G1002", "G1003"));
  std::vector<std::string> ranking;
  for (auto& g : all.gaps()) ranking.push_back(g.technique().attack_id());
  EXPECT_THAT(ranking, ElementsAre("T2001", "T2002", "T2007", "T2003", "T2005", "T2006", "T2008"));
  EXPECT_EQ(all.techniques_used(), 9);
  EXPECT_EQ(all.detected(), 2);
  EXPECT_EQ(all.logged(), 1);
  EXPECT_EQ(all.blind(), 6);
  EXPECT_EQ(all.blind_without_telemetry(), 1);
  EXPECT_EQ(all.page().total_size(), 7);
  EXPECT_EQ(all.gaps(0).status(), v1::COVERAGE_STATUS_BLIND);
  EXPECT_THAT(Ids(all.gaps(0).data_components()), ElementsAre("DC1001", "DC1002"));
  EXPECT_THAT(Ids(all.gaps(1).software()), ElementsAre("S1001"));
  EXPECT_THAT(Ids(all.gaps(2).campaigns()), ElementsAre("C1001"));
  EXPECT_EQ(all.gaps(4).status(), v1::COVERAGE_STATUS_LOGGED);
  EXPECT_THAT(Ids(all.gaps(4).collected_components()), ElementsAre("DC1004"));
  ASSERT_EQ(all.recommendations_size(), 2);
  EXPECT_EQ(Id(all.recommendations(0).data_component()), "DC1001");
  EXPECT_EQ(all.recommendations(0).gaps_added(), 3);
  EXPECT_EQ(Id(all.recommendations(1).data_component()), "DC1003");
  EXPECT_EQ(all.recommendations(1).gaps_added(), 2);
  EXPECT_EQ(all.recommendations(1).cumulative(), 5);

  // Pages of 3 concatenate to the whole list; ranks run on.
  v1::GapRequest req = GapReq("gapco", "enterprise-attack@1.0", {});
  req.set_page_size(3);
  std::vector<std::string> paged;
  int pages = 0;
  while (true) {
    v1::GapResponse page;
    ASSERT_OK(Gap(req, &page));
    ++pages;
    for (auto& g : page.gaps()) paged.push_back(Cat(g.rank(), ":", g.technique().attack_id()));
    if (pages > 1) EXPECT_EQ(page.recommendations_size(), 0);
    if (page.page().next_page_token().empty()) break;
    req.set_page_token(page.page().next_page_token());
  }
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(paged, ElementsAre("1:T2001", "2:T2002", "3:T2007", "4:T2003", "5:T2005", "6:T2006", "7:T2008"));

  // Options: min_groups, paths, explicit groups.
  v1::GapRequest opt = GapReq("gapco", "enterprise-attack@1.0", {});
  opt.set_min_groups(2);
  opt.set_exclude_software(true);
  v1::GapResponse two;
  ASSERT_OK(Gap(opt, &two));
  ranking.clear();
  for (auto& g : two.gaps()) ranking.push_back(g.technique().attack_id());
  EXPECT_THAT(ranking, ElementsAre("T2001", "T2007", "T2002", "T2003"));
  v1::GapResponse one;
  ASSERT_OK(Gap(GapReq("gapco", "enterprise-attack@1.0", {"G1003", "g1003"}), &one));
  EXPECT_THAT(Ids(one.groups()), ElementsAre("G1003"));
  EXPECT_EQ(one.gaps_size(), 3);

  // The layer: score = groups, comment names them.
  v1::LayerResponse layer;
  ASSERT_OK(client().Call(&v1::AnalysisService::Stub::GetGapLayer, GapReq("gapco", "enterprise-attack@1.0", {}), &layer));
  EXPECT_EQ(layer.technique_entries(), 7);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(layer.layer_json());
  EXPECT_EQ(std::string_view(doc["versions"]["layer"]), "4.5");
  simdjson::dom::array techniques = doc["techniques"];
  auto first = *techniques.begin();
  EXPECT_EQ(std::string_view(first["techniqueID"]), "T2001");
  EXPECT_EQ(int64_t(first["score"]), 3);
  EXPECT_THAT(std::string(std::string_view(first["comment"])), HasSubstr("G1001 Gap One, G1002 Gap Two, G1003 Gap Three"));
}

TEST_F(GapServiceTest, CountermeasuresAndAtomicsJoin) {
  CreateOrg("mini18", "enterprise-attack@18.0");
  v1::GapRequest req = GapReq("mini18", "", {});
  req.set_include_countermeasures(true);
  v1::GapResponse resp;
  EXPECT_THAT(Gap(req, &resp), StatusIs(absl::StatusCode::kNotFound, HasSubstr("include_countermeasures")));
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
  req.set_include_atomic_tests(true);
  ASSERT_OK(Gap(req, &resp));
  EXPECT_EQ(resp.d3fend_version(), "0.1");
  std::map<std::string, const v1::Gap*> by;
  std::vector<std::string> ranking;
  for (auto& g : resp.gaps()) by[g.technique().attack_id()] = &g, ranking.push_back(g.technique().attack_id());
  EXPECT_THAT(ranking, ElementsAre("T1001.001", "T1013", "T1030", "T1001", "T1050"));
  std::vector<std::string> cms;
  for (auto& c : by.at("T1001")->countermeasures()) cms.push_back(c.d3fend_id());
  EXPECT_THAT(cms, ::testing::UnorderedElementsAre("D3-FH", "D3-EAL", "D3-SAL"));
  cms.clear();
  for (auto& c : by.at("T1013")->countermeasures()) cms.push_back(c.d3fend_id());  // via revoked T1010
  EXPECT_THAT(cms, ::testing::UnorderedElementsAre("D3-FH", "D3-EAL"));
  EXPECT_EQ(by.at("T1013")->countermeasure_status(), "mapped");
  EXPECT_EQ(by.at("T1001")->atomic_tests_size(), 2);
  EXPECT_EQ(by.at("T1001.001")->atomic_tests_size(), 1);
  EXPECT_EQ(by.at("T1050")->atomic_tests_size(), 0);
}

TEST_F(GapServiceTest, RecreatedOrganizationIsNotAnsweredFromTheOldView) {
  auto org_record = [&](const std::string& id) {
    v1::GetOrganizationRequest req;
    req.set_org_id(id);
    v1::Organization o;
    EXPECT_OK(client().Call(&v1::OrgService::Stub::GetOrganization, req, &o));
    return o;
  };
  auto remove = [&](const std::string& id) {
    v1::DeleteOrganizationRequest req;
    req.set_org_id(id);
    v1::DeleteOrganizationResponse r;
    ASSERT_OK(client().Call(&v1::OrgService::Stub::DeleteOrganization, req, &r));
  };
  CreateOrg("phoenix", "enterprise-attack@1.0");
  AddDetection("phoenix", "d", {"T2001"});
  v1::GapResponse before;
  ASSERT_OK(Gap(GapReq("phoenix", "", {"G1003"}), &before));
  EXPECT_EQ(before.gaps_size(), 3);  // T2004 (not detected here), T2005, T2008; T2001 detected
  const v1::Organization old = org_record("phoenix");
  // Same id, same number of writes (so the same generation), other data;
  // re-created until the creation time differs (millisecond resolution).
  v1::Organization fresh;
  do {
    remove("phoenix");
    CreateOrg("phoenix", "enterprise-attack@1.0");
    fresh = org_record("phoenix");
  } while (fresh.created_at() == old.created_at());
  AddDetection("phoenix", "d", {"T2004"});
  ASSERT_EQ(org_record("phoenix").generation(), old.generation());
  v1::GapResponse after;
  ASSERT_OK(Gap(GapReq("phoenix", "", {"G1003"}), &after));
  std::vector<std::string> ranking;
  for (auto& g : after.gaps()) ranking.push_back(g.technique().attack_id());
  EXPECT_THAT(ranking, ElementsAre("T2001", "T2005", "T2008"));
}

TEST_F(GapServiceTest, GapBadInput) {
  CreateOrg("badgap", "enterprise-attack@1.0");
  const int64_t gen = Generation("badgap");
  v1::GapResponse resp;
  v1::GapRequest none = GapReq("badgap", "", {});
  none.clear_threat();
  EXPECT_THAT(Gap(none, &resp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("threat")));
  v1::GapRequest custom = GapReq("badgap", "", {});
  custom.mutable_threat()->mutable_custom_property()->set_property("x_org_sectors");
  custom.mutable_threat()->mutable_custom_property()->add_values("finance");
  EXPECT_THAT(Gap(custom, &resp), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("organization badgap has no extension on enterprise-attack@1.0")));
  EXPECT_THAT(Gap(GapReq("badgap", "", {"G1001", "G9999", "G8888"}), &resp),
              StatusIs(absl::StatusCode::kNotFound, ::testing::AllOf(HasSubstr("G9999"), HasSubstr("G8888"))));
  // A revoked group answers for its successor and says so (SPEC.md "Asking about a revoked object").
  ASSERT_OK(Gap(GapReq("badgap", "", {"G1009"}), &resp));
  ASSERT_EQ(resp.groups_size(), 1);
  EXPECT_EQ(resp.groups(0).attack_id(), "G1001");
  ASSERT_EQ(resp.resolutions_size(), 1);
  EXPECT_EQ(resp.resolutions(0).asked_object().attack_id(), "G1009");
  EXPECT_EQ(resp.resolutions(0).answered_for().attack_id(), "G1001");
  EXPECT_EQ(resp.resolutions(0).revoked_by().final().attack_id(), "G1001");
  v1::GapRequest empty_id = GapReq("badgap", "", {"G1001", ""});
  EXPECT_THAT(Gap(empty_id, &resp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("threat.groups.ids[1]")));
  EXPECT_THAT(Gap(GapReq("nosuchorg", "enterprise-attack@1.0", {}), &resp),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nosuchorg")));
  EXPECT_THAT(Gap(GapReq("", "enterprise-attack@1.0", {}), &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("org_id")));
  EXPECT_THAT(Gap(GapReq("badgap", "enterprise-attack@9.9", {}), &resp),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("9.9")));
  v1::GapRequest paths = GapReq("badgap", "", {});
  paths.set_exclude_direct(true), paths.set_exclude_software(true), paths.set_exclude_campaigns(true);
  EXPECT_THAT(Gap(paths, &resp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("usage paths")));
  v1::GapRequest neg = GapReq("badgap", "", {});
  neg.set_min_groups(-1);
  EXPECT_THAT(Gap(neg, &resp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("min_groups")));
  v1::GapRequest recs = GapReq("badgap", "", {});
  recs.set_max_recommendations(5000);
  EXPECT_THAT(Gap(recs, &resp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_recommendations")));
  v1::GapRequest token = GapReq("badgap", "", {});
  token.set_page_token("garbage");
  EXPECT_THAT(Gap(token, &resp), StatusIs(absl::StatusCode::kInvalidArgument));
  v1::GapRequest atomics = GapReq("badgap", "", {});
  atomics.set_include_atomic_tests(true);
  atomics.set_atomic_index("nosuchindex");
  EXPECT_THAT(Gap(atomics, &resp), StatusIs(absl::StatusCode::kNotFound, HasSubstr("nosuchindex")));
  v1::GapRequest layer_req = GapReq("badgap", "", {});
  layer_req.set_page_size(10);
  v1::LayerResponse layer;
  EXPECT_THAT(client().Call(&v1::AnalysisService::Stub::GetGapLayer, layer_req, &layer),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not paged")));
  EXPECT_EQ(Generation("badgap"), gen);  // a gap never writes
}

TEST_F(GapServiceTest, MigrationPlanApplyTwiceAndCoverage) {
  CreateOrg("mig", "enterprise-attack@2.0");
  for (auto& [id, t] : std::vector<std::pair<std::string, std::string>>{
           {"r-same", "T3001"}, {"r-revoked", "T3002"}, {"r-deprecated", "T3003"}, {"r-nothing", "T3004"},
           {"r-major", "T3005"}, {"r-moved", "T3006"}, {"r-split", "T3007"}, {"r-merged", "T3011"}})
    AddDetection("mig", id, {t});
  v1::MigrationRequest preq;
  preq.set_org_id("mig");
  preq.set_from_release("enterprise-attack@2.0");
  preq.set_to_release("enterprise-attack@3.0");
  v1::MigrationPlan plan;
  ASSERT_OK(client().Call(&v1::AnalysisService::Stub::PlanMigration, preq, &plan));
  EXPECT_EQ(plan.detections_in_scope(), 8);
  EXPECT_EQ(plan.unchanged(), 1);
  EXPECT_EQ(plan.auto_migrated(), 1);
  EXPECT_EQ(plan.needs_review(), 4);
  EXPECT_EQ(plan.orphaned(), 2);
  EXPECT_EQ(plan.detections_changed(), 2);  // r-same and r-revoked move to 3.0
  EXPECT_EQ(plan.page().total_size(), 8);
  std::map<std::string, const v1::DetectionMigration*> by;
  for (auto& d : plan.detections()) by[d.detection_id()] = &d;
  EXPECT_EQ(by.at("r-revoked")->action(), v1::MappingMigration::ACTION_AUTO);
  EXPECT_THAT(by.at("r-revoked")->techniques_after(), ElementsAre("T3010"));
  EXPECT_EQ(by.at("r-split")->mappings(0).action(), v1::MappingMigration::ACTION_REVIEW);
  EXPECT_THAT(Ids(by.at("r-split")->mappings(0).candidates()), ElementsAre("T3007", "T3008"));
  EXPECT_EQ(Id(by.at("r-merged")->mappings(0).target()), "T3013");
  EXPECT_EQ(by.at("r-nothing")->action(), v1::MappingMigration::ACTION_ORPHANED);
  // Coverage: 2.0 detects 8 techniques; on 3.0 the migrated set detects
  // T3001, T3010, T3005, T3006, T3007 (T3003 deprecated; T3011/T3004 revoked; T3011 carries to T3013).
  EXPECT_EQ(plan.coverage_before().release(), "enterprise-attack@2.0");
  EXPECT_EQ(plan.coverage_before().detected(), 8);
  EXPECT_EQ(plan.coverage_after().release(), "enterprise-attack@3.0");
  EXPECT_EQ(plan.coverage_after().detected(), 6);
  EXPECT_THAT(Ids(plan.lost_detected()), ::testing::UnorderedElementsAre("T3003", "T3004"));
  // Paging over detections.
  preq.set_page_size(5);
  v1::MigrationPlan p1;
  ASSERT_OK(client().Call(&v1::AnalysisService::Stub::PlanMigration, preq, &p1));
  EXPECT_EQ(p1.detections_size(), 5);
  preq.set_page_token(p1.page().next_page_token());
  v1::MigrationPlan p2;
  ASSERT_OK(client().Call(&v1::AnalysisService::Stub::PlanMigration, preq, &p2));
  std::vector<std::string> paged;
  for (const v1::MigrationPlan* p : {&p1, &p2})
    for (auto& d : p->detections()) paged.push_back(d.detection_id());
  std::vector<std::string> whole;
  for (auto& d : plan.detections()) whole.push_back(d.detection_id());
  EXPECT_EQ(paged, whole);  // the 8 detections in scope, 5 then 3
  EXPECT_EQ(p2.page().next_page_token(), "");

  // Dry run (the default) writes nothing.
  const int64_t gen = Generation("mig");
  v1::ApplyMigrationResponse dry;
  ASSERT_OK(Apply("mig", "enterprise-attack@2.0", "enterprise-attack@3.0", false, &dry));
  EXPECT_FALSE(dry.applied());
  EXPECT_THAT(dry.written_ids(), ::testing::UnorderedElementsAre("r-same", "r-revoked"));
  EXPECT_EQ(Generation("mig"), gen);
  EXPECT_THAT(Get("mig", "r-revoked").techniques(), ElementsAre("T3002"));

  v1::ApplyMigrationResponse applied;
  ASSERT_OK(Apply("mig", "enterprise-attack@2.0", "enterprise-attack@3.0", true, &applied));
  EXPECT_TRUE(applied.applied());
  EXPECT_EQ(applied.detections_written(), 2);
  EXPECT_EQ(Generation("mig"), gen + 1);  // one atomic write
  v1::Detection moved = Get("mig", "r-revoked");
  EXPECT_THAT(moved.techniques(), ElementsAre("T3010"));
  EXPECT_EQ(moved.release(), "enterprise-attack@3.0");
  EXPECT_THAT(moved.notes(), ::testing::Contains(HasSubstr("T3002 -> T3010")));
  EXPECT_EQ(Get("mig", "r-merged").release(), "enterprise-attack@2.0");  // left for review

  v1::ApplyMigrationResponse again;
  ASSERT_OK(Apply("mig", "enterprise-attack@2.0", "enterprise-attack@3.0", true, &again));
  EXPECT_FALSE(again.applied());
  EXPECT_EQ(again.detections_written(), 0);
  EXPECT_EQ(again.plan().detections_at_target(), 2);
  EXPECT_EQ(Generation("mig"), gen + 1);
}

TEST_F(GapServiceTest, MiniV17ToV18) {
  CreateOrg("mini", "enterprise-attack@17.0");
  AddDetection("mini", "interp", {"T1001"});
  AddDetection("mini", "phish", {"T1030"});
  v1::ApplyMigrationResponse r;
  ASSERT_OK(Apply("mini", "enterprise-attack@17.0", "enterprise-attack@18.0", true, &r));
  EXPECT_EQ(r.plan().unchanged(), 2);
  EXPECT_EQ(r.plan().auto_migrated(), 0);
  EXPECT_EQ(r.detections_written(), 2);  // both move to 18.0
  EXPECT_EQ(Get("mini", "interp").release(), "enterprise-attack@18.0");
  EXPECT_EQ(r.plan().coverage_before().detected(), 2);
  EXPECT_EQ(r.plan().coverage_after().detected(), 2);
}

TEST_F(GapServiceTest, MigrationTenantIsolationAndBadInput) {
  CreateOrg("victim", "enterprise-attack@2.0");
  AddDetection("victim", "secret", {"T3002"});
  CreateOrg("intruder", "enterprise-attack@2.0");
  AddDetection("intruder", "own", {"T3002"});
  const int64_t victim_gen = Generation("victim"), intruder_gen = Generation("intruder");
  v1::ApplyMigrationResponse resp;
  // The victim's detection id through the intruder's organization: NOT_FOUND, nothing written anywhere.
  EXPECT_THAT(Apply("intruder", "enterprise-attack@2.0", "enterprise-attack@3.0", true, &resp, {"secret"}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("intruder has no detection secret")));
  EXPECT_EQ(Generation("victim"), victim_gen);
  EXPECT_EQ(Generation("intruder"), intruder_gen);
  // Migrating the intruder's own detections never touches the victim's.
  ASSERT_OK(Apply("intruder", "enterprise-attack@2.0", "enterprise-attack@3.0", true, &resp));
  EXPECT_THAT(resp.written_ids(), ElementsAre("own"));
  EXPECT_THAT(Get("victim", "secret").techniques(), ElementsAre("T3002"));
  EXPECT_EQ(Generation("victim"), victim_gen);

  EXPECT_THAT(Apply("victim", "enterprise-attack@2.0", "ics-attack@3.0", true, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("different domains")));
  EXPECT_THAT(Apply("victim", "enterprise-attack@2.0", "enterprise-attack@7.7", true, &resp),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("7.7")));
  EXPECT_THAT(Apply("victim", "", "enterprise-attack@3.0", true, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("from_release")));
  EXPECT_THAT(Apply("nobody", "enterprise-attack@2.0", "enterprise-attack@3.0", true, &resp),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nobody")));
  EXPECT_THAT(Apply("victim", "enterprise-attack@2.0", "enterprise-attack@3.0", true, &resp, {"secret", "ghost"}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ghost")));
  EXPECT_THAT(Apply("victim", "enterprise-attack@2.0", "enterprise-attack@3.0", true, &resp, {"secret", "bad\nid"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("detection_ids[1]")));
  v1::MigrationRequest plan_req;
  plan_req.set_org_id("victim");
  plan_req.set_from_release("enterprise-attack@2.0");
  plan_req.set_to_release("enterprise-attack@3.0");
  plan_req.set_page_token("garbage");
  v1::MigrationPlan plan;
  EXPECT_THAT(client().Call(&v1::AnalysisService::Stub::PlanMigration, plan_req, &plan), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Generation("victim"), victim_gen);
  EXPECT_THAT(Get("victim", "secret").techniques(), ElementsAre("T3002"));
}

// Applying a plan that was reviewed: the plan carries the generation its
// detections were read at; applying with it is ABORTED (nothing written, the
// concurrent edit kept) once a detection changed, and a deleted detection is
// never brought back.
TEST_F(GapServiceTest, ApplyingAReviewedPlanIsCompareAndSet) {
  CreateOrg("cas", "enterprise-attack@2.0");
  AddDetection("cas", "r-revoked", {"T3002"});
  AddDetection("cas", "r-gone", {"T3002"});
  v1::MigrationRequest preq;
  preq.set_org_id("cas");
  preq.set_from_release("enterprise-attack@2.0");
  preq.set_to_release("enterprise-attack@3.0");
  v1::MigrationPlan plan;
  ASSERT_OK(client().Call(&v1::AnalysisService::Stub::PlanMigration, preq, &plan));
  const int64_t gen = Generation("cas");
  EXPECT_EQ(plan.org_generation(), gen);

  // Someone deletes a detection after the plan was read.
  v1::DeleteDetectionRequest del;
  del.set_org_id("cas");
  del.set_id("r-gone");
  v1::DeleteDetectionResponse deleted;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::DeleteDetection, del, &deleted));
  v1::ApplyMigrationRequest req;
  req.set_org_id("cas");
  req.set_from_release("enterprise-attack@2.0");
  req.set_to_release("enterprise-attack@3.0");
  req.set_apply(true);
  req.set_expected_generation(plan.org_generation());
  v1::ApplyMigrationResponse resp;
  EXPECT_THAT(client().Call(&v1::AnalysisService::Stub::ApplyMigration, req, &resp),
              StatusIs(absl::StatusCode::kAborted,
                       HasSubstr(absl::StrCat("organization 'cas' changed since the plan was read (generation ", gen,
                                              ", now ", gen + 1, "); nothing was written: re-plan"))));
  EXPECT_EQ(Generation("cas"), gen + 1);
  EXPECT_THAT(Get("cas", "r-revoked").techniques(), ElementsAre("T3002"));
  v1::GetDetectionRequest get;
  get.set_org_id("cas");
  get.set_id("r-gone");
  v1::Detection gone;
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::GetDetection, get, &gone), StatusIs(absl::StatusCode::kNotFound));

  // Re-planned: the new generation applies, and only what is there is written.
  ASSERT_OK(client().Call(&v1::AnalysisService::Stub::PlanMigration, preq, &plan));
  EXPECT_EQ(plan.org_generation(), gen + 1);
  req.set_expected_generation(plan.org_generation());
  ASSERT_OK(client().Call(&v1::AnalysisService::Stub::ApplyMigration, req, &resp));
  EXPECT_TRUE(resp.applied());
  EXPECT_THAT(resp.written_ids(), ElementsAre("r-revoked"));
  EXPECT_EQ(resp.plan().org_generation(), gen + 1);
  EXPECT_THAT(Get("cas", "r-revoked").techniques(), ElementsAre("T3010"));
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::GetDetection, get, &gone), StatusIs(absl::StatusCode::kNotFound));

  // A negative generation is refused before anything is read.
  req.set_expected_generation(-3);
  EXPECT_THAT(client().Call(&v1::AnalysisService::Stub::ApplyMigration, req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected_generation: -3 is negative")));
  EXPECT_EQ(Generation("cas"), gen + 2);
}

}  // namespace
}  // namespace ttpgraph
