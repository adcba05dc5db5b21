// ReleaseRegistry and ReleaseContext (graph/release_registry.h) over a store
// holding the mini releases: one build per release, shared lazily built
// indexes, eviction on replace/delete, the memory budget, memoized values.
#include "graph/release_registry.h"

#include <gtest/gtest.h>

#include "storage/import/bundle_parser.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using testing::StatusIs;

class ReleaseRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions so;
    so.path = dir_.path();
    auto store = Store::Open(so);
    ASSERT_OK(store.status());
    store_ = std::move(*store);
    Put("mini-v17.json", "17.0");
    Put("mini-v18.json", "18.0");
  }
  void Put(const std::string& file, const std::string& version) {
    BundleParseOptions opts;
    opts.domain = "enterprise-attack";
    opts.version = version;
    auto bundle = ParseBundle(testing::ReadFile(testing::TestData("mini_attack/" + file)), opts);
    ASSERT_OK(bundle.status());
    ASSERT_OK(store_->PutRelease(*bundle, false).status());
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ReleaseRegistryTest, BuildsOncePerReleaseAndSharesItsIndexes) {
  ReleaseRegistry registry(store_.get());
  ASSERT_OK_AND_ASSIGN(auto a, registry.Get("enterprise-attack@17.0"));
  ASSERT_OK_AND_ASSIGN(auto b, registry.Get(std::string("enterprise-attack@17.0")));
  ASSERT_OK_AND_ASSIGN(auto latest, registry.Get("enterprise-attack@latest"));
  EXPECT_EQ(a, b);
  EXPECT_EQ(latest->id().Name(), "enterprise-attack@18.0");
  EXPECT_NE(latest->incarnation(), a->incarnation());  // a process-wide counter: only the difference is fixed
  EXPECT_EQ(registry.stats().builds, 2u);
  EXPECT_EQ(&a->detectability(), &b->detectability());
  ASSERT_OK_AND_ASSIGN(auto u1, a->Usage(UsagePaths{}, QueryLimits{}));
  ASSERT_OK_AND_ASSIGN(auto u2, a->Usage(UsagePaths{}, QueryLimits{}));
  ASSERT_OK_AND_ASSIGN(auto direct, a->Usage(UsagePaths{true, false, false}, QueryLimits{}));
  EXPECT_EQ(u1, u2);
  EXPECT_NE(u1, direct);  // another index (object) per path set
  EXPECT_EQ(u1->groups().size(), 2u);  // G0001, G0003
  EXPECT_THAT(a->Usage(UsagePaths{false, false, false}, QueryLimits{}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.Get("enterprise-attack@9.9"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(registry.Get("not a release"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ReleaseRegistryTest, EvictedReleaseIsRebuiltWithANewIncarnation) {
  ReleaseRegistry registry(store_.get());
  ASSERT_OK_AND_ASSIGN(auto first, registry.Get("enterprise-attack@17.0"));
  registry.Evict(first->id());
  ASSERT_OK_AND_ASSIGN(auto second, registry.Get("enterprise-attack@17.0"));
  EXPECT_NE(first, second);
  EXPECT_NE(first->incarnation(), second->incarnation());
  EXPECT_EQ(first->graph().nodes().size(), second->graph().nodes().size());  // a holder keeps its own
}

TEST_F(ReleaseRegistryTest, LeastRecentlyUsedGoesPastTheMemoryBudget) {
  RegistryOptions o;
  o.memory_budget_bytes = 1;  // any second release passes it
  ReleaseRegistry registry(store_.get(), o);
  ASSERT_OK_AND_ASSIGN(auto v17, registry.Get("enterprise-attack@17.0"));
  ASSERT_OK_AND_ASSIGN(auto v18, registry.Get("enterprise-attack@18.0"));
  EXPECT_EQ(registry.stats().releases, 1u);  // 17.0 dropped for 18.0
  EXPECT_EQ(registry.stats().evicted, 1u);
  ASSERT_OK_AND_ASSIGN(auto again, registry.Get("enterprise-attack@17.0"));
  EXPECT_NE(again, v17);  // rebuilt on demand, right all the same
  EXPECT_EQ(again->graph().nodes().size(), v17->graph().nodes().size());
  EXPECT_EQ(registry.stats().builds, 3u);
}

TEST_F(ReleaseRegistryTest, MemoKeepsValuesPerKeyWithinItsBudget) {
  RegistryOptions o;
  o.memo_budget_bytes = 100;
  ReleaseRegistry registry(store_.get(), o);
  ASSERT_OK_AND_ASSIGN(auto ctx, registry.Get("enterprise-attack@17.0"));
  int builds = 0;
  auto make = [&](int v, size_t bytes) {
    return [&builds, v, bytes] {
      ++builds;
      return std::make_pair(std::make_shared<const int>(v), bytes);
    };
  };
  auto a = ctx->Memo<int>(1, make(10, 60));
  EXPECT_EQ(*ctx->Memo<int>(1, make(99, 60)), 10);  // kept: built once
  EXPECT_EQ(builds, 1);
  auto b = ctx->Memo<int>(2, make(20, 60));  // 120 > 100: the memo starts afresh
  EXPECT_EQ(*ctx->Memo<int>(1, make(11, 60)), 11);
  EXPECT_EQ(builds, 3);
  EXPECT_EQ(*a, 10);  // holders keep theirs
  EXPECT_EQ(*b, 20);
}

}  // namespace
}  // namespace ttpgraph
