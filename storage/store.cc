#include "storage/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include "storage/strings.h"
#include "absl/time/clock.h"
#include "storage/import/sha256.h"
#include "storage/internal/key_codec.h"
#include "storage/internal/rocks_status.h"
#include "storage/record.h"

namespace ttpgraph {
namespace {
using internal::FromRocks;

constexpr const char* kReleasesCf = "releases";
constexpr const char* kReleaseObjectsCf = "release_objects";
constexpr const char* kObjectsCf = "objects";
constexpr const char* kRefsCf = "refs";
constexpr const char* kKvCf = "kv";
constexpr const char* kRecordsCf = "records";

rocksdb::CompressionType BestCompression() {
  auto supported = rocksdb::GetSupportedCompressions();
  for (auto c : {rocksdb::kZSTD, rocksdb::kLZ4Compression, rocksdb::kSnappyCompression})
    if (std::find(supported.begin(), supported.end(), c) != supported.end()) return c;
  return rocksdb::kNoCompression;
}

// Digest of a release's content: sha256 over its sorted object keys, which
// themselves carry each object's content digest.
std::string ContentDigest(const std::vector<std::string>& sorted_keys) {
  Sha256 h;
  for (auto& k : sorted_keys) {
    h.Update(k);
    h.Update("\n");
  }
  return h.FinishHex();
}
}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  std::error_code ec;
  if (options.create_if_missing) std::filesystem::create_directories(options.path, ec);
  if (ec)
    return absl::InvalidArgumentError(Cat("cannot create data directory ", options.path, ": ", ec.message()));

  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.max_open_files = 512;
  db_options.keep_log_file_num = 3;
  db_options.db_write_buffer_size = 128 << 20;  // all memtables together
  db_options.max_total_wal_size = 64 << 20;      // bounds WAL replay at open

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_mib << 20);
  table.block_size = 16 * 1024;
  rocksdb::ColumnFamilyOptions cf;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = BestCompression();
  cf.write_buffer_size = 64 << 20;  // one enterprise release fits one memtable

  // Object texts and records: successive versions of one object sort next to
  // each other, so once compaction has merged the imports' table files, larger
  // blocks let zstd compress the versions against each other (six releases
  // then cost less than twice one). Compact as soon as two imports are flushed.
  rocksdb::BlockBasedTableOptions big_blocks = table;
  big_blocks.block_size = 64 * 1024;
  rocksdb::ColumnFamilyOptions content_cf = cf;
  content_cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(big_blocks));
  content_cf.level0_file_num_compaction_trigger = 2;

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, cf}, {kReleasesCf, cf}, {kReleaseObjectsCf, cf},
      {kObjectsCf, content_cf}, {kRefsCf, cf}, {kKvCf, cf}, {kRecordsCf, content_cf}};
  std::unique_ptr<Store> store(new Store());
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::Open(db_options, options.path, cfs, &store->handles_, &db);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
      return absl::FailedPreconditionError(
          Cat("data directory ", options.path, " is in use by another process: ", s.ToString()));
    return FromRocks(s, Cat("opening RocksDB at ", options.path));
  }
  store->db_.reset(db);
  store->releases_ = store->handles_[1];
  store->release_objects_ = store->handles_[2];
  store->objects_ = store->handles_[3];
  store->refs_ = store->handles_[4];
  store->kv_ = store->handles_[5];
  store->records_ = store->handles_[6];
  store->sync_writes_ = options.sync_writes;
  return store;
}

Store::~Store() {
  if (!db_) return;
  // With a WAL, RocksDB does not flush at close; flushing here keeps the next
  // open from replaying the imports' WAL (seconds for a few releases).
  rocksdb::FlushOptions fo;
  fo.wait = true;
  db_->Flush(fo, handles_);
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close();
}

