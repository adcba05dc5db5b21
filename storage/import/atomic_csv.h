// Reads the Atomic Red Team CSV index (atomics/Indexes/Indexes-CSV/index.csv).
//
// The file has one row per test per tactic, so tests are keyed by their
// `Test GUID`: a test of a technique in three tactics is one AtomicTest with
// three tactics. Columns are found by header name, in any order:
//   Tactic, Technique #, Technique Name, Test #, Test Name, Test GUID, Executor Name
//
//   auto index = ParseAtomicCsv(text, "index.csv");
//   index->tests.size();  // 1790 for the 2026-04-29 index (2321 rows)
//
// Errors: INVALID_ARGUMENT naming the source and line: missing columns, a row
// with the wrong number of fields, an unterminated quote, an empty GUID, a
// malformed technique ID, or one GUID given for two techniques.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ttpgraph {

// RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks;
// CRLF or LF. A trailing empty line is ignored. Each row keeps its 1-based
// starting line in `lines`.
struct CsvTable {
  std::vector<std::vector<std::string>> rows;  // header included
  std::vector<int64_t> lines;
};
absl::StatusOr<CsvTable> ParseCsv(std::string_view text, std::string_view source_name);

struct AtomicTest {
  std::string guid;            // lower-case
  std::string technique_id;    // "T1055.011"
  std::string technique_name;  // as the atomic file names it
  int32_t test_number = 0;
  std::string name;
  std::string executor;        // powershell, command_prompt, sh, bash, manual
  std::vector<std::string> tactics;  // ATT&CK tactic short names, sorted
};

struct AtomicIndexData {
  std::vector<AtomicTest> tests;  // by technique ID, then test number, then GUID
  int64_t rows = 0;               // data rows read (test x tactic)
};

absl::StatusOr<AtomicIndexData> ParseAtomicCsv(std::string_view text, std::string_view source_name);

// Deterministic binary encoding (store record and content digest).
std::string EncodeAtomicIndex(const AtomicIndexData& d);
// DATA_LOSS on a corrupt record.
absl::StatusOr<AtomicIndexData> DecodeAtomicIndex(std::string_view bytes);

}  // namespace ttpgraph
