// Bounds every graph query takes instead of a gRPC context.
#pragma once

#include <cstddef>

#include "absl/time/time.h"

namespace ttpgraph {

struct QueryLimits {
  // Give up with DEADLINE_EXCEEDED after this instant. Default: no deadline.
  absl::Time deadline = absl::InfiniteFuture();
  // Longest chain followed (revoked-by hops). Default: 64.
  size_t max_depth = 64;
  // Most results one query may produce before paging. Default: 100000.
  size_t max_results = 100000;
};

}  // namespace ttpgraph
