// ReleaseService with the real enterprise 18.1 bundle (../shared/data/attack):
// a 7.5 MB gzip upload streamed in 1 MiB chunks, every object stored and
// counted. The fixtures' imports and every bad input:
// tests/server/release_service_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "storage/import/bundle_parser.h"
#include "storage/import/decompress.h"
#include "storage/strings.h"
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
  EXPECT_EQ(resp.outcome(), v1::ImportReleaseResponse::OUTCOME_CREATED);
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

// Every real release passes the parser's content checks (STIX ids, RFC 3339
// timestamps, ATT&CK types only, size caps) with the server's default limits.
TEST(ParseBundleRealTest, RealReleasesPassEveryCheck) {
  const std::map<std::string, int> techniques = {{"enterprise-attack-14.1.json.gz", 768},
                                                 {"enterprise-attack-18.0.json.gz", 835},
                                                 {"mobile-attack-18.1.json.gz", 190},
                                                 {"ics-attack-18.1.json.gz", 95}};
  for (const auto& [file, want] : techniques) {
    SCOPED_TRACE(file);
    ASSERT_OK_AND_ASSIGN(std::string text, MaybeGunzip(testing::ReadFile(testing::SharedData(Cat("attack/", file))),
                                                       GunzipLimits{512u << 20, 50}));
    BundleParseOptions o;
    o.domain = file.substr(0, file.find("-attack") + 7);
    o.version = file.substr(o.domain.size() + 1, file.size() - o.domain.size() - 1 - 8);
    ASSERT_OK_AND_ASSIGN(ParsedBundle b, ParseBundle(text, o));
    EXPECT_EQ(b.counts_by_type["attack-pattern"], want);
    for (auto& [type, n] : b.counts_by_type) EXPECT_TRUE(IsAttackType(type)) << type;
  }
}

}  // namespace
}  // namespace ttpgraph
