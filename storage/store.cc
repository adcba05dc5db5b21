#include "storage/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/listener.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/table_properties.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "storage/strings.h"
#include "absl/time/clock.h"
#include "storage/import/sha256.h"
#include "storage/internal/fault_file_system.h"
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

rocksdb::ReadOptions ReadAt(const StoreSnapshot* at) {
  rocksdb::ReadOptions ro;
  if (at) ro.snapshot = at->get();
  return ro;
}

// Digest of a release's content: sha256 over its sorted object keys, which
// themselves carry each object's content digest.
template <typename Keys, typename KeyOf>
std::string ContentDigest(const Keys& sorted, KeyOf key_of) {
  Sha256 h;
  for (auto& k : sorted) {
    h.Update(key_of(k));
    h.Update("\n");
  }
  return h.FinishHex();
}
}  // namespace

// A new release is written as one table file per column family and ingested
// into all of them in one atomic step (see PutRelease). The files are written
// uncompressed, which keeps zstd off the import's path; a background thread
// then compacts the content column families, which compresses them as the
// WAL-and-flush path did.
struct Store::Ingest {
  std::string dir;                          // staging directory for the files
  rocksdb::Options sst;                     // uncompressed, for all column families
  rocksdb::Options content_sst;             // the same with the content families' 64 KB blocks
  std::atomic<uint64_t> next_file{0};
  std::mutex mu;
  std::condition_variable cv;
  bool compact_pending = false;  // guarded by mu
  bool compacting = false;       // guarded by mu
  bool stopping = false;         // guarded by mu
  std::thread compactor;

  // Runs `compact` whenever an import asked for it; at shutdown, finishes a
  // pending compaction first so that the files on disk end up compressed.
  void Start(std::function<void()> compact) {
    compactor = std::thread([this, compact = std::move(compact)] {
      std::unique_lock<std::mutex> lock(mu);
      while (true) {
        cv.wait(lock, [&] { return compact_pending || stopping; });
        if (!compact_pending) return;
        compact_pending = false;
        compacting = true;
        lock.unlock();
        compact();
        lock.lock();
        compacting = false;
        cv.notify_all();
      }
    });
  }
  void RequestCompaction() {
    {
      std::lock_guard<std::mutex> lock(mu);
      compact_pending = true;
    }
    cv.notify_all();
  }
  bool Busy() {
    std::lock_guard<std::mutex> lock(mu);
    return compact_pending || compacting;
  }
  void WaitIdle() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return (!compact_pending && !compacting) || !compactor.joinable(); });
  }
  ~Ingest() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
    }
    cv.notify_all();
    if (compactor.joinable()) compactor.join();
  }
};

// Writes refused after a space or I/O failure, and the thread that resumes
// them. RocksDB stops writes itself after such a failure of a WAL write, a
// flush or a MANIFEST update (its background error, cleared by DB::Resume); a
// table file of an import that cannot be written leaves RocksDB as it was, but
// the disk is just as full. Either way the store refuses writes with that
// error until a probe file can be written and synced and DB::Resume succeeds,
// so that the write path's health reads one state.
struct Store::Health {
  absl::Mutex mu;
  absl::CondVar wake;
  absl::Status error ABSL_GUARDED_BY(mu);  // OK while writes are accepted
  bool stopping ABSL_GUARDED_BY(mu) = false;
  std::thread resumer;

  // The first failure since writes were last accepted is the cause reported.
  void Fail(const absl::Status& s) {
    absl::MutexLock l(&mu);
    if (error.ok()) error = s;
  }
  void Start(Store* store, int interval_ms) {
    resumer = std::thread([this, store, interval_ms] {
      absl::MutexLock l(&mu);
      while (!stopping) {
        wake.WaitWithTimeout(&mu, absl::Milliseconds(std::max(interval_ms, 1)));
        if (stopping || error.ok()) continue;
        mu.Unlock();
        store->ResumeWrites();  // its answer is what WriteHealth() reads next
        mu.Lock();
      }
    });
  }
  void Stop() {
    {
      absl::MutexLock l(&mu);
      stopping = true;
      wake.Signal();
    }
    if (resumer.joinable()) resumer.join();
  }
};

