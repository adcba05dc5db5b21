// AtomicStore: Atomic Red Team test indexes in the Store's generic key-value
// space (prefix "atomic/"; layout in storage/README.md), and AtomicIndex, the
// immutable per-technique view other code queries.
//
// Indexes are stored under a name ("default", "master", a commit...), each
// pointing at a content-addressed record: re-importing identical content is a
// no-op, and different content under an existing name needs replace.
//
//   AtomicStore atomics(store);
//   auto data = ParseAtomicCsv(text, "index.csv");
//   atomics.Put("default", *data, /*replace=*/false);
//   auto index = atomics.LoadIndex("default");          // shared_ptr<const AtomicIndex>
//   for (const AtomicTest* t : (*index)->TestsFor("T1059.001")) ...
//
// Thread safety: AtomicStore is safe for concurrent use (writers serialized);
// AtomicIndex is immutable, safe for concurrent readers.
// Errors: INVALID_ARGUMENT for a malformed name, NOT_FOUND for an unknown
// name, ALREADY_EXISTS for different content under a stored name (unless
// replace), DATA_LOSS for corrupt records.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/d3fend_store.h"
#include "storage/import/atomic_csv.h"

namespace ttpgraph {

inline constexpr std::string_view kDefaultAtomicIndex = "default";

class AtomicIndex {
 public:
  AtomicIndex(std::string name, AtomicIndexData data);
  const std::string& name() const { return name_; }
  const AtomicIndexData& data() const { return data_; }
  // Tests of this exact technique (case-insensitive ID), by test number. With
  // include_subtechniques, a parent's answer adds its sub-techniques' tests
  // (never the reverse).
  std::vector<const AtomicTest*> TestsFor(std::string_view attack_id, bool include_subtechniques = false) const;
  // Techniques with at least one test, sorted.
  std::vector<std::string> Techniques() const;

 private:
  std::string name_;
  AtomicIndexData data_;
  std::unordered_map<std::string, std::pair<size_t, size_t>> range_;  // technique -> [begin, end) in data_.tests
};

class AtomicStore {
 public:
  using PutResult = internal::VersionedBlobs::PutResult;
  explicit AtomicStore(Store* store) : blobs_(store, "atomic/") {}

  // `name`: 1-64 of [A-Za-z0-9._-].
  absl::StatusOr<PutResult> Put(std::string_view name, const AtomicIndexData& data, bool replace,
                                const AuditEntry* audit = nullptr);
  absl::StatusOr<std::vector<BlobVersionInfo>> List() const;  // by name
  absl::StatusOr<BlobVersionInfo> Get(std::string_view name) const;
  absl::StatusOr<std::shared_ptr<const AtomicIndex>> LoadIndex(std::string_view name) const;
  absl::StatusOr<BlobVersionInfo> Delete(std::string_view name, const AuditEntry* audit = nullptr);

  static absl::Status ValidateName(std::string_view name);

 private:
  internal::VersionedBlobs blobs_;
};

}  // namespace ttpgraph