absl::StatusOr<Store::PutResult> Store::PutRelease(const ParsedBundle& bundle, bool replace) {
  std::vector<std::string> keys;
  keys.reserve(bundle.objects.size());
  for (auto& o : bundle.objects) keys.push_back(o.key);
  std::sort(keys.begin(), keys.end());
  const std::string digest = ContentDigest(keys);

  absl::MutexLock lock(&write_mu_);
  size_t batch_bytes = 4096;
  for (auto& o : bundle.objects) batch_bytes += 3 * o.key.size() + o.json.size() + o.record.size() + 64;
  rocksdb::WriteBatch batch(batch_bytes);  // reserved once: no regrowth copies of ~40 MB
  const std::string rkey = internal::ReleaseKey(bundle.id);
  PutOutcome outcome = PutOutcome::kCreated;
  std::vector<std::string> old_keys;  // sorted: the replaced release's objects

  auto existing = GetRelease(bundle.id);
  if (existing.ok()) {
    if (existing->content_sha256 == digest) return PutResult{*existing, PutOutcome::kUnchanged};
    if (!replace)
      return absl::AlreadyExistsError(Cat(
          "release ", bundle.id.Name(), " already exists with different content (sha256 ",
          existing->content_sha256.substr(0, 12), "..., new ", digest.substr(0, 12),
          "...); import with replace to overwrite it"));
    auto keys_or = ReleaseObjectKeys(bundle.id);
    if (!keys_or.ok()) return keys_or.status();
    old_keys = std::move(*keys_or);
    outcome = PutOutcome::kReplaced;
  } else if (!absl::IsNotFound(existing.status())) {
    return existing.status();
  }

  // Every touched key with its reference-count change, in key order: sorted
  // writes insert into RocksDB's memtable skip list several times faster.
  std::vector<std::pair<std::string_view, int>> touched;
  touched.reserve(keys.size() + old_keys.size());
  {
    size_t i = 0, j = 0;
    while (i < keys.size() || j < old_keys.size()) {
      if (j == old_keys.size() || (i < keys.size() && keys[i] < old_keys[j])) touched.emplace_back(keys[i++], +1);
      else if (i == keys.size() || old_keys[j] < keys[i]) touched.emplace_back(old_keys[j++], -1);
      else ++i, ++j;  // in both: unchanged count
    }
  }
  std::vector<rocksdb::Slice> slices;
  slices.reserve(touched.size());
  for (auto& [k, d] : touched) slices.emplace_back(k.data(), k.size());
  std::vector<rocksdb::PinnableSlice> values(touched.size());
  std::vector<rocksdb::Status> statuses(touched.size());
  db_->MultiGet(rocksdb::ReadOptions(), refs_, touched.size(), slices.data(), values.data(), statuses.data(),
                /*sorted_input=*/true);

  std::unordered_map<std::string_view, const StoredObject*> object_of;
  object_of.reserve(bundle.objects.size());
  for (auto& o : bundle.objects) object_of.emplace(o.key, &o);
  int64_t new_objects = 0;
  for (size_t i = 0; i < touched.size(); ++i) {
    int64_t before = 0;
    if (statuses[i].ok()) before = internal::DecodeFixed32(values[i].ToStringView());
    else if (!statuses[i].IsNotFound()) return FromRocks(statuses[i], "reading reference counts");
    const int64_t after = before + touched[i].second;
    const rocksdb::Slice key = slices[i];
    if (after <= 0) {
      batch.Delete(refs_, key);
      batch.Delete(objects_, key);
      batch.Delete(records_, key);
      continue;
    }
    batch.Put(refs_, key, internal::EncodeFixed32(static_cast<uint32_t>(after)));
    if (before == 0) {
      const StoredObject* o = object_of.at(touched[i].first);
      batch.Put(objects_, key, o->json);
      batch.Put(records_, key, o->record);
      ++new_objects;
    }
  }

  ReleaseInfo info;
  info.id = bundle.id;
  info.spec_version = bundle.spec_version;
  info.content_sha256 = digest;
  info.object_count = static_cast<int64_t>(keys.size());
  info.counts_by_type = bundle.counts_by_type;
  info.dangling_relationships = static_cast<int64_t>(bundle.dangling_relationship_ids.size());
  info.imported_at_unix_ms = absl::ToUnixMillis(absl::Now());
  info.new_objects_stored = new_objects;
  batch.Put(releases_, rkey, internal::EncodeReleaseInfo(info));
  batch.Put(release_objects_, rkey, Join(keys, "\n"));

  rocksdb::WriteOptions wo;
  wo.sync = sync_writes_;
  auto s = db_->Write(wo, &batch);
  if (!s.ok()) return FromRocks(s, Cat("writing release ", bundle.id.Name()));
  // Turn the import into table files in the background, so the WAL it wrote
  // is released and never replayed at the next open.
  rocksdb::FlushOptions fo;
  fo.wait = false;
  fo.allow_write_stall = true;
  db_->Flush(fo, handles_);
  return PutResult{std::move(info), outcome};
}