namespace {
// RocksDB's background errors (a WAL write, flush, compaction or MANIFEST
// update that could not write) stop writes as a failed write does. RocksDB's
// own recovery from a full disk is turned off: it polls the free space of the
// file system every few seconds (its SstFileManager) and answers Busy to a
// Resume meanwhile; the store's probe-then-Resume is the one way back, so a
// write can resume the store as soon as the disk takes it.
class BackgroundErrorListener : public rocksdb::EventListener {
 public:
  explicit BackgroundErrorListener(std::function<void(const rocksdb::Status&)> fail) : fail_(std::move(fail)) {}
  void OnBackgroundError(rocksdb::BackgroundErrorReason, rocksdb::Status* error) override {
    if (error && error->IsIOError()) fail_(*error);
  }
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status, bool* auto_recovery) override {
    if (auto_recovery) *auto_recovery = false;
  }

 private:
  std::function<void(const rocksdb::Status&)> fail_;
};
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
  store->health_ = std::make_unique<Health>();
  Health* health = store->health_.get();
  db_options.listeners.push_back(std::make_shared<BackgroundErrorListener>(
      [health](const rocksdb::Status& s) { health->Fail(FromRocks(s, "writing")); }));
  if (options.disk_faults) {
    store->fault_env_ = rocksdb::NewCompositeEnv(
        internal::NewFaultFileSystem(rocksdb::FileSystem::Default(), options.disk_faults));
    db_options.env = store->fault_env_.get();
  }
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
  // RocksDB 7.8 drops every key of a table file ingested at sequence number 0
  // when a compaction runs while a snapshot at 0 is held (facebook/rocksdb#13155,
  // fixed in 9.x): a first import into an empty store is ingested at 0, and the
  // reads that follow hold snapshots at the store's sequence number, 0 too,
  // while the compaction after the import runs. One write moves the sequence
  // number past 0 for good; a store already at 0 with ingested data (made before
  // this write existed) is safe from here on too.
  if (db->GetLatestSequenceNumber() == 0) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db->Put(wo, store->handles_[0], "sequence-floor",
                "one write that keeps snapshots off sequence number 0 (facebook/rocksdb#13155)");
    if (!s.ok()) return FromRocks(s, Cat("writing to the new store at ", options.path));
  }

  auto ingest = std::make_unique<Ingest>();
  ingest->dir = options.path + "/ingest";
  std::filesystem::remove_all(ingest->dir, ec);  // files of an import cut short by a crash
  std::filesystem::create_directories(ingest->dir, ec);
  if (ec) return absl::InternalError(Cat("cannot create ", ingest->dir, ": ", ec.message()));
  rocksdb::BlockBasedTableOptions sst_table = table;
  sst_table.checksum = rocksdb::kXXH3;  // RocksDB's CRC32c is the slow portable one here
  rocksdb::BlockBasedTableOptions sst_big_blocks = big_blocks;
  sst_big_blocks.checksum = rocksdb::kXXH3;
  ingest->sst = rocksdb::Options(db_options, cf);
  ingest->sst.compression = rocksdb::kNoCompression;
  ingest->sst.table_factory.reset(rocksdb::NewBlockBasedTableFactory(sst_table));
  ingest->content_sst = rocksdb::Options(db_options, content_cf);
  ingest->content_sst.compression = rocksdb::kNoCompression;
  ingest->content_sst.table_factory.reset(rocksdb::NewBlockBasedTableFactory(sst_big_blocks));
  // Compactions (the LOW pool) run at the lowest CPU priority: compressing an
  // import must not slow the queries that follow it on a 2-core machine.
  rocksdb::Env::Default()->LowerThreadPoolCPUPriority(rocksdb::Env::LOW, rocksdb::CpuPriority::kLow);
  Store* raw = store.get();
  ingest->Start([raw, after = options.after_compaction] {
    raw->CompactImported();
    if (after) after();
  });
  store->ingest_ = std::move(ingest);
  store->health_->Start(raw, options.resume_interval_ms);
  // Imported files still uncompressed (a close stopped their compaction): compress them now.
  for (auto* family : {store->objects_, store->records_}) {
    if (BestCompression() == rocksdb::kNoCompression) break;
    rocksdb::TablePropertiesCollection tables;
    if (!store->db_->GetPropertiesOfAllTables(family, &tables).ok()) continue;
    if (std::any_of(tables.begin(), tables.end(),
                    [](const auto& t) { return t.second->compression_name == "NoCompression"; })) {
      store->ingest_->RequestCompaction();
      break;
    }
  }
  return store;
}

