// KnowledgeService over real gRPC: the mini releases' known answers
// (tests/testdata/mini_attack/README.md), views and paging, errors with their
// status and message. The real enterprise 18.1 release:
// tests/e2e/knowledge_real_test.cc.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "storage/import/bundle_parser.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace ttpgraph {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::StatusIs;
using Strings = std::vector<std::string>;
using KS = v1::KnowledgeService::Stub;

constexpr char kV17[] = "enterprise-attack@17.0";
constexpr char kV18[] = "enterprise-attack@18.0";

// The bytes of one object as the bundle file holds them (what GetObject's stix_json returns).
std::string ObjectText(const std::string& mini_file, const std::string& stix_id) {
  BundleParseOptions opts;
  opts.domain = "enterprise-attack";
  opts.version = "99.0";
  auto bundle = ParseBundle(testing::ReadFile(testing::TestData("mini_attack/" + mini_file)), opts);
  if (!bundle.ok()) return bundle.status().ToString();
  for (const StoredObject& o : bundle->objects)
    if (StartsWith(o.key, stix_id + "|")) return o.json;
  return "no " + stix_id;
}

class KnowledgeServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::TestServer();
    Client& c = server_->client();
    ASSERT_OK(testing::ImportFile(c, testing::TestData("mini_attack/mini-v17.json"), "enterprise-attack", "17.0"));
    ASSERT_OK(testing::ImportFile(c, testing::TestData("mini_attack/mini-v18.json"), "enterprise-attack", "18.0"));
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
  absl::Status GetStatus(const std::string& release, const std::string& id, const std::string& type = "") {
    v1::GetObjectRequest req;
    req.set_release(release);
    req.set_id(id);
    req.set_type(type);
    v1::GetObjectResponse resp;
    return client().Call(&KS::GetObject, req, &resp);
  }
  Strings Techniques(v1::ListTechniquesRequest req) {
    v1::ObjectList resp;
    EXPECT_OK(client().CallAllPages(&KS::ListTechniques, req, &resp));
    return Ids(resp.objects());
  }
  static Strings Ids(const google::protobuf::RepeatedPtrField<v1::AttackObject>& objects) {
    Strings out;
    for (auto& o : objects) out.push_back(o.attack_id());
    return out;
  }
  // An AttackObject in a list carries the identifying fields of the object GetObject
  // returns for its ATT&CK ID.
  void ExpectComplete(const v1::AttackObject& o, const std::string& release = kV17) {
    v1::GetObjectResponse want = Get(release, o.attack_id(), o.type());
    EXPECT_EQ(o.stix_id(), want.object().stix_id()) << o.attack_id();
    EXPECT_EQ(o.type(), want.object().type()) << o.attack_id();
    EXPECT_EQ(o.name(), want.object().name()) << o.attack_id();
    EXPECT_TRUE(StartsWith(o.stix_id(), o.type() + "--")) << o.stix_id();
  }

  static testing::TestServer* server_;
};
testing::TestServer* KnowledgeServiceTest::server_ = nullptr;

// ------------------------------------------------------------------ objects

TEST_F(KnowledgeServiceTest, RevokedObjectsReportTheirWholeChain) {
  auto t1010 = Get(kV17, "T1010");
  EXPECT_TRUE(t1010.object().revoked());
  EXPECT_THAT(Ids(t1010.revoked_by().hops()), ElementsAre("T1011", "T1012", "T1013"));
  EXPECT_EQ(t1010.revoked_by().final().attack_id(), "T1013");
  EXPECT_FALSE(t1010.revoked_by().cycle());

  auto t1020 = Get(kV18, "T1020");
  EXPECT_THAT(Ids(t1020.revoked_by().hops()), ElementsAre("T1021"));
  EXPECT_EQ(t1020.revoked_by().final().attack_id(), "T1021");
  EXPECT_TRUE(t1020.revoked_by().cycle());

  auto g0002 = Get(kV17, "G0002");
  EXPECT_EQ(g0002.object().type(), "intrusion-set");
  EXPECT_EQ(g0002.revoked_by().final().attack_id(), "G0001");

  EXPECT_FALSE(Get(kV17, "T1013").has_revoked_by());
}

