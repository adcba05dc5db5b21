// The rules every query family keeps (issue 9, "Semantics to make consistent"),
// one test each, over gRPC on the mini releases
// (tests/testdata/mini_attack/README.md draws the graph):
//   1. a technique ID its mapping release did not know counts where it exists;
//   2. a detection can fire when any one of its data components is collected;
//   3. group diffs follow the usage paths (tests/graph/diff_mini_test.cc, and on enterprise
//      17.1 -> 18.1 tests/e2e/diff_service_real_test.cc);
//   4. a revoked ID answers for the end of its chain, in every family;
//   5. a chain past the hop limit is "too long", not a loop (tests/graph/revoked_rule_test.cc);
//   6. SearchObjects matches ATT&CK IDs by substring, as its proto says;
//   7. the client's deadline is honoured, capped by the server's (tests/graph/revoked_rule_test.cc
//      and core limits below);
//   8. an inventory entry keeps its data component across releases.
#include <gtest/gtest.h>

#include <map>

#include "server/core/limits.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/analysis_service.grpc.pb.h"
#include "ttpgraph/v1/knowledge_service.grpc.pb.h"
#include "ttpgraph/v1/org_service.grpc.pb.h"

namespace ttpgraph {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;
namespace v1 = ::ttpgraph::v1;

class SemanticsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::TestServer();
    ASSERT_OK(testing::ImportFile(server_->client(), testing::TestData("mini_attack/mini-v17.json"),
                                  "enterprise-attack", "17.0"));
    ASSERT_OK(testing::ImportFile(server_->client(), testing::TestData("mini_attack/mini-v18.json"),
                                  "enterprise-attack", "18.0"));
  }
  static void TearDownTestSuite() { delete server_; }
  Client& client() { return server_->client(); }
  void CreateOrg(const std::string& id, const std::string& release) {
    v1::CreateOrganizationRequest req;
    req.set_org_id(id);
    req.set_release(release);
    v1::Organization o;
    ASSERT_OK(client().Call(&v1::OrgService::Stub::CreateOrganization, req, &o));
  }
  v1::Detection CreateDetection(const std::string& org, const std::string& id, std::vector<std::string> techniques,
                                std::vector<std::string> data_components = {}) {
    v1::CreateDetectionRequest req;
    req.set_org_id(org);
    req.mutable_detection()->set_id(id);
    req.mutable_detection()->set_name(id);
    for (auto& t : techniques) req.mutable_detection()->add_techniques(t);
    for (auto& d : data_components) req.mutable_detection()->add_data_components(d);
    v1::Detection d;
    EXPECT_OK(client().Call(&v1::OrgService::Stub::CreateDetection, req, &d));
    return d;
  }
  v1::Inventory AddInventory(const std::string& org, const std::string& component) {
    v1::UpdateInventoryRequest req;
    req.set_org_id(org);
    req.set_op(v1::UpdateInventoryRequest::OP_ADD);
    req.add_entries()->set_data_component(component);
    v1::Inventory inv;
    EXPECT_OK(client().Call(&v1::OrgService::Stub::UpdateInventory, req, &inv));
    return inv;
  }
  v1::CoverageResponse Coverage(const std::string& org, const std::string& release) {
    v1::CoverageRequest req;
    req.set_org_id(org);
    req.set_release(release);
    v1::CoverageResponse r;
    EXPECT_OK(client().Call(&v1::OrgService::Stub::GetCoverage, req, &r));
    return r;
  }
  static std::map<std::string, v1::CoverageStatus> Statuses(const v1::CoverageResponse& r) {
    std::map<std::string, v1::CoverageStatus> out;
    for (auto& t : r.techniques()) out[t.attack_id()] = t.status();
    return out;
  }

  static testing::TestServer* server_;
};
testing::TestServer* SemanticsTest::server_ = nullptr;

// 1. T1050 is new in 18.0: a rule mapped against 17.0 keeps it unresolved
// there and counts for it on 18.0.
TEST_F(SemanticsTest, UnknownTechniqueCountsWhereItExists) {
  CreateOrg("p1", "enterprise-attack@17.0");
  v1::Detection d = CreateDetection("p1", "new-technique-rule", {"T1050"});
  EXPECT_EQ(d.release(), "enterprise-attack@17.0");
  EXPECT_EQ(d.techniques_size(), 0);
  ASSERT_EQ(d.unresolved_techniques_size(), 1);
  EXPECT_EQ(d.unresolved_techniques(0), "T1050");
  v1::CoverageResponse on18 = Coverage("p1", "enterprise-attack@18.0");
  EXPECT_EQ(Statuses(on18)["T1050"], v1::COVERAGE_STATUS_DETECTED);
  EXPECT_EQ(on18.detected(), 1);
  ASSERT_EQ(on18.stale_size(), 0);
  v1::CoverageResponse on17 = Coverage("p1", "enterprise-attack@17.0");
  EXPECT_EQ(on17.detected(), 0);
  ASSERT_EQ(on17.stale_size(), 1);  // reported, not dropped
  EXPECT_EQ(on17.stale(0).technique(), "T1050");
  EXPECT_EQ(on17.stale(0).reason(), "not in enterprise-attack@17.0");
}

