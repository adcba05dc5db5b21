// Certificates for TLS and mTLS tests, made at test time with the openssl
// command (no key material is checked in).
//
//   testing::TempDir dir;
//   ASSERT_OK_AND_ASSIGN(testing::TestPki pki, testing::MakeTestPki(dir.path()));
//   grpc::SslServerCredentialsOptions o;
//   o.pem_root_certs = testing::ReadFile(pki.ca);   // the CA that signs both sides
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace ttpgraph::testing {

// PEM file paths under the directory given to MakeTestPki.
struct TestPki {
  std::string ca;           // self-signed CA certificate
  std::string server_cert;  // signed by `ca`, for DNS:localhost and IP:127.0.0.1
  std::string server_key;
  std::string client_cert;  // signed by `ca`, for client authentication
  std::string client_key;
  std::string other_ca;     // an unrelated CA: trusting it must fail the handshake
};

// INTERNAL with openssl's output when a step fails.
absl::StatusOr<TestPki> MakeTestPki(const std::string& dir);

}  // namespace ttpgraph::testing
