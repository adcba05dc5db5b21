#include "server/core/fetch.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/time/clock.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

// ---- paths ---------------------------------------------------------------------

// `path` with "." and ".." resolved and repeated slashes collapsed, without
// looking at the file system; ".." above "/" stays at "/".
std::string LexicallyNormal(std::string_view path) {
  std::vector<std::string_view> parts;
  for (size_t start = 0; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  return parts.empty() ? "/" : Cat("/", Join(parts, "/"));
}

bool IsUnder(std::string_view path, std::string_view root) {
  if (root == "/") return true;
  return path == root || (StartsWith(path, root) && path.size() > root.size() && path[root.size()] == '/');
}

std::string RealPath(const std::string& path) {
  std::unique_ptr<char, decltype(&free)> real(realpath(path.c_str(), nullptr), &free);
  return real ? std::string(real.get()) : std::string();
}

// Each root as configured (normalized) and as its realpath.
struct Root {
  std::string lexical, real;
};
std::vector<Root> Roots(const ServerLimits& limits) {
  std::vector<Root> out;
  for (const std::string& r : limits.import_roots)
    if (!r.empty()) out.push_back(Root{LexicallyNormal(r), RealPath(r)});
  return out;
}

std::string RootList(const ServerLimits& limits) { return Join(limits.import_roots, ", "); }

// "%41" -> "A": the path of a file:// URL.
std::string PercentDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// ---- addresses -----------------------------------------------------------------

std::string RefusedV4(uint32_t a, bool allow_loopback) {  // host byte order
  auto in = [&](uint32_t net, int bits) { return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits)); };
  if (in(0x7F000000, 8)) return allow_loopback ? "" : "loopback (127.0.0.0/8)";
  if (in(0x00000000, 8)) return "this host (0.0.0.0/8)";
  if (in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16)) return "private (RFC 1918)";
  if (in(0x64400000, 10)) return "shared address space (CGNAT, 100.64.0.0/10)";
  if (in(0xA9FE0000, 16)) return "link-local (169.254.0.0/16: cloud metadata services)";
  if (in(0xC0000000, 24)) return "IETF protocol assignments (192.0.0.0/24)";
  if (in(0xC0000200, 24) || in(0xC6336400, 24) || in(0xCB007100, 24)) return "documentation (TEST-NET)";
  if (in(0xC6120000, 15)) return "benchmarking (198.18.0.0/15)";
  if (in(0xE0000000, 4)) return "multicast (224.0.0.0/4)";
  if (in(0xF0000000, 4)) return "reserved (240.0.0.0/4, broadcast)";
  return "";
}

uint32_t V4At(const uint8_t* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

std::string RefusedV6(const uint8_t* b, bool allow_loopback) {
  auto zeros = [&](int from, int to) { return std::all_of(b + from, b + to, [](uint8_t x) { return x == 0; }); };
  if (zeros(0, 10) && b[10] == 0xff && b[11] == 0xff) {  // ::ffff:a.b.c.d
    std::string why = RefusedV4(V4At(b + 12), allow_loopback);
    return why.empty() ? "" : Cat("IPv4-mapped ", why);
  }
  if (zeros(0, 15) && b[15] == 1) return allow_loopback ? "" : "loopback (::1)";
  if (zeros(0, 12)) return "unspecified or IPv4-compatible (::/96)";
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && zeros(4, 12)) {  // 64:ff9b::/96 NAT64
    std::string why = RefusedV4(V4At(b + 12), allow_loopback);
    return why.empty() ? "" : Cat("NAT64 ", why);
  }
  if (b[0] == 0x20 && b[1] == 0x02) {  // 2002::/16 6to4
    std::string why = RefusedV4(V4At(b + 2), allow_loopback);
    return why.empty() ? "" : Cat("6to4 ", why);
  }
  if ((b[0] & 0xfe) == 0xfc) return "unique local (fc00::/7)";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local (fe80::/10)";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return "site-local (fec0::/10)";
  if (b[0] == 0xff) return "multicast (ff00::/8)";
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return "documentation (2001:db8::/32)";
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) return "Teredo (2001::/32)";
  if (b[0] == 0x01 && zeros(1, 8)) return "discard (100::/64)";
  return "";
}

// ---- curl ----------------------------------------------------------------------

struct Transfer {
  std::string body;
  size_t max_bytes = 0;
  bool overflow = false;
  bool allow_loopback = false;
  std::string refused;  // "1.2.3.4 (why)" for each address refused
  const Cancellation* cancellation = nullptr;
};

