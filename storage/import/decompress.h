// Turns uploaded bytes into bundle text: gzip is detected by its magic bytes
// and inflated with a size limit; anything else is returned as it is.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace ttpgraph {

// Returns the inflated bytes of a gzip stream, or `data` itself when it does
// not start with the gzip magic. Errors: INVALID_ARGUMENT for a corrupt or
// truncated gzip stream (the message gives the byte offset), RESOURCE_EXHAUSTED
// when the output would exceed `max_bytes`.
absl::StatusOr<std::string> MaybeGunzip(std::string data, size_t max_bytes);

}  // namespace ttpgraph
