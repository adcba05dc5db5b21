// A full disk and a failing fsync under a running server (storage/disk_faults.h),
// over gRPC: a release import, a detection import and an organization change
// answer RESOURCE_EXHAUSTED (no space) or UNAVAILABLE (I/O error) and leave
// nothing; reads go on; the write path's health ("ttpgraph.writes") turns
// NOT_SERVING while "" stays SERVING, and both come back once the disk does
// (issue 11).
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "grpc/health/v1/health.grpc.pb.h"
#include "server/health_service.h"
#include "storage/disk_faults.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace ttpgraph {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;
namespace health = grpc::health::v1;

class DiskFaultsServiceTest : public ::testing::Test {
 protected:
  DiskFaultsServiceTest() : server_(Options()) {}
  ServerOptions Options() {
    ServerOptions o;
    o.disk_faults = faults_;
    return o;
  }
  void SetUp() override {
    ASSERT_OK(Import("mini-v17.json", "17.0"));
    ASSERT_OK(CreateOrg("acme"));
    // The compaction the import asked for is done before the disk fails: one
    // that fails meanwhile has, twice in ~20 runs, aborted in RocksDB 7.8's
    // resume (filename.cc:141 `number > 0`); see the report of issue 11.
    server_.server().store()->WaitForCompaction();
  }
  Client& client() { return server_.client(); }

  absl::Status Import(const std::string& file, const std::string& version) {
    return testing::ImportFile(client(), testing::TestData("mini_attack/" + file), "enterprise-attack", version);
  }
  absl::Status CreateOrg(const std::string& id) {
    v1::CreateOrganizationRequest req;
    req.set_org_id(id);
    req.set_release("enterprise-attack@17.0");
    v1::Organization o;
    return client().Call(&v1::OrgService::Stub::CreateOrganization, req, &o);
  }
  absl::Status ImportSigma(v1::ImportDetectionsResponse* resp) {
    return client().ImportDetections("acme", v1::ImportDetectionsHeader{}, {testing::TestData("org/sigma")}, resp);
  }
  int64_t Detections() {
    v1::GetOrganizationRequest req;
    req.set_org_id("acme");
    v1::Organization o;
    EXPECT_OK(client().Call(&v1::OrgService::Stub::GetOrganization, req, &o));
    return o.detection_count();
  }
  health::HealthCheckResponse::ServingStatus Health(const std::string& service) {
    health::HealthCheckRequest req;
    req.set_service(service);
    health::HealthCheckResponse resp;
    EXPECT_OK(client().Call(&health::Health::Stub::Check, req, &resp));
    return resp.status();
  }
  // Reads that need the store and the graph go on while writes are refused.
  void ExpectReadsServed() {
    v1::Release r;
    v1::GetReleaseRequest req;
    req.set_release("enterprise-attack@17.0");
    EXPECT_OK(client().Call(&v1::ReleaseService::Stub::GetRelease, req, &r));
    EXPECT_EQ(r.object_count(), 60);
    v1::GetOrganizationRequest org;
    org.set_org_id("acme");
    v1::Organization o;
    EXPECT_OK(client().Call(&v1::OrgService::Stub::GetOrganization, org, &o));
    EXPECT_EQ(Health(""), health::HealthCheckResponse::SERVING);
  }

  std::shared_ptr<DiskFaults> faults_ = std::make_shared<DiskFaults>();
  testing::TestServer server_;
};