size_t Write(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->body.size() + size * n > t->max_bytes) {
    t->overflow = true;
    return 0;
  }
  t->body.append(data, size * n);
  return size * n;
}

std::string AddressText(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  else if (sa->sa_family == AF_INET6) inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  return buf;
}

// Runs for every address curl connects to, after name resolution: the check
// and the connection use the same address, so the name cannot resolve to a
// checked address first and to an internal one afterwards.
curl_socket_t OpenSocket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  const std::string why = RefusedAddressReason(&address->addr, t->allow_loopback);
  if (!why.empty()) {
    if (!t->refused.empty()) t->refused += ", ";
    t->refused += Cat(AddressText(&address->addr), " (", why, ")");
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

int Progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->cancellation && t->cancellation->Cancelled() ? 1 : 0;
}

struct CurlUrlFree {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct CurlStrFree {
  void operator()(char* s) const { curl_free(s); }
};
using CurlStr = std::unique_ptr<char, CurlStrFree>;

std::string UrlPart(CURLU* u, CURLUPart part) {
  char* out = nullptr;
  if (curl_url_get(u, part, &out, 0) != CURLUE_OK || !out) return {};
  CurlStr owned(out);
  return out;
}

long Millis(absl::Duration d) { return static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(d))); }

}  // namespace

bool IsRemoteUrl(std::string_view source) { return Contains(source, "://") && !StartsWith(ToLower(source), "file://"); }

std::string RedactUrl(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const size_t host = scheme + 3;
  size_t end = url.find_first_of("/?#", host);
  if (end == std::string_view::npos) end = url.size();
  const size_t at = url.substr(host, end - host).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return Cat(url.substr(0, host), url.substr(host + at + 1));
}

std::string RefusedAddressReason(const sockaddr* address, bool allow_loopback) {
  if (address->sa_family == AF_INET)
    return RefusedV4(ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr), allow_loopback);
  if (address->sa_family == AF_INET6)
    return RefusedV6(reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr.s6_addr, allow_loopback);
  return "not an IP address";
}

