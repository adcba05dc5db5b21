// Reads the import sources the server fetches itself, under the rules of
// server/README.md "Server-side imports":
//
// - A path (or a file:// URL) is read only under one of the import roots
//   (ServerLimits::import_roots, --import-root). The path must be absolute and
//   lie under a root both as written (`..` resolved lexically) and as its
//   realpath; the file is opened with O_NOFOLLOW and must be a regular file.
//   Without a root, path imports are disabled (FAILED_PRECONDITION).
// - A URL must be https, its host on ServerLimits::fetch_allow_hosts
//   (--fetch-allow). Every address curl is about to connect to is checked in
//   its open-socket callback (so the connection is pinned to the address
//   checked, whatever DNS answers later): loopback, private, link-local and
//   other non-public addresses are refused. Redirects are not followed. The
//   transfer stops at `max_bytes`, at ServerLimits::fetch_timeout and at the
//   call's deadline, whichever comes first, and when the caller cancels.
// - No message reveals whether a file outside the roots exists, a file's size,
//   a digest of what was read, or the credentials of a URL (RedactUrl).
//
//   TTP_ASSIGN_OR_RETURN(std::string bytes, ReadSource(source, app.limits().max_upload_bytes, app.limits(), limits));
//
// Errors: FAILED_PRECONDITION (path imports disabled), INVALID_ARGUMENT (a
// relative path or one outside the roots, a URL that is not https, a host off
// the allow-list, an address refused, a redirect), NOT_FOUND (no readable
// regular file under the roots, HTTP 404), RESOURCE_EXHAUSTED (past
// `max_bytes`), DEADLINE_EXCEEDED, CANCELLED, UNAVAILABLE (network errors,
// other HTTP errors, the fetch timeout).
//
// Part of the application floor: no gRPC. Thread safe.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "graph/query_limits.h"
#include "server/core/limits.h"

namespace ttpgraph::core {

// The bytes of a file under the import roots.
absl::StatusOr<std::string> ReadImportFile(const std::string& path, size_t max_bytes, const ServerLimits& limits);
// The body of an https URL.
absl::StatusOr<std::string> FetchUrl(const std::string& url, size_t max_bytes, const ServerLimits& limits,
                                     const QueryLimits& call);
// A URL (scheme://) is fetched, a file:// URL and anything else read as a path.
absl::StatusOr<std::string> ReadSource(const std::string& path_or_url, size_t max_bytes, const ServerLimits& limits,
                                       const QueryLimits& call);

// True when `source` is a URL (has a scheme://) other than file://.
bool IsRemoteUrl(std::string_view source);
// `url` without the user name and password of its authority part, as it may
// appear in messages and logs: "https://u:p@host/x" -> "https://host/x".
std::string RedactUrl(std::string_view url);
// Why a fetch may not connect to `address`: "loopback", "private (RFC 1918)",
// "link-local (169.254.0.0/16: cloud metadata services)", ...; empty for a
// public unicast address. IPv4-mapped, NAT64 and 6to4 IPv6 addresses are
// judged by the IPv4 address they carry.
std::string RefusedAddressReason(const sockaddr* address, bool allow_loopback = false);

}  // namespace ttpgraph::core
