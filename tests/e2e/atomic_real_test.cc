// The real Atomic Red Team index (../shared/data/atomic): parsed by
// storage/import/atomic_csv and imported through DefenseService, counted by
// test GUID. Every number is one ../shared/data/atomic/README.md publishes.
// The hand-made fixture's answers: tests/storage/import/atomic_csv_test.cc and
// tests/server/atomic_service_test.cc.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "storage/atomic_store.h"
#include "storage/import/atomic_csv.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/d3fend_service.grpc.pb.h"

namespace ttpgraph {
namespace {

absl::Status Import(Client& client, const std::string& bytes, const std::string& name, const std::string& source,
                    v1::ImportAtomicIndexResponse* resp) {
  v1::AtomicImportOptions header;
  header.set_name(name);
  header.set_source_name(source);
  return client.ImportAtomicIndex(bytes, header, resp);
}

TEST(AtomicCsv, RealIndex) {
  auto d = ParseAtomicCsv(testing::ReadFile(testing::SharedData("atomic/index.csv")), "index.csv");
  ASSERT_TRUE(d.ok()) << d.status();
  // ../shared/data/atomic/README.md: 2,321 rows, 1,790 tests, 333 techniques, 144 parents rolled up.
  EXPECT_EQ(d->rows, 2321);
  EXPECT_EQ(d->tests.size(), 1790u);
  AtomicIndex index("default", *d);
  EXPECT_EQ(index.Techniques().size(), 333u);
  std::set<std::string> parents;
  for (auto& t : index.Techniques()) parents.insert(t.substr(0, 5));
  EXPECT_EQ(parents.size(), 144u);
  std::map<std::string, int> by_executor;
  for (auto& t : d->tests) ++by_executor[t.executor];
  EXPECT_EQ(by_executor["powershell"], 694);
  EXPECT_EQ(by_executor["manual"], 15);
}

TEST(AtomicServiceTest, RealIndexCountsByGuid) {
  testing::TestServer server;
  v1::ImportAtomicIndexResponse resp;
  ASSERT_OK(Import(server.client(), testing::ReadFile(testing::SharedData("atomic/index.csv")), "61080b1", "index.csv",
                   &resp));
  // Numbers published in ../shared/data/atomic/README.md.
  EXPECT_EQ(resp.index().row_count(), 2321);
  EXPECT_EQ(resp.index().test_count(), 1790);
  EXPECT_EQ(resp.index().technique_count(), 333);
  v1::ImportAtomicIndexResponse master;
  ASSERT_OK(Import(server.client(), testing::ReadFile(testing::SharedData("atomic/index-master.csv")), "master",
                   "index-master.csv", &master));
  EXPECT_EQ(master.index().row_count(), 2301);
  EXPECT_EQ(master.index().test_count(), 1819);
  EXPECT_EQ(master.index().technique_count(), 341);
  v1::ListAtomicIndexesResponse indexes;
  ASSERT_OK(
      server.client().Call(&v1::DefenseService::Stub::ListAtomicIndexes, v1::ListAtomicIndexesRequest{}, &indexes));
  EXPECT_EQ(indexes.indexes_size(), 2);
}

}  // namespace
}  // namespace ttpgraph
