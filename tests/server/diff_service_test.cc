// AnalysisService.DiffReleases / GetDiffLayer through an in-process server on
// the mini releases (tests/testdata/mini_attack/README.md, "What changes in
// v18"): paging, filters, the diff layer, and every bad input with its status
// and message. Enterprise 17.1 -> 18.1 against the golden file:
// tests/e2e/diff_service_real_test.cc.
#include <grpcpp/grpcpp.h>
#include <simdjson.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/analysis_service.grpc.pb.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;

constexpr char kV17[] = "enterprise-attack@17.0";
constexpr char kV18[] = "enterprise-attack@18.0";

class DiffServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::TestServer();
    Client& c = server_->client();
    ASSERT_OK(testing::ImportFile(c, testing::TestData("mini_attack/mini-v17.json"), "enterprise-attack", "17.0"));
    ASSERT_OK(testing::ImportFile(c, testing::TestData("mini_attack/mini-v18.json"), "enterprise-attack", "18.0"));
    // A release of another domain: the small mobile bundle, imported as what it is.
    ASSERT_OK(testing::ImportFile(c, testing::TestData("bad/mobile-as-enterprise.json"), "mobile-attack", "18.0"));
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static Client& client() { return server_->client(); }
  absl::Status Diff(const v1::DiffReleasesRequest& req, v1::DiffReleasesResponse* resp) {
    return client().Call(&v1::AnalysisService::Stub::DiffReleases, req, resp);
  }
  static v1::DiffReleasesRequest Req(const std::string& from, const std::string& to) {
    v1::DiffReleasesRequest r;
    r.set_from_release(from);
    r.set_to_release(to);
    return r;
  }
  static testing::TestServer* server_;
};
testing::TestServer* DiffServiceTest::server_ = nullptr;

// "T1050 additions": one line per listed change.
std::string Line(const v1::ObjectChange& c) {
  return Cat(c.object().attack_id().empty() ? c.object().name() : c.object().attack_id(), " ", c.category());
}

TEST_F(DiffServiceTest, PagesCoverEveryChangeOnce) {
  v1::DiffReleasesResponse whole;
  ASSERT_OK(Diff(Req(kV17, kV18), &whole));
  // README "What changes in v18": T1050 added, T1001 minor, DS0001 deprecated, DC0002
  // patched, DET0001-DET0003 and AN0001-AN0005 added.
  ASSERT_EQ(whole.changes_size(), 12);
  EXPECT_EQ(whole.page().total_size(), 12);
  EXPECT_EQ(whole.page().next_page_token(), "");
  ASSERT_EQ(whole.groups_size(), 1);  // G0003 gains T1050 (r50)
  EXPECT_EQ(whole.groups(0).group().attack_id(), "G0003");

  v1::DiffReleasesRequest req = Req(kV17, kV18);
  req.set_page_size(5);
  std::vector<std::string> paged;
  std::set<std::string> seen;
  int pages = 0;
  while (true) {
    v1::DiffReleasesResponse resp;
    ASSERT_OK(Diff(req, &resp));
    ++pages;
    EXPECT_EQ(resp.page().total_size(), 12);
    EXPECT_EQ(resp.changes_size(), pages < 3 ? 5 : 2) << "page " << pages;
    // Relationship diffs come on the first page only.
    EXPECT_EQ(resp.groups_size(), pages == 1 ? 1 : 0) << "page " << pages;
    for (auto& c : resp.changes()) {
      EXPECT_TRUE(seen.insert(c.object_type() + c.object().stix_id()).second) << Line(c);
      paged.push_back(Line(c));
    }
    if (resp.page().next_page_token().empty()) break;
    req.set_page_token(resp.page().next_page_token());
  }
  EXPECT_EQ(pages, 3);
  std::vector<std::string> want;
  for (auto& c : whole.changes()) want.push_back(Line(c));
  EXPECT_EQ(paged, want);

  v1::DiffReleasesRequest only = Req(kV17, kV18);
  only.add_object_types("techniques");
  only.add_categories("minor_version_changes");
  v1::DiffReleasesResponse resp;
  ASSERT_OK(Diff(only, &resp));
  ASSERT_EQ(resp.summary_size(), 1);
  EXPECT_EQ(resp.summary(0).object_type(), "techniques");
  ASSERT_EQ(resp.changes_size(), 1);
  EXPECT_EQ(Line(resp.changes(0)), "T1001 minor_version_changes");
  EXPECT_EQ(resp.changes(0).object().type(), "attack-pattern");
  EXPECT_EQ(resp.changes(0).new_version(), "1.1");
}

