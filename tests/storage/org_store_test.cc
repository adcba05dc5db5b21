// OrgStore: organizations, detections and inventory in the Store's KV space.
// Org B never sees or changes org A's data; every write is atomic.
#include "storage/org_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;

class OrgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions so;
    so.path = dir_.path() + "/db";
    so.sync_writes = false;
    auto s = Store::Open(so);
    ASSERT_OK(s);
    store_ = std::move(*s);
    orgs_ = std::make_unique<OrgStore>(store_.get(), OrgStoreLimits{5, 3});
  }
  Detection Det(const std::string& id, std::vector<std::string> techniques) {
    Detection d;
    d.id = id;
    d.name = "rule " + id;
    d.techniques = std::move(techniques);
    return d;
  }
  int CountKeys(const std::string& prefix) {
    int n = 0;
    EXPECT_OK(store_->KvScan(prefix, [&](std::string_view, std::string_view) { return ++n, true; }));
    return n;
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<OrgStore> orgs_;
};

TEST_F(OrgStoreTest, CreateGetListDelete) {
  ASSERT_OK_AND_ASSIGN(Organization a, orgs_->CreateOrg(OrgId("acme"), {}));
  EXPECT_EQ(a.id, "acme");
  EXPECT_EQ(a.release, "enterprise-attack@latest");
  EXPECT_THAT(orgs_->CreateOrg(OrgId("acme"), {}), StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK(orgs_->CreateOrg(OrgId("acme-b"), {}));
  ASSERT_OK_AND_ASSIGN(auto all, orgs_->ListOrgs());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "acme");
  EXPECT_EQ(all[1].id, "acme-b");
  ASSERT_OK(orgs_->PutDetection(OrgId("acme"), Det("r1", {"T1001"}), OrgStore::PutMode::kCreate));
  ASSERT_OK(orgs_->PutDetection(OrgId("acme-b"), Det("r1", {"T1003"}), OrgStore::PutMode::kCreate));
  ASSERT_OK(orgs_->UpdateInventory(OrgId("acme"), OrgStore::InventoryOp::kAdd, {InventoryEntry{"DC0001"}}));
  ASSERT_OK_AND_ASSIGN(auto del, orgs_->DeleteOrg(OrgId("acme")));
  EXPECT_EQ(del.detections_deleted, 1);
  EXPECT_EQ(CountKeys("org/acme/"), 0);
  EXPECT_THAT(orgs_->GetOrg(OrgId("acme")), StatusIs(absl::StatusCode::kNotFound, HasSubstr("acme")));
  // The neighbour whose id shares the prefix keeps everything.
  ASSERT_OK_AND_ASSIGN(auto b, orgs_->ListDetections(OrgId("acme-b")));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].techniques, std::vector<std::string>{"T1003"});
}

TEST_F(OrgStoreTest, BadOrgIds) {
  for (const char* id : {"", "Acme", "a/b", "-x", "a b", "org@"})
    EXPECT_THAT(orgs_->CreateOrg(OrgId(id), {}), StatusIs(absl::StatusCode::kInvalidArgument)) << id;
  EXPECT_EQ(CountKeys("org/"), 0);
}

