#include "storage/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <set>
#include <thread>
#include <string>
#include <vector>

#include "storage/import/bundle_parser.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

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
  // mini_attack/README.md: 54 objects are byte-identical in both files; 18.0 stores 16 new ones.
  EXPECT_EQ(second.info.object_count, 70);
  EXPECT_EQ(second.info.new_objects_stored, 16);

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

// The manifest joins the keys with '\n': a key holding one (or NUL) is
// refused by the store itself, whoever built the bundle.
TEST(StoreTest, KeysThatWouldCorruptTheManifestAreRefused) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, Store::Open(StoreOptions{dir.path()}));
  for (const std::string bad : {std::string("attack-pattern--x\n|2024|00"), std::string("a\0b", 3), std::string()}) {
    ParsedBundle b = Mini("mini-v17.json", "17.0");
    b.objects[3].key = bad;
    EXPECT_THAT(store->PutRelease(b, false),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("holds a newline or NUL")));
  }
  ASSERT_OK_AND_ASSIGN(auto releases, store->ListReleases());
  EXPECT_TRUE(releases.empty());
}

TEST(StoreTest, ContentAddressingCountsFromTheMiniReadme) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, Store::Open(StoreOptions{dir.path()}));
  ASSERT_OK_AND_ASSIGN(auto v17, store->PutRelease(Mini("mini-v17.json", "17.0"), false));
  ASSERT_OK_AND_ASSIGN(auto v18, store->PutRelease(Mini("mini-v18.json", "18.0"), false));
  EXPECT_EQ(v17.info.new_objects_stored, 60);
  EXPECT_EQ(v18.info.object_count, 70);
  EXPECT_EQ(v18.info.new_objects_stored, 16);  // 54 objects are byte-identical
  EXPECT_EQ(v18.info.counts_by_type.at("x-mitre-analytic"), 5);
  // Deleting 18.0 frees exactly the 16 objects 17.0 does not hold.
  ASSERT_OK_AND_ASSIGN(auto deleted, store->DeleteRelease(v18.info.id));
  EXPECT_EQ(deleted.objects_freed, 16);
  EXPECT_THAT(store->DeleteRelease(v18.info.id), StatusIs(absl::StatusCode::kNotFound, HasSubstr("18.0")));
  ASSERT_OK_AND_ASSIGN(auto objects, store->LoadReleaseObjects(v17.info.id));
  EXPECT_EQ(objects.size(), 60u);
  std::vector<std::string> keys;
  for (auto& o : objects) keys.push_back(o.key);
  ASSERT_OK_AND_ASSIGN(auto json, store->GetObjects(keys));
  for (size_t i = 0; i < json.size(); ++i) EXPECT_EQ(json[i], objects[i].json);
}

TEST(StoreTest, FailedPutChangesNothing) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, Store::Open(StoreOptions{dir.path()}));
  ASSERT_OK_AND_ASSIGN(auto first, store->PutRelease(Mini("mini-v17.json", "17.0"), false));
  EXPECT_THAT(store->PutRelease(Mini("mini-v18.json", "17.0"), false), StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(auto info, store->GetRelease(first.info.id));
  EXPECT_EQ(info.content_sha256, first.info.content_sha256);
  EXPECT_EQ(info.object_count, 60);
  // The refused 18.0 content left no object behind: storing it now adds its 16.
  ASSERT_OK_AND_ASSIGN(auto v18, store->PutRelease(Mini("mini-v18.json", "18.0"), false));
  EXPECT_EQ(v18.info.new_objects_stored, 16);
}

