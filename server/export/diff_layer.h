// The version diff as an ATT&CK Navigator layer (format 4.5).
//
// One technique entry per (technique, tactic), coloured by its diff_stix
// category with MITRE's changelog colours (additions #a1d99b, major
// #fcf3a2, minor #c7c4e0, other #B5E5CF, patches #B99095, revocations
// #ff9000, deprecations #ff6363, unchanged #ffffff) and a comment naming the
// category (and the fields that changed, or the successor of a revocation);
// a legend lists the categories. Deleted techniques are left out: they do
// not exist in the `to` matrix the layer is drawn on.
//
//   DiffLayer layer = DiffLayerJson(*from, *to, report, DiffLayerOptions{});  // layer.json
//
// Pure; no gRPC. The output is one JSON document.
#pragma once

#include <string>

#include "graph/diff.h"
#include "graph/release_graph.h"

namespace ttpgraph {

struct DiffLayerOptions {
  // Also list the unchanged techniques (white). Default: false.
  bool include_unchanged = false;
};

struct DiffLayer {
  std::string json;
  int technique_entries = 0;  // entries in "techniques" (one per technique and tactic)
};
DiffLayer DiffLayerJson(const ReleaseGraph& from, const ReleaseGraph& to, const DiffReport& report,
                        const DiffLayerOptions& options);

}  // namespace ttpgraph
