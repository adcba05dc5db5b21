#include "tests/testing/local_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace ttpgraph::testing {
namespace {

// A listening socket on 127.0.0.1 with a kernel-chosen port.
int Listen(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("bind/listen failed");
  *port = ntohs(a.sin_port);
  return fd;
}

// Accepts one connection, waking every 50 ms to look at `stop`; -1 once stopped.
int AcceptUnlessStopped(int fd, const std::atomic<bool>& stop) {
  while (!stop.load()) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) return c;
    }
  }
  return -1;
}

}  // namespace

ListeningSocket::ListeningSocket() {
  fd_ = Listen(&port_);  // in the body: port_'s initializer would run after fd_'s
  thread_ = std::thread([this] {
    for (int c; (c = AcceptUnlessStopped(fd_, stop_)) >= 0;) {
      ++accepted_;
      std::lock_guard<std::mutex> lock(mu_);
      readers_.emplace_back([this, c] {
        char buf[4096];
        while (!stop_.load()) {
          pollfd p{c, POLLIN, 0};
          if (poll(&p, 1, 50) <= 0) continue;
          if (recv(c, buf, sizeof buf, 0) <= 0) {
            ++closed_;
            break;
          }
        }
        close(c);
      });
    }
  });
}

ListeningSocket::~ListeningSocket() {
  stop_ = true;
  thread_.join();
  for (std::thread& t : readers_) t.join();
  close(fd_);
}

HttpsServer::HttpsServer(const std::string& cert_file, const std::string& key_file) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    throw std::runtime_error("cannot load the test certificate");
  ctx_ = ctx;
  // A client that stops reading (the byte cap) closes the connection under a
  // write: an error for SSL_write, not a SIGPIPE that ends the test process.
  signal(SIGPIPE, SIG_IGN);
  fd_ = Listen(&port_);
  thread_ = std::thread([this] {
    for (int c; (c = AcceptUnlessStopped(fd_, stop_)) >= 0;) {
      ++accepted_;
      Serve(c);
    }
  });
}

HttpsServer::~HttpsServer() {
  stop_ = true;
  thread_.join();
  close(fd_);
  SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
}

void HttpsServer::Route(const std::string& path, Response response) {
  std::lock_guard<std::mutex> lock(mu_);
  routes_[path] = std::move(response);
}

std::vector<std::string> HttpsServer::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void HttpsServer::Serve(int fd) {
  timeval tv{5, 0};  // a client that stops talking does not hold the server
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ctx_));
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) == 1) {
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) break;
      head.append(buf, static_cast<size_t>(n));
    }
    const size_t sp = head.find(' ');
    const std::string path = sp == std::string::npos ? "" : head.substr(sp + 1, head.find(' ', sp + 1) - sp - 1);
    Response r{404, {}, "not found\n"};
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(path);
      if (auto it = routes_.find(path); it != routes_.end()) r = it->second;
    }
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " X\r\nConnection: close\r\n";
    for (auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
    if (r.content_length) out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    out += "\r\n";
    out += r.body;
    for (size_t at = 0; at < out.size();) {
      int n = SSL_write(ssl, out.data() + at, static_cast<int>(std::min<size_t>(out.size() - at, 1 << 16)));
      if (n <= 0) break;
      at += static_cast<size_t>(n);
    }
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  close(fd);
}

}  // namespace ttpgraph::testing