absl::StatusOr<std::string> ReadImportFile(const std::string& path, size_t max_bytes, const ServerLimits& limits) {
  const std::vector<Root> roots = Roots(limits);
  if (roots.empty())
    return absl::FailedPreconditionError(
        "server-side path imports are disabled: start ttpgraphd with --import-root DIR (env TTPGRAPH_IMPORT_ROOT) "
        "to allow reading files under DIR, or upload the file instead");
  if (path.empty()) return absl::InvalidArgumentError("give the path of the file on the server");
  if (path.find('\0') != std::string::npos) return absl::InvalidArgumentError("the path holds a NUL character");
  if (path[0] != '/')
    return absl::InvalidArgumentError(Cat("'", path, "' is a relative path: give an absolute path under the import root (",
                                          RootList(limits), ")"));
  const std::string lexical = LexicallyNormal(path);
  if (std::none_of(roots.begin(), roots.end(), [&](const Root& r) {
        return IsUnder(lexical, r.lexical) || (!r.real.empty() && IsUnder(lexical, r.real));
      }))
    return absl::InvalidArgumentError(
        Cat("'", path, "' is outside the import root (", RootList(limits), "); the server reads files only there"));
  // One answer for every file that cannot be read under a root, whatever the
  // reason (missing, a symlink leading out, a directory, a FIFO, no
  // permission): it must not tell what exists beyond the roots.
  const absl::Status unreadable =
      absl::NotFoundError(Cat("'", path, "' is not a readable regular file under the import root"));
  const std::string real = RealPath(path);
  if (real.empty() || std::none_of(roots.begin(), roots.end(),
                                   [&](const Root& r) { return !r.real.empty() && IsUnder(real, r.real); }))
    return unreadable;
  // O_NOFOLLOW: the last component may not have become a symlink since
  // realpath; O_NONBLOCK: opening a FIFO does not wait for a writer.
  const int fd = open(real.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return unreadable;
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  struct stat st{};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return unreadable;
  const absl::Status too_large = absl::ResourceExhaustedError(
      Cat("'", path, "' is larger than the limit of ", max_bytes, " bytes for this import"));
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_large;
  if (fcntl(fd, F_SETFL, 0) != 0) return unreadable;  // blocking reads from here
  std::string data;
  data.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return unreadable;
    if (n == 0) break;
    if (data.size() + static_cast<size_t>(n) > max_bytes) return too_large;  // the file grew
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

absl::StatusOr<std::string> FetchUrl(const std::string& url, size_t max_bytes, const ServerLimits& limits,
                                     const QueryLimits& call) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  const std::string shown = RedactUrl(url);
  if (!StartsWith(ToLower(url), "https://"))
    return absl::InvalidArgumentError(
        Cat("unsupported URL scheme in '", shown, "': the server fetches only https URLs (or reads file:// paths "
            "under the import root)"));
  std::unique_ptr<CURLU, CurlUrlFree> u(curl_url());
  if (!u) return absl::InternalError("curl_url failed");
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    return absl::InvalidArgumentError(Cat("'", shown, "' is not a valid URL"));
  std::string host = ToLower(UrlPart(u.get(), CURLUPART_HOST));
  if (!host.empty() && host.back() == '.') host.pop_back();
  if (StartsWith(host, "[") && EndsWith(host, "]")) host = host.substr(1, host.size() - 2);
  const bool allowed = std::any_of(limits.fetch_allow_hosts.begin(), limits.fetch_allow_hosts.end(),
                                   [&](const std::string& h) { return ToLower(h) == host; });
  if (!allowed)
    return absl::InvalidArgumentError(
        Cat("host '", host, "' of '", shown, "' is not on the fetch allow-list (--fetch-allow: ",
            limits.fetch_allow_hosts.empty() ? std::string("empty") : Join(limits.fetch_allow_hosts, ","), ")"));
  const absl::Duration left = call.deadline - absl::Now();
  if (absl::Status s = call.Check(Cat("fetching ", shown)); !s.ok()) return s;

  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return absl::InternalError("curl_easy_init failed");
  Transfer t;
  t.max_bytes = max_bytes;
  t.allow_loopback = limits.fetch_allow_loopback_for_tests;
  t.cancellation = call.cancellation;
  char err[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_CURLU, u.get());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // no proxy from the environment: the address check is on the server itself
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, Millis(std::min(limits.fetch_timeout, left)));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, Millis(std::min(limits.fetch_connect_timeout, left)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, Progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_bytes));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "ttpgraphd/0.1");
  if (!limits.fetch_ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, limits.fetch_ca_file.c_str());
  const CURLcode rc = curl_easy_perform(c);
  long http = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);

  if (t.overflow || rc == CURLE_FILESIZE_EXCEEDED)
    return absl::ResourceExhaustedError(Cat(shown, " is larger than the limit of ", max_bytes, " bytes for this import"));
  if (!t.refused.empty() && rc == CURLE_COULDNT_CONNECT)
    return absl::InvalidArgumentError(Cat("refusing to fetch ", shown, ": '", host, "' resolves to ", t.refused,
                                          "; the server fetches only from public addresses"));
  if (rc == CURLE_ABORTED_BY_CALLBACK) return absl::CancelledError(Cat("the client went away while fetching ", shown));
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    if (absl::Now() >= call.deadline - absl::Milliseconds(50))
      return absl::DeadlineExceededError(Cat("deadline passed while fetching ", shown));
    return absl::UnavailableError(Cat("fetching ", shown, " timed out (fetch timeout ",
                                      absl::FormatDuration(limits.fetch_timeout), "): ", err));
  }
  if (rc != CURLE_OK)
    return absl::UnavailableError(Cat("fetching ", shown, " failed: ", err[0] ? err : curl_easy_strerror(rc)));
  if (http >= 300 && http < 400) {
    char* location = nullptr;
    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location);
    return absl::InvalidArgumentError(Cat(shown, " answered HTTP ", http, ", a redirect",
                                          location ? Cat(" to ", RedactUrl(location)) : std::string(),
                                          "; the server does not follow redirects: give the final URL"));
  }
  if (http == 404) return absl::NotFoundError(Cat(shown, " answered HTTP 404"));
  if (http != 200) return absl::UnavailableError(Cat(shown, " answered HTTP ", http));
  return std::move(t.body);
}

absl::StatusOr<std::string> ReadSource(const std::string& path_or_url, size_t max_bytes, const ServerLimits& limits,
                                       const QueryLimits& call) {
  if (StartsWith(ToLower(path_or_url), "file://")) {
    const std::string rest = path_or_url.substr(7);
    if (!StartsWith(rest, "/"))
      return absl::InvalidArgumentError(Cat("'", RedactUrl(path_or_url), "': a file:// URL names a path on the server "
                                            "(file:///dir/file), no host"));
    return ReadImportFile(PercentDecode(rest), max_bytes, limits);
  }
  if (Contains(path_or_url, "://")) return FetchUrl(path_or_url, max_bytes, limits, call);
  return ReadImportFile(path_or_url, max_bytes, limits);
}

}  // namespace ttpgraph::core
