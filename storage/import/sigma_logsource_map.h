// The Sigma logsource -> ATT&CK data component mapping table
// (data/sigma_logsource_map.csv): columns category, product, service,
// data_components (';'-separated names or ATT&CK IDs), note.
//
// A row matches a rule's logsource when each of its non-empty fields equals
// the rule's (case-insensitive); the matching rows with the most non-empty
// fields win, and their data components are united. So
// `process_creation,,` applies to every process_creation rule whatever its
// product, and `,windows,security` to Windows Security-log rules without a
// category.
//
//   auto map = SigmaLogsourceMap::Parse("data/sigma_logsource_map.csv", text);
//   auto dcs = map->Lookup("process_creation", "windows", "");
//   auto builtin = SigmaLogsourceMap::Builtin();  // the repository's table, compiled in

//
// Thread safety: immutable after Parse. Errors: INVALID_ARGUMENT "path:line:
// what" for a malformed row or a missing header.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ttpgraph {

class SigmaLogsourceMap {
 public:
  struct Row {
    std::string category, product, service;  // lower-case; empty = any
    std::vector<std::string> data_components;
    int line = 0;
  };
  static absl::StatusOr<SigmaLogsourceMap> Parse(std::string_view path, std::string_view csv);
  // data/sigma_logsource_map.csv as it was when the server was built (CMake
  // embeds its bytes), so no file lookup depends on where the server runs.
  static std::string_view BuiltinCsv();
  static absl::StatusOr<SigmaLogsourceMap> Builtin();
  // Data components for a rule's logsource; empty when no row matches.
  std::vector<std::string> Lookup(std::string_view category, std::string_view product,
                                  std::string_view service) const;
  const std::vector<Row>& rows() const { return rows_; }

 private:
  std::vector<Row> rows_;
};

}  // namespace ttpgraph
