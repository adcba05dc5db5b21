// AnalysisService.GetOverlap / GetSimilarGroups / GetOverlapLayer through an
// in-process server on the mini fixture (answers in its README: G0001 and
// G0003 share T1001.001, T1013, T1030; Jaccard 0.75 in v17, 0.6 in v18), and
// every bad input with its status and message.
#include <grpcpp/grpcpp.h>
#include <simdjson.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/analysis_service.grpc.pb.h"

namespace ttpgraph {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

class OverlapServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(testing::ImportFile(server_.client(), testing::TestData("mini_attack/mini-v17.json"),
                                  "enterprise-attack", "17.0"));
    ASSERT_OK(testing::ImportFile(server_.client(), testing::TestData("mini_attack/mini-v18.json"),
                                  "enterprise-attack", "18.0"));
  }
  Client& client() { return server_.client(); }
  absl::Status Overlap(const v1::OverlapRequest& req, v1::OverlapResponse* resp) {
    return client().Call(&v1::AnalysisService::Stub::GetOverlap, req, resp);
  }
  absl::Status Similar(const v1::SimilarGroupsRequest& req, v1::SimilarGroupsResponse* resp) {
    return client().Call(&v1::AnalysisService::Stub::GetSimilarGroups, req, resp);
  }
  absl::Status Layer(const v1::OverlapRequest& req, v1::LayerResponse* resp) {
    return client().Call(&v1::AnalysisService::Stub::GetOverlapLayer, req, resp);
  }
  testing::TestServer server_;
};

TEST_F(OverlapServiceTest, AllGroupsBothReleases) {
  for (auto [release, jaccard, only_b] : {std::make_tuple("enterprise-attack@17.0", 0.75, 0),
                                          std::make_tuple("enterprise-attack@latest", 0.6, 1)}) {
    v1::OverlapRequest req;
    req.set_release(release);
    req.mutable_threat()->set_all_groups(true);
    v1::OverlapResponse resp;
    ASSERT_OK(Overlap(req, &resp));
    ASSERT_EQ(resp.groups_size(), 2);
    EXPECT_EQ(resp.groups(0).group().attack_id(), "G0001");
    EXPECT_EQ(resp.groups(0).techniques(), 4);
    ASSERT_EQ(resp.pairs_size(), 1);
    EXPECT_EQ(resp.pairs(0).a().attack_id(), "G0001");
    EXPECT_EQ(resp.pairs(0).b().attack_id(), "G0003");
    EXPECT_EQ(resp.pairs(0).shared(), 3);
    EXPECT_EQ(resp.pairs(0).only_a(), 1);
    EXPECT_EQ(resp.pairs(0).only_b(), only_b);
    EXPECT_DOUBLE_EQ(resp.pairs(0).jaccard(), jaccard);
    EXPECT_EQ(resp.page().total_size(), 1);
  }
  // --no-software: G0001 {T1001, T1030}, G0003 {T1030}: 1 shared, Jaccard 1/2.
  v1::OverlapRequest req;
  req.set_release("enterprise-attack@17.0");
  req.mutable_threat()->mutable_groups()->add_ids("G0003");
  req.mutable_threat()->mutable_groups()->add_ids("intrusion-set--9a000000-0000-4000-8000-000000000001");  // G0001 by STIX id
  req.set_exclude_software(true);
  v1::OverlapResponse resp;
  ASSERT_OK(Overlap(req, &resp));
  ASSERT_EQ(resp.pairs_size(), 1);
  EXPECT_EQ(resp.pairs(0).shared(), 1);
  EXPECT_DOUBLE_EQ(resp.pairs(0).jaccard(), 0.5);
}