TEST_F(OrgStoreTest, TenantIsolation) {
  ASSERT_OK(orgs_->CreateOrg(OrgId("a"), {}));
  ASSERT_OK(orgs_->CreateOrg(OrgId("b"), {}));
  ASSERT_OK(orgs_->PutDetection(OrgId("a"), Det("secret", {"T1001"}), OrgStore::PutMode::kCreate));
  ASSERT_OK(orgs_->UpdateInventory(OrgId("a"), OrgStore::InventoryOp::kSet, {InventoryEntry{"DC0001"}}));
  EXPECT_THAT(orgs_->GetDetection(OrgId("b"), "secret"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(orgs_->DeleteDetection(OrgId("b"), "secret"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(orgs_->PutDetection(OrgId("b"), Det("secret", {}), OrgStore::PutMode::kUpdate),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(auto listed, orgs_->ListDetections(OrgId("b")));
  EXPECT_TRUE(listed.empty());
  ASSERT_OK_AND_ASSIGN(auto inv, orgs_->GetInventory(OrgId("b")));
  EXPECT_TRUE(inv.empty());
  EXPECT_THAT(orgs_->UpdateInventory(OrgId("b"), OrgStore::InventoryOp::kRemove, {InventoryEntry{"DC0001"}}),
              StatusIs(absl::StatusCode::kNotFound));
  // Org b creating the same detection id makes its own copy.
  ASSERT_OK(orgs_->PutDetection(OrgId("b"), Det("secret", {"T1003"}), OrgStore::PutMode::kCreate));
  ASSERT_OK_AND_ASSIGN(Detection a_copy, orgs_->GetDetection(OrgId("a"), "secret"));
  EXPECT_EQ(a_copy.techniques, std::vector<std::string>{"T1001"});
  ASSERT_OK_AND_ASSIGN(auto a_inv, orgs_->GetInventory(OrgId("a")));
  EXPECT_EQ(a_inv.size(), 1u);
}

TEST_F(OrgStoreTest, DetectionForUnknownOrganization) {
  EXPECT_THAT(orgs_->PutDetection(OrgId("ghost"), Det("r", {}), OrgStore::PutMode::kUpsert),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ghost")));
  EXPECT_THAT(orgs_->PutDetections(OrgId("ghost"), {Det("r", {})}, false), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(CountKeys("org/"), 0);
}

TEST_F(OrgStoreTest, BulkIsAtomicAndReportsOutcomes) {
  ASSERT_OK(orgs_->CreateOrg(OrgId("a"), {}));
  ASSERT_OK_AND_ASSIGN(auto out, orgs_->PutDetections(OrgId("a"), {Det("1", {"T1001"}), Det("2", {})}, false));
  EXPECT_THAT(out, ElementsAre(OrgStore::PutOutcome::kCreated, OrgStore::PutOutcome::kCreated));
  ASSERT_OK_AND_ASSIGN(out, orgs_->PutDetections(OrgId("a"), {Det("1", {"T1001"}), Det("2", {"T1003"})}, false));
  EXPECT_THAT(out, ElementsAre(OrgStore::PutOutcome::kUnchanged, OrgStore::PutOutcome::kUpdated));
  ASSERT_OK_AND_ASSIGN(Organization before, orgs_->GetOrg(OrgId("a")));
  // Limit is 5: 4 new ones would make 6; nothing lands.
  EXPECT_THAT(orgs_->PutDetections(OrgId("a"), {Det("3", {}), Det("4", {}), Det("5", {}), Det("6", {})}, false),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("limit is 5")));
  // Duplicate ids in one batch.
  EXPECT_THAT(orgs_->PutDetections(OrgId("a"), {Det("7", {}), Det("7", {})}, false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'7' appears twice")));
  // Dry run writes nothing.
  ASSERT_OK_AND_ASSIGN(out, orgs_->PutDetections(OrgId("a"), {Det("8", {})}, true));
  EXPECT_THAT(out, ElementsAre(OrgStore::PutOutcome::kCreated));
  ASSERT_OK_AND_ASSIGN(Organization after, orgs_->GetOrg(OrgId("a")));
  EXPECT_EQ(after.generation, before.generation);
  EXPECT_EQ(after.detection_count, 2);
  EXPECT_EQ(CountKeys("org/a/det/"), 2);
}

TEST_F(OrgStoreTest, GenerationGrowsWithEveryWrite) {
  ASSERT_OK_AND_ASSIGN(Organization o, orgs_->CreateOrg(OrgId("a"), {}));
  EXPECT_EQ(o.generation, 1);
  ASSERT_OK(orgs_->PutDetection(OrgId("a"), Det("1", {}), OrgStore::PutMode::kCreate));
  ASSERT_OK_AND_ASSIGN(o, orgs_->GetOrg(OrgId("a")));
  EXPECT_EQ(o.generation, 2);
  ASSERT_OK(orgs_->UpdateInventory(OrgId("a"), OrgStore::InventoryOp::kAdd, {InventoryEntry{"DC0001"}}));
  ASSERT_OK_AND_ASSIGN(o, orgs_->GetOrg(OrgId("a")));
  EXPECT_EQ(o.generation, 3);
  EXPECT_EQ(o.inventory_count, 1);
  EXPECT_THAT(orgs_->UpdateInventory(OrgId("a"), OrgStore::InventoryOp::kAdd,
                                     {InventoryEntry{"DC0002"}, InventoryEntry{"DC0003"}, InventoryEntry{"DC0004"}}),
              StatusIs(absl::StatusCode::kResourceExhausted));
  InventoryEntry both{"DC0001", "WinEventLog:Security"};
  EXPECT_THAT(orgs_->UpdateInventory(OrgId("a"), OrgStore::InventoryOp::kAdd, {both}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not both")));
}

TEST_F(OrgStoreTest, RecordsRoundTrip) {
  Detection d = Det("x", {"T1059.001"});
  d.tags = {"attack.execution"};
  d.state = DetectionState::kTesting;
  d.sigma_status = "test";
  d.notes = {"n"};
  ASSERT_OK_AND_ASSIGN(Detection back, DecodeDetection(EncodeDetection(d)));
  EXPECT_TRUE(back.SameContent(d));
  EXPECT_THAT(DecodeDetection(EncodeDetection(d).substr(0, 10)), StatusIs(absl::StatusCode::kDataLoss));
}

// The brief decode (coverage's) reads the same fields as the full one, and
// refuses every record the full one refuses.
TEST_F(OrgStoreTest, BriefDecodeMatchesFullDecode) {
  Detection d = Det("x", {"T1059.001", "T1003"});
  d.name = "PowerShell";
  d.source_format = "sigma";
  d.query = "detection: {selection: {Image|endswith: powershell.exe}}";
  d.data_components = {"DC0032", "Command Execution"};
  d.tags = {"attack.execution", "attack.t1059.001"};
  d.description = "long text";
  d.sigma_status = "Deprecated";
  d.sigma_category = "process_creation";
  d.sigma_author = "someone";
  d.notes = {"n1", "n2"};
  d.state = DetectionState::kTesting;
  const std::string bytes = EncodeDetection(d);
  ASSERT_OK_AND_ASSIGN(DetectionBrief b, DecodeDetectionBrief(bytes));
  EXPECT_EQ(b.id, d.id);
  EXPECT_EQ(b.name, d.name);
  EXPECT_EQ(b.source_format, d.source_format);
  EXPECT_EQ(b.sigma_status, d.sigma_status);
  EXPECT_EQ(b.techniques, d.techniques);
  EXPECT_EQ(b.data_components, d.data_components);
  EXPECT_EQ(b.state, d.state);
  for (size_t cut = 0; cut < bytes.size(); ++cut)
    EXPECT_THAT(DecodeDetectionBrief(bytes.substr(0, cut)), StatusIs(absl::StatusCode::kDataLoss)) << cut;
  Detection bad = d;
  bad.state = static_cast<DetectionState>(9);
  EXPECT_THAT(DecodeDetection(EncodeDetection(bad)), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(DecodeDetectionBrief(EncodeDetection(bad)), StatusIs(absl::StatusCode::kDataLoss));

  ASSERT_OK(orgs_->CreateOrg(OrgId("a"), {}));
  ASSERT_OK(orgs_->CreateOrg(OrgId("b"), {}));
  ASSERT_OK(orgs_->PutDetections(OrgId("a"), {d, Det("y", {"T1001"})}, false));
  ASSERT_OK(orgs_->PutDetection(OrgId("b"), Det("z", {}), OrgStore::PutMode::kCreate));
  ASSERT_OK_AND_ASSIGN(auto briefs, orgs_->ListDetectionBriefs(OrgId("a")));
  ASSERT_EQ(briefs.size(), 2u);
  EXPECT_EQ(briefs[0].id, "x");
  EXPECT_EQ(briefs[1].id, "y");
  EXPECT_EQ(briefs[1].techniques, std::vector<std::string>{"T1001"});
  EXPECT_THAT(orgs_->ListDetectionBriefs(OrgId("ghost")), StatusIs(absl::StatusCode::kNotFound));
}


// Reads at one snapshot see one version of the organization: its record,
// detections and inventory as they were, whatever was written, deleted or
// re-created after.
TEST_F(OrgStoreTest, SnapshotReadsSeeOneVersionAcrossDeleteAndRecreate) {
  const OrgId org("acme");
  ASSERT_OK_AND_ASSIGN(Organization first, orgs_->CreateOrg(org, {}));
  ASSERT_OK(orgs_->PutDetection(org, Det("r1", {"T1001"}), OrgStore::PutMode::kCreate));
  ASSERT_OK(orgs_->UpdateInventory(org, OrgStore::InventoryOp::kAdd, {InventoryEntry{"DC0001"}}));
  auto at = orgs_->Snapshot();
  ASSERT_OK(orgs_->DeleteOrg(org));
  ASSERT_OK_AND_ASSIGN(Organization second, orgs_->CreateOrg(org, {}));
  ASSERT_OK(orgs_->PutDetection(org, Det("r2", {"T1002"}), OrgStore::PutMode::kCreate));
  ASSERT_NE(first.incarnation, second.incarnation);

  ASSERT_OK_AND_ASSIGN(Organization then, orgs_->GetOrg(org, at.get()));
  EXPECT_EQ(then.incarnation, first.incarnation);
  EXPECT_EQ(then.generation, 3);
  ASSERT_OK_AND_ASSIGN(auto dets, orgs_->ListDetections(org, at.get()));
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_EQ(dets[0].id, "r1");
  ASSERT_OK_AND_ASSIGN(auto briefs, orgs_->ListDetectionBriefs(org, at.get()));
  ASSERT_EQ(briefs.size(), 1u);
  EXPECT_EQ(briefs[0].id, "r1");
  ASSERT_OK_AND_ASSIGN(auto inv, orgs_->GetInventory(org, at.get()));
  ASSERT_EQ(inv.size(), 1u);
  EXPECT_EQ(inv[0].data_component, "DC0001");
  ASSERT_OK_AND_ASSIGN(Detection r1, orgs_->GetDetection(org, "r1", at.get()));
  EXPECT_EQ(r1.techniques, std::vector<std::string>{"T1001"});

  ASSERT_OK_AND_ASSIGN(auto now, orgs_->ListDetections(org));
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].id, "r2");
  ASSERT_OK_AND_ASSIGN(auto inv_now, orgs_->GetInventory(org));
  EXPECT_TRUE(inv_now.empty());
}

// While a writer rewrites every detection of an organization in one batch per
// round (all named after the round), deletes and re-creates it, a reader at one
// snapshot sees the record's detection_count detections, all of one round.
TEST_F(OrgStoreTest, ConcurrentRewritesNeverReadAsAMix) {
  const OrgId org("acme");
  ASSERT_OK(orgs_->CreateOrg(org, {}));
  auto round_of = [&](int round) {
    std::vector<Detection> ds;
    for (int i = 0; i < 5; ++i) {
      Detection d = Det("r" + std::to_string(i), {"T1001"});
      d.name = "round " + std::to_string(round);
      ds.push_back(d);
    }
    return ds;
  };
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int round = 1; round <= 300; ++round) {
      if (round % 10 == 0) {
        EXPECT_OK(orgs_->DeleteOrg(org));
        EXPECT_OK(orgs_->CreateOrg(org, {}));
      }
      EXPECT_OK(orgs_->PutDetections(org, round_of(round), false));
    }
    stop = true;
  });
  int reads = 0;
  while (!stop) {
    auto at = orgs_->Snapshot();
    auto o = orgs_->GetOrg(org, at.get());
    if (absl::IsNotFound(o.status())) continue;  // between a delete and the re-create
    ASSERT_OK(o);
    ASSERT_OK_AND_ASSIGN(auto ds, orgs_->ListDetections(org, at.get()));
    ASSERT_EQ(static_cast<int64_t>(ds.size()), o->detection_count);
    for (const Detection& d : ds) ASSERT_EQ(d.name, ds[0].name) << "detections of two rounds in one read";
    ++reads;
  }
  writer.join();
  EXPECT_GT(reads, 0);
}

}  // namespace
}  // namespace ttpgraph
