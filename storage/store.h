// Store: the embedded RocksDB database holding every imported ATT&CK release.
//
// Releases are immutable and content-addressed: each object is stored once
// under "<stix id>|<modified>|<digest>" and reference-counted by the releases
// that hold it, so six enterprise releases cost little more than one. A new
// release is ingested as table files in one atomic step; a replace or a delete
// is one RocksDB WriteBatch. Either lands whole or not at all, even across a
// crash (storage/README.md).
//
//   auto store = Store::Open(StoreOptions{.path = "/var/lib/ttpgraph"});
//   auto bundle = ParseBundle(text, opts);
//   auto result = (*store)->PutRelease(*bundle, /*replace=*/false);
//
// Thread safety: safe for concurrent use. Writers (PutRelease, DeleteRelease)
// are serialized by an internal mutex; readers never block.
// Errors: NOT_FOUND for unknown releases or objects, ALREADY_EXISTS when a
// release exists with different content, DATA_LOSS for corrupt records,
// RESOURCE_EXHAUSTED when the disk is full, UNAVAILABLE for another I/O error,
// INTERNAL for other RocksDB failures. A write that fails for lack of space or
// an I/O error leaves nothing of itself, and the store then refuses writes
// (with that error) until it resumes them (WriteHealth, ResumeWrites); reads
// go on.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/import/bundle_parser.h"
#include "storage/audit.h"
#include "storage/backup.h"
#include "storage/model.h"
#include "storage/record.h"
#include "storage/store_options.h"

namespace rocksdb {
class DB;
class Env;
class Status;
class ColumnFamilyHandle;
class Snapshot;
class WriteBatch;
}  // namespace rocksdb

namespace ttpgraph {

// One point in time of the store (a RocksDB snapshot): reads given it see
// every write committed before Store::Snapshot() and none after, so a read
// that combines several keys (an organization with its detections and
// inventory) never mixes two versions. Release it soon: RocksDB keeps what it
// pins. Must not outlive the Store.
class StoreSnapshot {
 public:
  ~StoreSnapshot();
  StoreSnapshot(const StoreSnapshot&) = delete;
  StoreSnapshot& operator=(const StoreSnapshot&) = delete;
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  friend class Store;
  StoreSnapshot(rocksdb::DB* db, const rocksdb::Snapshot* snapshot) : db_(db), snapshot_(snapshot) {}
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

class Store {
 public:
  enum class PutOutcome { kCreated, kUnchanged, kReplaced };
  struct PutResult {
    ReleaseInfo info;
    PutOutcome outcome;
  };
  struct DeleteResult {
    ReleaseInfo info;
    int64_t objects_freed = 0;
  };

  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Every write takes an optional audit entry (storage/audit.h): when given, its
  // record lands in the same atomic write as the change (and `committed` is
  // set), so there is no change without its record.

  // Stores a parsed bundle as release `bundle.id`. Same content again:
  // kUnchanged and nothing written. Different content under an existing
  // domain+version: ALREADY_EXISTS unless `replace`.
  absl::StatusOr<PutResult> PutRelease(const ParsedBundle& bundle, bool replace, const AuditEntry* audit = nullptr);

  // Every stored release, ordered by domain then version.
  absl::StatusOr<std::vector<ReleaseInfo>> ListReleases() const;
  absl::StatusOr<ReleaseInfo> GetRelease(const ReleaseId& id) const;
  // Resolves DOMAIN@latest to the newest stored version; checks existence
  // (NOT_FOUND). INVALID_ARGUMENT for a domain that is not MITRE's and of
  // which no release is stored (UnknownDomainMessage).
  absl::StatusOr<ReleaseId> Resolve(const ReleaseRef& ref) const;
  // Removes a release and every object no other release holds.
  absl::StatusOr<DeleteResult> DeleteRelease(const ReleaseId& id, const AuditEntry* audit = nullptr);

  // The objects of a release (key and JSON), in key order. Like
  // LoadReleaseRecords, one snapshot: a concurrent replace or delete gives the
  // release as it was or NOT_FOUND, never DATA_LOSS or a mix.
  absl::StatusOr<std::vector<StoredObject>> LoadReleaseObjects(const ReleaseId& id) const;
  // The graph records of a release's objects (storage/record.h), in key order.
  // This is what a graph build reads: a few MB instead of the objects' JSON.
  absl::StatusOr<std::vector<KeyedRecord>> LoadReleaseRecords(const ReleaseId& id) const;
  // JSON of stored objects by key; DATA_LOSS if any is missing.
  absl::StatusOr<std::vector<std::string>> GetObjects(const std::vector<std::string>& keys) const;
  // The same for objects of `releases` (keys from graphs of them): when one
  // is missing because a release was replaced or deleted meanwhile, ABORTED
  // saying so (a retry reads the release as it is now); DATA_LOSS only when
  // one of the releases still holds the missing object.
  absl::StatusOr<std::vector<std::string>> GetReleaseObjects(const std::vector<ReleaseId>& releases,
                                                             const std::vector<std::string>& keys) const;

  // The store as it is now, for reads that combine several keys (StoreSnapshot).
  std::unique_ptr<const StoreSnapshot> Snapshot() const;

