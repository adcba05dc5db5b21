#include "server/core/application.h"

#include <fstream>
#include <sstream>

#include "server/log.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

RegistryOptions RegistryFor(const ServerLimits& limits, Application* app) {
  RegistryOptions o;
  o.memory_budget_bytes = limits.release_memory_budget_bytes;
  // Each build says what every cache holds (the same figures /metrics gives):
  // a build is when memory grows. Called before the new graph is kept.
  o.on_build = [app, budget = limits.release_memory_budget_bytes](const RegistryOptions::BuildInfo& b) {
    const ReleaseRegistry::Stats graphs = app->releases().stats();
    LogInfo("graph built", {{"release", b.id.Name()},
                            {"read_ms", std::to_string(b.read_ms)},
                            {"build_ms", std::to_string(b.build_ms)},
                            {"nodes", std::to_string(b.nodes)},
                            {"bytes", std::to_string(b.bytes)},
                            {"graphs_held", std::to_string(graphs.releases)},
                            {"graphs_bytes", std::to_string(graphs.bytes)},
                            {"graphs_budget_bytes", std::to_string(budget)},
                            {"graphs_evicted", std::to_string(graphs.evicted)},
                            {"org_views", std::to_string(app->org_views().stats().entries)},
                            {"diffs", std::to_string(app->diffs().stats().entries)},
                            {"next_release_plans", std::to_string(app->next_releases().stats().entries)}});
  };
  return o;
}

}  // namespace

Application::Application(Store* store, const ServerLimits& limits)
    : store_(store),
      limits_(limits),
      releases_(store, RegistryFor(limits, this)),
      defense_(store),
      orgs_(store, OrgStoreLimits{limits.max_detections_per_org, limits.max_inventory_entries, limits.max_organizations}),
      extensions_(store),
      org_views_(&orgs_, limits.org_view_cache_entries),
      tokens_(store),
      auth_(&tokens_),
      imports_(limits.max_concurrent_imports) {
  orgs_.OnDetectionChange([this](DetectionChange c) { org_views_.Changed(std::move(c)); });
  // The table built into the server (data/sigma_logsource_map.csv at build
  // time) unless the configuration names another file.
  const std::string& path = limits.sigma_logsource_map_path;
  absl::StatusOr<SigmaLogsourceMap> map = SigmaLogsourceMap::Builtin();
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) {
      logsource_map_warning_ = Cat("cannot read the Sigma logsource mapping table ", path, "; using the built-in one");
    } else {
      std::stringstream ss;
      ss << in.rdbuf();
      map = SigmaLogsourceMap::Parse(path, ss.str());
    }
  }
  if (map.ok()) {
    logsource_map_ = std::move(*map);
  } else {
    logsource_map_warning_ = Cat("cannot load the Sigma logsource mapping table (", map.status().message(),
                                 "); Sigma imports get no data components and InferInventory needs mapping_csv");
  }
}

}  // namespace ttpgraph::core
