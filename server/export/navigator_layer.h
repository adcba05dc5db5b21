// Coverage as an ATT&CK Navigator layer (format 4.5), ready to open in the
// Navigator unchanged: name, versions {attack = the release's version,
// navigator, layer "4.5"}, domain, one technique entry per active technique
// (no `tactic`, so it applies under every tactic) with score 100 / 50 / 0, the
// detection names in `comment` and status, detections and data components in
// `metadata`; a gradient over 0 / 50 / 100 and legendItems for DETECTED,
// LOGGED and BLIND.
//
//   std::string json = CoverageLayerJson(*g, report, view, {.name = "acme coverage"});
//
// Pure: no gRPC, no I/O; safe to call concurrently.
#pragma once

#include <string>

#include "graph/coverage.h"
#include "graph/release_graph.h"
#include "server/export/layer_header.h"  // kNavigatorVersion

namespace ttpgraph {

struct CoverageLayerOptions {
  std::string name;         // layer name; default "<org> coverage (<release>)"
  std::string description;  // default: counts and the roll-up policy
  std::string platform;     // when set, filters.platforms = [platform]
  // Most detection names listed in one technique's comment. Default: 20.
  size_t max_names_per_technique = 20;
};

// Colours of the three states (also the gradient stops).
inline constexpr const char* kBlindColor = "#ff6666";
inline constexpr const char* kLoggedColor = "#ffe766";
inline constexpr const char* kDetectedColor = "#8ec843";

std::string CoverageLayerJson(const ReleaseGraph& g, const CoverageReport& report, const OrgView& view,
                              const CoverageLayerOptions& options);

}  // namespace ttpgraph
