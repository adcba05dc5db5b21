// D3fendStore: versioned D3FEND ontologies in the Store's generic key-value
// space (prefix "d3fend/"; layout in storage/README.md).
//
// Each version ("1.2.0") points at a content-addressed record holding the
// ontology facts (storage/import/turtle_d3fend.h), so re-importing identical
// content is a no-op and two versions with the same content share one record.
// Puts and deletes are single atomic KvWrite batches: they land whole or not
// at all.
//
//   D3fendStore d3f(store);
//   auto onto = ParseD3fendTurtle(text, "d3fend.ttl");
//   auto put = d3f.Put("1.2.0", *onto, /*replace=*/false);   // kCreated, then kUnchanged
//   auto loaded = d3f.Load("1.2.0");
//
// Thread safety: safe for concurrent use; writers are serialized by an
// internal mutex (one D3fendStore per Store).
// Errors: INVALID_ARGUMENT for a malformed version, NOT_FOUND for an unknown
// version, ALREADY_EXISTS for a version stored with different content (unless
// replace), DATA_LOSS for corrupt records.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/d3fend_model.h"
#include "storage/store.h"

namespace ttpgraph {

enum class BlobPutOutcome { kCreated, kUnchanged, kReplaced };

// What is known about one stored version (or named index) without its content.
struct BlobVersionInfo {
  std::string version;         // as given: "1.2.0" (D3FEND) or a name (Atomic)
  std::string content_sha256;  // digest of the stored record
  int64_t item_count = 0;      // D3FEND: classes; Atomic: tests (distinct GUIDs)
  int64_t source_count = 0;    // D3FEND: triples read; Atomic: CSV rows
  int64_t imported_at_unix_ms = 0;
};

namespace internal {
// Named versions over content-addressed records under one key prefix:
//   <prefix>v/<version key>  -> manifest (tab-separated BlobVersionInfo fields)
//   <prefix>blob/<sha256>    -> record bytes
// Shared by D3fendStore and AtomicStore.
class VersionedBlobs {
 public:
  VersionedBlobs(Store* store, std::string prefix) : store_(store), prefix_(std::move(prefix)) {}
  struct PutResult {
    BlobVersionInfo info;
    BlobPutOutcome outcome;
  };
  // `key` orders versions; `info.version`, counts set by the caller.
  absl::StatusOr<PutResult> Put(const std::string& key, BlobVersionInfo info, const std::string& record, bool replace,
                                const AuditEntry* audit = nullptr);
  absl::StatusOr<BlobVersionInfo> Get(const std::string& key) const;
  absl::StatusOr<std::vector<BlobVersionInfo>> List() const;  // in key order
  absl::StatusOr<std::string> LoadRecord(const std::string& key) const;
  absl::StatusOr<BlobVersionInfo> Delete(const std::string& key, const AuditEntry* audit = nullptr);

 private:
  Store* store_;
  std::string prefix_;
  absl::Mutex mu_;
};
}  // namespace internal

class D3fendStore {
 public:
  using PutResult = internal::VersionedBlobs::PutResult;
  explicit D3fendStore(Store* store) : blobs_(store, "d3fend/") {}

  // `version` is dotted numeric ("1.2.0"); versions sort numerically.
  absl::StatusOr<PutResult> Put(std::string_view version, const D3fendOntology& onto, bool replace,
                                const AuditEntry* audit = nullptr);
  absl::StatusOr<std::vector<BlobVersionInfo>> List() const;  // oldest first
  absl::StatusOr<BlobVersionInfo> Get(std::string_view version) const;
  // "" or "latest" -> the newest stored version; NOT_FOUND when none.
  absl::StatusOr<std::string> Resolve(std::string_view version) const;
  absl::StatusOr<D3fendOntology> Load(std::string_view version) const;
  absl::StatusOr<BlobVersionInfo> Delete(std::string_view version, const AuditEntry* audit = nullptr);

  // "1.2.0" -> "00000001.00000002.00000000" (sorts numerically).
  static absl::StatusOr<std::string> VersionKey(std::string_view version);

 private:
  internal::VersionedBlobs blobs_;
};

}  // namespace ttpgraph