TEST_F(KnowledgeServiceTest, GetObjectDetails) {
  auto sub = Get(kV17, "T1001.001");
  ExpectComplete(sub.object());
  EXPECT_TRUE(sub.object().is_subtechnique());
  EXPECT_EQ(sub.parent().attack_id(), "T1001");
  EXPECT_EQ(sub.object().stix_id(), "attack-pattern--a0000000-0000-4000-8000-000001001001");
  EXPECT_EQ(sub.stix_json(), ObjectText("mini-v17.json", "attack-pattern--a0000000-0000-4000-8000-000001001001"));
  EXPECT_EQ(sub.object().description(), "Mini fixture technique T1001.001.");
  EXPECT_THAT(sub.object().tactics(), ElementsAre("execution"));
  EXPECT_THAT(sub.object().platforms(), ElementsAre("Linux"));

  // Found by STIX id too, and an ATT&CK ID in any case.
  EXPECT_EQ(Get(kV17, "attack-pattern--a0000000-0000-4000-8000-000001001001").object().attack_id(), "T1001.001");
  EXPECT_EQ(Get(kV17, "t1001.001").object().attack_id(), "T1001.001");

  auto t1013 = Get(kV17, "T1013");
  EXPECT_THAT(t1013.object().tactics(), ElementsAre("execution", "initial-access", "defense-evasion"));

  auto deprecated = Get(kV17, "T1002");
  EXPECT_TRUE(deprecated.object().deprecated());
  auto mobile = Get(kV17, "T1040");
  EXPECT_FALSE(mobile.object().in_domain());
  EXPECT_TRUE(Get(kV17, "T1001").object().in_domain());

  auto g1 = Get(kV17, "G0001");
  EXPECT_THAT(g1.object().aliases(), ElementsAre("Mini Group", "MINI PANDA"));
}

TEST_F(KnowledgeServiceTest, SharedAttackIdNeedsTheType) {
  EXPECT_THAT(GetStatus(kV17, "T1030"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("T1030"), HasSubstr("course-of-action"), HasSubstr("give the type"))));
  EXPECT_EQ(Get(kV17, "T1030", "attack-pattern").object().name(), "Mini Phishing");
  auto coa = Get(kV17, "T1030", "course-of-action");
  EXPECT_EQ(coa.object().name(), "Mini Phishing Mitigation");
  EXPECT_TRUE(coa.object().deprecated());
  // Technique queries pick the attack-pattern by themselves.
  v1::TechniqueRequest req;
  req.set_release(kV17);
  req.set_technique("T1030");
  v1::ObjectList tactics;
  ASSERT_OK(client().Call(&KS::GetTechniqueTactics, req, &tactics));
  EXPECT_THAT(Ids(tactics.objects()), ElementsAre("TA0001"));
}

