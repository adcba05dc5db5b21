// core::OrgViews: a view brought forward by single-detection writes equals a
// fresh read of the organization; any other write, a gap in the changes or a
// re-created organization makes it read again, never answer from the old one.
#include "server/core/org_views.h"

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

class OrgViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions so;
    so.path = dir_.path() + "/db";
    so.sync_writes = false;
    auto s = Store::Open(so);
    ASSERT_OK(s);
    store_ = std::move(*s);
    orgs_ = std::make_unique<OrgStore>(store_.get());
    views_ = std::make_unique<core::OrgViews>(orgs_.get(), 16);
    orgs_->OnDetectionChange([this](DetectionChange c) { views_->Changed(std::move(c)); });
    ASSERT_OK(orgs_->CreateOrg(acme_, {}));
  }
  static Detection Det(const std::string& id, std::vector<std::string> techniques,
                       DetectionState state = DetectionState::kEnabled) {
    Detection d;
    d.id = id;
    d.name = "rule " + id;
    d.techniques = std::move(techniques);
    d.data_components = {"DC0001"};
    d.state = state;
    return d;
  }
  void Put(const Detection& d, OrgStore::PutMode mode = OrgStore::PutMode::kUpsert) {
    ASSERT_OK(orgs_->PutDetection(acme_, d, mode));
  }
  // The view as a cache that never saw the organization reads it.
  std::shared_ptr<const OrgView> Fresh() {
    core::OrgViews fresh(orgs_.get(), 1);
    auto s = fresh.Get(acme_);
    EXPECT_OK(s);
    return s.ok() ? s->view : nullptr;
  }
  static void ExpectSame(const OrgView& got, const OrgView& want) {
    ASSERT_EQ(got.detections.size(), want.detections.size());
    for (size_t i = 0; i < want.detections.size(); ++i) {
      const OrgDetection& a = got.detections[i];
      const OrgDetection& b = want.detections[i];
      EXPECT_EQ(a.id, b.id) << i;
      EXPECT_EQ(a.name, b.name) << a.id;
      EXPECT_EQ(a.counts, b.counts) << a.id;
      EXPECT_EQ(a.techniques, b.techniques) << a.id;
      EXPECT_EQ(a.data_components, b.data_components) << a.id;
      EXPECT_EQ(a.state, b.state) << a.id;
    }
    EXPECT_EQ(got.inventory.size(), want.inventory.size());
  }

  const OrgId acme_{"acme"};
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<OrgStore> orgs_;
  std::unique_ptr<core::OrgViews> views_;
};

TEST_F(OrgViewsTest, SingleDetectionWritesPatchTheViewAsAReadWould) {
  for (const char* id : {"b", "d", "f", "h"}) Put(Det(id, {"T1059"}));
  ASSERT_OK_AND_ASSIGN(core::OrgSnapshot first, views_->Get(acme_));
  EXPECT_EQ(first.view->detections.size(), 4u);
  Put(Det("a", {"T1003"}), OrgStore::PutMode::kCreate);         // before every other id
  Put(Det("e", {"T1003", "T1078"}), OrgStore::PutMode::kCreate);  // in the middle
  Put(Det("d", {"T1110"}, DetectionState::kDisabled), OrgStore::PutMode::kUpdate);
  ASSERT_OK(orgs_->DeleteDetection(acme_, "h"));                 // the last one
  Put(Det("z", {"T9999"}), OrgStore::PutMode::kCreate);          // after every other id, unresolved
  ASSERT_OK_AND_ASSIGN(core::OrgSnapshot now, views_->Get(acme_));
  EXPECT_EQ(now.org.generation, first.org.generation + 5);
  EXPECT_EQ(views_->stats().misses, 1u);
  EXPECT_EQ(views_->stats().patched, 1u);
  ExpectSame(*now.view, *Fresh());
  EXPECT_EQ(first.view->detections.size(), 4u);
  // Again: a hit on the patched view.
  ASSERT_OK_AND_ASSIGN(core::OrgSnapshot again, views_->Get(acme_));
  EXPECT_EQ(again.view, now.view);
  EXPECT_EQ(views_->stats().hits, 1u);
}

TEST_F(OrgViewsTest, AnUnchangedPutKeepsTheView) {
  Put(Det("a", {"T1059"}));
  ASSERT_OK_AND_ASSIGN(core::OrgSnapshot first, views_->Get(acme_));
  Put(Det("a", {"T1059"}));  // same content: no write, no new generation
  ASSERT_OK_AND_ASSIGN(core::OrgSnapshot again, views_->Get(acme_));
  EXPECT_EQ(again.view, first.view);
}

TEST_F(OrgViewsTest, OtherWritesLeaveAGapAndTheNextGetReads) {
  Put(Det("a", {"T1059"}));
  ASSERT_OK(views_->Get(acme_));
  Put(Det("b", {"T1059"}));
  ASSERT_OK(orgs_->PutDetections(acme_, {Det("c", {"T1003"}), Det("a", {"T1110"})}, /*dry_run=*/false));
  Put(Det("d", {"T1078"}));  // follows the batch, not the view: not kept
  ASSERT_OK(orgs_->UpdateInventory(acme_, OrgStore::InventoryOp::kAdd, {InventoryEntry{"DC0002"}}));
  ASSERT_OK_AND_ASSIGN(core::OrgSnapshot now, views_->Get(acme_));
  EXPECT_EQ(views_->stats().patched, 0u);
  EXPECT_EQ(views_->stats().misses, 2u);
  ExpectSame(*now.view, *Fresh());
  EXPECT_EQ(now.view->inventory.size(), 1u);
  // Writes after that read patch again.
  ASSERT_OK(orgs_->DeleteDetection(acme_, "c"));
  ASSERT_OK_AND_ASSIGN(core::OrgSnapshot later, views_->Get(acme_));
  EXPECT_EQ(views_->stats().patched, 1u);
  ExpectSame(*later.view, *Fresh());
}

TEST_F(OrgViewsTest, ChangesOfADeletedOrganizationNeverReachItsSuccessor) {
  Put(Det("a", {"T1059"}));
  ASSERT_OK(views_->Get(acme_));
  Put(Det("b", {"T1059"}));  // kept beside the old incarnation's view
  ASSERT_OK(orgs_->DeleteOrg(acme_));
  ASSERT_OK(orgs_->CreateOrg(acme_, {}));
  Put(Det("x", {"T1003"}));
  ASSERT_OK_AND_ASSIGN(core::OrgSnapshot now, views_->Get(acme_));
  ASSERT_EQ(now.view->detections.size(), 1u);
  EXPECT_EQ(now.view->detections[0].id, "x");
  EXPECT_EQ(views_->stats().patched, 0u);
}

TEST_F(OrgViewsTest, ManyWritesPastTheKeptLimitRead) {
  ASSERT_OK(views_->Get(acme_));
  for (int i = 0; i < 300; ++i) Put(Det("r" + std::to_string(i), {"T1059"}));
  ASSERT_OK_AND_ASSIGN(core::OrgSnapshot now, views_->Get(acme_));
  EXPECT_EQ(now.view->detections.size(), 300u);
  EXPECT_EQ(views_->stats().patched, 0u);
  ExpectSame(*now.view, *Fresh());
}

}  // namespace
}  // namespace ttpgraph
