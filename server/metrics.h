// Metrics: ttpgraphd's Prometheus metrics (prometheus-cpp), served as text by
// the HTTP listener's /metrics (server.cc). Two sources:
//
// - events, as the application floor reports them (core::Observer): every RPC
//   from Serve/AsyncQueues (rpc_util.h, async_unary.h), with the names
//   existing gRPC dashboards use (grpc_server_started_total,
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_code},
//   grpc_server_handling_seconds), and every import
//   (ttpgraph_imports_total{kind,outcome}, ttpgraph_import_bytes_total{kind},
//   ttpgraph_import_seconds{kind});
// - state, read from the floor's getters at each scrape: graphs and caches,
//   RocksDB, token checks, the release sync, the process's RSS and threads.
//
// No label carries an organization id unless `org_labels` is set (then
// grpc_server_handled_total gets an `org` label: one series per organization,
// method and code).
//
//   Metrics metrics(&app, MetricsOptions{});
//   app.set_observer(&metrics);
//   std::string text = metrics.Render();
//
// Thread safety: safe for concurrent use; `app` must outlive it.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "server/core/application.h"

namespace ttpgraph {

struct MetricsOptions {
  // Label grpc_server_handled_total with the call's organization. Default: false.
  bool org_labels = false;
};

class Metrics final : public core::Observer {
 public:
  Metrics(core::Application* app, MetricsOptions options);
  ~Metrics() override;

  void CallStarted(std::string_view method) override;
  void CallHandled(std::string_view method, std::string_view org, absl::StatusCode code, double seconds) override;
  void ImportDone(std::string_view kind, uint64_t bytes, bool ok, double seconds) override;

  // Every metric in the Prometheus text format (version 0.0.4).
  std::string Render() const;

 private:
  class StateCollector;
  // The series of one method: `started` made with it (every method shows,
  // at 0 until called), the others at its first answer (a histogram is 20
  // series: only for methods in use); then a call costs no label lookup.
  struct MethodSeries {
    std::string service, name;  // "ttpgraph.v1.OrgService", "GetCoverage"
    prometheus::Counter* started = nullptr;
    std::atomic<prometheus::Histogram*> seconds{nullptr};
    std::array<std::atomic<prometheus::Counter*>, 17> handled{};  // by absl::StatusCode
  };
  MethodSeries& SeriesFor(std::string_view method);
  MethodSeries* NewSeries(std::string_view method);

  core::Application* app_;
  const MetricsOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  prometheus::Family<prometheus::Counter>& imports_;
  prometheus::Family<prometheus::Counter>& import_bytes_;
  prometheus::Family<prometheus::Histogram>& import_seconds_;
  // Every method of the policy table, made at construction (read without a lock)...
  std::unordered_map<std::string_view, std::unique_ptr<MethodSeries>> methods_;
  // ...and any other name a call carries (refused calls of unknown methods).
  std::mutex other_mu_;
  std::unordered_map<std::string, std::unique_ptr<MethodSeries>> other_methods_;
  std::shared_ptr<StateCollector> state_;
};

class HttpListener;

// Serves on `http`: /metrics (`metrics` rendered; when `token` is not empty,
// only to `authorization: Bearer <token>`, 401 otherwise), /healthz (200 while
// the process runs) and /readyz (200 when `ready()`, 503 before). The probes
// need no token. `metrics` must outlive the listener's handlers.
void ServeMetricsAndProbes(HttpListener* http, const Metrics* metrics, std::string token, std::function<bool()> ready);

// The bearer token in --metrics-token-file: the file's one word. NOT_FOUND
// when unreadable, INVALID_ARGUMENT when empty or more than one word.
absl::StatusOr<std::string> ReadMetricsToken(const std::string& path);

}  // namespace ttpgraph
