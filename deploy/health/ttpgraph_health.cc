// ttpgraph_health: one grpc.health.v1.Health/Check call; exits 0 when the server answers SERVING.
// The container image's HEALTHCHECK and exec probes use it (Debian has no grpc_health_probe).
//
//   ttpgraph_health [--addr HOST:PORT] [--service NAME] [--ca FILE [--tls-name NAME]] [--timeout-ms N]
//
// Without --addr: $TTPGRAPH_LISTEN with a wildcard host (0.0.0.0, [::]) replaced by loopback, else
// 127.0.0.1:50051. --ca (default $TTPGRAPH_HEALTH_CA) speaks TLS and verifies the server against
// FILE; --tls-name (default $TTPGRAPH_HEALTH_TLS_NAME) is the name to expect in its certificate
// when it differs from HOST. Health needs no token.
// Exit status: 0 SERVING; 1 not serving, unreachable or an error (said on stderr); 2 usage.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"

namespace {

int Usage() {
  fprintf(stderr,
          "usage: ttpgraph_health [--addr HOST:PORT] [--service NAME] [--ca FILE [--tls-name NAME]] [--timeout-ms N]\n");
  return 2;
}

// TTPGRAPH_LISTEN names where the server listens; a wildcard host is reached on loopback.
std::string DefaultAddress() {
  const char* listen = getenv("TTPGRAPH_LISTEN");
  std::string addr = listen && *listen ? listen : "127.0.0.1:50051";
  for (const std::string wildcard : {"0.0.0.0:", "[::]:"}) {
    if (addr.rfind(wildcard, 0) == 0) {
      addr = (wildcard[0] == '[' ? "[::1]:" : "127.0.0.1:") + addr.substr(wildcard.size());
    }
  }
  return addr;
}

std::string Env(const char* name) {
  const char* v = getenv(name);
  return v ? v : "";
}

}  // namespace

int main(int argc, char** argv) {
  std::string addr = DefaultAddress(), service, ca = Env("TTPGRAPH_HEALTH_CA"), tls_name = Env("TTPGRAPH_HEALTH_TLS_NAME");
  long timeout_ms = 3000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return Usage();
    const std::string v = argv[++i];
    if (a == "--addr") addr = v;
    else if (a == "--service") service = v;
    else if (a == "--ca") ca = v;
    else if (a == "--tls-name") tls_name = v;
    else if (a == "--timeout-ms") timeout_ms = strtol(v.c_str(), nullptr, 10);
    else return Usage();
  }
  if (timeout_ms <= 0 || (!tls_name.empty() && ca.empty())) return Usage();

  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  grpc::ChannelArguments args;
  if (!ca.empty()) {
    std::ifstream in(ca);
    std::stringstream pem;
    pem << in.rdbuf();
    if (!in || pem.str().empty()) {
      fprintf(stderr, "ttpgraph_health: cannot read the CA file %s\n", ca.c_str());
      return 1;
    }
    grpc::SslCredentialsOptions opts;
    opts.pem_root_certs = pem.str();
    creds = grpc::SslCredentials(opts);
    if (!tls_name.empty()) args.SetSslTargetNameOverride(tls_name);
  }
  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateCustomChannel(addr, creds, args));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::health::v1::HealthCheckResponse resp;
  const grpc::Status s = stub->Check(&ctx, req, &resp);
  if (!s.ok()) {
    fprintf(stderr, "ttpgraph_health: %s: %s (gRPC code %d)\n", addr.c_str(), s.error_message().c_str(),
            static_cast<int>(s.error_code()));
    return 1;
  }
  const std::string status = grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status());
  if (resp.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    fprintf(stderr, "ttpgraph_health: %s is %s\n", addr.c_str(), status.c_str());
    return 1;
  }
  printf("%s %s\n", addr.c_str(), status.c_str());
  return 0;
}