  // ---- Generic key-value space for the other stores (organizations, D3FEND,
  // ...), in its own column family. Each store owns a key prefix such as
  // "org/" or "d3fend/"; see storage/README.md for the prefixes in use.
  struct KvOp {
    enum Kind { kPut, kDelete, kDeleteRange } kind = kPut;
    std::string key;    // kDeleteRange: first key deleted
    std::string value;  // kPut: the value; kDeleteRange: first key kept (end)
  };
  // Applies all ops in one atomic, durable batch (with the audit record, when given).
  absl::Status KvWrite(const std::vector<KvOp>& ops, const AuditEntry* audit = nullptr);
  // Reads see the store as it is, or at `at` when given (StoreSnapshot).
  // NOT_FOUND when the key is absent.
  absl::StatusOr<std::string> KvGet(std::string_view key, const StoreSnapshot* at = nullptr) const;
  // Values of several keys; a missing key gives std::nullopt in its slot.
  absl::StatusOr<std::vector<std::optional<std::string>>> KvMultiGet(const std::vector<std::string>& keys,
                                                                     const StoreSnapshot* at = nullptr) const;
  // Calls fn(key, value) for each key starting with `prefix`, in key order,
  // until fn returns false.
  absl::Status KvScan(std::string_view prefix,
                      const std::function<bool(std::string_view key, std::string_view value)>& fn,
                      const StoreSnapshot* at = nullptr) const;

  // A consistent online backup of the whole store into `backup_dir` (created
  // when missing; storage/backup.h): what every committed write left, while
  // reads and writes go on. Table files an earlier backup there holds are not
  // copied again.
  absl::StatusOr<BackupInfo> CreateBackup(const std::string& backup_dir);

  // OK while the store accepts writes; after a write (or a flush or
  // compaction) failed for lack of space or an I/O error, that error
  // (RESOURCE_EXHAUSTED or UNAVAILABLE) until writes resume.
  absl::Status WriteHealth() const;
  // Resumes writes after such a failure: writes and syncs a probe file in the
  // data directory, then clears RocksDB's background error (DB::Resume).
  // OK when writes are accepted again (or were never refused); else why not.
  // A background thread calls it every `resume_interval_ms` while writes are
  // refused, and every write calls it first.
  absl::Status ResumeWrites();

  // Bytes on disk of the database directory's live files.
  int64_t DiskUsageBytes() const;
  // RocksDB's own figures, summed over the column families (for metrics).
  struct EngineStats {
    uint64_t live_sst_bytes = 0;           // rocksdb.live-sst-files-size
    uint64_t pending_compaction_bytes = 0; // rocksdb.estimate-pending-compaction-bytes
    uint64_t memtable_bytes = 0;           // rocksdb.cur-size-all-mem-tables
    uint64_t write_stalls = 0;             // slowdowns and stops since open (cfstats io_stalls.total_*)
    uint64_t background_errors = 0;        // rocksdb.background-errors since open
    bool import_compaction_running = false; // the compaction after an import is asked for or running
  };
  EngineStats Stats() const;
  // Blocks until the background compaction that compresses imported files
  // (requested by an import, or at open for files a close left uncompressed)
  // is done: for measuring the store at rest.
  void WaitForCompaction();
  // Compacts every column family down to its last level, compressed (for
  // measuring the store at rest: benchmarks, not the serving path).
  absl::Status CompactAll();

 private:
  // Puts the audit record (and its organization index) into `batch`.
  void AddAudit(const AuditEntry* audit, rocksdb::WriteBatch* batch);
  Store() = default;
  absl::StatusOr<std::vector<std::string>> ReleaseObjectKeys(const ReleaseId& id,
                                                             const StoreSnapshot* at = nullptr) const;
  absl::StatusOr<std::vector<std::string>> GetObjectsAt(const std::vector<std::string>& keys,
                                                        const StoreSnapshot* at) const;
  void CompactImported();
  // Records a failed write's RocksDB status: space and I/O errors stop writes.
  absl::Status WriteFailed(const rocksdb::Status& s, std::string_view what);

  // Refused writes and their resumption (store.cc).
  struct Health;

  // Writing a new release as table files (store.cc): their options, the
  // staging directory and the background compaction that compresses them.
  struct Ingest;

  std::unique_ptr<rocksdb::Env> fault_env_;  // with disk_faults only; outlives db_
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* releases_ = nullptr;
  rocksdb::ColumnFamilyHandle* release_objects_ = nullptr;
  rocksdb::ColumnFamilyHandle* objects_ = nullptr;
  rocksdb::ColumnFamilyHandle* refs_ = nullptr;
  rocksdb::ColumnFamilyHandle* kv_ = nullptr;
  rocksdb::ColumnFamilyHandle* records_ = nullptr;
  bool sync_writes_ = true;
  absl::Mutex write_mu_;
  std::unique_ptr<Ingest> ingest_;  // reset first in ~Store: joins the compaction
  std::unique_ptr<Health> health_;  // reset with ingest_: joins the resume thread
};

}  // namespace ttpgraph
