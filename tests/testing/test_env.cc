#include "tests/testing/test_env.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_interceptor.h>

#include <stdexcept>

#include "server/log.h"

namespace ttpgraph::testing {
namespace {

class BearerInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(std::string value) : value_(std::move(value)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA))
      methods->GetSendInitialMetadata()->insert({"authorization", value_});
    methods->Proceed();
  }

 private:
  std::string value_;
};

class BearerFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerFactory(std::string token) : value_("Bearer " + std::move(token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(grpc::experimental::ClientRpcInfo*) override {
    return new BearerInterceptor(value_);
  }

 private:
  std::string value_;
};

}  // namespace

std::shared_ptr<grpc::Channel> AuthedChannel(const std::string& address, const std::string& token) {
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<BearerFactory>(token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(address, grpc::InsecureChannelCredentials(),
                                                                 grpc::ChannelArguments(), std::move(factories));
}

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

std::unique_ptr<Client> TestServer::NewClient(ClientOptions o) const {
  o.target = address();
  o.token = admin_token_;
  auto c = Client::Connect(std::move(o));
  if (!c.ok()) throw std::runtime_error("client: " + std::string(c.status().message()));
  return std::move(*c);
}

void TestServer::Restart() {
  if (server_) {
    server_->Shutdown(absl::ZeroDuration());
    server_.reset();
  }
  auto s = TtpgraphServer::Start(options_);
  if (!s.ok()) throw std::runtime_error("server start failed: " + std::string(s.status().message()));
  server_ = std::move(*s);
  // The admin token the server wrote at its first start (DATA_DIR/admin.token).
  std::string token = ReadFile(options_.data_dir + "/admin.token");
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  admin_token_ = token;
  client_ = NewClient(ClientOptions());
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
