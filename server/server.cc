#include "server/server.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include "server/analysis_service.h"
#include "server/async_unary.h"
#include "server/backup_service.h"
#include "server/defense_service.h"
#include "server/health_service.h"
#include "server/http_listener.h"
#include "server/knowledge_service.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/org_service.h"
#include "server/release_service.h"
#include "server/report_service.h"
#include "server/taxii.h"
#include "server/token_service.h"
#include "server/extension_service.h"
#include "server/core/import_gate.h"
#include "server/core/tokens.h"
#include "storage/strings.h"

namespace ttpgraph {

namespace {

// gRPC refuses a sync call it has no thread for with RESOURCE_EXHAUSTED "Server
// Threadpool Exhausted"; this rewrites that message to name the limit and its flag.
// Made only for the sync services' calls: KnowledgeService is served on the async
// queues, which take no thread from the quota, and its hot path stays free of it.
class ThreadQuotaMessage : public grpc::experimental::Interceptor {
 public:
  explicit ThreadQuotaMessage(const std::string* message) : message_(message) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
          status.error_message() == "Server Threadpool Exhausted")
        methods->ModifySendStatus(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, *message_));
    }
    methods->Proceed();
  }

 private:
  const std::string* message_;
};

class ThreadQuotaMessages : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ThreadQuotaMessages(int max_threads)
      : message_(Cat("the server is busy: all ", max_threads, " threads of its sync services are in use (the limit "
                     "--max-threads ", max_threads, "); retry with backoff")),
        async_prefix_(Cat("/", v1::KnowledgeService::service_full_name(), "/")) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    if (StartsWith(info->method(), async_prefix_)) return nullptr;
    return new ThreadQuotaMessage(&message_);
  }

 private:
  const std::string message_;
  const std::string async_prefix_;
};

