// Turns uploaded bytes into bundle text: gzip is detected by its magic bytes
// and inflated with a size limit; anything else is returned as it is.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ttpgraph {

// Returns the inflated bytes of a gzip stream, or `data` itself when it does
// not start with the gzip magic. Errors: INVALID_ARGUMENT for a corrupt or
// truncated gzip stream (the message gives the byte offset), RESOURCE_EXHAUSTED
// when the output would exceed `max_bytes`.
absl::StatusOr<std::string> MaybeGunzip(std::string data, size_t max_bytes);

// What every import does with the bytes it received: checks the SHA-256 the
// caller announced (hex, any case; empty = no check) over the bytes as sent,
// then MaybeGunzip. Errors start with "<source>: " unless `source` is empty; a
// mismatch never reveals the digest
// of the content (INVALID_ARGUMENT "<source>: sha256 mismatch: the content's
// digest is not <expected>").
absl::StatusOr<std::string> VerifyAndGunzip(std::string data, std::string_view sha256, std::string_view source,
                                            size_t max_bytes);

}  // namespace ttpgraph
