#include "server/server.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>

#include "server/analysis_service.h"
#include "server/async_unary.h"
#include "server/defense_service.h"
#include "server/health_service.h"
#include "server/knowledge_service.h"
#include "server/log.h"
#include "server/org_service.h"
#include "server/release_service.h"
#include "storage/strings.h"

namespace ttpgraph {

absl::StatusOr<std::unique_ptr<TtpgraphServer>> TtpgraphServer::Start(const ServerOptions& options) {
  std::unique_ptr<TtpgraphServer> s(new TtpgraphServer());
  StoreOptions so;
  so.path = options.data_dir;
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
  s->release_service_ = std::make_unique<ReleaseServiceImpl>(app);
  s->knowledge_service_ = std::make_unique<KnowledgeServiceImpl>(app);
  s->org_service_ = std::make_unique<OrgServiceImpl>(app);
  s->analysis_service_ = std::make_unique<AnalysisServiceImpl>(app);
  s->defense_service_ = std::make_unique<DefenseServiceImpl>(app);

  s->health_service_ = std::make_unique<HealthService>(std::set<std::string>{
      v1::ReleaseService::service_full_name(), v1::KnowledgeService::service_full_name(),
      v1::OrgService::service_full_name(), v1::AnalysisService::service_full_name(),
      v1::DefenseService::service_full_name()}, options.limits.max_health_watches);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &s->port_);
  builder.SetMaxReceiveMessageSize(options.limits.max_message_bytes);
  builder.SetMaxSendMessageSize(64 << 20);
  // The sync services' threads, past which gRPC refuses a call with
  // RESOURCE_EXHAUSTED instead of starting one more thread; and the calls one
  // connection may have open at once (the client queues the others).
  grpc::ResourceQuota quota("ttpgraphd");
  quota.SetMaxThreads(options.limits.max_threads);
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options.limits.max_concurrent_streams);
  builder.RegisterService(s->release_service_.get());
  builder.RegisterService(s->knowledge_service_->service());
  builder.RegisterService(s->analysis_service_.get());
  builder.RegisterService(s->org_service_.get());
  builder.RegisterService(s->defense_service_.get());
  builder.RegisterService(s->health_service_.get());
  s->queries_ = std::make_unique<AsyncQueues>(&app.limits());
  int threads = options.query_threads;
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency() / 2);
  s->queries_->AddTo(&builder, threads);
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0)
    return absl::UnavailableError(Cat("cannot listen on ", options.listen, " (address in use or invalid)"));
  s->knowledge_service_->Serve(s->queries_.get());
  s->queries_->Start();
  s->health_service_->SetServing(true);

  if (options.preload_graphs) {
    auto releases = s->store_->ListReleases();
    if (releases.ok())
      for (auto& r : *releases)
        if (auto g = app.releases().Get(r.id); !g.ok())
          LogWarn("preload failed", {{"release", r.id.Name()}, {"error", std::string(g.status().message())}});
  }
  return s;
}

TtpgraphServer::~TtpgraphServer() { Shutdown(absl::ZeroDuration()); }

void TtpgraphServer::Wait() {
  if (server_) server_->Wait();
}

void TtpgraphServer::Shutdown(absl::Duration grace) {
  if (shut_down_ || !server_) return;
  shut_down_ = true;
  health_service_->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace));
  queries_->Shutdown();  // after the server's: its calls are done
}

}  // namespace ttpgraph
