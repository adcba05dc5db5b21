// The ttpgraphd server: RocksDB store, graph cache and gRPC services.
//
//   ServerOptions opts;
//   opts.listen = "127.0.0.1:0";
//   auto server = TtpgraphServer::Start(opts);
//   int port = (*server)->port();
//   ...
//   (*server)->Shutdown();
//
// Thread safety: Start/Shutdown from one thread; the services are safe for
// concurrent RPCs.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/graph_cache.h"
#include "storage/store.h"

namespace grpc {
class Server;
}

namespace ttpgraph {

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
  // Deadline applied to queries that arrive without one. Default: 30 s.
  absl::Duration default_query_deadline = absl::Seconds(30);
  // ---- OrgService ----
  // Most detections one organization may hold. Default: 100000.
  int64_t max_detections_per_org = 100000;
  // Most bytes one detection import stream may carry (before gunzip). Default: 256 MiB.
  size_t max_import_bytes = 256u << 20;
  // Largest single rule file (a Sigma YAML document set). Default: 1 MiB.
  size_t max_rule_file_bytes = 1u << 20;
  // Most YAML nodes walked per Sigma document, aliases counted at each use. Default: 20000.
  size_t max_yaml_nodes = 20000;
  // Deepest YAML nesting in a Sigma rule. Default: 64.
  size_t max_yaml_depth = 64;
  // Organizations whose decoded detections are kept in memory for coverage. Default: 256.
  size_t org_view_cache_entries = 256;
  // The Sigma logsource -> data component table, read from this file when set.
  // Default: "" = the table compiled in from data/sigma_logsource_map.csv.
  std::string sigma_logsource_map_path;
};

struct ServerOptions {
  // Listen address. Default: 127.0.0.1:50051 (port 0 picks a free port).
  std::string listen = "127.0.0.1:50051";
  // RocksDB data directory. Default: ./var/ttpgraph.
  std::string data_dir = "./var/ttpgraph";
  ServerLimits limits;
  // Build the graphs of every stored release at start. Default: false (lazy).
  bool preload_graphs = false;
  // Threads answering KnowledgeService queries, each polling its own
  // completion queue. Default: 0 = one per two cores (at least one); the
  // other half is left to the sync services and gRPC's own threads.
  int query_threads = 0;
};

class AsyncQueues;
class ReleaseServiceImpl;
class KnowledgeServiceImpl;
class AnalysisServiceImpl;
class OrgServiceImpl;
class DefenseCache;
class DefenseServiceImpl;
class HealthService;

class TtpgraphServer {
 public:
  static absl::StatusOr<std::unique_ptr<TtpgraphServer>> Start(const ServerOptions& options);
  ~TtpgraphServer();

  int port() const { return port_; }
  // Blocks until Shutdown() is called from another thread.
  void Wait();
  // Stops accepting RPCs, lets running ones finish within `grace`.
  void Shutdown(absl::Duration grace = absl::Seconds(10));

  Store* store() { return store_.get(); }
  GraphCache* graphs() { return graphs_.get(); }
  OrgServiceImpl* org_service() { return org_service_.get(); }
  // D3FEND and Atomic Red Team indexes (server/d3fend_service.h), for joins.
  DefenseCache* defense() { return defense_.get(); }

 private:
  TtpgraphServer() = default;
  std::unique_ptr<Store> store_;
  std::unique_ptr<GraphCache> graphs_;
  std::unique_ptr<ReleaseServiceImpl> release_service_;
  std::unique_ptr<KnowledgeServiceImpl> knowledge_service_;
  std::unique_ptr<AnalysisServiceImpl> analysis_service_;
  std::unique_ptr<OrgServiceImpl> org_service_;
  std::unique_ptr<DefenseCache> defense_;
  std::unique_ptr<DefenseServiceImpl> defense_service_;
  std::unique_ptr<HealthService> health_service_;
  std::unique_ptr<AsyncQueues> queries_;  // outlives server_
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace ttpgraph