void Store::WaitForCompaction() { ingest_->WaitIdle(); }

absl::Status Store::WriteHealth() const {
  absl::MutexLock l(&health_->mu);
  return health_->error;
}

absl::Status Store::WriteFailed(const rocksdb::Status& s, std::string_view what) {
  absl::Status status = FromRocks(s, what);
  if (s.IsIOError()) health_->Fail(status);
  return status;
}

absl::Status Store::ResumeWrites() {
  const absl::Status cause = WriteHealth();
  if (cause.ok()) return cause;
  // The disk first: RocksDB's Resume flushes the memtables, which on a disk
  // still full fails and stops writes again.
  rocksdb::FileSystem* fs = db_->GetFileSystem();
  const std::string probe = Cat(ingest_->dir, "/write-probe");
  const rocksdb::IOOptions io;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus probed = fs->NewWritableFile(probe, rocksdb::FileOptions(), &file, nullptr);
  if (probed.ok()) probed = file->Append(std::string(64 << 10, '\0'), io, nullptr);
  if (probed.ok()) probed = file->Fsync(io, nullptr);
  if (file) file->Close(io, nullptr);
  fs->DeleteFile(probe, io, nullptr);
  if (!probed.ok())
    return absl::Status(FromRocks(probed, "").code(),
                        Cat("writes are refused since a write failed (", cause.message(),
                            "); reads go on, writes resume once the disk accepts them again (the store retries on "
                            "its own; now: ", probed.ToString(), ")"));
  // The disk works. RocksDB resumes after a full disk (a hard error), but not
  // after a failed fsync of its WAL (a fatal error: what the WAL holds is
  // unknown); a restart recovers what was durable.
  if (rocksdb::Status s = db_->Resume(); !s.ok())
    return absl::UnavailableError(Cat("writes are refused since a write failed (", cause.message(),
                                      "); reads go on; RocksDB cannot resume after this error (", s.ToString(),
                                      "): restart ttpgraphd, which recovers every write that was answered OK"));
  absl::MutexLock l(&health_->mu);
  health_->error = absl::OkStatus();
  return absl::OkStatus();
}

absl::Status Store::CompactAll() {
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (auto* cf : handles_)
    if (auto s = db_->CompactRange(co, cf, nullptr, nullptr); !s.ok()) return FromRocks(s, "compacting");
  return absl::OkStatus();
}

void Store::CompactImported() {
  // Rewrites every level of the families an import fills, down to the last
  // one, compressed; files already written by this compaction are not
  // rewritten again (kForceOptimized).
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  co.exclusive_manual_compaction = false;
  for (auto* cf : {objects_, records_, refs_, release_objects_, releases_}) {
    // A failure leaves the files as they are: readable, only larger. The
    // reason is in RocksDB's own LOG.
    if (!db_->CompactRange(co, cf, nullptr, nullptr).ok()) return;
  }
}

