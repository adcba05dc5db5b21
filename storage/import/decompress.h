// Turns uploaded bytes into bundle text: gzip is detected by its magic bytes
// and inflated with a size limit; anything else is returned as it is.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ttpgraph {

// How far a gzip stream may inflate. The output buffer never grows past
// these bounds: inflation stops there, so a gzip bomb costs at most
// `max_bytes` (or `max_ratio` times its compressed size) of memory.
struct GunzipLimits {
  // Largest output, bytes.
  size_t max_bytes = 0;
  // Most output bytes per compressed byte; 0 = no ratio limit. Outputs up to
  // kRatioFloor bytes are never held to it (small inputs compress little).
  double max_ratio = 0;
  // Names the limit in messages ("max_bundle_bytes").
  std::string_view max_bytes_name = "max_bundle_bytes";
  static constexpr size_t kRatioFloor = 1u << 20;
};

// Returns the inflated bytes of a gzip stream, or `data` itself when it does
// not start with the gzip magic. Errors: INVALID_ARGUMENT for a corrupt or
// truncated gzip stream (the message gives the byte offset), RESOURCE_EXHAUSTED
// when the output would exceed a limit (named in the message).
absl::StatusOr<std::string> MaybeGunzip(std::string data, const GunzipLimits& limits);
inline absl::StatusOr<std::string> MaybeGunzip(std::string data, size_t max_bytes) {
  return MaybeGunzip(std::move(data), GunzipLimits{max_bytes});
}

// What every import does with the bytes it received: checks the SHA-256 the
// caller announced (hex, any case; empty = no check) over the bytes as sent,
// then MaybeGunzip. Errors start with "<source>: " unless `source` is empty; a
// mismatch never reveals the digest
// of the content (INVALID_ARGUMENT "<source>: sha256 mismatch: the content's
// digest is not <expected>").
absl::StatusOr<std::string> VerifyAndGunzip(std::string data, std::string_view sha256, std::string_view source,
                                            const GunzipLimits& limits);

}  // namespace ttpgraph
