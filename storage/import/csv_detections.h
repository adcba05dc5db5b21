// Parses detections from CSV (RFC 4180 quoting, LF or CRLF, UTF-8).
//
// Columns: with a header row (first cell `id` or `rule_id`), by name:
//   id | rule_id, name | title, techniques | technique_ids, state,
//   data_components, source_format | format, tags, query, description
// without one, by position: id, name, techniques, state, data_components.
// List cells (techniques, data_components, tags) separate items with ';', '|'
// or ','. State is enabled, disabled or testing (empty: enabled).
//
//   auto rows = ParseDetectionsCsv("detections.csv", text);
//
// Pure: no I/O. Errors: INVALID_ARGUMENT "path:line: what" for an unclosed
// quote, a row with too few cells, an empty id, an unknown state, an unknown
// header column.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ttpgraph {

struct CsvDetectionRow {
  int line = 0;
  std::string id, name, state, source_format, query, description;
  std::vector<std::string> techniques;  // upper-cased
  std::vector<std::string> data_components;
  std::vector<std::string> tags;
};

absl::StatusOr<std::vector<CsvDetectionRow>> ParseDetectionsCsv(std::string_view path, std::string_view text);

// Splits CSV text into rows of cells; `lines` gets each row's 1-based first line.
absl::StatusOr<std::vector<std::vector<std::string>>> SplitCsv(std::string_view path, std::string_view text,
                                                               std::vector<int>* lines);

}  // namespace ttpgraph
