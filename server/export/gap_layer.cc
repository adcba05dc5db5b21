#include "server/export/gap_layer.h"

#include <cstdio>

#include "server/export/layer_header.h"
#include "server/export/navigator_layer.h"  // the status colours
#include "storage/strings.h"

namespace ttpgraph {
namespace {

std::string IdOf(const ReleaseGraph& g, NodeId n) {
  return g.node(n).attack_id.empty() ? g.node(n).stix_id : g.node(n).attack_id;
}

std::string Ids(const ReleaseGraph& g, const std::vector<NodeId>& ns) {
  std::vector<std::string> out;
  for (NodeId n : ns) out.push_back(IdOf(g, n));
  return Join(out, ", ");
}

}  // namespace

std::string GapLayerJson(const ReleaseGraph& g, const GapReport& report, const GapLayerOptions& options) {
  const size_t n = report.groups.size();
  std::vector<std::string> entries;
  for (const Gap& gap : report.gaps) {
    std::vector<std::string> names;
    for (NodeId gn : gap.groups) names.push_back(Cat(g.node(gn).attack_id, " ", g.node(gn).name));
    const char* status = CoverageStatusName(gap.status);
    std::vector<std::string> meta = {
        Cat("{\"name\":\"status\",\"value\":", JsonQuote(status), "}"),
        Cat("{\"name\":\"groups\",\"value\":", JsonQuote(Ids(g, gap.groups)), "}")};
    if (!gap.software.empty()) meta.push_back(Cat("{\"name\":\"software\",\"value\":", JsonQuote(Ids(g, gap.software)), "}"));
    if (!gap.campaigns.empty())
      meta.push_back(Cat("{\"name\":\"campaigns\",\"value\":", JsonQuote(Ids(g, gap.campaigns)), "}"));
    if (!gap.data_components.empty()) {
      std::vector<std::string> dcs;
      for (NodeId dc : gap.data_components) dcs.push_back(ComponentLabel(g, dc));
      meta.push_back(Cat("{\"name\":\"would be logged by\",\"value\":", JsonQuote(Join(dcs, "; ")), "}"));
    }
    entries.push_back(Cat("{\"techniqueID\":", JsonQuote(g.node(gap.technique).attack_id), ",\"score\":",
                          gap.groups.size(), ",\"color\":",
                          JsonQuote(gap.status == CoverageStatus::kLogged ? kLoggedColor : kBlindColor),
                          ",\"enabled\":true,\"comment\":",
                          JsonQuote(Cat(status, "; used by ", gap.groups.size(), " of ", n, " selected groups: ",
                                    Join(names, ", "))),
                          ",\"metadata\":[", Join(meta, ","), "]}"));
  }
  LayerHeader h;
  h.name = options.name.empty()
               ? Cat("Gaps of ", options.org_id, " against ", n, n == 1 ? " group (" : " groups (", g.id().Name(), ")")
               : options.name;
  h.attack_version = g.id().version.ToString();
  h.domain = g.id().domain;
  h.description = Cat("Techniques used by the selected groups that ", options.org_id, " does not detect (",
                      g.id().Name(), "; paths: ", options.paths, "). Score = number of the ", n,
                      " selected groups using the technique. ", report.blind, " BLIND, ", report.logged, " LOGGED, ",
                      report.detected, " DETECTED. Groups: ", Ids(g, report.groups));
  h.gradient_colors = {"#ffffff", "#ff6666"};
  h.gradient_max = static_cast<int64_t>(n);
  h.legend = {{"BLIND: no detection, no telemetry", kBlindColor},
              {"LOGGED: telemetry collected, no detection", kLoggedColor}};
  std::string out = LayerHeaderJson(h);
  out += ",\"techniques\":[" + Join(entries, ",") + "]}";
  return out;
}

}  // namespace ttpgraph
