// D3FEND and Atomic Red Team use cases (the DefenseService), and the join of
// countermeasures and Atomic tests to technique answers (coverage and gap
// entries, reports), done the same way everywhere.
//
//   TTP_ASSIGN_OR_RETURN(DefenseJoin join, OpenDefenseJoin(app, true, "", true, ""));
//   TTP_ASSIGN_OR_RETURN(TechniqueDefense d, join.For(*release, technique, limits));
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/application.h"
#include "server/core/knowledge.h"

namespace ttpgraph::core {

// ---- imports ----
struct BlobImportOptions {
  std::string version;      // D3FEND version ("1.2.0", required) or Atomic index name ("" = "default")
  bool replace = false;
  std::string sha256;       // of the bytes as sent; checked when set
  std::string source_name;  // names the file in errors ("upload" when empty)
};
struct D3fendImport {
  DefenseCatalog::D3fendPut put;
  int64_t triple_count = 0;
};
// Gunzips, parses, infers and stores one ontology (all or nothing).
// Writes take an audit entry (may be null) written in the same batch as the change.
absl::StatusOr<D3fendImport> ImportD3fend(Application& app, std::string bytes, const BlobImportOptions& options,
                                          const QueryLimits& limits, AuditEntry* audit = nullptr);
absl::StatusOr<D3fendImport> ImportD3fendFrom(Application& app, const std::string& path, BlobImportOptions options,
                                              const QueryLimits& limits, AuditEntry* audit = nullptr);
absl::StatusOr<DefenseCatalog::AtomicPut> ImportAtomic(Application& app, std::string bytes,
                                                       const BlobImportOptions& options, const QueryLimits& limits,
                                                       AuditEntry* audit = nullptr);
absl::StatusOr<DefenseCatalog::AtomicPut> ImportAtomicFrom(Application& app, const std::string& path,
                                                           BlobImportOptions options, const QueryLimits& limits,
                                                           AuditEntry* audit = nullptr);
// INVALID_ARGUMENT for "" or "latest" (name the version).
absl::StatusOr<BlobVersionInfo> DeleteD3fend(Application& app, std::string_view version, AuditEntry* audit = nullptr);

// ---- queries ----
struct CountermeasureItem {
  const CountermeasureLink* link = nullptr;
  std::string via;  // the ATT&CK ID D3FEND files it under when that ID was revoked into the asked one
};
struct CountermeasuresAnswer {
  std::shared_ptr<const D3fendIndex> index;
  std::optional<Subject> subject;  // when asked within a release
  std::string attack_id;           // the technique answered for
  CountermeasureAnswer answer;
  std::vector<CountermeasureItem> items;
  // Set when D3FEND maps only IDs revoked into the asked one.
  bool mapped_via_revoked = false;
};
// `release` "" = the ID as D3FEND knows it; else resolved in that release
// (revoked-object rule) with the countermeasures filed under IDs revoked into it.
absl::StatusOr<CountermeasuresAnswer> Countermeasures(Application& app, std::string_view d3fend_version,
                                                      std::string_view release, std::string_view technique,
                                                      const QueryLimits& limits);
struct AtomicTestsAnswer {
  std::shared_ptr<const AtomicIndex> index;
  std::optional<Subject> subject;
  std::string attack_id;
  std::vector<const AtomicTest*> tests;
};
absl::StatusOr<AtomicTestsAnswer> AtomicTests(Application& app, std::string_view index_name, std::string_view release,
                                              std::string_view technique, bool include_subtechniques,
                                              const QueryLimits& limits);
struct ValidatableTechnique {
  std::string technique, attack_id;
  std::vector<const AtomicTest*> tests;
};
struct ValidatableAnswer {
  std::shared_ptr<const AtomicIndex> index;
  std::vector<ValidatableTechnique> with_tests;
  std::vector<std::string> without_tests;
};
// `techniques` empty: every technique the index has tests for.
absl::StatusOr<ValidatableAnswer> ValidatableTechniques(Application& app, std::string_view index_name,
                                                        std::string_view release,
                                                        const std::vector<std::string>& techniques,
                                                        bool include_subtechniques, const QueryLimits& limits);

// ---- the join ----
struct TechniqueDefense {
  std::vector<uint32_t> countermeasures;   // D3FEND techniques (indices into the index), distinct
  std::string countermeasure_status;       // D3FEND's mapping status in words
  std::vector<const AtomicTest*> atomic_tests;
};
struct DefenseJoin {
  std::shared_ptr<const D3fendIndex> d3fend;  // null: countermeasures not asked
  std::shared_ptr<const AtomicIndex> atomic;  // null: Atomic tests not asked
  bool any() const { return d3fend || atomic; }
  // Countermeasures of a technique of `release` (D3FEND entries filed under an
  // ID revoked into it count too) and its Atomic tests, as asked.
  absl::StatusOr<TechniqueDefense> For(const ReleaseContext& release, NodeId technique,
                                       const QueryLimits& limits) const;
};
// NOT_FOUND (saying what to import) when something asked is not imported.
absl::StatusOr<DefenseJoin> OpenDefenseJoin(Application& app, bool countermeasures, std::string_view d3fend_version,
                                            bool atomic_tests, std::string_view atomic_index);

}  // namespace ttpgraph::core
