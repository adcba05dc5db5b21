// Test environment: an in-process server on an ephemeral port (no sleeps, no
// fixed ports), and the file helpers of tests/testing/test_files.h.
//
//   TestServer server;                 // fresh RocksDB in a temp dir, port 0
//   ttpgraph::Client& client = server.client();
//   ImportFile(client, SharedData("attack/enterprise-attack-18.1.json.gz"));
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "clients/cpp/ttpgraph_client.h"
#include "server/server.h"
#include "tests/testing/test_files.h"

namespace ttpgraph::testing {

// A plaintext channel that sends `authorization: Bearer <token>` on every call
// (a client interceptor; gRPC refuses call credentials on plaintext channels).
std::shared_ptr<grpc::Channel> AuthedChannel(const std::string& address, const std::string& token);

class TestServer {
 public:
  // Starts on 127.0.0.1:0 with a fresh data directory, or `data_dir` if given.
  explicit TestServer(ServerOptions options = {}, const std::string& data_dir = "");
  ~TestServer();
  std::string address() const;
  // A client with the server's bootstrap admin token.
  Client& client() { return *client_; }
  const std::string& admin_token() const { return admin_token_; }
  // Another client of this server with the admin token and `o`'s deadlines
  // (its target and token are filled in).
  std::unique_ptr<Client> NewClient(ClientOptions o) const;
  // A channel whose every call carries the admin token (for raw stubs).
  std::shared_ptr<grpc::Channel> channel() const { return AuthedChannel(address(), admin_token_); }
  TtpgraphServer& server() { return *server_; }
  // Stops the server and starts it again on the same data directory.
  void Restart();

 private:
  ServerOptions options_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<TtpgraphServer> server_;
  std::unique_ptr<Client> client_;
  std::string admin_token_;
};

// Streams a bundle file through ImportRelease; domain and version explicit.
absl::Status ImportFile(Client& client, const std::string& path, const std::string& domain,
                        const std::string& version, v1::ImportReleaseResponse* resp = nullptr, bool replace = false);

}  // namespace ttpgraph::testing