// 2. Data components are alternatives: one collected is enough to fire.
TEST_F(SemanticsTest, DetectionFiresWhenAnyDataComponentIsCollected) {
  CreateOrg("p2", "enterprise-attack@18.0");
  CreateDetection("p2", "either-sensor", {"T1001"}, {"DC0001", "DC0002"});
  v1::CoverageResponse none = Coverage("p2", "enterprise-attack@18.0");
  ASSERT_EQ(none.cannot_fire_size(), 1);
  EXPECT_EQ(none.cannot_fire(0).detection(), "either-sensor");
  EXPECT_EQ(none.cannot_fire(0).missing_components_size(), 2);
  AddInventory("p2", "DC0002");
  v1::CoverageResponse one = Coverage("p2", "enterprise-attack@18.0");
  EXPECT_EQ(one.cannot_fire_size(), 0);
}

// 4. Knowledge, gap and overlap answer for the end of the chain and say so;
// a chain that loops, or a deprecated object, is FAILED_PRECONDITION.
TEST_F(SemanticsTest, RevokedIdsAnswerForTheEndOfTheirChain) {
  v1::TechniqueRequest treq;
  treq.set_release("enterprise-attack@17.0");
  treq.set_technique("T1010");  // T1010 -> T1011 -> T1012 -> T1013
  v1::ObjectList tactics;
  ASSERT_OK(client().Call(&v1::KnowledgeService::Stub::GetTechniqueTactics, treq, &tactics));
  ASSERT_EQ(tactics.objects_size(), 3);  // T1013's
  EXPECT_EQ(tactics.resolution().asked(), "T1010");
  EXPECT_EQ(tactics.resolution().answered_for().attack_id(), "T1013");
  EXPECT_EQ(tactics.resolution().revoked_by().hops_size(), 3);

  v1::MitigationsResponse mitigations;
  treq.set_technique("T1020");  // T1020 <-> T1021: a loop
  EXPECT_THAT(client().Call(&v1::KnowledgeService::Stub::GetTechniqueMitigations, treq, &mitigations),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("loops")));
  treq.set_technique("T1002");  // deprecated
  EXPECT_THAT(client().Call(&v1::KnowledgeService::Stub::GetTechniqueMitigations, treq, &mitigations),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("T1002 is deprecated")));

  v1::GroupTechniquesRequest greq;
  greq.set_release("enterprise-attack@17.0");
  greq.set_group("G0002");  // revoked by G0001
  v1::GroupTechniquesResponse group;
  ASSERT_OK(client().Call(&v1::KnowledgeService::Stub::GetGroupTechniques, greq, &group));
  EXPECT_EQ(group.group().attack_id(), "G0001");
  EXPECT_EQ(group.techniques_size(), 4);
  EXPECT_EQ(group.resolution().asked_object().attack_id(), "G0002");

  // GetObject shows the revoked object itself with its whole chain.
  v1::GetObjectRequest oreq;
  oreq.set_release("enterprise-attack@17.0");
  oreq.set_id("G0002");
  v1::GetObjectResponse object;
  ASSERT_OK(client().Call(&v1::KnowledgeService::Stub::GetObject, oreq, &object));
  EXPECT_EQ(object.object().attack_id(), "G0002");
  EXPECT_TRUE(object.object().revoked());
  EXPECT_EQ(object.revoked_by().final().attack_id(), "G0001");

  v1::SimilarGroupsRequest sreq;
  sreq.set_release("enterprise-attack@17.0");
  sreq.set_group("G0002");
  v1::SimilarGroupsResponse similar;
  ASSERT_OK(client().Call(&v1::AnalysisService::Stub::GetSimilarGroups, sreq, &similar));
  EXPECT_EQ(similar.group().attack_id(), "G0001");
  EXPECT_EQ(similar.resolution().answered_for().attack_id(), "G0001");
  ASSERT_EQ(similar.similar_size(), 1);
  EXPECT_EQ(similar.similar(0).group().attack_id(), "G0003");
}