bool IsLoopback(const std::string& listen) {
  const std::string host = listen.rfind(':') == std::string::npos ? listen : listen.substr(0, listen.rfind(':'));
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || StartsWith(host, "127.") ||
         StartsWith(host, "unix:");
}

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(Cat("cannot read the ", what, " ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().find("-----BEGIN") == std::string::npos)
    return absl::InvalidArgumentError(Cat("the ", what, " ", path, " is not a PEM file"));
  return ss.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const ServerOptions& o) {
  if (o.tls_cert.empty() != o.tls_key.empty())
    return absl::InvalidArgumentError("give both --tls-cert and --tls-key, or neither");
  if (o.tls_cert.empty()) {
    if (!o.client_ca.empty()) return absl::InvalidArgumentError("--client-ca needs TLS (--tls-cert and --tls-key)");
    if (!IsLoopback(o.listen) && !o.insecure)
      return absl::FailedPreconditionError(Cat("refusing to listen on ", o.listen,
                                               " without TLS: give --tls-cert and --tls-key, or --insecure on a "
                                               "private network"));
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions ssl(o.client_ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                                            : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  auto cert = ReadPem(o.tls_cert, "TLS certificate");
  if (!cert.ok()) return cert.status();
  auto key = ReadPem(o.tls_key, "TLS key");
  if (!key.ok()) return key.status();
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  if (!o.client_ca.empty()) {
    auto ca = ReadPem(o.client_ca, "client CA");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TtpgraphServer>> TtpgraphServer::Start(const ServerOptions& options) {
  std::unique_ptr<TtpgraphServer> s(new TtpgraphServer());
  auto credentials = Credentials(options);
  if (!credentials.ok()) return credentials.status();
  if (options.tls_cert.empty() && !IsLoopback(options.listen))
    LogWarn("INSECURE: listening without TLS on a non-loopback address (--insecure): tokens cross the network in "
            "clear text", {{"listen", options.listen}});
  StoreOptions so;
  so.path = options.data_dir;
  so.disk_faults = options.disk_faults;
  so.after_compaction = core::ReleaseFreeMemory;  // what the compaction read and wrote goes back to the OS
  auto open_start = std::chrono::steady_clock::now();
  auto store = Store::Open(so);
  if (!store.ok()) return store.status();
  LogInfo("store open", {{"data_dir", options.data_dir},
                         {"ms", std::to_string(std::chrono::duration<double, std::milli>(
                                                   std::chrono::steady_clock::now() - open_start)
                                                   .count())}});
  s->store_ = std::move(*store);
  s->app_ = std::make_unique<core::Application>(s->store_.get(), options.limits);
  if (!s->app_->logsource_map_warning().empty())
    LogWarn(s->app_->logsource_map_warning(), {{"path", options.limits.sigma_logsource_map_path}});
  core::Application& app = *s->app_;
  auto boot = core::Bootstrap(app, core::BootstrapOptions{options.data_dir, options.bootstrap_token_file});
  if (!boot.ok()) return boot.status();
  if (boot->created)
    LogWarn("bootstrap admin token created (no admin token existed): the file holds an admin secret, keep it private",
            {{"token", boot->token_id},
             {"path", boot->token_path.empty() ? options.bootstrap_token_file : boot->token_path}});
  std::string metrics_token;
  if (!options.metrics_token_file.empty()) {
    if (options.http_listen.empty() && options.https_listen.empty())
      return absl::InvalidArgumentError(
          "--metrics-token-file needs --http-listen or --https-listen (the listener serving /metrics)");
    auto token = ReadMetricsToken(options.metrics_token_file);
    if (!token.ok()) return token.status();
    metrics_token = std::move(*token);
  }
  if (!options.sync.index.empty()) {
    if (auto st = core::ReleaseSync::Validate(options.sync); !st.ok()) return st;
    app.set_sync(std::make_unique<core::ReleaseSync>(&app, options.sync));
  }
  const bool http = !options.http_listen.empty() || !options.https_listen.empty();
  if (!options.https_listen.empty() && options.tls_cert.empty())
    return absl::InvalidArgumentError("--https-listen needs --tls-cert and --tls-key (the certificate gRPC serves)");
  if (http) {
    s->metrics_ = std::make_unique<Metrics>(&app, MetricsOptions{options.metrics_org_labels});
    app.set_observer(s->metrics_.get());
  }
  s->release_service_ = std::make_unique<ReleaseServiceImpl>(app);
  s->knowledge_service_ = std::make_unique<KnowledgeServiceImpl>(app);
  s->org_service_ = std::make_unique<OrgServiceImpl>(app);
  s->analysis_service_ = std::make_unique<AnalysisServiceImpl>(app);
  s->defense_service_ = std::make_unique<DefenseServiceImpl>(app);
  s->token_service_ = std::make_unique<TokenServiceImpl>(app);
  s->audit_service_ = std::make_unique<AuditServiceImpl>(app);
  s->report_service_ = std::make_unique<ReportServiceImpl>(app);
  s->backup_service_ = std::make_unique<BackupServiceImpl>(app);
  s->extension_service_ = std::make_unique<ExtensionServiceImpl>(app);

  s->health_service_ = std::make_unique<HealthService>(std::set<std::string>{
      v1::ReleaseService::service_full_name(), v1::KnowledgeService::service_full_name(),
      v1::OrgService::service_full_name(), v1::AnalysisService::service_full_name(),
      v1::DefenseService::service_full_name(), v1::TokenService::service_full_name(),
      v1::AuditService::service_full_name(), v1::ReportService::service_full_name(),
      v1::BackupService::service_full_name(), v1::ExtensionService::service_full_name()},
      options.limits.max_health_watches);
  Store* writes = s->store_.get();
  s->health_service_->SetWritable([writes] { return writes->WriteHealth().ok(); });
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, *credentials, &s->port_);
  builder.SetMaxReceiveMessageSize(options.limits.max_message_bytes);
  builder.SetMaxSendMessageSize(64 << 20);
  // The sync services' threads, past which gRPC refuses a call with
  // RESOURCE_EXHAUSTED instead of starting one more thread; and the calls one
  // connection may have open at once (the client queues the others).
  grpc::ResourceQuota quota("ttpgraphd");
  quota.SetMaxThreads(options.limits.max_threads);
  builder.SetResourceQuota(quota);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<ThreadQuotaMessages>(options.limits.max_threads));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options.limits.max_concurrent_streams);
  builder.RegisterService(s->release_service_.get());
  builder.RegisterService(s->knowledge_service_->service());
  builder.RegisterService(s->analysis_service_.get());
  builder.RegisterService(s->org_service_.get());
  builder.RegisterService(s->defense_service_.get());
  builder.RegisterService(s->token_service_.get());
  builder.RegisterService(s->audit_service_.get());
  builder.RegisterService(s->report_service_.get());
  builder.RegisterService(s->backup_service_.get());
  builder.RegisterService(s->extension_service_.get());
  builder.RegisterService(s->health_service_.get());
  s->queries_ = std::make_unique<AsyncQueues>(&app);
  int threads = options.query_threads;
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency() / 2);
  s->queries_->AddTo(&builder, threads);
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0)
    return absl::UnavailableError(Cat("cannot listen on ", options.listen, " (address in use or invalid)"));
  s->knowledge_service_->Serve(s->queries_.get());
  s->queries_->Start();
  s->taxii_ = std::make_unique<core::Taxii>(&app);  // the releases' collections; more sources: AddSource here
  s->taxii_->AddSource(std::make_unique<core::ViewCollections>(&app));
  if (http) {
    auto listener =
        HttpListener::Start(HttpListenOptions{options.http_listen, options.https_listen, options.tls_cert, options.tls_key});
    if (!listener.ok()) return listener.status();
    s->http_ = std::move(*listener);
    TtpgraphServer* self = s.get();
    ServeMetricsAndProbes(s->http_.get(), s->metrics_.get(), metrics_token, [self] { return self->ready(); });
    ServeTaxii(s->http_.get(), s->taxii_.get(), TaxiiHttpOptions{!options.tls_cert.empty()});
  }
  // gRPC health says SERVING once ready: with a sync, after its first pass
  // (Kubernetes' grpc startup and readiness probes wait for the releases).
  if (core::ReleaseSync* sync = app.sync()) {
    HealthService* health = s->health_service_.get();
    sync->Start([health] { health->SetServing(true); });
  } else {
    s->health_service_->SetServing(true);
  }

  if (options.preload_graphs) {
    auto releases = s->store_->ListReleases();
    if (releases.ok())
      for (auto& r : *releases)
        if (auto g = app.releases().Get(r.id); !g.ok())
          LogWarn("preload failed", {{"release", r.id.Name()}, {"error", std::string(g.status().message())}});
  }
  return s;
}

