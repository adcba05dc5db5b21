// ReleaseService with the real enterprise 18.1 bundle (../shared/data/attack):
// a 7.5 MB gzip upload streamed in 1 MiB chunks, every object stored and
// counted. The fixtures' imports and every bad input:
// tests/server/release_service_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace ttpgraph {
namespace {

TEST(ReleaseServiceTest, RealBundleStreamedInChunks) {
  testing::TestServer server;
  // 7.5 MB gzip, 34 MB of JSON: several 1 MiB chunks, over gRPC's default 4 MB.
  v1::ImportReleaseResponse resp;
  ASSERT_OK(testing::ImportFile(server.client(), testing::SharedData("attack/enterprise-attack-18.1.json.gz"),
                                "enterprise-attack", "18.1", &resp));
  EXPECT_EQ(resp.outcome(), v1::ImportReleaseResponse::CREATED);
  EXPECT_EQ(resp.release().object_count(), 24771);
  // The bundle's objects by type (revoked and deprecated ones included), counted over the raw file.
  const std::map<std::string, int> want = {
      {"attack-pattern", 835},     {"campaign", 52},
      {"course-of-action", 268},   {"identity", 1},
      {"intrusion-set", 187},      {"malware", 696},
      {"marking-definition", 1},   {"relationship", 20048},
      {"tool", 91},                {"x-mitre-analytic", 1739},
      {"x-mitre-data-component", 109}, {"x-mitre-data-source", 38},
      {"x-mitre-detection-strategy", 691}, {"x-mitre-matrix", 1},
      {"x-mitre-tactic", 14}};
  const auto& counts = resp.release().counts_by_type();
  EXPECT_EQ((std::map<std::string, int>(counts.begin(), counts.end())), want);
  EXPECT_EQ(resp.release().new_objects_stored(), resp.release().object_count());
}

}  // namespace
}  // namespace ttpgraph
