#include "tests/testing/test_env.h"

#include <stdexcept>

#include "server/log.h"

namespace ttpgraph::testing {

TestServer::TestServer(ServerOptions options, const std::string& data_dir) : options_(std::move(options)) {
  SetQuietLogs(true);
  if (data_dir.empty()) {
    dir_ = std::make_unique<TempDir>();
    options_.data_dir = dir_->path() + "/db";
  } else {
    options_.data_dir = data_dir;
  }
  options_.listen = "127.0.0.1:0";
  Restart();
}

TestServer::~TestServer() {
  if (server_) server_->Shutdown(absl::ZeroDuration());
}

void TestServer::Restart() {
  if (server_) {
    server_->Shutdown(absl::ZeroDuration());
    server_.reset();
  }
  auto s = TtpgraphServer::Start(options_);
  if (!s.ok()) throw std::runtime_error("server start failed: " + std::string(s.status().message()));
  server_ = std::move(*s);
  client_ = std::make_unique<Client>(address());
}

std::string TestServer::address() const { return "127.0.0.1:" + std::to_string(server_->port()); }

absl::Status ImportFile(Client& client, const std::string& path, const std::string& domain,
                        const std::string& version, v1::ImportReleaseResponse* resp, bool replace) {
  v1::ImportOptions opts;
  opts.set_domain(domain);
  opts.set_version(version);
  opts.set_replace(replace);
  v1::ImportReleaseResponse local;
  return client.ImportBundle(ReadFile(path), opts, resp ? resp : &local);
}

}  // namespace ttpgraph::testing
