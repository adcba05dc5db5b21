#include "server/http_listener.h"

#include <microhttpd.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "storage/strings.h"

namespace ttpgraph {

// One libmicrohttpd daemon: the plain port or the TLS one.
struct HttpDaemon {
  const std::vector<std::pair<std::string, HttpListener::Handler>>* routes = nullptr;
  bool tls = false;
  MHD_Daemon* mhd = nullptr;
  std::string cert_pem, key_pem;  // kept while the daemon runs (MHD keeps the pointers)
  ~HttpDaemon() {
    if (mhd) MHD_stop_daemon(mhd);  // waits for running handlers
  }
};

namespace {

MHD_Result AddQueryArg(void* cls, MHD_ValueKind, const char* key, const char* value) {
  static_cast<HttpRequest*>(cls)->query.emplace_back(key ? key : "", value ? value : "");
  return MHD_YES;
}

std::string Header(MHD_Connection* conn, const char* name) {
  const char* v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
  return v ? v : "";
}

MHD_Result Send(MHD_Connection* conn, const HttpResponse& r) {
  MHD_Response* resp =
      MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (resp == nullptr) return MHD_NO;
  MHD_add_response_header(resp, "Content-Type", r.content_type.c_str());
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  for (const auto& [name, value] : r.headers) MHD_add_response_header(resp, name.c_str(), value.c_str());
  const MHD_Result ok = MHD_queue_response(conn, static_cast<unsigned>(r.status), resp);
  MHD_destroy_response(resp);
  return ok;
}

// HOST:PORT -> a socket address (a literal or a name; "[::1]:PORT" for IPv6).
absl::Status Resolve(const std::string& flag, const std::string& listen, sockaddr_storage* addr, bool* v6) {
  const size_t colon = listen.rfind(':');
  size_t port = 0;
  if (colon == std::string::npos || colon == 0 || !ParseNumber(listen.substr(colon + 1), &port) || port > 65535)
    return absl::InvalidArgumentError(Cat(flag, " '", listen, "' is not HOST:PORT (e.g. 127.0.0.1:9090)"));
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr)
    return absl::InvalidArgumentError(Cat(flag, " '", listen, "': cannot resolve ", host));
  memcpy(addr, found->ai_addr, found->ai_addrlen);
  *v6 = found->ai_family == AF_INET6;
  freeaddrinfo(found);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadPemFile(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(Cat("cannot read the TLS ", what, " ", path, " for --https-listen"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string OpenSslError() {
  char buf[256] = "";
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// The certificate and key checked with OpenSSL first, so that a bad file gets
// a message naming it (libmicrohttpd only says that the start failed).
absl::Status CheckTlsPair(const HttpListenOptions& o, const std::string& cert_pem, const std::string& key_pem) {
  BIO* cb = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  BIO_free(cb);
  if (cert == nullptr)
    return absl::InvalidArgumentError(Cat("the TLS certificate ", o.tls_cert, " is not a PEM certificate: ", OpenSslError()));
  BIO* kb = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(kb);
  absl::Status st;
  if (key == nullptr)
    st = absl::InvalidArgumentError(Cat("the TLS key ", o.tls_key, " is not a PEM private key: ", OpenSslError()));
  else if (X509_check_private_key(cert, key) != 1)
    st = absl::InvalidArgumentError(Cat("the TLS key ", o.tls_key, " does not match the certificate ", o.tls_cert));
  ERR_clear_error();
  EVP_PKEY_free(key);
  X509_free(cert);
  return st;
}

MHD_Result Dispatch(void* cls, MHD_Connection* conn, const char* url, const char* method, const char*, const char*,
                    size_t* upload_size, void** state) {
  auto* d = static_cast<HttpDaemon*>(cls);
  HttpRequest req;
  req.method = method;
  if (req.method != "GET" && req.method != "HEAD") {
    // A body may follow: answer at once, without reading it.
    *upload_size = 0;
    return Send(conn, HttpResponse{405, "text/plain; charset=utf-8", "only GET and HEAD\n", {{"Allow", "GET, HEAD"}}});
  }
  if (*state == nullptr) {  // the headers: answer on the next call, as MHD expects for a request
    *state = conn;
    return MHD_YES;
  }
  req.path = url ? url : "";
  req.authorization = Header(conn, "Authorization");
  req.accept = Header(conn, "Accept");
  req.host = Header(conn, "Host");
  req.tls = d->tls;
  MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, &AddQueryArg, &req);
  const HttpListener::Handler* handler = nullptr;
  for (const auto& [prefix, h] : *d->routes)
    if (req.path == prefix || (req.path.size() > prefix.size() && req.path.compare(0, prefix.size(), prefix) == 0 &&
                               req.path[prefix.size()] == '/'))
      handler = &h;
  if (handler == nullptr) return Send(conn, HttpResponse{404, "text/plain; charset=utf-8", "not found\n", {}});
  HttpResponse r;
  try {
    r = (*handler)(req);
  } catch (const std::exception& e) {
    r = HttpResponse{500, "text/plain; charset=utf-8", Cat("internal error: ", e.what(), "\n"), {}};
  }
  return Send(conn, r);
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(const std::string& listen) {
  return Start(HttpListenOptions{listen, "", "", ""});
}

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(const HttpListenOptions& o) {
  if (o.listen.empty() && o.tls_listen.empty()) return absl::InvalidArgumentError("no HTTP address to listen on");
  if (!o.tls_listen.empty() && (o.tls_cert.empty() || o.tls_key.empty()))
    return absl::InvalidArgumentError("--https-listen needs --tls-cert and --tls-key (the certificate gRPC serves)");
  std::unique_ptr<HttpListener> l(new HttpListener());
  for (bool tls : {false, true}) {
    const std::string& listen = tls ? o.tls_listen : o.listen;
    if (listen.empty()) continue;
    const std::string flag = tls ? "--https-listen" : "--http-listen";
    sockaddr_storage addr{};
    bool v6 = false;
    if (auto st = Resolve(flag, listen, &addr, &v6); !st.ok()) return st;
    auto d = std::make_unique<HttpDaemon>();
    d->routes = &l->routes_;
    d->tls = tls;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | (v6 ? MHD_USE_IPv6 : 0);
    std::vector<MHD_OptionItem> options = {
        {MHD_OPTION_SOCK_ADDR, 0, &addr},
        {MHD_OPTION_THREAD_POOL_SIZE, 2, nullptr},
        {MHD_OPTION_CONNECTION_TIMEOUT, 10, nullptr},  // seconds idle before a connection is closed
    };
    if (tls) {
      auto cert = ReadPemFile(o.tls_cert, "certificate");
      if (!cert.ok()) return cert.status();
      auto key = ReadPemFile(o.tls_key, "key");
      if (!key.ok()) return key.status();
      if (auto st = CheckTlsPair(o, *cert, *key); !st.ok()) return st;
      d->cert_pem = std::move(*cert);
      d->key_pem = std::move(*key);
      flags |= MHD_USE_TLS;
      options.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char*>(d->cert_pem.c_str())});
      options.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(d->key_pem.c_str())});
      options.push_back({MHD_OPTION_HTTPS_PRIORITIES, 0,
                         const_cast<char*>("NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2")});  // TLS 1.2 and later
    }
    options.push_back({MHD_OPTION_END, 0, nullptr});
    d->mhd = MHD_start_daemon(flags, 0, nullptr, nullptr, &Dispatch, d.get(), MHD_OPTION_ARRAY,
                              options.data(), MHD_OPTION_END);
    if (d->mhd == nullptr)
      return absl::UnavailableError(Cat("cannot listen for HTTP", tls ? "S" : "", " on ", listen, " (", flag,
                                        "; address in use or not local)"));
    const MHD_DaemonInfo* info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
    (tls ? l->tls_port_ : l->port_) = info ? info->port : 0;
    l->daemons_.push_back(std::move(d));
  }
  return l;
}

HttpListener::~HttpListener() = default;  // daemons_ go before routes_ (declared after them)

void HttpListener::Handle(const std::string& path, Handler handler) { routes_.emplace_back(path, std::move(handler)); }

bool BearerMatches(const std::string& authorization, const std::string& token) {
  const std::string expected = "Bearer " + token;
  return !token.empty() && authorization.size() == expected.size() &&
         CRYPTO_memcmp(authorization.data(), expected.data(), expected.size()) == 0;
}

}  // namespace ttpgraph