// 6. "case-insensitive substring of name, alias or ATT&CK ID".
TEST_F(SemanticsTest, SearchMatchesAttackIdsBySubstring) {
  v1::SearchObjectsRequest req;
  req.set_release("enterprise-attack@17.0");
  req.set_query("t1001.");
  v1::ObjectList r;
  ASSERT_OK(client().Call(&v1::KnowledgeService::Stub::SearchObjects, req, &r));
  ASSERT_EQ(r.objects_size(), 1);
  EXPECT_EQ(r.objects(0).attack_id(), "T1001.001");
  req.set_query("1001");
  req.add_types("attack-pattern");
  ASSERT_OK(client().Call(&v1::KnowledgeService::Stub::SearchObjects, req, &r));
  std::vector<std::string> ids;
  for (auto& o : r.objects()) ids.push_back(o.attack_id());
  EXPECT_EQ(ids, (std::vector<std::string>{"T1001", "T1001.001"}));
}

// 7. The deadline of a call is the client's, capped by the server's maximum.
TEST(CallLimitsTest, ClientDeadlineCappedByTheServer) {
  core::ServerLimits limits;
  limits.max_query_duration = absl::Seconds(30);
  limits.max_write_duration = absl::Minutes(10);
  const absl::Time now = absl::Now();
  QueryLimits soon = core::QueryLimitsFor(core::CallKind::kQuery, now + absl::Seconds(2), nullptr, limits);
  EXPECT_EQ(soon.deadline, now + absl::Seconds(2));
  QueryLimits never = core::QueryLimitsFor(core::CallKind::kQuery, absl::InfiniteFuture(), nullptr, limits);
  // Bounds: the cap counts from the clock inside QueryLimitsFor, a moment after `now`.
  EXPECT_GE(never.deadline, now + absl::Seconds(30));
  EXPECT_LE(never.deadline, absl::Now() + absl::Seconds(30));
  const absl::Time before_write = absl::Now();
  QueryLimits write = core::QueryLimitsFor(core::CallKind::kWrite, absl::InfiniteFuture(), nullptr, limits);
  EXPECT_GE(write.deadline, before_write + absl::Minutes(10));
  EXPECT_LE(write.deadline, absl::Now() + absl::Minutes(10));
  QueryLimits past = core::QueryLimitsFor(core::CallKind::kQuery, now - absl::Seconds(1), nullptr, limits);
  EXPECT_THAT(past.Check("testing"), StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("while testing")));
}

// 8. Added on 18.0 by name, "Command Execution" is DC0002 there and has no ID
// in 17.0: the entry keeps the component's STIX id, so it still resolves on
// 17.0, and coverage there counts it (T1001.001 LOGGED).
TEST_F(SemanticsTest, InventoryKeepsItsDataComponentAcrossReleases) {
  CreateOrg("p8", "enterprise-attack@18.0");
  v1::Inventory added = AddInventory("p8", "Command Execution");
  ASSERT_EQ(added.entries_size(), 1);
  EXPECT_EQ(added.entries(0).data_component(), "DC0002");
  EXPECT_EQ(added.entries(0).data_component_stix_id(), "x-mitre-data-component--dc000000-0000-4000-8000-000000000002");
  EXPECT_EQ(added.entries(0).data_component_name(), "Command Execution");
  v1::GetInventoryRequest req;
  req.set_org_id("p8");
  req.set_release("enterprise-attack@17.0");
  v1::Inventory on17;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetInventory, req, &on17));
  ASSERT_EQ(on17.entries_size(), 1);
  ASSERT_EQ(on17.entries(0).resolved_size(), 1);
  EXPECT_EQ(on17.entries(0).resolved(0), "x-mitre-data-component--dc000000-0000-4000-8000-000000000002 Command Execution");
  v1::CoverageResponse cov17 = Coverage("p8", "enterprise-attack@17.0");
  EXPECT_EQ(Statuses(cov17)["T1001.001"], v1::COVERAGE_STATUS_LOGGED);
  EXPECT_EQ(cov17.logged(), 1);  // Command Execution sees only T1001.001 in 17.0
  EXPECT_EQ(cov17.unresolved_inventory_size(), 0);
  v1::CoverageTrendRequest treq;
  treq.set_org_id("p8");
  treq.add_releases("enterprise-attack@17.0");
  treq.add_releases("enterprise-attack@18.0");
  v1::CoverageTrendResponse trend;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetCoverageTrend, treq, &trend));
  ASSERT_EQ(trend.rows_size(), 2);
  EXPECT_EQ(trend.rows(0).logged(), 1);
  EXPECT_EQ(trend.rows(1).logged(), Coverage("p8", "enterprise-attack@18.0").logged());
}

}  // namespace
}  // namespace ttpgraph
