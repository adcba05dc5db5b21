// A full disk and a failing fsync under the Store (storage/disk_faults.h): a
// write answers RESOURCE_EXHAUSTED or UNAVAILABLE and leaves nothing of itself,
// even after a reopen; reads go on; writes are refused until the disk heals,
// then resume (issue 11).
#include "storage/disk_faults.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "storage/import/bundle_parser.h"
#include "storage/store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/store_check.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::StatusIs;

ParsedBundle Mini(const std::string& file, const std::string& version) {
  BundleParseOptions opts;
  opts.domain = "enterprise-attack";
  opts.version = version;
  auto b = ParseBundle(testing::ReadFile(testing::TestData("mini_attack/" + file)), opts);
  EXPECT_TRUE(b.ok()) << b.status();
  return *b;
}

class DiskFaultsTest : public ::testing::Test {
 protected:
  void Open() {
    StoreOptions o{dir_.path()};
    o.disk_faults = faults_;
    o.resume_interval_ms = 60000;  // the tests resume by hand (or by the next write)
    auto s = Store::Open(o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  void Reopen() {
    store_.reset();
    EXPECT_THAT(testing::CheckStoreFiles(dir_.path()), IsEmpty());
    Open();
  }
  void SetUp() override {
    Open();
    ASSERT_OK(store_->KvWrite({{Store::KvOp::kPut, "test/before", "1"}}));
  }

  testing::TempDir dir_;
  std::shared_ptr<DiskFaults> faults_ = std::make_shared<DiskFaults>();
  std::unique_ptr<Store> store_;
};

TEST_F(DiskFaultsTest, FullDiskRefusesAWriteWithResourceExhaustedUntilSpaceReturns) {
  faults_->FailWritesAfter(0);
  EXPECT_THAT(store_->KvWrite({{Store::KvOp::kPut, "test/full", "x"}}),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("No space left on device")));
  EXPECT_THAT(store_->WriteHealth(), StatusIs(absl::StatusCode::kResourceExhausted));
  // Reads go on.
  EXPECT_EQ(store_->KvGet("test/before").value_or(""), "1");
  EXPECT_THAT(store_->KvGet("test/full"), StatusIs(absl::StatusCode::kNotFound));
  // Still full: refused again, naming the first failure and that reads go on.
  EXPECT_THAT(store_->KvWrite({{Store::KvOp::kPut, "test/full", "x"}}),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("reads go on")));
  EXPECT_THAT(store_->ResumeWrites(), StatusIs(absl::StatusCode::kResourceExhausted));

  faults_->Heal();
  ASSERT_OK(store_->KvWrite({{Store::KvOp::kPut, "test/after", "2"}}));  // resumes first
  EXPECT_OK(store_->WriteHealth());
  Reopen();
  EXPECT_THAT(store_->KvGet("test/full"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(store_->KvGet("test/after").value_or(""), "2");
}

// RocksDB cannot resume after a failed fsync of its WAL (what the file holds
// is unknown): writes stay refused, UNAVAILABLE naming the restart, until the
// store is opened again, which recovers what the WAL holds, whole.
TEST_F(DiskFaultsTest, FailedFsyncIsUnavailableUntilReopenAndTheWriteIsWholeOrAbsent) {
  faults_->FailSyncs();
  EXPECT_THAT(store_->KvWrite({{Store::KvOp::kPut, "test/unsynced", "x"}, {Store::KvOp::kPut, "test/unsynced2", "y"}}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("Input/output error")));
  EXPECT_THAT(store_->WriteHealth(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(store_->KvGet("test/before").value_or(""), "1");
  EXPECT_THAT(store_->KvGet("test/unsynced"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->ResumeWrites(), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("reads go on")));
  faults_->Heal();
  EXPECT_THAT(store_->ResumeWrites(), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("restart ttpgraphd")));
  EXPECT_THAT(store_->KvWrite({{Store::KvOp::kPut, "test/after", "2"}}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("restart ttpgraphd")));
  Reopen();
  EXPECT_OK(store_->WriteHealth());
  // Both keys of the batch or neither.
  EXPECT_EQ(store_->KvGet("test/unsynced").ok(), store_->KvGet("test/unsynced2").ok());
  ASSERT_OK(store_->KvWrite({{Store::KvOp::kPut, "test/after", "2"}}));
  EXPECT_EQ(store_->KvGet("test/after").value_or(""), "2");
}

// A release import cut off after every amount of space: it lands whole or
// answers RESOURCE_EXHAUSTED with nothing of it stored.
TEST_F(DiskFaultsTest, ReleaseImportIsWholeOrAbsentWhereverTheDiskFills) {
  const ParsedBundle v17 = Mini("mini-v17.json", "17.0");
  const ParsedBundle v18 = Mini("mini-v18.json", "18.0");
  ASSERT_OK(store_->PutRelease(v17, false).status());
  for (uint64_t budget : {0, 100, 1000, 4000, 16000, 40000, 100000, 1000000}) {
    SCOPED_TRACE(budget);
    faults_->FailWritesAfter(budget);
    auto put = store_->PutRelease(v18, false);
    if (budget == 0) EXPECT_FALSE(put.ok());
    if (budget == 1000000) EXPECT_TRUE(put.ok()) << put.status();
    if (!put.ok()) {
      EXPECT_THAT(put.status(), StatusIs(absl::StatusCode::kResourceExhausted));
      EXPECT_THAT(store_->GetRelease(v18.id), StatusIs(absl::StatusCode::kNotFound));
      ASSERT_OK_AND_ASSIGN(auto objects, store_->LoadReleaseObjects(v17.id));
      EXPECT_EQ(objects.size(), v17.objects.size());
    }
    faults_->Heal();
    Reopen();
    if (put.ok()) {
      ASSERT_OK_AND_ASSIGN(auto objects, store_->LoadReleaseObjects(v18.id));
      EXPECT_EQ(objects.size(), v18.objects.size());
      ASSERT_OK(store_->DeleteRelease(v18.id).status());
    } else {
      EXPECT_THAT(store_->GetRelease(v18.id), StatusIs(absl::StatusCode::kNotFound));
    }
  }
  // A replace and a delete (one WAL batch each) on a full disk.
  faults_->FailWritesAfter(0);
  EXPECT_THAT(store_->PutRelease(Mini("mini-v18.json", "17.0"), true).status(),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(store_->DeleteRelease(v17.id).status(), StatusIs(absl::StatusCode::kResourceExhausted));
  ASSERT_OK_AND_ASSIGN(auto listed, store_->ListReleases());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].content_sha256, store_->GetRelease(v17.id)->content_sha256);
  EXPECT_EQ(listed[0].object_count, static_cast<int64_t>(v17.objects.size()));
  faults_->Heal();
  Reopen();
  ASSERT_OK_AND_ASSIGN(auto objects, store_->LoadReleaseObjects(v17.id));
  EXPECT_EQ(objects.size(), v17.objects.size());
  EXPECT_OK(store_->DeleteRelease(v17.id).status());
}

}  // namespace
}  // namespace ttpgraph
