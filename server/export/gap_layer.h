// A gap report as an ATT&CK Navigator layer (format 4.5): one entry per gap,
// score = number of selected groups using the technique, comment names them
// and the coverage status; metadata lists status, groups, software,
// campaigns and the data components that would make it LOGGED. Gradient
// white -> red from 0 to the number of selected groups; legend for BLIND and
// LOGGED (each entry's colour is its status).
//
//   std::string json = GapLayerJson(*g, report, {.name = "acme gaps"});
//
// Pure; no gRPC, no I/O. The output is one JSON document.
#pragma once

#include <string>

#include "graph/gaps.h"
#include "graph/release_graph.h"

namespace ttpgraph {

struct GapLayerOptions {
  std::string name;         // default "Gaps of <org> against N groups (<release>)"
  std::string org_id;
  std::string paths;        // "direct, software, campaigns" as used
};

std::string GapLayerJson(const ReleaseGraph& g, const GapReport& report, const GapLayerOptions& options);

}  // namespace ttpgraph