TEST(StoreTest, ReleasesOrderNumericallyAndSurviveReopen) {
  testing::TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(auto store, Store::Open(StoreOptions{dir.path()}));
    for (const char* v : {"15.1", "9.0", "18.1"}) ASSERT_OK(store->PutRelease(Mini("mini-v17.json", v), false));
  }
  ASSERT_OK_AND_ASSIGN(auto store, Store::Open(StoreOptions{dir.path()}));
  ASSERT_OK_AND_ASSIGN(auto releases, store->ListReleases());
  std::vector<std::string> names;
  for (auto& r : releases) names.push_back(r.id.Name());
  EXPECT_THAT(names, ::testing::ElementsAre("enterprise-attack@9.0", "enterprise-attack@15.1", "enterprise-attack@18.1"));
  ASSERT_OK_AND_ASSIGN(auto ref, ReleaseRef::Parse("enterprise-attack@latest"));
  ASSERT_OK_AND_ASSIGN(auto latest, store->Resolve(ref));
  EXPECT_EQ(latest.Name(), "enterprise-attack@18.1");
  ASSERT_OK_AND_ASSIGN(auto mobile, ReleaseRef::Parse("mobile-attack@latest"));
  EXPECT_THAT(store->Resolve(mobile), StatusIs(absl::StatusCode::kNotFound, HasSubstr("mobile-attack")));
  ASSERT_OK_AND_ASSIGN(auto missing, ReleaseRef::Parse("enterprise-attack@16.1"));
  EXPECT_THAT(store->Resolve(missing), StatusIs(absl::StatusCode::kNotFound, HasSubstr("enterprise-attack@16.1")));
  // A domain that is not MITRE's is known once a release of it is stored.
  for (const char* text : {"pre-attack@1.0", "pre-attack@latest"}) {
    ASSERT_OK_AND_ASSIGN(auto unknown, ReleaseRef::Parse(text));
    EXPECT_THAT(store->Resolve(unknown), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown domain 'pre-attack'")));
  }
  // A bound: RocksDB's file sizes are not fixed (compression, compaction, its version).
  EXPECT_GT(store->DiskUsageBytes(), 0);
}

