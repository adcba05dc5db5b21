#include "server/core/limits.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace ttpgraph::core {

QueryLimits QueryLimitsFor(CallKind kind, absl::Time client_deadline, const Cancellation* cancellation,
                           const ServerLimits& limits) {
  QueryLimits l;
  const absl::Duration cap = kind == CallKind::kQuery ? limits.max_query_duration : limits.max_write_duration;
  l.deadline = std::min(client_deadline, absl::Now() + cap);
  l.cancellation = cancellation;
  return l;
}

}  // namespace ttpgraph::core
