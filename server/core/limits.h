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
#include <vector>

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

  // ---- server-side reads and fetches (server/README.md "Server-side imports") ----
  // Directories under which path imports (and file:// URLs) may read; each is
  // compared on its realpath. Default: none = path imports are disabled.
  std::vector<std::string> import_roots;
  // Hosts URL imports may fetch from, exact names (case-insensitive), https
  // only. Default: raw.githubusercontent.com (MITRE's attack-stix-data).
  std::vector<std::string> fetch_allow_hosts = {"raw.githubusercontent.com"};
  // Longest one fetch may take, connection included; the call's deadline
  // shortens it. Default: 120 s.
  absl::Duration fetch_timeout = absl::Seconds(120);
  // Longest a fetch may wait for its connection. Default: 15 s.
  absl::Duration fetch_connect_timeout = absl::Seconds(15);
  // Largest collection index fetched or read. Default: 16 MiB.
  size_t max_index_bytes = 16u << 20;
  // CA bundle fetches trust. Default: "" = the system's.
  std::string fetch_ca_file;
  // Lets fetches connect to 127.0.0.0/8 and ::1, which they otherwise refuse
  // like every loopback, private and link-local address. No flag sets it:
  // tests set it to run a TLS server on this machine. Default: false.
  bool fetch_allow_loopback_for_tests = false;

  // ---- inflating ----
  // Most bytes a gzip stream may inflate to per compressed byte (bundles,
  // ontologies, indexes, archives); inputs that inflate to 1 MiB or less are
  // not held to it. Real data inflates 3.7x (Sigma) to 5.5x (ICS).
  // Default: 50.
  double max_inflation_ratio = 50;
  // Most bytes one archive (tar, tar.gz) of a detection import unpacks to,
  // every member counted. Default: 256 MiB.
  size_t max_archive_bytes = 256u << 20;
  // Most members (files, directories, links) of one archive. Default: 50000.
  size_t max_archive_members = 50000;

  // ---- imports ----
  // Imports (releases, D3FEND, Atomic, detections) running at once; others
  // wait for a slot until their deadline. Default: 2.
  int max_concurrent_imports = 2;
  // Most files one detection import stream may carry (an archive counts as
  // one; its members are capped by max_archive_members). Default: 20000.
  size_t max_import_files = 20000;
  // Most releases stored (every domain). Default: 200.
  size_t max_releases = 200;
  // Most objects of types ATT&CK does not use in one bundle. Default: 10000.
  size_t max_unknown_objects = 10000;
  // Largest single STIX object of a bundle, which bounds each of its fields
  // (enterprise 18.0's largest is 36 KB). Default: 1 MiB.
  size_t max_stix_object_bytes = 1u << 20;
  // Longest name of a STIX object or detection (ATT&CK's longest: 124 bytes).
  // Default: 1 KiB.
  size_t max_name_bytes = 1u << 10;

  // ---- organizations (more above) ----
  // Most organizations. Default: 100000.
  int64_t max_organizations = 100000;
  // Most technique IDs one detection may list (after de-duplication).
  // Default: 1000.
  size_t max_techniques_per_detection = 1000;
  // Largest query or description of a detection (a Sigma rule's query is its
  // whole YAML file, at most max_rule_file_bytes). Default: 1 MiB.
  size_t max_detection_text_bytes = 1u << 20;
  // Largest other detection field: id and name aside (256 bytes and
  // max_name_bytes), each tag, data component, Sigma field and path.
  // Default: 4 KiB.
  size_t max_detection_field_bytes = 4u << 10;
  // Most releases one GetCoverageTrend call may compare. Default: 20.
  size_t max_trend_releases = 20;

  // ---- gRPC ----
  // Threads of the sync services (imports, organizations, analysis, health):
  // the gRPC resource quota. Past it a call is refused with
  // RESOURCE_EXHAUSTED. The knowledge queries' threads are apart
  // (query_threads). Default: 64.
  int max_threads = 64;
  // Concurrent streams (calls) per client connection (HTTP/2
  // MAX_CONCURRENT_STREAMS); further calls wait in the client. Default: 100.
  int max_concurrent_streams = 100;
  // Concurrent grpc.health.v1.Health Watch streams, each holding a sync
  // thread. Default: 16.
  int max_health_watches = 16;

  // ---- backups (server/core/backup.h) ----
  // Directory of the online backups (CreateBackup); the backup RPCs answer
  // FAILED_PRECONDITION without it. Default: "" = none.
  std::string backup_dir;
};

enum class CallKind { kQuery, kWrite };

// The limits of one call: its deadline is the client's, capped at the
// server's maximum for the kind of call (a client without a deadline gets the
// maximum); `cancellation` (may be null) tells when the client has gone.
QueryLimits QueryLimitsFor(CallKind kind, absl::Time client_deadline, const Cancellation* cancellation,
                           const ServerLimits& limits);

}  // namespace ttpgraph::core