TEST(StoreTest, ReleaseRefSyntax) {
  EXPECT_THAT(ReleaseRef::Parse("enterprise-attack"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("DOMAIN@VERSION")));
  // Any domain name parses (whether it is known is the store's question); a malformed one does not.
  ASSERT_OK_AND_ASSIGN(auto framework, ReleaseRef::Parse("atlas@4.9"));
  EXPECT_EQ(framework.domain, "atlas");
  for (const char* bad : {"Pre-Attack@1.0", "pre attack@1.0", "@1.0", "-atlas@1.0"})
    EXPECT_THAT(ReleaseRef::Parse(bad), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown domain"))) << bad;
  EXPECT_THAT(ReleaseRef::Parse("enterprise-attack@1..0"), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(auto a, Version::Parse("18"));
  ASSERT_OK_AND_ASSIGN(auto b, Version::Parse("18.0.0"));
  EXPECT_TRUE(a == b);
  EXPECT_EQ(a.ToString(), "18.0");
  ASSERT_OK_AND_ASSIGN(auto nine, Version::Parse("9.0"));
  ASSERT_OK_AND_ASSIGN(auto fifteen, Version::Parse("15.1"));
  EXPECT_TRUE(nine < fifteen);
}

TEST(StoreTest, KvSpace) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, Store::Open(StoreOptions{dir.path()}));
  ASSERT_OK(store->KvWrite({{Store::KvOp::kPut, "t/a", "1"}, {Store::KvOp::kPut, "t/b", "2"},
                            {Store::KvOp::kPut, "t/c", "3"}, {Store::KvOp::kPut, "u/a", "9"}}));
  ASSERT_OK_AND_ASSIGN(auto v, store->KvGet("t/b"));
  EXPECT_EQ(v, "2");
  EXPECT_THAT(store->KvGet("t/z"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(auto many, store->KvMultiGet({"t/a", "t/z", "u/a"}));
  ASSERT_EQ(many.size(), 3u);
  EXPECT_EQ(many[0], std::optional<std::string>("1"));
  EXPECT_EQ(many[1], std::nullopt);
  EXPECT_EQ(many[2], std::optional<std::string>("9"));
  std::vector<std::string> seen;
  ASSERT_OK(store->KvScan("t/", [&](std::string_view k, std::string_view val) {
    seen.push_back(std::string(k) + "=" + std::string(val));
    return true;
  }));
  EXPECT_THAT(seen, ::testing::ElementsAre("t/a=1", "t/b=2", "t/c=3"));
  ASSERT_OK(store->KvWrite({{Store::KvOp::kDeleteRange, "t/a", "t/c"}, {Store::KvOp::kDelete, "u/a", ""}}));
  seen.clear();
  ASSERT_OK(store->KvScan("", [&](std::string_view k, std::string_view) {
    seen.push_back(std::string(k));
    return true;
  }));
  EXPECT_THAT(seen, ::testing::ElementsAre("t/c"));
  // Releases do not show up in the KV space, nor the other way round.
  ASSERT_OK(store->PutRelease(Mini("mini-v21-collection.json", "18.1"), false));
  seen.clear();
  ASSERT_OK(store->KvScan("", [&](std::string_view k, std::string_view) {
    seen.push_back(std::string(k));
    return true;
  }));
  EXPECT_THAT(seen, ::testing::ElementsAre("t/c"));
}


// A release read (manifest + records, or + objects) is one snapshot: while
// another thread imports, replaces and deletes the same release over and over,
// every read answers one whole version of it or NOT_FOUND, never DATA_LOSS and
// never a mix of two versions' objects.
TEST(StoreTest, ReleaseReadsUnderConcurrentReplaceAndDeleteAreWholeOrNotFound) {
  testing::TempDir dir;
  StoreOptions so{dir.path()};
  so.sync_writes = false;
  ASSERT_OK_AND_ASSIGN(auto store, Store::Open(so));
  const ParsedBundle a = Mini("mini-v17.json", "17.0");
  const ParsedBundle b = Mini("mini-v18.json", "17.0");  // other content, same release id
  std::set<std::string> keys_a, keys_b;
  for (auto& o : a.objects) keys_a.insert(o.key);
  for (auto& o : b.objects) keys_b.insert(o.key);
  ASSERT_NE(keys_a, keys_b);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int round = 0; round < 150; ++round) {
      EXPECT_OK(store->PutRelease(a, /*replace=*/true));
      EXPECT_OK(store->PutRelease(b, /*replace=*/true));
      EXPECT_OK(store->DeleteRelease(a.id));
    }
    stop = true;
  });
  int whole_a = 0, whole_b = 0, absent = 0;
  while (!stop) {
    auto records = store->LoadReleaseRecords(a.id);
    auto objects = store->LoadReleaseObjects(a.id);
    for (const absl::Status& s : {records.status(), objects.status()})
      ASSERT_TRUE(s.ok() || absl::IsNotFound(s)) << s;
    if (records.ok()) {
      std::set<std::string> got;
      for (auto& r : *records) got.insert(r.key);
      ASSERT_TRUE(got == keys_a || got == keys_b) << "records of a mix of two versions: " << got.size();
      (got == keys_a ? whole_a : whole_b)++;
    } else {
      ++absent;
    }
    if (objects.ok()) {
      std::set<std::string> got;
      for (auto& o : *objects) got.insert(o.key);
      ASSERT_TRUE(got == keys_a || got == keys_b) << "objects of a mix of two versions: " << got.size();
    }
  }
  writer.join();
  EXPECT_GT(whole_a + whole_b + absent, 0);
}

// Objects read by keys from a graph of a release that was deleted meanwhile:
// ABORTED naming the release (a retry reads the store as it is), not DATA_LOSS.
TEST(StoreTest, ObjectsOfADeletedReleaseAreAbortedNotDataLoss) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, Store::Open(StoreOptions{dir.path()}));
  ASSERT_OK_AND_ASSIGN(auto v17, store->PutRelease(Mini("mini-v17.json", "17.0"), false));
  ASSERT_OK_AND_ASSIGN(auto v18, store->PutRelease(Mini("mini-v18.json", "18.0"), false));
  auto keys_of = [&](const ReleaseId& id) {
    std::vector<std::string> keys;
    auto objects = store->LoadReleaseObjects(id);
    EXPECT_OK(objects);
    for (auto& o : *objects) keys.push_back(o.key);
    return keys;
  };
  const std::vector<std::string> keys17 = keys_of(v17.info.id), keys18 = keys_of(v18.info.id);
  ASSERT_OK_AND_ASSIGN(auto json, store->GetReleaseObjects({v18.info.id}, keys18));
  EXPECT_EQ(json.size(), 70u);
  // Deleted: its 16 objects 17.0 does not hold are freed.
  ASSERT_OK(store->DeleteRelease(v18.info.id));
  EXPECT_THAT(store->GetReleaseObjects({v18.info.id}, keys18),
              StatusIs(absl::StatusCode::kAborted,
                       HasSubstr("release enterprise-attack@18.0 was replaced or deleted while this call read it")));
  // Replaced by other content: 17.0's 6 objects the new content lacks are freed.
  ASSERT_OK(store->PutRelease(Mini("mini-v18.json", "17.0"), /*replace=*/true));
  EXPECT_THAT(store->GetReleaseObjects({v17.info.id, v18.info.id}, keys17),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("enterprise-attack@17.0 or enterprise-attack@18.0")));
  // The keys the new content holds read as before.
  ASSERT_OK_AND_ASSIGN(json, store->GetReleaseObjects({v17.info.id}, keys18));
  EXPECT_EQ(json.size(), 70u);
}

