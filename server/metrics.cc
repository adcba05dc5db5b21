#include "server/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <fstream>
#include <sstream>

#include "server/core/identity.h"
#include "server/http_listener.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// From 100 µs (a cached knowledge query) to a minute (a write near its limit).
const prometheus::Histogram::BucketBoundaries kCallBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                              0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                              1,      2.5,     5,      10,    30,     60};
// From a small Atomic index (~0.1 s) to a large detection import (minutes).
const prometheus::Histogram::BucketBoundaries kImportBuckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};

constexpr const char* kCodeNames[17] = {"OK",
                                        "Canceled",
                                        "Unknown",
                                        "InvalidArgument",
                                        "DeadlineExceeded",
                                        "NotFound",
                                        "AlreadyExists",
                                        "PermissionDenied",
                                        "ResourceExhausted",
                                        "FailedPrecondition",
                                        "Aborted",
                                        "OutOfRange",
                                        "Unimplemented",
                                        "Internal",
                                        "Unavailable",
                                        "DataLoss",
                                        "Unauthenticated"};

// The code names of go-grpc-prometheus (grpc-go's codes.Code.String()), which
// existing dashboards filter on (grpc_code!="OK").
const char* CodeName(int code) { return code >= 0 && code < 17 ? kCodeNames[code] : "Unknown"; }

MetricFamily Family(const char* name, const char* help, MetricType type) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

void Add(MetricFamily& f, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f.type == MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

// VmRSS (bytes) and Threads of /proc/self/status; zeros when unreadable.
std::pair<double, double> ProcessFigures() {
  std::ifstream in("/proc/self/status");
  std::string line;
  double rss = 0, threads = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    double value = 0;
    fields >> key >> value;
    if (key == "VmRSS:") rss = value * 1024;  // kB
    if (key == "Threads:") threads = value;
  }
  return {rss, threads};
}

}  // namespace

// What the application floor keeps itself, read at each scrape.
class Metrics::StateCollector final : public prometheus::Collectable {
 public:
  explicit StateCollector(core::Application* app) : app_(app) {}

  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> out;
    const ReleaseRegistry::Stats graphs = app_->releases().stats();
    auto& graphs_in_memory = out.emplace_back(
        Family("ttpgraph_graphs_in_memory", "Release graphs built and held in memory", MetricType::Gauge));
    Add(graphs_in_memory, graphs.releases);
    auto& graph_bytes = out.emplace_back(
        Family("ttpgraph_graph_bytes", "Approximate bytes of the release graphs held in memory", MetricType::Gauge));
    Add(graph_bytes, graphs.bytes);
    Add(out.emplace_back(Family("ttpgraph_graph_budget_bytes",
                                "Bytes the release graphs may hold (--graph-memory-mb)", MetricType::Gauge)),
        app_->releases().options().memory_budget_bytes);
    Add(out.emplace_back(Family("ttpgraph_graphs_evicted_total",
                                "Release graphs dropped for the memory budget (rebuilt on their next use)",
                                MetricType::Counter)),
        graphs.evicted);

    const core::OrgViews::Stats views = app_->org_views().stats();
    const core::DiffCache::Stats diffs = app_->diffs().stats();
    const DefenseCatalog::Stats defense = app_->defense().stats();
    auto& entries = out.emplace_back(Family("ttpgraph_cache_entries", "Entries held per cache", MetricType::Gauge));
    Add(entries, graphs.releases, {{"cache", "release_graphs"}});
    Add(entries, views.entries, {{"cache", "org_views"}});
    Add(entries, diffs.entries, {{"cache", "diffs"}});
    Add(entries, defense.d3fend_versions, {{"cache", "d3fend"}});
    Add(entries, defense.atomic_indexes, {{"cache", "atomic"}});
    Add(entries, app_->next_releases().stats().entries, {{"cache", "next_release_plans"}});
    auto& hits = out.emplace_back(
        Family("ttpgraph_cache_hits_total", "Lookups answered from the cache", MetricType::Counter));
    Add(hits, graphs.hits, {{"cache", "release_graphs"}});
    Add(hits, views.hits, {{"cache", "org_views"}});
    Add(hits, diffs.hits, {{"cache", "diffs"}});
    auto& misses = out.emplace_back(Family("ttpgraph_cache_misses_total",
                                           "Lookups that had to build (a graph build, an organization read, a diff)",
                                           MetricType::Counter));
    Add(misses, graphs.builds, {{"cache", "release_graphs"}});
    Add(misses, views.misses, {{"cache", "org_views"}});
    Add(misses, diffs.misses, {{"cache", "diffs"}});
    Add(out.emplace_back(Family("ttpgraph_org_views_patched_total",
                                "Organization views brought forward by their single-detection writes instead "
                                "of a read of every detection",
                                MetricType::Counter)),
        views.patched);