Store::~Store() {
  // Closing must not wait for a compression (at the lowest CPU priority it can
  // take long on a busy machine): stop it; the next open resumes it.
  if (db_) db_->DisableManualCompaction();
  ingest_.reset();  // joins the compaction thread
  if (health_) health_->Stop();
  if (!db_) return;
  // With a WAL, RocksDB does not flush at close; flushing here keeps the next
  // open from replaying the imports' WAL (seconds for a few releases).
  rocksdb::FlushOptions fo;
  fo.wait = true;
  db_->Flush(fo, handles_);
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close();
}

absl::StatusOr<Store::PutResult> Store::PutRelease(const ParsedBundle& bundle, bool replace,
                                                   const AuditEntry* audit) {
  // The manifest is the keys joined by '\n' (ParseBundle admits no such key;
  // this keeps any other caller from corrupting it).
  for (const StoredObject& o : bundle.objects)
    if (o.key.empty() || o.key.find_first_of(std::string_view("\n\0", 2)) != std::string::npos)
      return absl::InvalidArgumentError(Cat("release ", bundle.id.Name(), ": an object key is empty or holds a newline "
                                            "or NUL; nothing was written"));
  // The bundle's objects in key order, as pointers: no copies of ~25,000 keys.
  std::vector<const StoredObject*> sorted(bundle.objects.size());
  for (size_t i = 0; i < sorted.size(); ++i) sorted[i] = &bundle.objects[i];
  std::sort(sorted.begin(), sorted.end(), [](const StoredObject* a, const StoredObject* b) { return a->key < b->key; });
  const std::string digest = ContentDigest(sorted, [](const StoredObject* o) -> const std::string& { return o->key; });

  absl::MutexLock lock(&write_mu_);
  if (auto s = ResumeWrites(); !s.ok()) return s;
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

  // Every touched key with its reference-count change and, for a key of this
  // bundle, its object; in key order: sorted writes insert into RocksDB's
  // memtable skip list several times faster.
  struct Touched {
    std::string_view key;
    int delta;
    const StoredObject* object;  // null for a key only the replaced release held
  };
  std::vector<Touched> touched;
  touched.reserve(sorted.size() + old_keys.size());
  {
    size_t i = 0, j = 0;
    while (i < sorted.size() || j < old_keys.size()) {
      if (j == old_keys.size() || (i < sorted.size() && sorted[i]->key < old_keys[j]))
        touched.push_back({sorted[i]->key, +1, sorted[i]}), ++i;
      else if (i == sorted.size() || old_keys[j] < sorted[i]->key)
        touched.push_back({old_keys[j], -1, nullptr}), ++j;
      else
        ++i, ++j;  // in both: unchanged count
    }
  }
  std::vector<rocksdb::Slice> slices;
  slices.reserve(touched.size());
  for (auto& t : touched) slices.emplace_back(t.key.data(), t.key.size());
  // Reference counts before and after this import, read by one forward scan
  // merged with the sorted keys (a few steps over other releases' keys, a seek
  // past a longer run): cheaper than a lookup per key, and nothing at all to
  // read for the first release.
  std::vector<int64_t> before(touched.size()), after(touched.size());
  int64_t new_objects = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), refs_));
    if (!slices.empty()) it->Seek(slices[0]);
    for (size_t i = 0; i < touched.size(); ++i) {
      for (int steps = 0; it->Valid() && it->key().compare(slices[i]) < 0 && steps < 8; ++steps) it->Next();
      if (it->Valid() && it->key().compare(slices[i]) < 0) it->Seek(slices[i]);
      if (it->Valid() && it->key() == slices[i]) before[i] = internal::DecodeFixed32(it->value().ToStringView());
      after[i] = before[i] + touched[i].delta;
      if (after[i] > 0 && before[i] == 0) ++new_objects;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading reference counts");
  }
  // The writes of one family keyed by object, in key order: an object no
  // release holds any more is deleted; a new one is stored.
  enum Family { kRefs, kObjects, kRecords };
  auto each_write = [&](Family family, auto&& put, auto&& del) {
    for (size_t i = 0; i < touched.size(); ++i) {
      const rocksdb::Slice key = slices[i];
      if (after[i] <= 0) {
        del(key);
      } else if (family == kRefs) {
        put(key, internal::EncodeFixed32(static_cast<uint32_t>(after[i])));
      } else if (before[i] == 0) {
        const StoredObject* o = touched[i].object;
        put(key, family == kObjects ? o->json : o->record);
      }
    }
  };

  ReleaseInfo info;
  info.id = bundle.id;
  info.spec_version = bundle.spec_version;
  info.content_sha256 = digest;
  info.object_count = static_cast<int64_t>(sorted.size());
  info.counts_by_type = bundle.counts_by_type;
  info.dangling_relationships = static_cast<int64_t>(bundle.dangling_relationship_ids.size());
  info.imported_at_unix_ms = absl::ToUnixMillis(absl::Now());
  info.new_objects_stored = new_objects;
  info.source_sha256 = bundle.source_sha256;
  const std::string info_bytes = internal::EncodeReleaseInfo(info);
  std::string manifest;  // the keys, '\n'-separated
  manifest.reserve(sorted.size() * 80);
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) manifest.push_back('\n');
    manifest.append(sorted[i]->key);
  }

  if (outcome == PutOutcome::kReplaced) {
    // A replace is one WriteBatch with a synced WAL: it becomes visible to
    // readers at once, where an ingestion shows its column families one at a
    // time and a reader could pair the old release record with new content.
    size_t batch_bytes = 4096 + manifest.size();
    for (auto& o : bundle.objects) batch_bytes += 3 * o.key.size() + o.json.size() + o.record.size() + 64;
    rocksdb::WriteBatch batch(batch_bytes);  // reserved once: no regrowth copies of ~40 MB
    for (auto [family, cf] : {std::pair{kRefs, refs_}, std::pair{kObjects, objects_}, std::pair{kRecords, records_}})
      each_write(
          family, [&, cf = cf](const rocksdb::Slice& k, const rocksdb::Slice& v) { batch.Put(cf, k, v); },
          [&, cf = cf](const rocksdb::Slice& k) { batch.Delete(cf, k); });
    batch.Put(release_objects_, rkey, manifest);
    batch.Put(releases_, rkey, info_bytes);
    AddAudit(audit, &batch);
    rocksdb::WriteOptions wo;
    wo.sync = sync_writes_;
    auto s = db_->Write(wo, &batch);
    if (!s.ok()) return WriteFailed(s, Cat("writing release ", bundle.id.Name()));
    if (audit) audit->committed = true;
    // Turn the import into table files in the background, so the WAL it wrote
    // is released and never replayed at the next open.
    rocksdb::FlushOptions fo;
    fo.wait = false;
    fo.allow_write_stall = true;
    db_->Flush(fo, handles_);
    return PutResult{std::move(info), outcome};
  }

  // A new release: one table file per column family, ingested into all of
  // them by one IngestExternalFiles, which RocksDB commits to the MANIFEST as
  // one atomic group: after a crash, all files are in the database or none
  // is. No WAL record and no memtable copy of the ~45 MB, no CRC32c over it
  // (RocksDB's portable build computes it byte-wise). The release record's
  // family comes last, so a reader that finds the release finds its content.
  struct File {
    rocksdb::ColumnFamilyHandle* cf;
    const rocksdb::Options* options;
    std::string path;
    size_t entries = 0;
    rocksdb::Status status;
  };
  const uint64_t n = ingest_->next_file++;
  auto file = [&](rocksdb::ColumnFamilyHandle* cf, const rocksdb::Options& o, const char* name) {
    return File{cf, &o, Cat(ingest_->dir, "/", n, "-", name, ".sst")};
  };
  File files[] = {file(objects_, ingest_->content_sst, kObjectsCf), file(records_, ingest_->content_sst, kRecordsCf),
                  file(refs_, ingest_->sst, kRefsCf), file(release_objects_, ingest_->sst, kReleaseObjectsCf),
                  file(kv_, ingest_->sst, kKvCf), file(releases_, ingest_->sst, kReleasesCf)};
  // Writes one file; an empty one is not created (RocksDB refuses those).
  auto write_file = [](File& f, auto&& fill) {
    // Keep the pages cached: the first query after an import reads them.
    // Start writing back every MB as it comes: the fsync in Finish then waits
    // for the last MB, not for all ~35 MB.
    rocksdb::EnvOptions eo;
    eo.bytes_per_sync = 1 << 20;
    rocksdb::SstFileWriter w(eo, *f.options, f.cf, /*invalidate_page_cache=*/false);
    f.status = w.Open(f.path);
    auto put = [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
      if (!f.status.ok()) return;
      f.status = w.Put(k, v);
      ++f.entries;
    };
    auto del = [&](const rocksdb::Slice& k) {
      if (!f.status.ok()) return;
      f.status = w.Delete(k);
      ++f.entries;
    };
    if (f.status.ok()) fill(put, del);
    if (f.status.ok() && f.entries > 0) f.status = w.Finish();  // fsyncs the file
    if (f.entries == 0) {
      std::error_code ec;
      std::filesystem::remove(f.path, ec);
    }
  };
  auto write_family = [&](File& f, Family family) {
    write_file(f, [&](auto&& put, auto&& del) { each_write(family, put, del); });
  };
  // The object texts (most of the bytes) on a second thread.
  std::thread helper;
  try {
    helper = std::thread([&] { write_family(files[0], kObjects); });
  } catch (const std::system_error&) {
    write_family(files[0], kObjects);
  }
  write_family(files[1], kRecords);
  write_family(files[2], kRefs);
  write_file(files[3], [&](auto&& put, auto&&) { put(rkey, manifest); });
  // The audit record rides in the same atomic ingestion (keys in order).
  write_file(files[4], [&](auto&& put, auto&&) {
    if (!audit) return;
    AuditKeys k = NextAuditKeys(*audit);
    std::vector<std::pair<std::string, std::string>> kvs = {{k.record, EncodeAuditEntry(*audit)}};
    if (!k.org_index.empty()) kvs.emplace_back(k.org_index, "");
    std::sort(kvs.begin(), kvs.end());
    for (auto& [key, value] : kvs) put(key, value);
  });
  write_file(files[5], [&](auto&& put, auto&&) { put(rkey, info_bytes); });
  if (helper.joinable()) helper.join();

  std::vector<rocksdb::IngestExternalFileArg> args;
  rocksdb::Status s;
  for (File& f : files) {
    if (s.ok() && !f.status.ok()) s = f.status;
    if (f.entries == 0) continue;
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = f.cf;
    arg.external_files = {f.path};
    arg.options.move_files = true;            // hard links: no copy
    arg.options.write_global_seqno = false;   // the sequence number goes to the MANIFEST, the file stays as synced
    args.push_back(std::move(arg));
  }
  if (s.ok()) s = db_->IngestExternalFiles(args);
  if (!s.ok()) {
    std::error_code ec;
    for (File& f : files) std::filesystem::remove(f.path, ec);
    return WriteFailed(s, Cat("writing release ", bundle.id.Name()));
  }
  if (audit) audit->committed = true;
  ingest_->RequestCompaction();
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
  // Keys sort by domain then version: the last key with this domain prefix is the newest.
  std::string prefix = ref.domain;
  prefix.push_back('\0');
  std::string upper = ref.domain;
  upper.push_back('\1');
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), releases_));
  it->SeekForPrev(upper);
  if (!it->Valid() || !it->key().starts_with(prefix)) {
    // A framework's domain is known while a release of it is stored; MITRE's always are.
    if (!IsKnownDomain(ref.domain))
      return absl::InvalidArgumentError(Cat("release '", ref.domain, "@",
                                            ref.latest ? std::string("latest") : ref.version.ToString(),
                                            "': ", UnknownDomainMessage(ref.domain)));
    if (ref.latest) return absl::NotFoundError(Cat("no ", ref.domain, " release is imported"));
  }
  if (!ref.latest) {
    ReleaseId id{ref.domain, ref.version};
    if (auto info = GetRelease(id); !info.ok()) return info.status();
    return id;
  }
  return internal::DecodeReleaseKey(it->key().ToStringView());
}

