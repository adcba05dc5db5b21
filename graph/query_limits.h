// Bounds every graph and core query takes instead of a gRPC context.
//
//   QueryLimits limits;                 // no deadline, no cancellation
//   limits.deadline = absl::Now() + absl::Seconds(5);
//   if (absl::Status s = limits.Check("building the index"); !s.ok()) return s;
#pragma once

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace ttpgraph {

// Tells a long computation that its caller has gone. Implemented above the
// graph floor (a gRPC call's context); must be safe to poll from any thread.
class Cancellation {
 public:
  virtual ~Cancellation() = default;
  virtual bool Cancelled() const = 0;
};

struct QueryLimits {
  // Give up with DEADLINE_EXCEEDED after this instant. Default: no deadline.
  absl::Time deadline = absl::InfiniteFuture();
  // Give up with CANCELLED once this says so. Default: none (not owned).
  const Cancellation* cancellation = nullptr;
  // Longest chain followed (revoked-by hops). Default: 64.
  size_t max_depth = 64;
  // Most results one query may produce before paging. Default: 100000.
  size_t max_results = 100000;

  // DEADLINE_EXCEEDED past the deadline, CANCELLED once cancelled; `what` says
  // what was being done ("deadline passed while <what>").
  absl::Status Check(std::string_view what) const;
};

}  // namespace ttpgraph
