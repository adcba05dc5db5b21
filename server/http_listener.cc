#include "server/http_listener.h"

#include <CivetServer.h>
#include <openssl/crypto.h>

#include "storage/strings.h"

namespace ttpgraph {

class HttpListener::Route final : public CivetHandler {
 public:
  explicit Route(Handler handler) : handler_(std::move(handler)) {}

  bool handleGet(CivetServer*, mg_connection* conn) override { return Answer(conn, "GET"); }
  bool handleHead(CivetServer*, mg_connection* conn) override { return Answer(conn, "HEAD"); }
  bool handlePost(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePut(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handleDelete(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePatch(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }

 private:
  static void Send(mg_connection* conn, const HttpResponse& r, bool body) {
    std::string head = Cat("HTTP/1.1 ", r.status, " ", mg_get_response_code_text(conn, r.status),
                           "\r\nContent-Type: ", r.content_type, "\r\nContent-Length: ", r.body.size(),
                           "\r\nCache-Control: no-store\r\nConnection: close\r\n");
    for (const auto& [name, value] : r.headers) head += Cat(name, ": ", value, "\r\n");
    head += "\r\n";
    mg_write(conn, head.data(), head.size());
    if (body && !r.body.empty()) mg_write(conn, r.body.data(), r.body.size());
  }
  static bool NotAllowed(mg_connection* conn) {
    Send(conn, HttpResponse{405, "text/plain; charset=utf-8", "only GET and HEAD\n", {{"Allow", "GET, HEAD"}}}, true);
    return true;
  }
  bool Answer(mg_connection* conn, const char* method) {
    const mg_request_info* info = mg_get_request_info(conn);
    HttpRequest req;
    req.method = method;
    req.path = info->local_uri ? info->local_uri : "";
    const char* auth = mg_get_header(conn, "Authorization");
    req.authorization = auth ? auth : "";
    HttpResponse r;
    try {
      r = handler_(req);
    } catch (const std::exception& e) {
      r = HttpResponse{500, "text/plain; charset=utf-8", Cat("internal error: ", e.what(), "\n"), {}};
    }
    Send(conn, r, req.method != "HEAD");
    return true;
  }

  Handler handler_;
};

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  size_t port = 0;
  if (colon == std::string::npos || colon == 0 || !ParseNumber(listen.substr(colon + 1), &port) || port > 65535)
    return absl::InvalidArgumentError(Cat("--http-listen '", listen, "' is not HOST:PORT (e.g. 127.0.0.1:9090)"));
  std::unique_ptr<HttpListener> l(new HttpListener());
  // civetweb wants an IPv6 host as [::1]:PORT too, and "+" to also take IPv6
  // on a wildcard; the address is passed as written.
  std::vector<std::string> options = {"listening_ports", listen, "num_threads", "2",
                                      "request_timeout_ms", "10000", "enable_keep_alive", "no"};
  try {
    l->server_ = std::make_unique<CivetServer>(options);
  } catch (const std::exception& e) {
    return absl::UnavailableError(Cat("cannot listen for HTTP on ", listen, " (address in use or invalid): ", e.what()));
  }
  auto ports = l->server_->getListeningPorts();
  if (ports.empty() || ports[0] <= 0) return absl::UnavailableError(Cat("cannot listen for HTTP on ", listen));
  l->port_ = ports[0];
  return l;
}

HttpListener::~HttpListener() {
  if (server_) server_->close();  // waits for running handlers
}

void HttpListener::Handle(const std::string& path, Handler handler) {
  routes_.push_back(std::make_unique<Route>(std::move(handler)));
  server_->addHandler(path, routes_.back().get());
}

bool BearerMatches(const std::string& authorization, const std::string& token) {
  const std::string expected = "Bearer " + token;
  return !token.empty() && authorization.size() == expected.size() &&
         CRYPTO_memcmp(authorization.data(), expected.data(), expected.size()) == 0;
}

}  // namespace ttpgraph