StoreSnapshot::~StoreSnapshot() { db_->ReleaseSnapshot(snapshot_); }

std::unique_ptr<const StoreSnapshot> Store::Snapshot() const {
  return std::unique_ptr<const StoreSnapshot>(new StoreSnapshot(db_.get(), db_->GetSnapshot()));
}

absl::StatusOr<std::vector<std::string>> Store::ReleaseObjectKeys(const ReleaseId& id, const StoreSnapshot* at) const {
  std::string value;
  auto s = db_->Get(ReadAt(at), release_objects_, internal::ReleaseKey(id), &value);
  if (s.IsNotFound()) return absl::NotFoundError(Cat("release ", id.Name(), " is not imported"));
  if (!s.ok()) return FromRocks(s, "reading release manifest");
  if (value.empty()) return std::vector<std::string>{};
  return std::vector<std::string>(Split(value, '\n'));
}

absl::StatusOr<Store::DeleteResult> Store::DeleteRelease(const ReleaseId& id, const AuditEntry* audit) {
  absl::MutexLock lock(&write_mu_);
  if (auto s = ResumeWrites(); !s.ok()) return s;
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
  AddAudit(audit, &batch);
  rocksdb::WriteOptions wo;
  wo.sync = sync_writes_;
  if (auto s = db_->Write(wo, &batch); !s.ok()) return WriteFailed(s, Cat("deleting release ", id.Name()));
  if (audit) audit->committed = true;
  return result;
}

