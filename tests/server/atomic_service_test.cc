// DefenseService (Atomic Red Team part): import counted by GUID, tests per
// technique, revoked-by resolution, validatable techniques, bad input.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/d3fend_service.grpc.pb.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;

class AtomicServiceTest : public ::testing::Test {
 protected:
  Client& client() { return server_.client(); }
  absl::Status Import(const std::string& bytes, const std::string& name, v1::ImportAtomicIndexResponse* resp,
                      const std::string& source = "mini.csv") {
    v1::AtomicImportOptions header;
    header.set_name(name);
    header.set_source_name(source);
    return client().ImportAtomicIndex(bytes, header, resp);
  }
  absl::Status Tests(const std::string& technique, const std::string& release, bool subs,
                     v1::GetAtomicTestsResponse* resp) {
    v1::GetAtomicTestsRequest req;
    req.set_technique(technique);
    req.set_release(release);
    req.set_include_subtechniques(subs);
    return client().Call(&v1::DefenseService::Stub::GetAtomicTests, req, resp);
  }
  static std::vector<std::string> Guids(const v1::GetAtomicTestsResponse& r) {
    std::vector<std::string> out;
    for (auto& t : r.tests()) out.push_back(t.guid().substr(0, 4));
    return out;
  }
  int IndexCount() {
    v1::ListAtomicIndexesRequest req;
    v1::ListAtomicIndexesResponse resp;
    EXPECT_TRUE(client().Call(&v1::DefenseService::Stub::ListAtomicIndexes, req, &resp).ok());
    return resp.indexes_size();
  }

  testing::TestServer server_;
};

TEST_F(AtomicServiceTest, CountsTestsByGuidNotRows) {
  v1::ImportAtomicIndexResponse resp;
  ASSERT_TRUE(Import(testing::ReadFile(testing::TestData("atomic/mini.csv")), "", &resp).ok());
  EXPECT_EQ(resp.outcome(), v1::ImportAtomicIndexResponse::OUTCOME_CREATED);
  EXPECT_EQ(resp.index().name(), "default");
  EXPECT_EQ(resp.index().row_count(), 5);
  EXPECT_EQ(resp.index().test_count(), 4);
  EXPECT_EQ(resp.index().technique_count(), 3);
  v1::ImportAtomicIndexResponse again;
  ASSERT_TRUE(Import(testing::ReadFile(testing::TestData("atomic/mini.csv")), "", &again).ok());
  EXPECT_EQ(again.outcome(), v1::ImportAtomicIndexResponse::OUTCOME_UNCHANGED);

  v1::GetAtomicTestsResponse t;
  ASSERT_TRUE(Tests("t1001", "", false, &t).ok());
  EXPECT_THAT(Guids(t), ElementsAre("1111", "2222"));
  EXPECT_EQ(t.tests(0).name(), "Run a script, then exit");
  EXPECT_THAT(std::vector<std::string>(t.tests(0).tactics().begin(), t.tests(0).tactics().end()),
              ElementsAre("defense-evasion", "execution"));
  EXPECT_EQ(t.tests(1).name(), "Say \"hello\"");
  v1::GetAtomicTestsResponse with_subs;
  ASSERT_TRUE(Tests("T1001", "", true, &with_subs).ok());
  EXPECT_THAT(Guids(with_subs), ElementsAre("1111", "2222", "3333"));
  // A sub-technique never gets its parent's tests.
  v1::GetAtomicTestsResponse sub;
  ASSERT_TRUE(Tests("T1001.001", "", true, &sub).ok());
  EXPECT_THAT(Guids(sub), ElementsAre("3333"));
}

TEST_F(AtomicServiceTest, RevokedTechniqueResolvesInRelease) {
  ASSERT_TRUE(testing::ImportFile(server_.client(), testing::TestData("mini_attack/mini-v17.json"), "enterprise-attack",
                                  "17.0")
                  .ok());
  v1::ImportAtomicIndexResponse resp;
  ASSERT_TRUE(Import(testing::ReadFile(testing::TestData("atomic/mini.csv")), "", &resp).ok());
  v1::GetAtomicTestsResponse t;
  ASSERT_TRUE(Tests("T1010", "enterprise-attack@17.0", false, &t).ok());
  EXPECT_EQ(t.attack_id(), "T1013");
  EXPECT_EQ(t.revoked_by().final().attack_id(), "T1013");
  EXPECT_THAT(Guids(t), ElementsAre("4444"));
  EXPECT_THAT(Tests("T9999", "enterprise-attack@17.0", false, &t), StatusIs(absl::StatusCode::kNotFound));

  v1::ListValidatableTechniquesRequest req;
  req.set_release("enterprise-attack@17.0");
  for (const char* id : {"T1001", "T1003", "T1010", "T1030"}) req.add_techniques(id);
  v1::ListValidatableTechniquesResponse v;
  ASSERT_TRUE(client().Call(&v1::DefenseService::Stub::ListValidatableTechniques, req, &v).ok());
  EXPECT_EQ(v.with_tests_count(), 2);
  ASSERT_EQ(v.techniques_size(), 2);
  EXPECT_EQ(v.techniques(0).technique(), "T1001");
  EXPECT_EQ(v.techniques(0).test_count(), 2);
  EXPECT_THAT(std::vector<std::string>(v.techniques(0).executors().begin(), v.techniques(0).executors().end()),
              ElementsAre("powershell", "sh"));
  EXPECT_EQ(v.techniques(1).attack_id(), "T1013");
  EXPECT_THAT(std::vector<std::string>(v.without_tests().begin(), v.without_tests().end()),
              ElementsAre("T1003", "T1030"));
}

TEST_F(AtomicServiceTest, BadInputIsRefusedAndNothingIsWritten) {
  v1::ImportAtomicIndexResponse resp;
  auto s = Import(testing::ReadFile(testing::TestData("atomic/missing-columns.csv")), "", &resp, "missing.csv");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("missing column 'Test GUID'"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("missing.csv:1"));

  std::string good = testing::ReadFile(testing::TestData("atomic/mini.csv"));
  s = Import(good + "execution,T1001,x,3,\"unterminated quote,55555555-5555-4555-8555-555555555555,sh\n", "", &resp,
             "quote.csv");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("quote.csv:7: unterminated quoted field"));
  s = Import(good + "execution,T1001,x,3,short row\n", "", &resp, "short.csv");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("short.csv:7"));
  s = Import(good + "execution,X1001,x,3,bad id,55555555-5555-4555-8555-555555555555,sh\n", "", &resp, "id.csv");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("id.csv:7"));
  // One GUID for two techniques.
  s = Import(good + "execution,T1003,x,1,dup,11111111-1111-4111-8111-111111111111,sh\n", "", &resp);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  std::string gz = testing::Gzip(good);
  s = Import(gz.substr(0, gz.size() - 10), "", &resp, "cut.csv.gz");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  s = Import(good, "bad name!", &resp);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));

  EXPECT_EQ(IndexCount(), 0);
  v1::GetAtomicTestsResponse t;
  EXPECT_THAT(Tests("T1001", "", false, &t), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace ttpgraph
