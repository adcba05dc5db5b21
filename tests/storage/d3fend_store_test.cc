// D3fendStore: versioned, content-addressed, all or nothing. (The Turtle
// reader: tests/storage/import/turtle_d3fend_test.cc.)
#include "storage/d3fend_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/import/turtle_d3fend.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

class D3fendStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions so;
    so.path = dir_.path() + "/db";
    auto s = Store::Open(so);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    auto onto = ParseD3fendTurtle(testing::ReadFile(testing::TestData("d3fend/mini.ttl")), "mini.ttl");
    ASSERT_TRUE(onto.ok()) << onto.status();
    onto_ = std::move(*onto);
  }
  int Keys(const char* prefix) {
    int n = 0;
    EXPECT_TRUE(store_->KvScan(prefix, [&](std::string_view, std::string_view) { return ++n, true; }).ok());
    return n;
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  D3fendOntology onto_;
};

TEST_F(D3fendStoreTest, IdenticalContentIsStoredOnce) {
  D3fendStore d3f(store_.get());
  auto a = d3f.Put("1.2.0", onto_, false);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->outcome, BlobPutOutcome::kCreated);
  auto again = d3f.Put("1.2.0", onto_, false);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, BlobPutOutcome::kUnchanged);
  ASSERT_TRUE(d3f.Put("1.10.0", onto_, false).ok());
  EXPECT_EQ(Keys("d3fend/v/"), 2);
  EXPECT_EQ(Keys("d3fend/blob/"), 1);  // shared record
  // Numeric order: 1.10.0 is newer than 1.2.0.
  EXPECT_EQ(*d3f.Resolve(""), "1.10.0");
  auto loaded = d3f.Load("1.2.0");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(EncodeD3fendOntology(*loaded), EncodeD3fendOntology(onto_));

  // Deleting one version keeps the shared record; deleting the last drops it.
  ASSERT_TRUE(d3f.Delete("1.10.0").ok());
  EXPECT_EQ(Keys("d3fend/blob/"), 1);
  ASSERT_TRUE(d3f.Delete("1.2.0").ok());
  EXPECT_EQ(Keys("d3fend/"), 0);
  EXPECT_THAT(d3f.Load("1.2.0").status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(d3f.Resolve("latest").status(), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(D3fendStoreTest, DifferentContentNeedsReplace) {
  D3fendStore d3f(store_.get());
  ASSERT_TRUE(d3f.Put("1.2.0", onto_, false).ok());
  D3fendOntology other = onto_;
  other.classes.pop_back();
  EXPECT_THAT(d3f.Put("1.2.0", other, false).status(), StatusIs(absl::StatusCode::kAlreadyExists));
  auto r = d3f.Put("1.2.0", other, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, BlobPutOutcome::kReplaced);
  EXPECT_EQ(Keys("d3fend/blob/"), 1);  // the old record went with the replace
  EXPECT_THAT(d3f.Put("one", onto_, false).status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(D3fendStoreTest, CorruptRecordIsDataLoss) {
  D3fendStore d3f(store_.get());
  auto a = d3f.Put("1.2.0", onto_, false);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(store_->KvWrite({{Store::KvOp::kPut, "d3fend/blob/" + a->info.content_sha256, "garbage"}}).ok());
  EXPECT_THAT(d3f.Load("1.2.0").status(), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace ttpgraph
