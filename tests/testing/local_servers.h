// Servers on 127.0.0.1 for the fetch tests (tests/server/ssrf_test.cc), each
// on a port the kernel picks, each counting the connections it accepts.
//
//   ListeningSocket trap;                    // accepts and counts, never answers
//   ... make ttpgraphd try https://localhost:<trap.port()>/ ...
//   EXPECT_EQ(trap.accepted(), 0);           // it never connected
//
//   HttpsServer https(pki.server_cert, pki.server_key);   // OpenSSL, HTTP/1.0
//   https.Route("/bundle.json", 200, {}, bundle_text);
//   https.Route("/moved", 302, {{"Location", "https://localhost:1/x"}}, "");
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ttpgraph::testing {

// A TCP listener that accepts connections and never writes a byte; it reads
// until the peer closes, so it sees when the other side gives up.
class ListeningSocket {
 public:
  ListeningSocket();
  ~ListeningSocket();
  int port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  // Connections the peer has closed.
  int closed() const { return closed_.load(); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0}, closed_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::thread> readers_;
};

// An https server answering each path with a fixed response.
class HttpsServer {
 public:
  struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool content_length = true;  // false: the body ends when the connection closes
  };
  HttpsServer(const std::string& cert_file, const std::string& key_file);
  ~HttpsServer();
  void Route(const std::string& path, Response response);
  int port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  // Paths requested, in order.
  std::vector<std::string> requests();

 private:
  void Serve(int fd);
  void* ctx_ = nullptr;  // SSL_CTX
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, Response> routes_;
  std::vector<std::string> requests_;
};

}  // namespace ttpgraph::testing