TEST_F(OverlapServiceTest, SimilarAndLayer) {
  v1::SimilarGroupsRequest sreq;
  sreq.set_release("enterprise-attack@18.0");
  sreq.set_group("G0003");
  sreq.set_k(3);
  v1::SimilarGroupsResponse sresp;
  ASSERT_OK(Similar(sreq, &sresp));
  EXPECT_EQ(sresp.group().attack_id(), "G0003");
  EXPECT_EQ(sresp.techniques(), 4);  // T1001.001, T1013, T1030, T1050
  ASSERT_EQ(sresp.similar_size(), 1);
  EXPECT_EQ(sresp.similar(0).group().attack_id(), "G0001");
  EXPECT_EQ(sresp.similar(0).only_target(), 1);
  EXPECT_EQ(sresp.similar(0).only_other(), 1);

  v1::OverlapRequest req;
  req.set_release("enterprise-attack@18.0");
  req.mutable_threat()->set_all_groups(true);
  v1::LayerResponse layer;
  ASSERT_OK(Layer(req, &layer));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(layer.layer_json()).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(doc["versions"]["layer"]), "4.5");
  EXPECT_EQ(int64_t(doc["gradient"]["maxValue"]), 2);
  std::map<std::string, int64_t> score;
  for (auto t : simdjson::dom::array(doc["techniques"])) score[std::string(std::string_view(t["techniqueID"]))] = t["score"];
  EXPECT_EQ(score, (std::map<std::string, int64_t>{
                       {"T1001", 1}, {"T1001.001", 2}, {"T1013", 2}, {"T1030", 2}, {"T1050", 1}}));
  EXPECT_EQ(layer.technique_entries(), 5);
}

TEST_F(OverlapServiceTest, BadInput) {
  v1::OverlapRequest req;
  req.set_release("enterprise-attack@17.0");
  req.mutable_threat()->mutable_groups()->add_ids("G0001");
  req.mutable_threat()->mutable_groups()->add_ids("G0777");
  req.mutable_threat()->mutable_groups()->add_ids("G0778");
  v1::OverlapResponse resp;
  EXPECT_THAT(Overlap(req, &resp), StatusIs(absl::StatusCode::kNotFound, HasSubstr("unknown groups G0777, G0778")));
  // A revoked group stands for its successor (G0002 -> G0001), and the answer says so.
  req.clear_threat();
  req.mutable_threat()->mutable_groups()->add_ids("G0003");
  req.mutable_threat()->mutable_groups()->add_ids("G0002");
  ASSERT_OK(Overlap(req, &resp));
  ASSERT_EQ(resp.groups_size(), 2);
  EXPECT_EQ(resp.groups(0).group().attack_id(), "G0001");
  EXPECT_EQ(resp.groups(1).group().attack_id(), "G0003");
  ASSERT_EQ(resp.resolutions_size(), 1);
  EXPECT_EQ(resp.resolutions(0).asked_object().attack_id(), "G0002");
  EXPECT_EQ(resp.resolutions(0).answered_for().attack_id(), "G0001");
  req.clear_threat();
  req.mutable_threat()->mutable_groups()->add_ids("G0001");
  req.mutable_threat()->mutable_groups()->add_ids("G0002");
  EXPECT_THAT(Overlap(req, &resp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least two groups, got 1")));
  req.clear_threat();
  req.mutable_threat()->mutable_groups()->add_ids("G0001");
  EXPECT_THAT(Overlap(req, &resp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least two groups")));
  // No selection: the one rule of GetGap (threat.groups or threat.all_groups).
  req.clear_threat();
  EXPECT_THAT(Overlap(req, &resp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("threat: choose")));
  v1::LayerResponse no_threat_layer;
  EXPECT_THAT(Layer(req, &no_threat_layer), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("threat: choose")));
  req.mutable_threat()->set_all_groups(true);
  req.set_exclude_direct(true);
  req.set_exclude_software(true);
  req.set_exclude_campaigns(true);
  EXPECT_THAT(Overlap(req, &resp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("usage paths")));
  v1::OverlapRequest unknown_release;
  unknown_release.set_release("enterprise-attack@9.9");
  unknown_release.mutable_threat()->set_all_groups(true);
  EXPECT_THAT(Overlap(unknown_release, &resp), StatusIs(absl::StatusCode::kNotFound, HasSubstr("9.9")));
  v1::LayerResponse layer;
  EXPECT_THAT(Layer(unknown_release, &layer), StatusIs(absl::StatusCode::kNotFound));

  v1::SimilarGroupsRequest sreq;
  sreq.set_release("enterprise-attack@17.0");
  v1::SimilarGroupsResponse sresp;
  EXPECT_THAT(Similar(sreq, &sresp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("group")));
  sreq.set_group("G0999");
  EXPECT_THAT(Similar(sreq, &sresp), StatusIs(absl::StatusCode::kNotFound, HasSubstr("G0999")));
  sreq.set_group("T1001");
  EXPECT_THAT(Similar(sreq, &sresp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("T1001 is an attack-pattern, not a group")));
  sreq.set_group("G0001");
  sreq.set_k(-1);
  EXPECT_THAT(Similar(sreq, &sresp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("k: must be")));
}

}  // namespace
}  // namespace ttpgraph