absl::StatusOr<std::vector<ReleaseInfo>> Store::ListReleases() const {
  std::vector<ReleaseInfo> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), releases_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto info = internal::DecodeReleaseInfo(it->value().ToStringView());
    if (!info.ok()) return info.status();
    out.push_back(std::move(*info));
  }
  if (auto s = FromRocks(it->status(), "listing releases"); !s.ok()) return s;
  return out;
}

absl::StatusOr<ReleaseInfo> Store::GetRelease(const ReleaseId& id) const {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), releases_, internal::ReleaseKey(id), &value);
  if (s.IsNotFound()) return absl::NotFoundError(Cat("release ", id.Name(), " is not imported"));
  if (!s.ok()) return FromRocks(s, "reading release");
  return internal::DecodeReleaseInfo(value);
}

absl::StatusOr<ReleaseId> Store::Resolve(const ReleaseRef& ref) const {
  if (!ref.latest) {
    ReleaseId id{ref.domain, ref.version};
    if (auto info = GetRelease(id); !info.ok()) return info.status();
    return id;
  }
  // Keys sort by domain then version: the last key with this domain prefix is the newest.
  std::string prefix = ref.domain;
  prefix.push_back('\0');
  std::string upper = ref.domain;
  upper.push_back('\1');
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), releases_));
  it->SeekForPrev(upper);
  if (!it->Valid() || !it->key().starts_with(prefix))
    return absl::NotFoundError(Cat("no ", ref.domain, " release is imported"));
  return internal::DecodeReleaseKey(it->key().ToStringView());
}

absl::StatusOr<std::vector<std::string>> Store::ReleaseObjectKeys(const ReleaseId& id) const {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), release_objects_, internal::ReleaseKey(id), &value);
  if (s.IsNotFound()) return absl::NotFoundError(Cat("release ", id.Name(), " is not imported"));
  if (!s.ok()) return FromRocks(s, "reading release manifest");
  if (value.empty()) return std::vector<std::string>{};
  return std::vector<std::string>(Split(value, '\n'));
}

absl::StatusOr<Store::DeleteResult> Store::DeleteRelease(const ReleaseId& id) {
  absl::MutexLock lock(&write_mu_);
  auto info = GetRelease(id);
  if (!info.ok()) return info.status();
  auto keys = ReleaseObjectKeys(id);
  if (!keys.ok()) return keys.status();
  std::vector<rocksdb::Slice> slices(keys->begin(), keys->end());
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(keys->size(), refs_);
  std::vector<std::string> values;
  auto statuses = db_->MultiGet(rocksdb::ReadOptions(), cfs, slices, &values);
  rocksdb::WriteBatch batch;
  DeleteResult result{*info, 0};
  for (size_t i = 0; i < keys->size(); ++i) {
    if (!statuses[i].ok() && !statuses[i].IsNotFound()) return FromRocks(statuses[i], "reading reference counts");
    uint32_t n = statuses[i].ok() ? internal::DecodeFixed32(values[i]) : 0;
    if (n <= 1) {
      batch.Delete(refs_, (*keys)[i]);
      batch.Delete(objects_, (*keys)[i]);
      batch.Delete(records_, (*keys)[i]);
      ++result.objects_freed;
    } else {
      batch.Put(refs_, (*keys)[i], internal::EncodeFixed32(n - 1));
    }
  }
  const std::string rkey = internal::ReleaseKey(id);
  batch.Delete(releases_, rkey);
  batch.Delete(release_objects_, rkey);
  rocksdb::WriteOptions wo;
  wo.sync = sync_writes_;
  if (auto s = db_->Write(wo, &batch); !s.ok()) return FromRocks(s, Cat("deleting release ", id.Name()));
  return result;
}

