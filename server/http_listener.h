// HttpListener: the HTTP side listener of ttpgraphd (--http-listen, plain;
// --https-listen, TLS with the gRPC certificate), serving a few paths
// (/metrics, /healthz, /readyz, and TAXII under /taxii2: server/taxii.h) with
// libmicrohttpd (TLS by GnuTLS), two threads per port. Only GET and HEAD
// (HEAD answers without the body); anything else is 405, an unknown path 404.
// A handler for "/taxii2" also gets every path under "/taxii2/".
//
//   auto http = HttpListener::Start("127.0.0.1:0");
//   (*http)->Handle("/healthz", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "ok\n"}; });
//   int port = (*http)->port();
//
// Handlers run on the listener's threads and must be thread-safe; add them
// before the first request may arrive. Stops when destroyed (waiting for the
// running handlers).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace ttpgraph {

struct HttpDaemon;  // one libmicrohttpd daemon (http_listener.cc)

struct HttpRequest {
  std::string method;         // GET or HEAD
  std::string path;           // without the query string (as sent, not decoded)
  std::string authorization;  // the Authorization header, "" when absent
  std::string accept;         // the Accept header, "" when absent
  std::string host;           // the Host header, "" when absent
  bool tls = false;           // came over --https-listen
  // The query string's NAME=VALUE pairs in order, percent- and '+'-decoded;
  // a NAME without '=' has an empty value.
  std::vector<std::pair<std::string, std::string>> query;
};

struct HttpListenOptions {
  std::string listen;      // HOST:PORT, plain HTTP; "" for none
  std::string tls_listen;  // HOST:PORT, HTTPS; "" for none
  std::string tls_cert;    // with tls_listen: the certificate chain (PEM file)
  std::string tls_key;     // with tls_listen: its private key (PEM file)
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
  // Plain, HTTPS or both (the same handlers on each). Also INVALID_ARGUMENT
  // when the certificate or key cannot be read, is not PEM or they do not
  // match (the message names the file).
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(const HttpListenOptions& options);
  ~HttpListener();

  void Handle(const std::string& path, Handler handler);
  int port() const { return port_; }          // of `listen` (0 without)
  int tls_port() const { return tls_port_; }  // of `tls_listen` (0 without)

 private:
  HttpListener() = default;
  std::vector<std::pair<std::string, Handler>> routes_;  // path prefix, handler
  std::vector<std::unique_ptr<HttpDaemon>> daemons_;     // the plain port's, the TLS port's
  int port_ = 0;
  int tls_port_ = 0;
};

// True when the Authorization header carries exactly `Bearer <token>`
// (compared in constant time).
bool BearerMatches(const std::string& authorization, const std::string& token);

}  // namespace ttpgraph
