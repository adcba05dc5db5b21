#include "graph/query_limits.h"

#include "absl/time/clock.h"
#include "storage/strings.h"

namespace ttpgraph {

absl::Status QueryLimits::Check(std::string_view what) const {
  if (cancellation != nullptr && cancellation->Cancelled())
    return absl::CancelledError(Cat("the client cancelled the call while ", what));
  if (deadline != absl::InfiniteFuture() && absl::Now() > deadline)
    return absl::DeadlineExceededError(Cat("deadline passed while ", what));
  return absl::OkStatus();
}

}  // namespace ttpgraph
