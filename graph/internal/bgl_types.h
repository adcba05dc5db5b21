// The Boost.Graph type behind ReleaseGraph: a bidirectional compressed sparse
// row graph over node indices, each edge naming its relationship node.
#pragma once

#include <boost/graph/compressed_sparse_row_graph.hpp>

#include "graph/release_graph.h"

namespace ttpgraph::internal {

struct EdgeProps {
  NodeId relationship = kNoNode;  // the relationship node this edge comes from
};

using Csr = boost::compressed_sparse_row_graph<boost::bidirectionalS, boost::no_property, EdgeProps,
                                               boost::no_property, uint32_t, uint32_t>;

struct BglGraph {
  Csr csr;
};

}  // namespace ttpgraph::internal