// RocksDB 7.8 (Debian 12) drops every key of a table file ingested at sequence
// number 0 when a compaction runs while a snapshot at sequence 0 is held
// (facebook/rocksdb#13155, fixed upstream in 9.x). A first import into an empty
// store is ingested at 0, and the compaction that follows it ran while the
// first reads held snapshots: the release vanished, for good. The store keeps
// its sequence number past 0, so a snapshot is never at 0.
TEST(StoreTest, FirstImportSurvivesItsCompactionUnderASnapshot) {
  testing::TempDir dir;
  const ParsedBundle v17 = Mini("mini-v17.json", "17.0");
  {
    ASSERT_OK_AND_ASSIGN(auto store, Store::Open(StoreOptions{dir.path()}));
    ASSERT_OK(store->PutRelease(v17, false));
    auto held = store->Snapshot();  // as the first graph build holds while the compaction runs
    ASSERT_OK_AND_ASSIGN(auto records, store->LoadReleaseRecords(v17.id));
    EXPECT_EQ(records.size(), v17.objects.size());
    store->WaitForCompaction();
    ASSERT_OK(store->GetRelease(v17.id));
    ASSERT_OK_AND_ASSIGN(records, store->LoadReleaseRecords(v17.id));
    EXPECT_EQ(records.size(), v17.objects.size());
    ASSERT_OK_AND_ASSIGN(auto objects, store->LoadReleaseObjects(v17.id));
    EXPECT_EQ(objects.size(), v17.objects.size());
  }
  ASSERT_OK_AND_ASSIGN(auto reopened, Store::Open(StoreOptions{dir.path()}));
  ASSERT_OK_AND_ASSIGN(auto records, reopened->LoadReleaseRecords(v17.id));
  EXPECT_EQ(records.size(), v17.objects.size());
}

// A snapshot sees the key-value space as it was: later writes and deletes are not in it.
TEST(StoreTest, KvReadsAtASnapshotSeeOneMoment) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, Store::Open(StoreOptions{dir.path()}));
  ASSERT_OK(store->KvWrite({{Store::KvOp::kPut, "t/a", "1"}, {Store::KvOp::kPut, "t/b", "1"}}));
  auto at = store->Snapshot();
  ASSERT_OK(store->KvWrite({{Store::KvOp::kPut, "t/a", "2"}, {Store::KvOp::kDelete, "t/b", ""},
                            {Store::KvOp::kPut, "t/c", "2"}}));
  ASSERT_OK_AND_ASSIGN(std::string a_then, store->KvGet("t/a", at.get()));
  EXPECT_EQ(a_then, "1");
  ASSERT_OK_AND_ASSIGN(std::string a_now, store->KvGet("t/a"));
  EXPECT_EQ(a_now, "2");
  ASSERT_OK_AND_ASSIGN(auto multi, store->KvMultiGet({"t/a", "t/b", "t/c"}, at.get()));
  EXPECT_EQ(multi[0], std::optional<std::string>("1"));
  EXPECT_EQ(multi[1], std::optional<std::string>("1"));
  EXPECT_EQ(multi[2], std::nullopt);
  std::vector<std::string> scanned;
  ASSERT_OK(store->KvScan("t/", [&](std::string_view k, std::string_view v) {
    scanned.push_back(std::string(k) + "=" + std::string(v));
    return true;
  }, at.get()));
  EXPECT_EQ(scanned, (std::vector<std::string>{"t/a=1", "t/b=1"}));
}

}  // namespace
}  // namespace ttpgraph