TtpgraphServer::~TtpgraphServer() {
  Shutdown(absl::ZeroDuration());
  if (app_) {
    app_->set_sync(nullptr);  // stops it: it reports its imports to the metrics
    app_->set_observer(nullptr);
  }
}

int TtpgraphServer::http_port() const { return http_ ? http_->port() : 0; }
int TtpgraphServer::https_port() const { return http_ ? http_->tls_port() : 0; }

bool TtpgraphServer::ready() const {
  if (shut_down_ || !server_) return false;
  const core::ReleaseSync* sync = app_->sync();
  return !sync || sync->first_pass_done();
}

void TtpgraphServer::Wait() {
  if (server_) server_->Wait();
}

void TtpgraphServer::Shutdown(absl::Duration grace) {
  if (shut_down_ || !server_) return;
  shut_down_ = true;
  if (core::ReleaseSync* sync = app_->sync()) sync->Stop();  // cancels a running import
  health_service_->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace));
  queries_->Shutdown();  // after the server's: its calls are done
  http_.reset();
  if (auto used = app_->auth().TakeLastUsed(); !used.empty())
    if (auto st = app_->tokens().SaveLastUsed(used); !st.ok())
      LogWarn("token last-use times not saved", {{"error", std::string(st.message())}});
}

}  // namespace ttpgraph