absl::StatusOr<std::vector<StoredObject>> Store::LoadReleaseObjects(const ReleaseId& id) const {
  auto snapshot = Snapshot();  // the manifest and its objects as of one moment
  auto keys = ReleaseObjectKeys(id, snapshot.get());
  if (!keys.ok()) return keys.status();
  auto json = GetObjectsAt(*keys, snapshot.get());
  if (!json.ok()) return json.status();
  std::vector<StoredObject> out(keys->size());
  for (size_t i = 0; i < keys->size(); ++i) out[i] = StoredObject{std::move((*keys)[i]), std::move((*json)[i])};
  return out;
}

absl::StatusOr<std::vector<KeyedRecord>> Store::LoadReleaseRecords(const ReleaseId& id) const {
  // The manifest and its records as of one moment: a replace or delete
  // committing meanwhile (it frees records no other release holds) is not seen.
  auto snapshot = Snapshot();
  auto keys = ReleaseObjectKeys(id, snapshot.get());
  if (!keys.ok()) return keys.status();
  // One forward scan, merged with the release's sorted keys: the records of
  // other releases sit between them, and stepping over a few is much cheaper
  // than a point lookup per key across every table file.
  rocksdb::ReadOptions ro = ReadAt(snapshot.get());
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
  return GetObjectsAt(keys, nullptr);
}