absl::StatusOr<std::vector<StoredObject>> Store::LoadReleaseObjects(const ReleaseId& id) const {
  auto keys = ReleaseObjectKeys(id);
  if (!keys.ok()) return keys.status();
  auto json = GetObjects(*keys);
  if (!json.ok()) return json.status();
  std::vector<StoredObject> out(keys->size());
  for (size_t i = 0; i < keys->size(); ++i) out[i] = StoredObject{std::move((*keys)[i]), std::move((*json)[i])};
  return out;
}

absl::StatusOr<std::vector<KeyedRecord>> Store::LoadReleaseRecords(const ReleaseId& id) const {
  auto keys = ReleaseObjectKeys(id);
  if (!keys.ok()) return keys.status();
  // One forward scan, merged with the release's sorted keys: the records of
  // other releases sit between them, and stepping over a few is much cheaper
  // than a point lookup per key across every table file.
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, records_));
  std::vector<KeyedRecord> out(keys->size());
  for (size_t i = 0; i < keys->size(); ++i) {
    const std::string& key = (*keys)[i];
    int steps = 0;
    while (it->Valid() && it->key().compare(key) < 0 && steps < 8) it->Next(), ++steps;
    if (!it->Valid() || it->key().compare(key) < 0) it->Seek(key);
    if (!it->Valid() || it->key().compare(key) != 0) {
      if (!it->status().ok()) return FromRocks(it->status(), "reading records");
      return absl::DataLossError(Cat("record of stored object ", key, " is missing"));
    }
    auto record = DecodeRecord(it->value().ToStringView());
    if (!record.ok()) return absl::DataLossError(Cat("record of ", key, ": ", record.status().message()));
    out[i].key = std::move((*keys)[i]);
    out[i].record = std::move(*record);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> Store::GetObjects(const std::vector<std::string>& keys) const {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // a whole release is read once per graph build
  db_->MultiGet(ro, objects_, keys.size(), slices.data(), values.data(), statuses.data(), /*sorted_input=*/false);
  std::vector<std::string> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) return absl::DataLossError(Cat("stored object ", keys[i], " is missing"));
    if (!statuses[i].ok()) return FromRocks(statuses[i], "reading objects");
    out[i].assign(values[i].data(), values[i].size());
  }
  return out;
}

absl::Status Store::KvWrite(const std::vector<KvOp>& ops) {
  rocksdb::WriteBatch batch;
  for (auto& op : ops) {
    switch (op.kind) {
      case KvOp::kPut: batch.Put(kv_, op.key, op.value); break;
      case KvOp::kDelete: batch.Delete(kv_, op.key); break;
      case KvOp::kDeleteRange: batch.DeleteRange(kv_, op.key, op.value); break;
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync_writes_;
  return FromRocks(db_->Write(wo, &batch), "writing");
}

absl::StatusOr<std::string> Store::KvGet(std::string_view key) const {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), kv_, rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return absl::NotFoundError(Cat("no key ", key));
  if (!s.ok()) return FromRocks(s, "reading");
  return value;
}

absl::StatusOr<std::vector<std::optional<std::string>>> Store::KvMultiGet(const std::vector<std::string>& keys) const {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), kv_, keys.size(), slices.data(), values.data(), statuses.data());
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].ok()) out[i] = std::string(values[i].data(), values[i].size());
    else if (!statuses[i].IsNotFound()) return FromRocks(statuses[i], "reading");
  }
  return out;
}

absl::Status Store::KvScan(std::string_view prefix,
                           const std::function<bool(std::string_view, std::string_view)>& fn) const {
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, kv_));
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
    std::string_view k = it->key().ToStringView();
    if (k.substr(0, prefix.size()) != prefix) break;
    if (!fn(k, it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), "scanning");
}

int64_t Store::DiskUsageBytes() const {
  uint64_t total = 0;
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator(db_->GetName(), ec))
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  return static_cast<int64_t>(total);
}

}  // namespace ttpgraph