TEST_F(DiffServiceTest, Layer) {
  v1::DiffLayerRequest req;
  req.set_from_release(kV17);
  req.set_to_release(kV18);
  v1::LayerResponse resp;
  ASSERT_OK(client().Call(&v1::AnalysisService::Stub::GetDiffLayer, req, &resp));
  simdjson::dom::parser parser;
  simdjson::dom::element layer;
  ASSERT_EQ(parser.parse(resp.layer_json()).get(layer), simdjson::SUCCESS) << resp.layer_json().substr(0, 200);
  EXPECT_EQ(std::string_view(layer["versions"]["layer"]), "4.5");
  EXPECT_EQ(std::string_view(layer["versions"]["attack"]), "18.0");
  EXPECT_EQ(std::string_view(layer["domain"]), "enterprise-attack");
  EXPECT_EQ(simdjson::dom::array(layer["legendItems"]).size(), 8u);
  // One entry per changed technique and tactic: T1050 (defense-evasion) added, T1001
  // (execution) changed.
  std::vector<std::string> entries;
  for (auto t : simdjson::dom::array(layer["techniques"]))
    entries.push_back(Cat(std::string_view(t["techniqueID"]), "/", std::string_view(t["tactic"]), " ",
                          std::string_view(t["comment"]), " ", std::string_view(t["color"])));
  EXPECT_THAT(entries, ElementsAre("T1050/defense-evasion addition #a1d99b",
                                   "T1001/execution minor_version_change (description, modified, version); "
                                   "version 1.0 → 1.1 #c7c4e0"));
  EXPECT_EQ(resp.technique_entries(), 2);
}

TEST_F(DiffServiceTest, BadInput) {
  v1::DiffReleasesResponse resp;
  EXPECT_THAT(Diff(Req(kV18, "mobile-attack@18.0"), &resp),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr(kV18), HasSubstr("mobile-attack@18.0"), HasSubstr("different domains"))));
  EXPECT_THAT(Diff(Req("enterprise-attack@16.0", kV18), &resp),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("16.0")));
  EXPECT_THAT(Diff(Req(kV17, "ics-attack@latest"), &resp), StatusIs(absl::StatusCode::kNotFound, HasSubstr("ics-attack")));
  EXPECT_THAT(Diff(Req("", kV18), &resp), StatusIs(absl::StatusCode::kInvalidArgument));
  v1::DiffReleasesRequest bad_type = Req(kV17, kV18);
  bad_type.add_object_types("techniques");
  bad_type.add_object_types("tactics");
  EXPECT_THAT(Diff(bad_type, &resp), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("object_types[1]: unknown object type 'tactics'")));
  v1::DiffReleasesRequest bad_cat = Req(kV17, kV18);
  bad_cat.add_categories("unchanged");
  EXPECT_THAT(Diff(bad_cat, &resp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("categories[0]")));
  v1::DiffReleasesRequest bad_token = Req(kV17, kV18);
  bad_token.set_page_token("not-a-token");
  EXPECT_THAT(Diff(bad_token, &resp), StatusIs(absl::StatusCode::kInvalidArgument));
  v1::DiffReleasesRequest no_paths = Req(kV17, kV18);
  no_paths.set_exclude_direct(true);
  no_paths.set_exclude_software(true);
  no_paths.set_exclude_campaigns(true);
  EXPECT_THAT(Diff(no_paths, &resp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("usage paths")));
  // A token of another query is refused.
  v1::DiffReleasesRequest first = Req(kV17, kV18);
  first.set_page_size(2);
  ASSERT_OK(Diff(first, &resp));
  v1::DiffReleasesRequest other = Req(kV18, kV18);
  other.set_page_token(resp.page().next_page_token());
  v1::DiffReleasesResponse resp2;
  EXPECT_THAT(Diff(other, &resp2), StatusIs(absl::StatusCode::kInvalidArgument));

  // Nothing was written: the same three releases are there.
  v1::ListReleasesResponse releases;
  ASSERT_OK(client().Call(&v1::ReleaseService::Stub::ListReleases, v1::ListReleasesRequest{}, &releases));
  EXPECT_EQ(releases.releases_size(), 3);
}

TEST_F(DiffServiceTest, DiffOfAReleaseWithItselfIsEmpty) {
  v1::DiffReleasesResponse resp;
  ASSERT_OK(Diff(Req(kV18, kV18), &resp));
  EXPECT_EQ(resp.changes_size(), 0);
  EXPECT_EQ(resp.groups_size(), 0);
  EXPECT_EQ(resp.techniques_size(), 0);
  // Every active technique of 18.0 keeps its place: T1001, T1001.001, T1003, T1013, T1030, T1050.
  std::vector<std::string> fates;
  for (auto& f : resp.technique_fates()) fates.push_back(Cat(f.technique().attack_id(), " ", f.migration()));
  EXPECT_THAT(fates, ElementsAre("T1001 AUTO", "T1001.001 AUTO", "T1003 AUTO", "T1013 AUTO", "T1030 AUTO", "T1050 AUTO"));
}

}  // namespace
}  // namespace ttpgraph
