#include "server/http_listener.h"

#include <CivetServer.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

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
    auto header = [conn](const char* name) {
      const char* v = mg_get_header(conn, name);
      return std::string(v ? v : "");
    };
    req.authorization = header("Authorization");
    req.accept = header("Accept");
    req.host = header("Host");
    req.tls = info->is_ssl != 0;
    if (info->query_string) req.query = ParseQueryString(info->query_string);
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

namespace {

// The TLS files of the listener being started: civetweb sets its SSL context up
// inside the CivetServer constructor, on the starting thread, and calls
// LoadTls there; the error it leaves is returned by Start.
struct TlsSetup {
  const HttpListenOptions* options = nullptr;
  std::string error;
};
thread_local TlsSetup* tls_setup = nullptr;

std::string OpenSslError() {
  char buf[256] = "";
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// civetweb's init_ssl: our certificate and key (separate PEM files, as gRPC
// takes them; civetweb's own option wants both in one file), TLS 1.2 or later.
int LoadTls(void* ssl_ctx, void*) {
  TlsSetup* setup = tls_setup;
  if (setup == nullptr) return -1;
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  const HttpListenOptions& o = *setup->options;
  if (SSL_CTX_use_certificate_chain_file(ctx, o.tls_cert.c_str()) != 1) {
    setup->error = Cat("cannot load the TLS certificate ", o.tls_cert, " for --https-listen: ", OpenSslError());
    return -1;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, o.tls_key.c_str(), SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    setup->error = Cat("cannot load the TLS key ", o.tls_key, " (or it does not match the certificate ", o.tls_cert,
                       ") for --https-listen: ", OpenSslError());
    return -1;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  return 1;
}

bool ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  size_t port = 0;
  return colon != std::string::npos && colon != 0 && ParseNumber(listen.substr(colon + 1), &port) && port <= 65535;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(const std::string& listen) {
  return Start(HttpListenOptions{listen, "", "", ""});
}

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(const HttpListenOptions& o) {
  if (!o.listen.empty() && !ParseListen(o.listen))
    return absl::InvalidArgumentError(Cat("--http-listen '", o.listen, "' is not HOST:PORT (e.g. 127.0.0.1:9090)"));
  if (!o.tls_listen.empty() && !ParseListen(o.tls_listen))
    return absl::InvalidArgumentError(Cat("--https-listen '", o.tls_listen, "' is not HOST:PORT (e.g. 127.0.0.1:9443)"));
  if (o.listen.empty() && o.tls_listen.empty()) return absl::InvalidArgumentError("no HTTP address to listen on");
  if (!o.tls_listen.empty() && (o.tls_cert.empty() || o.tls_key.empty()))
    return absl::InvalidArgumentError("--https-listen needs --tls-cert and --tls-key (the certificate gRPC serves)");
  std::unique_ptr<HttpListener> l(new HttpListener());
  // civetweb wants an IPv6 host as [::1]:PORT too, and "+" to also take IPv6
  // on a wildcard; the address is passed as written, an "s" marks TLS.
  std::string ports = o.listen;
  if (!o.tls_listen.empty()) ports += Cat(ports.empty() ? "" : ",", o.tls_listen, "s");
  std::vector<std::string> options = {"listening_ports", ports, "num_threads", "2",
                                      "request_timeout_ms", "10000", "enable_keep_alive", "no"};
  CivetCallbacks callbacks;
  TlsSetup setup{&o, ""};
  if (!o.tls_listen.empty()) {
    options.insert(options.end(), {"ssl_protocol_version", "4"});  // TLS 1.2 and later
    callbacks.init_ssl = &LoadTls;
  }
  const std::string where = o.tls_listen.empty() ? o.listen : o.listen.empty() ? o.tls_listen : ports;
  tls_setup = &setup;
  try {
    l->server_ = std::make_unique<CivetServer>(options, &callbacks);
  } catch (const std::exception& e) {
    tls_setup = nullptr;
    if (!setup.error.empty()) return absl::InvalidArgumentError(setup.error);
    return absl::UnavailableError(Cat("cannot listen for HTTP on ", where, " (address in use or invalid",
                                      o.tls_listen.empty() ? "" : ", or civetweb found no libssl.so", "): ", e.what()));
  }
  tls_setup = nullptr;
  for (const mg_server_port& p : l->server_->getListeningPortsFull()) {
    if (p.port <= 0) continue;
    (p.is_ssl ? l->tls_port_ : l->port_) = p.port;
  }
  if ((!o.listen.empty() && l->port_ == 0) || (!o.tls_listen.empty() && l->tls_port_ == 0))
    return absl::UnavailableError(Cat("cannot listen for HTTP on ", where));
  return l;
}

HttpListener::~HttpListener() {
  if (server_) server_->close();  // waits for running handlers
}

void HttpListener::Handle(const std::string& path, Handler handler) {
  routes_.push_back(std::make_unique<Route>(std::move(handler)));
  server_->addHandler(path, routes_.back().get());
}

std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  auto decode = [](std::string_view s) {
    std::string in(s), buf(s.size() + 1, '\0');
    const int n = mg_url_decode(in.c_str(), static_cast<int>(in.size()), buf.data(), static_cast<int>(buf.size()), 1);
    buf.resize(n < 0 ? 0 : static_cast<size_t>(n));
    return buf;
  };
  for (const std::string& part : Split(query, '&')) {
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    out.emplace_back(decode(std::string_view(part).substr(0, eq)),
                     eq == std::string::npos ? std::string() : decode(std::string_view(part).substr(eq + 1)));
  }
  return out;
}

bool BearerMatches(const std::string& authorization, const std::string& token) {
  const std::string expected = "Bearer " + token;
  return !token.empty() && authorization.size() == expected.size() &&
         CRYPTO_memcmp(authorization.data(), expected.data(), expected.size()) == 0;
}

}  // namespace ttpgraph