TEST_F(DiskFaultsServiceTest, FullDiskRefusesEveryWriteWithResourceExhaustedUntilSpaceReturns) {
  EXPECT_EQ(Health(HealthService::kWrites), health::HealthCheckResponse::SERVING);
  faults_->FailWritesAfter(0);
  EXPECT_THAT(Import("mini-v18.json", "18.0"),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("No space left on device")));
  v1::ImportDetectionsResponse det;
  EXPECT_THAT(ImportSigma(&det), StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("reads go on")));
  EXPECT_THAT(CreateOrg("beta"), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(Health(HealthService::kWrites), health::HealthCheckResponse::NOT_SERVING);
  ExpectReadsServed();
  // Nothing of the refused writes.
  v1::GetReleaseRequest req;
  req.set_release("enterprise-attack@18.0");
  v1::Release r;
  EXPECT_THAT(client().Call(&v1::ReleaseService::Stub::GetRelease, req, &r), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Detections(), 0);

  faults_->Heal();
  ASSERT_OK(Import("mini-v18.json", "18.0"));  // the write resumes the store first
  EXPECT_EQ(Health(HealthService::kWrites), health::HealthCheckResponse::SERVING);
  ASSERT_OK(ImportSigma(&det));
  EXPECT_EQ(Detections(), 5);  // the five rules of mini_rules.yml
  ASSERT_OK(CreateOrg("beta"));
}

// A disk that fills in the middle of a Sigma import: all its detections or none.
TEST_F(DiskFaultsServiceTest, DetectionImportIsAllOrNothingWhereverTheDiskFills) {
  for (uint64_t budget : {0, 64, 512, 2048, 8192}) {
    SCOPED_TRACE(budget);
    faults_->FailWritesAfter(budget);
    v1::ImportDetectionsResponse det;
    absl::Status s = ImportSigma(&det);
    if (!s.ok()) {
      EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted));
      EXPECT_EQ(Detections(), 0);
    }
    faults_->Heal();
    if (s.ok()) {
      EXPECT_EQ(Detections(), 5);  // the five rules of mini_rules.yml
      return;
    }
    // Resumed by a write before the next budget (the resume's probe file would take from it).
    ASSERT_OK(CreateOrg(Cat("resumed-", budget)));
  }
  // 8 KiB holds the import's batch (five detections, the organization and audit records).
  ADD_FAILURE() << "no budget let the import through";
}

TEST_F(DiskFaultsServiceTest, FailedFsyncIsUnavailableUntilTheServerRestarts) {
  faults_->FailSyncs();
  EXPECT_THAT(CreateOrg("beta"), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("Input/output error")));
  v1::ImportDetectionsResponse det;
  EXPECT_THAT(ImportSigma(&det), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Health(HealthService::kWrites), health::HealthCheckResponse::NOT_SERVING);
  ExpectReadsServed();
  faults_->Heal();
  // RocksDB does not resume after a failed WAL fsync: the answer says to restart.
  EXPECT_THAT(CreateOrg("gamma"), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("restart ttpgraphd")));
  server_.Restart();
  EXPECT_EQ(Health(HealthService::kWrites), health::HealthCheckResponse::SERVING);
  ASSERT_OK(ImportSigma(&det));
  EXPECT_EQ(Detections(), 5);  // the five rules of mini_rules.yml
  ASSERT_OK(CreateOrg("gamma"));
}

// Watch of the write path: NOT_SERVING when a write fails, SERVING again when
// the store's own retry finds the disk healed, with no write in between.
TEST_F(DiskFaultsServiceTest, WatchSeesTheWritePathFailAndResumeOnItsOwn) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  health::HealthCheckRequest req;
  req.set_service(HealthService::kWrites);
  auto stub = health::Health::NewStub(server_.channel());
  auto reader = stub->Watch(&ctx, req);
  health::HealthCheckResponse resp;
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), health::HealthCheckResponse::SERVING);
  faults_->FailWritesAfter(0);
  EXPECT_THAT(CreateOrg("beta"), StatusIs(absl::StatusCode::kResourceExhausted));
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), health::HealthCheckResponse::NOT_SERVING);
  faults_->Heal();
  ASSERT_TRUE(reader->Read(&resp));  // the store retries every second (resume_interval_ms)
  EXPECT_EQ(resp.status(), health::HealthCheckResponse::SERVING);
  ctx.TryCancel();
  ASSERT_OK(CreateOrg("beta"));
}

}  // namespace
}  // namespace ttpgraph
