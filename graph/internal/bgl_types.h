// The Boost.Graph type behind ReleaseGraph: a bidirectional compressed sparse
// row graph over node indices, each edge naming its relationship node; and the
// one walk over a node's active relationships of a type (ForEachActive).
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

// Calls fn(neighbor, relationship) for each active relationship of `type`
// leaving `n` (out = true) or entering it, whose other end is active.
template <typename Fn>
void ForEachActive(const ReleaseGraph& g, NodeId n, RelType type, bool out, Fn fn) {
  const auto& csr = g.bgl().csr;
  auto visit = [&](NodeId other, NodeId rel) {
    const Node& r = g.node(rel);
    if (r.rel_type != type || !r.active() || !g.node(other).active()) return;
    fn(other, rel);
  };
  if (out) {
    for (auto [it, end] = boost::out_edges(n, csr); it != end; ++it)
      visit(static_cast<NodeId>(boost::target(*it, csr)), csr[*it].relationship);
  } else {
    for (auto [it, end] = boost::in_edges(n, csr); it != end; ++it)
      visit(static_cast<NodeId>(boost::source(*it, csr)), csr[*it].relationship);
  }
}

}  // namespace ttpgraph::internal