    const Store::EngineStats db = app_->store().Stats();
    Add(out.emplace_back(Family("ttpgraph_rocksdb_live_bytes", "Bytes of the live SST files", MetricType::Gauge)),
        db.live_sst_bytes);
    Add(out.emplace_back(Family("ttpgraph_rocksdb_memtable_bytes", "Bytes of the memtables", MetricType::Gauge)),
        db.memtable_bytes);
    Add(out.emplace_back(Family("ttpgraph_rocksdb_pending_compaction_bytes",
                                "Bytes compaction estimates it still has to rewrite", MetricType::Gauge)),
        db.pending_compaction_bytes);
    Add(out.emplace_back(Family("ttpgraph_rocksdb_import_compaction_running",
                                "1 while the compaction that compresses imported table files is asked for or "
                                "runs (it holds memory and disk bandwidth until it ends)",
                                MetricType::Gauge)),
        db.import_compaction_running ? 1 : 0);
    Add(out.emplace_back(Family("ttpgraph_rocksdb_stalls_total", "Write slowdowns and stops since the store opened",
                                MetricType::Counter)),
        db.write_stalls);
    Add(out.emplace_back(Family("ttpgraph_rocksdb_background_errors_total",
                                "Background errors (flush, compaction) since the store opened", MetricType::Counter)),
        db.background_errors);

    const core::Authenticator::Stats tokens = app_->auth().stats();
    Add(out.emplace_back(Family("ttpgraph_tokens_checked_total", "Bearer tokens checked (one per call)",
                                MetricType::Counter)),
        tokens.checked);
    auto& refused = out.emplace_back(
        Family("ttpgraph_tokens_refused_total", "Calls refused UNAUTHENTICATED, by reason", MetricType::Counter));
    Add(refused, tokens.missing, {{"reason", "missing"}});
    Add(refused, tokens.malformed, {{"reason", "malformed"}});
    Add(refused, tokens.unknown, {{"reason", "unknown"}});
    Add(refused, tokens.expired, {{"reason", "expired"}});

    if (const core::ReleaseSync* sync = app_->sync()) {
      const core::SyncStatus s = sync->status();
      Add(out.emplace_back(Family("ttpgraph_sync_last_success_timestamp_seconds",
                                  "When a release sync pass last ended with every listed release stored (0: never)",
                                  MetricType::Gauge)),
          s.last_success_unix_ms / 1000.0);
      Add(out.emplace_back(Family("ttpgraph_sync_last_attempt_timestamp_seconds",
                                  "When the last release sync pass ended (0: none yet)", MetricType::Gauge)),
          s.last_attempt_unix_ms / 1000.0);
      auto& passes = out.emplace_back(
          Family("ttpgraph_sync_passes_total", "Release sync passes, by outcome", MetricType::Counter));
      Add(passes, s.passes - s.failed_passes, {{"outcome", "ok"}});
      Add(passes, s.failed_passes, {{"outcome", "error"}});
      auto& releases = out.emplace_back(
          Family("ttpgraph_sync_releases_total", "Releases the sync imported or failed to import", MetricType::Counter));
      Add(releases, s.releases_imported, {{"outcome", "imported"}});
      Add(releases, s.releases_failed, {{"outcome", "error"}});
    }

    const auto [rss, threads] = ProcessFigures();
    Add(out.emplace_back(Family("process_resident_memory_bytes", "Resident memory size in bytes", MetricType::Gauge)),
        rss);
    Add(out.emplace_back(Family("process_threads", "Threads of the process", MetricType::Gauge)), threads);
    return out;
  }

 private:
  core::Application* app_;
};

Metrics::Metrics(core::Application* app, MetricsOptions options)
    : app_(app),
      options_(options),
      registry_(std::make_shared<prometheus::Registry>()),
      started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("Total number of RPCs started on the server.")
                   .Register(*registry_)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("Total number of RPCs completed on the server, regardless of success or failure.")
                   .Register(*registry_)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("grpc_server_handling_seconds")
                            .Help("Histogram of response latency (seconds) of gRPC that had been application-level "
                                  "handled by the server.")
                            .Register(*registry_)),
      imports_(prometheus::BuildCounter()
                   .Name("ttpgraph_imports_total")
                   .Help("Imports (releases, D3FEND, Atomic indexes, detections), by kind and outcome")
                   .Register(*registry_)),
      import_bytes_(prometheus::BuildCounter()
                        .Name("ttpgraph_import_bytes_total")
                        .Help("Bytes imports received or read, as sent (before gunzip), by kind")
                        .Register(*registry_)),
      import_seconds_(prometheus::BuildHistogram()
                          .Name("ttpgraph_import_seconds")
                          .Help("How long imports took (from their slot in the import gate), by kind")
                          .Register(*registry_)),
      state_(std::make_shared<StateCollector>(app)) {
  for (const core::MethodPolicy& p : core::Policies())
    methods_.emplace(p.method, std::unique_ptr<MethodSeries>(NewSeries(p.method)));
  for (const char* kind : {"release", "d3fend", "atomic", "detections"}) {
    imports_.Add({{"kind", kind}, {"outcome", "ok"}});
    imports_.Add({{"kind", kind}, {"outcome", "error"}});
    import_bytes_.Add({{"kind", kind}});
    import_seconds_.Add({{"kind", kind}}, kImportBuckets);
  }
}