TEST_F(KnowledgeServiceTest, UnknownIdsAndReleases) {
  EXPECT_THAT(GetStatus(kV17, "T9999"),
              StatusIs(absl::StatusCode::kNotFound, AllOf(HasSubstr("T9999"), HasSubstr(kV17))));
  EXPECT_THAT(GetStatus("enterprise-attack@99.0", "T1001"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("enterprise-attack@99.0")));
  EXPECT_THAT(GetStatus("mobile-attack@latest", "T1001"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(GetStatus("enterprise@17.0", "T1001"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("enterprise@17.0")));
  EXPECT_THAT(GetStatus("", "T1001"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(GetStatus(kV17, ""), StatusIs(absl::StatusCode::kInvalidArgument));

  v1::GroupTechniquesRequest gt;
  gt.set_release(kV17);
  gt.set_group("G9999");
  v1::GroupTechniquesResponse gresp;
  EXPECT_THAT(client().Call(&KS::GetGroupTechniques, gt, &gresp),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("unknown group G9999")));
  gt.set_group("T1001");
  EXPECT_THAT(client().Call(&KS::GetGroupTechniques, gt, &gresp),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("T1001"), HasSubstr("not a group"))));
  v1::TechniqueRequest tr;
  tr.set_release(kV17);
  tr.set_technique("G0001");
  v1::MitigationsResponse mresp;
  EXPECT_THAT(client().Call(&KS::GetTechniqueMitigations, tr, &mresp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a technique")));
  tr.set_technique("T9999");
  v1::DetectabilityResponse dresp;
  EXPECT_THAT(client().Call(&KS::GetDetectability, tr, &dresp),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("T9999")));
  v1::ListTechniquesRequest lt;
  lt.set_release(kV17);
  lt.set_tactic("stealth");
  v1::ObjectList list;
  EXPECT_THAT(client().Call(&KS::ListTechniques, lt, &list),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("stealth")));
  v1::SearchObjectsRequest search;
  search.set_release(kV17);
  EXPECT_THAT(client().Call(&KS::SearchObjects, search, &list), StatusIs(absl::StatusCode::kInvalidArgument));
}

// ------------------------------------------------------------------ lists

TEST_F(KnowledgeServiceTest, TechniqueFilters) {
  v1::ListTechniquesRequest req;
  req.set_release(kV17);
  EXPECT_THAT(Techniques(req), ElementsAre("T1001", "T1001.001", "T1003", "T1013", "T1030"));
  req.set_release(kV18);
  EXPECT_THAT(Techniques(req), ElementsAre("T1001", "T1001.001", "T1003", "T1013", "T1030", "T1050"));
  req.set_tactic("execution");
  EXPECT_THAT(Techniques(req), ElementsAre("T1001", "T1001.001", "T1013"));
  req.set_exclude_subtechniques(true);
  EXPECT_THAT(Techniques(req), ElementsAre("T1001", "T1013"));
  req.clear_tactic();
  req.set_platform("LINUX");
  EXPECT_THAT(Techniques(req), ElementsAre("T1001", "T1003", "T1030"));
  req.clear_platform();
  req.set_exclude_subtechniques(false);
  req.set_include_deprecated(true);
  EXPECT_THAT(Techniques(req), ElementsAre("T1001", "T1001.001", "T1002", "T1003", "T1013", "T1030", "T1050"));
  req.set_include_deprecated(false);
  req.set_include_revoked(true);
  EXPECT_THAT(Techniques(req), ElementsAre("T1001", "T1001.001", "T1003", "T1010", "T1011", "T1012", "T1013", "T1020",
                                           "T1021", "T1030", "T1050"));
  req.set_include_revoked(false);
  req.set_query("phish");
  EXPECT_THAT(Techniques(req), ElementsAre("T1030"));

  v1::SearchObjectsRequest search;
  search.set_release(kV17);
  search.set_query("mini panda");
  v1::ObjectList found;
  ASSERT_OK(client().CallAllPages(&KS::SearchObjects, search, &found));
  EXPECT_THAT(Ids(found.objects()), ElementsAre("G0001"));
}

TEST_F(KnowledgeServiceTest, TacticsInMatrixOrder) {
  v1::ListTacticsRequest req;
  req.set_release(kV17);
  v1::ObjectList resp;
  ASSERT_OK(client().CallAllPages(&KS::ListTactics, req, &resp));
  EXPECT_THAT(Ids(resp.objects()), ElementsAre("TA0002", "TA0001", "TA0005"));
  v1::TechniqueRequest tr;
  tr.set_release(kV17);
  tr.set_technique("T1003");
  v1::ObjectList tactics;
  ASSERT_OK(client().CallAllPages(&KS::GetTechniqueTactics, tr, &tactics));
  EXPECT_THAT(Ids(tactics.objects()), ElementsAre("TA0001", "TA0005"));
}

TEST_F(KnowledgeServiceTest, Subtechniques) {
  v1::TechniqueRequest req;
  req.set_release(kV17);
  req.set_technique("T1001");
  v1::SubtechniquesResponse resp;
  ASSERT_OK(client().CallAllPages(&KS::GetSubtechniques, req, &resp));
  EXPECT_THAT(Ids(resp.subtechniques()), ElementsAre("T1001.001"));
  EXPECT_FALSE(resp.has_parent());
  req.set_technique("T1001.001");
  v1::SubtechniquesResponse sub;
  ASSERT_OK(client().CallAllPages(&KS::GetSubtechniques, req, &sub));
  EXPECT_EQ(sub.parent().attack_id(), "T1001");
  EXPECT_THAT(sub.subtechniques(), IsEmpty());
}

// ------------------------------------------------------------------ usage

std::string Format(const v1::GroupTechnique& t) {
  Strings via;
  if (t.direct()) via.push_back("direct");
  for (auto& s : t.via_software()) via.push_back(s.attack_id());
  for (auto& c : t.via_campaigns()) via.push_back(c.attack_id());
  return Cat(t.technique().attack_id(), ":", Join(via, ","));
}

TEST_F(KnowledgeServiceTest, GroupTechniquesWithProvenance) {
  struct Row {
    const char* release;
    const char* group;
    bool no_direct, no_software, no_campaigns;
    Strings want;
  };
  const std::vector<Row> rows = {
      {kV17, "G0001", false, false, false, {"T1001:direct,C0001", "T1001.001:S0001", "T1013:S0001", "T1030:C0001"}},
      {kV17, "G0001", false, true, false, {"T1001:direct,C0001", "T1030:C0001"}},
      {kV17, "G0001", false, true, true, {"T1001:direct"}},
      {kV17, "G0001", true, false, true, {"T1001.001:S0001", "T1013:S0001"}},
      {kV17, "G0001", true, true, false, {"T1001:C0001", "T1030:C0001"}},
      {kV17, "G0003", false, false, false, {"T1001.001:S0001", "T1013:S0001", "T1030:direct"}},
      {kV18, "G0003", false, false, false, {"T1001.001:S0001", "T1013:S0001", "T1030:direct", "T1050:direct"}},
      {kV18, "G0003", false, true, false, {"T1030:direct", "T1050:direct"}},
      {kV18, "G0003", true, true, false, {}},
      {kV18, "intrusion-set--9a000000-0000-4000-8000-000000000003", false, true, true, {"T1030:direct", "T1050:direct"}},
  };
  for (const auto& r : rows) {
    v1::GroupTechniquesRequest req;
    req.set_release(r.release);
    req.set_group(r.group);
    req.set_exclude_direct(r.no_direct);
    req.set_exclude_software(r.no_software);
    req.set_exclude_campaigns(r.no_campaigns);
    v1::GroupTechniquesResponse resp;
    ASSERT_OK(client().CallAllPages(&KS::GetGroupTechniques, req, &resp));
    Strings got;
    for (auto& t : resp.techniques()) {
      got.push_back(Format(t));
      ExpectComplete(t.technique(), r.release);
    }
    EXPECT_EQ(got, r.want) << r.release << " " << r.group << " " << r.no_direct << r.no_software << r.no_campaigns;
  }
  v1::GroupTechniquesRequest none;
  none.set_release(kV17);
  none.set_group("G0001");
  none.set_exclude_direct(true);
  none.set_exclude_software(true);
  none.set_exclude_campaigns(true);
  v1::GroupTechniquesResponse resp;
  EXPECT_THAT(client().Call(&KS::GetGroupTechniques, none, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("keep at least one")));
}

// GetGroupTechniques answers from encoded entries (server/group_answers.h):
// the views, paging across them, and requests that are not a request.
TEST_F(KnowledgeServiceTest, GroupTechniquesViewsAndPages) {
  // "T1001 [execution] platforms=... url=... modified=... direct software=S0001 MiniRAT <stix id> <type>"
  auto line = [](const v1::GroupTechnique& t) {
    const v1::AttackObject& o = t.technique();
    std::string out = Cat(o.attack_id(), " [", Join(o.tactics(), ","), "]", o.is_subtechnique() ? " sub" : "",
                          " platforms=", Join(o.platforms(), ","), " url=", o.url(), " modified=", o.modified(),
                          t.direct() ? " direct" : "", " software=");
    for (auto& s : t.via_software()) out += Cat(s.attack_id(), " ", s.name(), " ", s.stix_id(), " ", s.type());
    return out;
  };
  v1::GroupTechniquesRequest req;
  req.set_release(kV17);
  req.set_group("G0001");
  v1::GroupTechniquesResponse basic, full;
  ASSERT_OK(client().CallAllPages(&KS::GetGroupTechniques, req, &basic));
  req.set_view(v1::OBJECT_VIEW_FULL);
  ASSERT_OK(client().CallAllPages(&KS::GetGroupTechniques, req, &full));
  Strings basic_lines, full_lines;
  for (auto& t : basic.techniques()) basic_lines.push_back(line(t));
  for (auto& t : full.techniques()) full_lines.push_back(line(t));
  // The mini README's G0001 row and the techniques' own fields (mini-v17.json).
  const std::string url = "https://attack.mitre.org/techniques/", modified = " modified=2025-04-15T00:00:00.000Z";
  const std::string rat = "S0001 MiniRAT malware--5a000000-0000-4000-8000-000000000001 malware";
  EXPECT_THAT(full_lines,
              ElementsAre(Cat("T1001 [execution] platforms=Windows,Linux url=", url, "T1001", modified, " direct software="),
                          Cat("T1001.001 [execution] sub platforms=Linux url=", url, "T1001/001", modified, " software=", rat),
                          Cat("T1013 [execution,initial-access,defense-evasion] platforms=Windows url=", url, "T1013",
                              modified, " software=", rat),
                          Cat("T1030 [initial-access] platforms=Windows,Linux,macOS url=", url, "T1030", modified,
                              " software=")));
  // BASIC: no platforms, URL or modified date; software by ATT&CK ID and name only.
  EXPECT_THAT(basic_lines, ElementsAre("T1001 [execution] platforms= url= modified= direct software=",
                                       "T1001.001 [execution] sub platforms= url= modified= software=S0001 MiniRAT  ",
                                       "T1013 [execution,initial-access,defense-evasion] platforms= url= modified= "
                                       "software=S0001 MiniRAT  ",
                                       "T1030 [initial-access] platforms= url= modified= software="));
  for (auto& t : basic.techniques()) ExpectComplete(t.technique());
  EXPECT_THAT(basic.group().aliases(), ElementsAre("Mini Group", "MINI PANDA"));
  EXPECT_THAT(full.group().aliases(), ElementsAre("Mini Group", "MINI PANDA"));

  // One page at a time: the pages join to the whole answer, without gaps or repeats.
  req.set_view(v1::OBJECT_VIEW_BASIC);
  req.set_page_size(3);
  Strings paged;
  int pages = 0;
  for (;;) {
    v1::GroupTechniquesResponse page;
    ASSERT_OK(client().Call(&KS::GetGroupTechniques, req, &page));
    ++pages;
    EXPECT_EQ(page.group().attack_id(), "G0001");
    EXPECT_EQ(page.page().total_size(), 4);
    EXPECT_EQ(page.techniques_size(), pages == 1 ? 3 : 1);
    for (auto& t : page.techniques()) paged.push_back(line(t));
    if (page.page().next_page_token().empty()) break;
    req.set_page_token(page.page().next_page_token());
  }
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(paged, basic_lines);
  // A token of the BASIC query does not page the FULL one.
  req.set_view(v1::OBJECT_VIEW_FULL);
  v1::GroupTechniquesResponse resp;
  EXPECT_THAT(client().Call(&KS::GetGroupTechniques, req, &resp), StatusIs(absl::StatusCode::kInvalidArgument));

  v1::GroupTechniquesRequest odd;
  odd.set_release(kV17);
  odd.set_group("G0001");
  odd.set_view(static_cast<v1::ObjectView>(7));
  EXPECT_THAT(client().Call(&KS::GetGroupTechniques, odd, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown view 7")));
  // Bytes that do not parse as a GroupTechniquesRequest.
  grpc::GenericStub generic(server_->channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  const std::string garbage = "\x0a\xff\xff\xff\xff\x0f";  // field 1, a length past the end
  grpc::Slice slice(garbage.data(), garbage.size());
  grpc::ByteBuffer in(&slice, 1), out;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  generic.UnaryCall(&ctx, "/ttpgraph.v1.KnowledgeService/GetGroupTechniques", grpc::StubOptions(), &in, &out,
                    [&](grpc::Status s) {
                      std::lock_guard<std::mutex> lock(mu);
                      status = s;
                      done = true;
                      cv.notify_one();
                    });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("not a GroupTechniquesRequest"));
}


TEST_F(KnowledgeServiceTest, GroupSoftwareCampaignsAndTechniqueUsers) {
  v1::GroupRequest gr;
  gr.set_release(kV17);
  gr.set_group("G0001");
  v1::ObjectList software, campaigns;
  ASSERT_OK(client().CallAllPages(&KS::GetGroupSoftware, gr, &software));
  ASSERT_OK(client().CallAllPages(&KS::GetGroupCampaigns, gr, &campaigns));
  EXPECT_THAT(Ids(software.objects()), ElementsAre("S0001"));
  EXPECT_THAT(Ids(campaigns.objects()), ElementsAre("C0001"));

  v1::TechniqueUsersRequest ur;
  ur.set_release(kV17);
  ur.set_technique("T1030");
  v1::TechniqueUsersResponse users;
  ASSERT_OK(client().CallAllPages(&KS::GetTechniqueUsers, ur, &users));
  Strings got;
  for (auto& u : users.users()) {
    Strings via;
    if (u.direct()) via.push_back("direct");
    for (auto& s : u.via_software()) via.push_back(s.attack_id());
    for (auto& c : u.via_campaigns()) via.push_back(c.attack_id());
    got.push_back(Cat(u.user().attack_id(), ":", Join(via, ",")));
  }
  EXPECT_THAT(got, ElementsAre("G0001:C0001", "G0003:direct", "C0001:direct"));
  ur.set_technique("T1013");
  ur.set_user_type(v1::TechniqueUsersRequest::USER_TYPE_SOFTWARE);
  users.Clear();
  ASSERT_OK(client().CallAllPages(&KS::GetTechniqueUsers, ur, &users));
  ASSERT_EQ(users.users_size(), 1);
  EXPECT_EQ(users.users(0).user().attack_id(), "S0001");
  ur.set_technique("T1003");  // only inactive paths lead there
  ur.set_user_type(v1::TechniqueUsersRequest::USER_TYPE_UNSPECIFIED);
  users.Clear();
  ASSERT_OK(client().CallAllPages(&KS::GetTechniqueUsers, ur, &users));
  EXPECT_THAT(users.users(), IsEmpty());

  v1::TechniqueRequest pr;
  pr.set_release(kV17);
  pr.set_technique("T1001");
  v1::ProcedureExamplesResponse examples;
  ASSERT_OK(client().CallAllPages(&KS::GetProcedureExamples, pr, &examples));
  ASSERT_EQ(examples.examples_size(), 2);
  EXPECT_EQ(examples.examples(0).user().attack_id(), "C0001");
  EXPECT_EQ(examples.examples(1).user().attack_id(), "G0001");
}

TEST_F(KnowledgeServiceTest, Mitigations) {
  v1::TechniqueRequest req;
  req.set_release(kV18);
  req.set_technique("T1001");
  v1::MitigationsResponse resp;
  ASSERT_OK(client().CallAllPages(&KS::GetTechniqueMitigations, req, &resp));
  ASSERT_EQ(resp.mitigations_size(), 1);
  EXPECT_EQ(resp.mitigations(0).mitigation().attack_id(), "M1001");
  EXPECT_EQ(resp.mitigations(0).mitigation().name(), "Mini Execution Prevention");
  EXPECT_EQ(resp.mitigations(0).description(), "Block unapproved mini interpreters.");
  for (const char* t : {"T1013", "T1030", "T1001.001", "T1003"}) {
    req.set_technique(t);
    v1::MitigationsResponse none;
    ASSERT_OK(client().CallAllPages(&KS::GetTechniqueMitigations, req, &none));
    EXPECT_THAT(none.mitigations(), IsEmpty()) << t;
  }
}

TEST_F(KnowledgeServiceTest, DetectabilityV17AndV18) {
  v1::TechniqueRequest req;
  req.set_release(kV17);
  req.set_technique("T1001.001");
  v1::DetectabilityResponse v17;
  ASSERT_OK(client().CallAllPages(&KS::GetDetectability, req, &v17));
  ASSERT_EQ(v17.data_components_size(), 1);
  const auto& ce = v17.data_components(0);
  EXPECT_EQ(ce.data_component().name(), "Command Execution");
  EXPECT_EQ(ce.data_component().attack_id(), "");
  EXPECT_EQ(ce.data_component().stix_id(), "x-mitre-data-component--dc000000-0000-4000-8000-000000000002");
  EXPECT_TRUE(ce.via_detects_relationship());
  EXPECT_EQ(ce.data_source(), "Mini Process");
  EXPECT_THAT(v17.detection_strategies(), IsEmpty());

  req.set_release(kV18);
  req.set_technique("T1001");
  v1::DetectabilityResponse v18;
  ASSERT_OK(client().CallAllPages(&KS::GetDetectability, req, &v18));
  ASSERT_EQ(v18.data_components_size(), 2);
  EXPECT_EQ(v18.data_components(0).data_component().attack_id(), "DC0001");
  EXPECT_FALSE(v18.data_components(0).via_detects_relationship());
  EXPECT_THAT(v18.data_components(0).detection_strategies(), ElementsAre("DET0001"));
  EXPECT_THAT(v18.data_components(0).analytics(), ElementsAre("AN0001"));
  ASSERT_EQ(v18.data_components(0).log_sources_size(), 1);
  EXPECT_EQ(v18.data_components(0).log_sources(0).name(), "WinEventLog:Security");
  EXPECT_EQ(v18.data_components(0).log_sources(0).channel(), "EventCode=4688");
  EXPECT_EQ(v18.data_components(1).data_component().attack_id(), "DC0002");
  EXPECT_THAT(v18.data_components(1).analytics(), ElementsAre("AN0002"));
  // The raw chain: DET0001 -> AN0001 [Windows], AN0002 [Linux] -> their log sources.
  ASSERT_EQ(v18.detection_strategies_size(), 1);
  const auto& det = v18.detection_strategies(0);
  EXPECT_EQ(det.strategy().attack_id(), "DET0001");
  ASSERT_EQ(det.analytics_size(), 2);
  EXPECT_EQ(det.analytics(0).analytic().attack_id(), "AN0001");
  EXPECT_THAT(det.analytics(0).platforms(), ElementsAre("Windows"));
  ASSERT_EQ(det.analytics(0).log_source_references_size(), 1);
  EXPECT_EQ(det.analytics(0).log_source_references(0).data_component().attack_id(), "DC0001");
  EXPECT_EQ(det.analytics(0).log_source_references(0).log_source().channel(), "EventCode=4688");

  // Deprecated strategy: nothing.
  req.set_technique("T1013");
  v1::DetectabilityResponse none;
  ASSERT_OK(client().CallAllPages(&KS::GetDetectability, req, &none));
  EXPECT_THAT(none.data_components(), IsEmpty());
  EXPECT_THAT(none.detection_strategies(), IsEmpty());
}

// ------------------------------------------------------------------ paging

TEST_F(KnowledgeServiceTest, PageTokenFromAnotherQueryIsRefused) {
  v1::ListTechniquesRequest req;
  req.set_release(kV18);
  req.set_page_size(2);
  v1::ObjectList first;
  ASSERT_OK(client().Call(&KS::ListTechniques, req, &first));
  const std::string token = first.page().next_page_token();
  EXPECT_EQ(first.objects_size(), 2);
  EXPECT_EQ(first.page().total_size(), 6);  // T1001, T1001.001, T1003, T1013, T1030, T1050

  // Same method, other filter.
  v1::ListTechniquesRequest other = req;
  other.set_tactic("execution");
  other.set_page_token(token);
  v1::ObjectList resp;
  EXPECT_THAT(client().Call(&KS::ListTechniques, other, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("different query")));
  // Other release.
  other = req;
  other.set_release(kV17);
  other.set_page_token(token);
  EXPECT_THAT(client().Call(&KS::ListTechniques, other, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("different query")));
  // Other method.
  v1::SearchObjectsRequest search;
  search.set_release(kV18);
  search.set_query("a");
  search.set_page_token(token);
  EXPECT_THAT(client().Call(&KS::SearchObjects, search, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("different query")));
  // A different page size is the same query.
  other = req;
  other.set_page_size(3);
  other.set_page_token(token);
  ASSERT_OK(client().Call(&KS::ListTechniques, other, &resp));
  EXPECT_THAT(Ids(resp.objects()), ElementsAre("T1003", "T1013", "T1030"));
  // Malformed tokens and sizes.
  other = req;
  other.set_page_token("garbage");
  EXPECT_THAT(client().Call(&KS::ListTechniques, other, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed")));
  other.set_page_token(token.substr(0, token.find('.')) + ".999999");
  EXPECT_THAT(client().Call(&KS::ListTechniques, other, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("past the end")));
  other.clear_page_token();
  other.set_page_size(-1);
  EXPECT_THAT(client().Call(&KS::ListTechniques, other, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));
}

}  // namespace
}  // namespace ttpgraph
