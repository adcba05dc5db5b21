// Reads import sources the server fetches itself: local files and URLs
// (https, http, file) through libcurl, each with a size limit.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace ttpgraph::core {

// NOT_FOUND for a missing file, INVALID_ARGUMENT for an unreadable one,
// RESOURCE_EXHAUSTED past max_bytes.
absl::StatusOr<std::string> ReadLocalFile(const std::string& path, size_t max_bytes);
// UNAVAILABLE when the host cannot be reached, NOT_FOUND for HTTP 404,
// INVALID_ARGUMENT for an unsupported scheme, RESOURCE_EXHAUSTED past max_bytes.
absl::StatusOr<std::string> FetchUrl(const std::string& url, size_t max_bytes, long timeout_seconds = 120);
// A URL (scheme://) is fetched, anything else read as a server path.
absl::StatusOr<std::string> ReadSource(const std::string& path_or_url, size_t max_bytes);

}  // namespace ttpgraph::core
