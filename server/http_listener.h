// HttpListener: the plain-HTTP side listener of ttpgraphd (--http-listen),
// serving a few exact paths (/metrics, /healthz, /readyz) with civetweb, the
// embedded web server prometheus-cpp's exposer is built on. Only GET and HEAD;
// anything else is 405, an unknown path 404.
//
//   auto http = HttpListener::Start("127.0.0.1:0");
//   (*http)->Handle("/healthz", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "ok\n"}; });
//   int port = (*http)->port();
//
// Handlers run on the listener's threads (two) and must be thread-safe; add
// them before the first request may arrive. Stops when destroyed.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

class CivetServer;

namespace ttpgraph {

struct HttpRequest {
  std::string method;         // GET or HEAD
  std::string path;           // without the query string
  std::string authorization;  // the Authorization header, "" when absent
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones
};

class HttpListener {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // `listen` is HOST:PORT (port 0 picks a free one; [::1]:PORT for IPv6).
  // UNAVAILABLE when it cannot be bound, INVALID_ARGUMENT when malformed.
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(const std::string& listen);
  ~HttpListener();

  void Handle(const std::string& path, Handler handler);
  int port() const { return port_; }

 private:
  class Route;
  HttpListener() = default;
  std::unique_ptr<CivetServer> server_;
  std::vector<std::unique_ptr<Route>> routes_;
  int port_ = 0;
};

// True when the Authorization header carries exactly `Bearer <token>`
// (compared in constant time).
bool BearerMatches(const std::string& authorization, const std::string& token);

}  // namespace ttpgraph
