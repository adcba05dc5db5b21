#include "storage/store.h"

#include <gtest/gtest.h>

#include "storage/import/bundle_parser.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace ttpgraph {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

ParsedBundle Mini(const std::string& file, const std::string& version) {
  BundleParseOptions opts;
  opts.domain = "enterprise-attack";
  opts.version = version;
  auto b = ParseBundle(testing::ReadFile(testing::TestData("mini_attack/" + file)), opts);
  EXPECT_TRUE(b.ok()) << b.status();
  return *b;
}

TEST(StoreTest, ImportIsIdempotentAndSharesUnchangedObjects) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, Store::Open(StoreOptions{dir.path()}));
  auto v17 = Mini("mini-v17.json", "17.0");
  ASSERT_OK_AND_ASSIGN(auto first, store->PutRelease(v17, false));
  EXPECT_EQ(first.outcome, Store::PutOutcome::kCreated);
  EXPECT_EQ(first.info.new_objects_stored, first.info.object_count);
  ASSERT_OK_AND_ASSIGN(auto again, store->PutRelease(v17, false));
  EXPECT_EQ(again.outcome, Store::PutOutcome::kUnchanged);

  auto v18 = Mini("mini-v18.json", "18.0");
  ASSERT_OK_AND_ASSIGN(auto second, store->PutRelease(v18, false));
  EXPECT_LT(second.info.new_objects_stored, second.info.object_count);

  // Deleting 17.0 keeps every object 18.0 still holds.
  ASSERT_OK_AND_ASSIGN(auto deleted, store->DeleteRelease(v17.id));
  EXPECT_THAT(store->GetRelease(v17.id), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(auto objects, store->LoadReleaseObjects(v18.id));
  EXPECT_EQ(static_cast<int64_t>(objects.size()), second.info.object_count);
}

TEST(StoreTest, DifferentContentUnderSameVersionNeedsReplace) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, Store::Open(StoreOptions{dir.path()}));
  ASSERT_OK(store->PutRelease(Mini("mini-v17.json", "17.0"), false));
  auto other = Mini("mini-v18.json", "17.0");
  EXPECT_THAT(store->PutRelease(other, false), StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("replace")));
  ASSERT_OK_AND_ASSIGN(auto replaced, store->PutRelease(other, true));
  EXPECT_EQ(replaced.outcome, Store::PutOutcome::kReplaced);
}

}  // namespace
}  // namespace ttpgraph
