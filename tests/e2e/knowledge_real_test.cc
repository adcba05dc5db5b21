// KnowledgeService over real gRPC on the real enterprise 18.1 release
// (../shared/data/attack): a large group's views and pages, paging through
// every technique, the response cap, and a few answers read off the raw
// bundle (tests/e2e/oracle_check.py --print gives the group and technique
// counts). The mini releases' answers and every error:
// tests/server/knowledge_service_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::StatusIs;
using KS = v1::KnowledgeService::Stub;

constexpr char kReal[] = "enterprise-attack@18.1";

class KnowledgeServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::TestServer();
    ASSERT_OK(testing::ImportFile(server_->client(), testing::SharedData("attack/enterprise-attack-18.1.json.gz"),
                                  "enterprise-attack", "18.1"));
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  Client& client() { return server_->client(); }

  v1::GetObjectResponse Get(const std::string& release, const std::string& id, const std::string& type = "") {
    v1::GetObjectRequest req;
    req.set_release(release);
    req.set_id(id);
    req.set_type(type);
    v1::GetObjectResponse resp;
    EXPECT_OK(client().Call(&KS::GetObject, req, &resp)) << id;
    return resp;
  }
  // common.proto, OBJECT_VIEW_FULL: an object of a list carries everything GetObject answers
  // but the description; a nested reference its identity and flags.
  static void ExpectFull(const v1::AttackObject& got, v1::AttackObject want) {
    want.clear_description();
    EXPECT_EQ(got.SerializeAsString(), want.SerializeAsString()) << got.ShortDebugString() << "\n"
                                                                 << want.ShortDebugString();
  }
  static void ExpectReference(const v1::AttackObject& got, const v1::AttackObject& object) {
    v1::AttackObject want;
    want.set_attack_id(object.attack_id());
    want.set_stix_id(object.stix_id());
    want.set_name(object.name());
    want.set_type(object.type());
    want.set_revoked(object.revoked());
    want.set_deprecated(object.deprecated());
    ExpectFull(got, want);
  }

  static testing::TestServer* server_;
};
testing::TestServer* KnowledgeServiceTest::server_ = nullptr;

