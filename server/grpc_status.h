// The one place absl::Status becomes grpc::Status (codes as SPEC.md says).
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace ttpgraph {

grpc::Status ToGrpcStatus(const absl::Status& s);

}  // namespace ttpgraph
