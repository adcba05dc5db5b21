// Group overlap as an ATT&CK Navigator layer (format 4.5): score = how many
// of the selected groups use the technique (through the index's usage
// paths), comment and metadata list them; gradient white -> red from 0 to
// the number of groups.
//
//   std::string json = OverlapLayerJson(index, groups);
//
// Pure; no gRPC. The output is one JSON document.
#pragma once

#include <string>
#include <vector>

#include "graph/overlap.h"

namespace ttpgraph {

std::string OverlapLayerJson(const GroupUsageIndex& index, const std::vector<NodeId>& groups);

}  // namespace ttpgraph