absl::StatusOr<std::vector<std::string>> Store::GetReleaseObjects(const std::vector<ReleaseId>& releases,
                                                                  const std::vector<std::string>& keys) const {
  auto snapshot = Snapshot();
  auto json = GetObjectsAt(keys, snapshot.get());
  if (json.ok() || !absl::IsDataLoss(json.status())) return json;
  // Missing: freed by a replace or delete that committed after the graphs
  // these keys came from were built, or really lost (a release holds it).
  std::vector<std::string> held, names;
  for (const ReleaseId& r : releases) {
    names.push_back(r.Name());
    auto manifest = ReleaseObjectKeys(r, snapshot.get());
    if (absl::IsNotFound(manifest.status())) continue;
    if (!manifest.ok()) return manifest.status();
    held.insert(held.end(), manifest->begin(), manifest->end());
  }
  std::sort(held.begin(), held.end());
  for (const std::string& key : keys)
    if (!std::binary_search(held.begin(), held.end(), key))
      return absl::AbortedError(Cat("release ", Join(names, " or "),
                                    " was replaced or deleted while this call read it; retry"));
  return json;
}

absl::StatusOr<std::vector<std::string>> Store::GetObjectsAt(const std::vector<std::string>& keys,
                                                             const StoreSnapshot* at) const {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  rocksdb::ReadOptions ro = ReadAt(at);
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

void Store::AddAudit(const AuditEntry* audit, rocksdb::WriteBatch* batch) {
  if (!audit) return;
  AuditKeys k = NextAuditKeys(*audit);
  batch->Put(kv_, k.record, EncodeAuditEntry(*audit));
  if (!k.org_index.empty()) batch->Put(kv_, k.org_index, "");
}

absl::Status Store::KvWrite(const std::vector<KvOp>& ops, const AuditEntry* audit) {
  if (auto s = ResumeWrites(); !s.ok()) return s;
  rocksdb::WriteBatch batch;
  for (auto& op : ops) {
    switch (op.kind) {
      case KvOp::kPut: batch.Put(kv_, op.key, op.value); break;
      case KvOp::kDelete: batch.Delete(kv_, op.key); break;
      case KvOp::kDeleteRange: batch.DeleteRange(kv_, op.key, op.value); break;
    }
  }
  AddAudit(audit, &batch);
  rocksdb::WriteOptions wo;
  wo.sync = sync_writes_;
  if (auto s = db_->Write(wo, &batch); !s.ok()) return WriteFailed(s, "writing");
  if (audit) audit->committed = true;
  return absl::OkStatus();
}

absl::StatusOr<std::string> Store::KvGet(std::string_view key, const StoreSnapshot* at) const {
  std::string value;
  auto s = db_->Get(ReadAt(at), kv_, rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return absl::NotFoundError(Cat("no key ", key));
  if (!s.ok()) return FromRocks(s, "reading");
  return value;
}

absl::StatusOr<std::vector<std::optional<std::string>>> Store::KvMultiGet(const std::vector<std::string>& keys,
                                                                            const StoreSnapshot* at) const {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(ReadAt(at), kv_, keys.size(), slices.data(), values.data(), statuses.data());
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].ok()) out[i] = std::string(values[i].data(), values[i].size());
    else if (!statuses[i].IsNotFound()) return FromRocks(statuses[i], "reading");
  }
  return out;
}