Metrics::~Metrics() = default;

Metrics::MethodSeries* Metrics::NewSeries(std::string_view method) {
  auto* s = new MethodSeries;
  const size_t slash = method.rfind('/');
  s->service = std::string(method.substr(0, slash == std::string_view::npos ? 0 : slash));
  s->name = std::string(method.substr(slash == std::string_view::npos ? 0 : slash + 1));
  s->started = &started_.Add({{"grpc_service", s->service}, {"grpc_method", s->name}});
  return s;
}

Metrics::MethodSeries& Metrics::SeriesFor(std::string_view method) {
  if (auto it = methods_.find(method); it != methods_.end()) return *it->second;
  std::lock_guard<std::mutex> lock(other_mu_);
  auto& slot = other_methods_[std::string(method)];
  if (!slot) slot.reset(NewSeries(method));
  return *slot;
}

void Metrics::CallStarted(std::string_view method) { SeriesFor(method).started->Increment(); }

void Metrics::CallHandled(std::string_view method, std::string_view org, absl::StatusCode code, double seconds) {
  MethodSeries& s = SeriesFor(method);
  prometheus::Histogram* histogram = s.seconds.load(std::memory_order_acquire);
  if (!histogram) {  // Family::Add returns the one series of these labels, whoever asks first
    histogram = &handling_seconds_.Add({{"grpc_service", s.service}, {"grpc_method", s.name}}, kCallBuckets);
    s.seconds.store(histogram, std::memory_order_release);
  }
  histogram->Observe(seconds);
  const int c = static_cast<int>(code) >= 0 && static_cast<int>(code) < 17 ? static_cast<int>(code) : 2;
  if (options_.org_labels) {
    handled_
        .Add({{"grpc_service", s.service}, {"grpc_method", s.name}, {"grpc_code", CodeName(c)},
              {"org", std::string(org)}})
        .Increment();
    return;
  }
  prometheus::Counter* counter = s.handled[c].load(std::memory_order_acquire);
  if (!counter) {
    counter = &handled_.Add(
        {{"grpc_service", s.service}, {"grpc_method", s.name}, {"grpc_code", CodeName(c)}});
    s.handled[c].store(counter, std::memory_order_release);
  }
  counter->Increment();
}

void Metrics::ImportDone(std::string_view kind, uint64_t bytes, bool ok, double seconds) {
  const std::string k(kind);
  imports_.Add({{"kind", k}, {"outcome", ok ? "ok" : "error"}}).Increment();
  import_bytes_.Add({{"kind", k}}).Increment(static_cast<double>(bytes));
  import_seconds_.Add({{"kind", k}}, kImportBuckets).Observe(seconds);
}

std::string Metrics::Render() const {
  std::vector<MetricFamily> families = registry_->Collect();
  for (MetricFamily& f : state_->Collect()) families.push_back(std::move(f));
  return prometheus::TextSerializer().Serialize(families);
}

void ServeMetricsAndProbes(HttpListener* http, const Metrics* metrics, std::string token, std::function<bool()> ready) {
  constexpr const char* kText = "text/plain; charset=utf-8";
  http->Handle("/healthz", [kText](const HttpRequest&) { return HttpResponse{200, kText, "ok\n", {}}; });
  http->Handle("/readyz", [kText, ready = std::move(ready)](const HttpRequest&) {
    if (ready()) return HttpResponse{200, kText, "ready\n", {}};
    return HttpResponse{503, kText, "not ready: the first release sync has not ended\n", {}};
  });
  http->Handle("/metrics", [kText, metrics, token = std::move(token)](const HttpRequest& req) {
    if (!token.empty() && !BearerMatches(req.authorization, token))
      return HttpResponse{401, kText, "/metrics needs `authorization: Bearer <token>` (the token of --metrics-token-file)\n",
                          {{"WWW-Authenticate", "Bearer realm=\"ttpgraphd metrics\""}}};
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics->Render(), {}};
  });
}

absl::StatusOr<std::string> ReadMetricsToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(Cat("cannot read the metrics token file ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  const size_t first = token.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return absl::InvalidArgumentError(Cat("the metrics token file ", path, " is empty"));
  token = token.substr(first, token.find_last_not_of(" \t\r\n") - first + 1);
  if (token.find_first_of(" \t\r\n") != std::string::npos)
    return absl::InvalidArgumentError(Cat("the metrics token file ", path, " holds more than one word"));
  return token;
}

}  // namespace ttpgraph