TEST_F(KnowledgeServiceTest, GroupTechniquesViewsAndPages) {
  v1::GroupTechniquesRequest req;
  req.set_release(kReal);
  req.set_group("G0016");
  v1::GroupTechniquesResponse basic, full;
  ASSERT_OK(client().CallAllPages(&KS::GetGroupTechniques, req, &basic));
  req.set_view(v1::OBJECT_VIEW_FULL);
  ASSERT_OK(client().CallAllPages(&KS::GetGroupTechniques, req, &full));
  ASSERT_EQ(basic.techniques_size(), full.techniques_size());
  // oracle_check.py --print, group G0016 (APT29), all paths: 249 techniques, more than two default pages.
  ASSERT_EQ(basic.techniques_size(), 249);
  EXPECT_THAT(basic.group().aliases(), ElementsAreArray(Get(kReal, "G0016").object().aliases()));
  EXPECT_THAT(full.group().aliases(), ElementsAreArray(Get(kReal, "G0016").object().aliases()));
  for (int i = 0; i < basic.techniques_size(); ++i) {
    const v1::GroupTechnique& b = basic.techniques(i);
    const v1::GroupTechnique& f = full.techniques(i);
    // FULL carries the technique as GetObject answers it; BASIC its tactics, no platforms, URL or date.
    const v1::AttackObject want = Get(kReal, b.technique().attack_id(), "attack-pattern").object();
    ExpectFull(f.technique(), want);
    EXPECT_EQ(b.technique().attack_id(), want.attack_id());
    EXPECT_EQ(b.technique().stix_id(), want.stix_id());
    EXPECT_EQ(b.technique().name(), want.name());
    EXPECT_THAT(b.technique().tactics(), ElementsAreArray(want.tactics()));
    EXPECT_EQ(b.technique().is_subtechnique(), want.is_subtechnique());
    EXPECT_EQ(b.technique().platforms_size(), 0);
    EXPECT_EQ(b.technique().url(), "");
    EXPECT_EQ(b.technique().modified(), "");
    EXPECT_EQ(b.direct(), f.direct());
    ASSERT_EQ(b.via_software_size(), f.via_software_size());
    for (int k = 0; k < b.via_software_size(); ++k) {
      EXPECT_EQ(b.via_software(k).attack_id(), f.via_software(k).attack_id());
      EXPECT_EQ(b.via_software(k).name(), f.via_software(k).name());
      EXPECT_EQ(b.via_software(k).stix_id(), "");
      EXPECT_EQ(b.via_software(k).type(), "");
      ExpectReference(f.via_software(k), Get(kReal, f.via_software(k).stix_id()).object());
    }
  }
  // One page at a time: the pages join to the whole answer, without gaps or repeats.
  req.set_view(v1::OBJECT_VIEW_BASIC);
  req.set_page_size(37);
  std::vector<std::string> paged;
  for (int pages = 1;; ++pages) {
    v1::GroupTechniquesResponse page;
    ASSERT_OK(client().Call(&KS::GetGroupTechniques, req, &page));
    EXPECT_EQ(page.group().attack_id(), "G0016");
    EXPECT_EQ(page.page().total_size(), basic.techniques_size());
    for (auto& t : page.techniques()) paged.push_back(t.technique().attack_id());
    if (page.page().next_page_token().empty()) {
      EXPECT_EQ(pages, 7);  // 249 techniques, 37 a page
      break;
    }
    req.set_page_token(page.page().next_page_token());
  }
  ASSERT_EQ(paged.size(), static_cast<size_t>(basic.techniques_size()));
  for (int i = 0; i < basic.techniques_size(); ++i) EXPECT_EQ(paged[i], basic.techniques(i).technique().attack_id());
  // A token of the BASIC query does not page the FULL one.
  req.set_view(v1::OBJECT_VIEW_FULL);
  v1::GroupTechniquesResponse resp;
  EXPECT_THAT(client().Call(&KS::GetGroupTechniques, req, &resp), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(KnowledgeServiceTest, PagingThroughRealTechniquesMatchesTheUnpagedAnswer) {
  v1::ListTechniquesRequest req;
  req.set_release(kReal);
  v1::ObjectList unpaged;
  req.set_page_size(1000);
  ASSERT_OK(client().Call(&KS::ListTechniques, req, &unpaged));
  ASSERT_EQ(unpaged.page().next_page_token(), "");
  ASSERT_EQ(unpaged.objects_size(), 691);  // oracle_check.py --print: 691 active techniques in 18.1
  EXPECT_EQ(unpaged.page().total_size(), 691);

  req.set_page_size(50);
  std::vector<std::string> paged;
  std::set<std::string> unique;
  int pages = 0;
  while (true) {
    v1::ObjectList page;
    ASSERT_OK(client().Call(&KS::ListTechniques, req, &page));
    ++pages;
    ASSERT_EQ(page.objects_size(), pages < 14 ? 50 : 41) << "page " << pages;  // 691 = 13 * 50 + 41
    EXPECT_EQ(page.page().total_size(), 691);
    for (auto& o : page.objects()) {
      EXPECT_EQ(o.stix_id(), unpaged.objects(static_cast<int>(paged.size())).stix_id());
      EXPECT_EQ(o.attack_id(), unpaged.objects(static_cast<int>(paged.size())).attack_id());
      paged.push_back(o.stix_id());
      EXPECT_TRUE(unique.insert(o.stix_id()).second) << "duplicate " << o.attack_id();
    }
    if (page.page().next_page_token().empty()) break;
    req.set_page_token(page.page().next_page_token());
    ASSERT_LT(pages, 14);
  }
  std::vector<std::string> want;
  for (auto& o : unpaged.objects()) want.push_back(o.stix_id());
  EXPECT_EQ(paged, want);
  EXPECT_EQ(pages, 14);
}

TEST_F(KnowledgeServiceTest, NoResponseIsUnbounded) {
  v1::SearchObjectsRequest req;
  req.set_release(kReal);
  req.set_query("e");  // matches thousands of objects
  req.set_page_size(100000);
  v1::ObjectList resp;
  ASSERT_OK(client().Call(&KS::SearchObjects, req, &resp));
  EXPECT_EQ(resp.objects_size(), 1000);
  // Active in-domain objects with an ATT&CK ID and an "e" in their name, ID or an alias, counted
  // over the raw 18.1 bundle: 691 detection strategies, 580 techniques, 421 malware, 123 groups,
  // 102 data components, 57 tools, 41 mitigations, 33 campaigns, 12 tactics, 1 matrix.
  EXPECT_EQ(resp.page().total_size(), 2061);
  EXPECT_NE(resp.page().next_page_token(), "");  // an opaque token: only its presence is fixed
  req.set_page_size(0);  // default page
  ASSERT_OK(client().Call(&KS::SearchObjects, req, &resp));
  EXPECT_EQ(resp.objects_size(), 100);
}

TEST_F(KnowledgeServiceTest, RealReleaseAnswers) {
  auto apt29 = Get(kReal, "G0016");
  EXPECT_EQ(apt29.object().name(), "APT29");
  v1::GroupTechniquesRequest req;
  req.set_release("enterprise-attack@latest");
  req.set_group("G0016");
  v1::GroupTechniquesResponse all;
  ASSERT_OK(client().CallAllPages(&KS::GetGroupTechniques, req, &all));
  EXPECT_EQ(all.group().attack_id(), "G0016");
  EXPECT_EQ(all.techniques_size(), 249);  // oracle_check.py --print, group G0016, all paths
  int direct = 0, via_software = 0, direct_or_campaign = 0, without_path = 0;
  for (auto& t : all.techniques()) {
    const v1::AttackObject want = Get(kReal, t.technique().attack_id(), "attack-pattern").object();
    EXPECT_EQ(t.technique().stix_id(), want.stix_id());
    EXPECT_EQ(t.technique().name(), want.name());
    EXPECT_FALSE(t.technique().revoked() || t.technique().deprecated()) << t.technique().attack_id();
    direct += t.direct();
    via_software += t.via_software_size() > 0;
    direct_or_campaign += t.direct() || t.via_campaigns_size() > 0;
    without_path += !t.direct() && t.via_software_size() == 0 && t.via_campaigns_size() == 0;
  }
  // oracle_check.py --print, group G0016: direct-only 66, software-only 204, no-software 119.
  EXPECT_EQ(direct, 66);
  EXPECT_EQ(via_software, 204);
  EXPECT_EQ(direct_or_campaign, 119);
  EXPECT_EQ(without_path, 0);
  v1::ListTacticsRequest tr;
  tr.set_release(kReal);
  v1::ObjectList tactics;
  ASSERT_OK(client().CallAllPages(&KS::ListTactics, tr, &tactics));
  EXPECT_EQ(tactics.objects_size(), 14);
  EXPECT_EQ(tactics.objects(0).attack_id(), "TA0043");
  EXPECT_EQ(tactics.objects(13).attack_id(), "TA0040");
  // ATT&CK 18 detectability comes from detection strategies.
  v1::TechniqueRequest dr;
  dr.set_release(kReal);
  dr.set_technique("T1059.001");
  v1::DetectabilityResponse det;
  ASSERT_OK(client().CallAllPages(&KS::GetDetectability, dr, &det));
  // Enterprise 18.1: T1059.001 <-detects- DET0455, whose one analytic AN1252 [Windows] names
  // log sources of DC0016, DC0032, DC0034 and DC0064.
  ASSERT_EQ(det.detection_strategies_size(), 1);
  EXPECT_EQ(det.detection_strategies(0).strategy().attack_id(), "DET0455");
  std::vector<std::string> components;
  for (auto& dc : det.data_components()) components.push_back(dc.data_component().attack_id());
  EXPECT_THAT(components, ElementsAre("DC0016", "DC0032", "DC0034", "DC0064"));
  for (auto& dc : det.data_components()) {
    EXPECT_FALSE(dc.via_detects_relationship());
    EXPECT_THAT(dc.detection_strategies(), ElementsAre("DET0455")) << dc.data_component().attack_id();
  }
}

}  // namespace
}  // namespace ttpgraph
