// The ttpgraphd server: the RocksDB store, the application floor over it
// (server/core/application.h) and the gRPC services that adapt to it.
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

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/core/application.h"
#include "server/core/taxii.h"
#include "storage/store.h"

namespace grpc {
class Server;
}

namespace ttpgraph {

using ServerLimits = core::ServerLimits;

struct ServerOptions {
  // Listen address. Default: 127.0.0.1:50051 (port 0 picks a free port).
  std::string listen = "127.0.0.1:50051";
  // RocksDB data directory. Default: ./var/ttpgraph.
  std::string data_dir = "./var/ttpgraph";
  ServerLimits limits;
  // Build the graphs of every stored release at start. Default: false (lazy).
  bool preload_graphs = false;
  // TLS: the server's certificate chain and key (PEM files). Default: "" (plaintext).
  std::string tls_cert, tls_key;
  // With TLS: require client certificates signed by this CA (mTLS), on top of
  // tokens. Default: "" (no client certificate asked).
  std::string client_ca;
  // Listen on a non-loopback address without TLS (a private network). Default:
  // false: such a listen address is refused without TLS.
  bool insecure = false;
  // A bearer token to adopt as the first admin token when none exists (the one
  // token every shard of a deployment shares). Default: "" = generate one and
  // write it to DATA_DIR/admin.token (mode 0600).
  std::string bootstrap_token_file;
  // Threads answering KnowledgeService queries, each polling its own
  // completion queue. Default: 0 = one per two cores (at least one); the
  // other half is left to the sync services and gRPC's own threads.
  int query_threads = 0;
  // The HTTP listener for /metrics, /healthz and /readyz (server/metrics.h)
  // and TAXII 2.1 (server/taxii.h). Default: "" (none).
  std::string http_listen;
  // The same over HTTPS, with tls_cert and tls_key; with a certificate, TAXII
  // answers only here. Default: "" (none).
  std::string https_listen;
  // A file holding the bearer token /metrics then requires. Default: "" (no token).
  std::string metrics_token_file;
  // Label grpc_server_handled_total with the call's organization. Default: false.
  bool metrics_org_labels = false;
  // Tests only: makes the store's disk fail (storage/disk_faults.h); ttpgraphd
  // never sets it. Default: null.
  std::shared_ptr<DiskFaults> disk_faults;
  // Import every release a collection index lists and the store lacks, at
  // start and then every sync.interval (core/sync.h). Default: sync.index "" (off).
  core::SyncOptions sync;
};

class AsyncQueues;
class ReleaseServiceImpl;
class KnowledgeServiceImpl;
class AnalysisServiceImpl;
class OrgServiceImpl;
class DefenseServiceImpl;
class TokenServiceImpl;
class AuditServiceImpl;
class ReportServiceImpl;
class BackupServiceImpl;
class ExtensionServiceImpl;
class HealthService;
class HttpListener;
class Metrics;

class TtpgraphServer {
 public:
  static absl::StatusOr<std::unique_ptr<TtpgraphServer>> Start(const ServerOptions& options);
  ~TtpgraphServer();

  int port() const { return port_; }
  // Blocks until Shutdown() is called from another thread.
  void Wait();
  // The port of --http-listen (0 without one).
  int http_port() const;
  // The port of --https-listen (0 without one).
  int https_port() const;
  // Ready: serving, and the first release sync pass (with --sync-index) has ended.
  bool ready() const;
  // Stops accepting RPCs, lets running ones finish within `grace`.
  void Shutdown(absl::Duration grace = absl::Seconds(10));

  Store* store() { return store_.get(); }
  // The application floor: what every service calls (and benchmarks measure).
  core::Application& app() { return *app_; }
  // TAXII's collections: one per release (further sources are added in
  // Start, before the listener serves; core/taxii.h).
  core::Taxii& taxii() { return *taxii_; }

 private:
  TtpgraphServer() = default;
  std::unique_ptr<Store> store_;
  std::unique_ptr<core::Application> app_;
  std::unique_ptr<Metrics> metrics_;  // outlives every call (the application reports to it)
  std::unique_ptr<ReleaseServiceImpl> release_service_;
  std::unique_ptr<KnowledgeServiceImpl> knowledge_service_;
  std::unique_ptr<AnalysisServiceImpl> analysis_service_;
  std::unique_ptr<OrgServiceImpl> org_service_;
  std::unique_ptr<DefenseServiceImpl> defense_service_;
  std::unique_ptr<TokenServiceImpl> token_service_;
  std::unique_ptr<AuditServiceImpl> audit_service_;
  std::unique_ptr<ReportServiceImpl> report_service_;
  std::unique_ptr<BackupServiceImpl> backup_service_;
  std::unique_ptr<ExtensionServiceImpl> extension_service_;
  std::unique_ptr<HealthService> health_service_;
  std::unique_ptr<AsyncQueues> queries_;  // outlives server_
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<core::Taxii> taxii_;  // outlives http_
  std::unique_ptr<HttpListener> http_;
  int port_ = 0;
  std::atomic<bool> shut_down_{false};
};

}  // namespace ttpgraph