absl::Status Store::KvScan(std::string_view prefix,
                           const std::function<bool(std::string_view, std::string_view)>& fn,
                           const StoreSnapshot* at) const {
  rocksdb::ReadOptions ro = ReadAt(at);
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

Store::EngineStats Store::Stats() const {
  EngineStats s;
  uint64_t v = 0;
  if (db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kLiveSstFilesSize, &v)) s.live_sst_bytes = v;
  if (db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kEstimatePendingCompactionBytes, &v))
    s.pending_compaction_bytes = v;
  if (db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &v)) s.memtable_bytes = v;
  if (db_->GetIntProperty(rocksdb::DB::Properties::kBackgroundErrors, &v)) s.background_errors = v;
  s.import_compaction_running = ingest_->Busy();
  for (rocksdb::ColumnFamilyHandle* cf : handles_) {
    std::map<std::string, std::string> stats;
    if (!db_->GetMapProperty(cf, rocksdb::DB::Properties::kCFStats, &stats)) continue;
    for (const char* key : {"io_stalls.total_stop", "io_stalls.total_slowdown"})
      if (auto it = stats.find(key); it != stats.end()) s.write_stalls += std::strtoull(it->second.c_str(), nullptr, 10);
  }
  return s;
}

}  // namespace ttpgraph
