// DefenseCatalog: the imported D3FEND ontologies and Atomic Red Team indexes,
// each decoded (and, for D3FEND, its ATT&CK mapping inferred) once per version
// and shared immutable by every query that joins them: the DefenseService's
// own questions, coverage and gap entries, reports.
//
//   DefenseCatalog catalog(store);
//   auto d3f = catalog.D3fend("");                   // newest imported version
//   CountermeasureAnswer a = (*d3f)->CountermeasuresFor("T1059");
//   auto atomic = catalog.Atomic("");                // the "default" index
//   for (const AtomicTest* t : (*atomic)->TestsFor("T1059.001")) ...
//
// Imports and deletes go through the catalog (PutD3fend, DeleteD3fend, ...), so
// it knows at once when a version changes; "latest" is resolved in memory.
//
// Thread safety: safe for concurrent use; the indexes it hands out are
// immutable. Errors: NOT_FOUND for a version or index that is not imported,
// and the stores' errors.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "graph/d3fend_mapping.h"
#include "storage/atomic_store.h"
#include "storage/d3fend_store.h"

namespace ttpgraph {

class DefenseCatalog {
 public:
  // `store` must outlive the catalog.
  explicit DefenseCatalog(Store* store) : d3fend_store_(store), atomic_store_(store) {}

  // `version` "" or "latest": the newest imported.
  absl::StatusOr<std::shared_ptr<const D3fendIndex>> D3fend(std::string_view version);
  // `name` "": kDefaultAtomicIndex.
  absl::StatusOr<std::shared_ptr<const AtomicIndex>> Atomic(std::string_view name);

  struct D3fendPut {
    D3fendStore::PutResult put;
    std::shared_ptr<const D3fendIndex> index;
  };
  // Infers the mapping (INVALID_ARGUMENT when the facts hold no D3FEND
  // technique), stores the facts (one atomic write) and keeps the index.
  absl::StatusOr<D3fendPut> PutD3fend(const std::string& version, const D3fendOntology& onto, bool replace,
                                      const AuditEntry* audit = nullptr);
  absl::StatusOr<BlobVersionInfo> DeleteD3fend(std::string_view version, const AuditEntry* audit = nullptr);
  absl::StatusOr<std::vector<BlobVersionInfo>> ListD3fend() const { return d3fend_store_.List(); }

  struct AtomicPut {
    AtomicStore::PutResult put;
    std::shared_ptr<const AtomicIndex> index;
  };
  // Stores the index (one atomic write) and keeps it decoded.
  absl::StatusOr<AtomicPut> PutAtomic(const std::string& name, AtomicIndexData data, bool replace,
                                      const AuditEntry* audit = nullptr);
  absl::StatusOr<std::vector<BlobVersionInfo>> ListAtomic() const { return atomic_store_.List(); }

  struct Stats {
    size_t d3fend_versions = 0, atomic_indexes = 0;  // decoded and held
  };
  Stats stats() const;

 private:
  D3fendStore d3fend_store_;
  AtomicStore atomic_store_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const D3fendIndex>> d3fend_;  // by resolved version
  std::optional<std::string> d3fend_latest_;                          // resolved "latest", until a change
  std::map<std::string, std::shared_ptr<const AtomicIndex>> atomic_;  // by name
};

}  // namespace ttpgraph
