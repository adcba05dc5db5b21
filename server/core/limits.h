// The server's configured limits, and the one policy that turns a call's own
// deadline and cancellation into the QueryLimits every graph and core function
// takes.
//
//   QueryLimits limits = QueryLimitsFor(CallKind::kQuery, client_deadline, &cancellation, server_limits);
//   // deadline = min(client deadline, now + server_limits.max_query_duration)
//
// Part of the application floor: no gRPC, no generated protos.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "graph/query_limits.h"

namespace ttpgraph::core {

struct ServerLimits {
  // Largest upload (bytes as sent, before gunzip). Default: 128 MiB.
  size_t max_upload_bytes = 128u << 20;
  // Largest bundle after gunzip. Default: 512 MiB.
  size_t max_bundle_bytes = 512u << 20;
  // Most objects in one bundle. Default: 200000.
  size_t max_objects = 200000;
  // Deepest JSON nesting accepted. Default: 64.
  size_t max_json_depth = 64;
  // Largest single gRPC message received (chunks must fit). Default: 8 MiB.
  int max_message_bytes = 8 << 20;
  // Longest a query may run, whatever deadline the client sets (or none).
  // Default: 30 s.
  absl::Duration max_query_duration = absl::Seconds(30);
  // Longest an import or other write may run. Default: 10 min.
  absl::Duration max_write_duration = absl::Minutes(10);
  // ---- organizations ----
  // Most detections one organization may hold. Default: 100000.
  int64_t max_detections_per_org = 100000;
  // Most inventory entries of one organization. Default: 10000.
  int64_t max_inventory_entries = 10000;
  // Most bytes one detection import stream may carry (before gunzip). Default: 256 MiB.
  size_t max_import_bytes = 256u << 20;
  // Largest single rule file (a Sigma YAML document set). Default: 1 MiB.
  size_t max_rule_file_bytes = 1u << 20;
  // Most YAML nodes walked per Sigma document, aliases counted at each use. Default: 20000.
  size_t max_yaml_nodes = 20000;
  // Deepest YAML nesting in a Sigma rule. Default: 64.
  size_t max_yaml_depth = 64;
  // Organizations whose decoded detections are kept in memory. Default: 256.
  size_t org_view_cache_entries = 256;
  // The Sigma logsource -> data component table, read from this file when set.
  // Default: "" = the table compiled in from data/sigma_logsource_map.csv.
  std::string sigma_logsource_map_path;
  // Bytes the in-memory release graphs and their indexes may hold. Default: 2 GiB.
  size_t release_memory_budget_bytes = size_t{2} << 30;
};

enum class CallKind { kQuery, kWrite };

// The limits of one call: its deadline is the client's, capped at the
// server's maximum for the kind of call (a client without a deadline gets the
// maximum); `cancellation` (may be null) tells when the client has gone.
QueryLimits QueryLimitsFor(CallKind kind, absl::Time client_deadline, const Cancellation* cancellation,
                           const ServerLimits& limits);

}  // namespace ttpgraph::core
