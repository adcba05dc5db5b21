#include "tests/testing/test_pki.h"

#include <cstdio>
#include <fstream>

namespace ttpgraph::testing {
namespace {

// Runs a shell command line; its output becomes the error message.
absl::Status Run(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return absl::InternalError("cannot run: " + cmd);
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int rc = pclose(p);
  if (rc != 0) return absl::InternalError(cmd + " failed: " + out);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TestPki> MakeTestPki(const std::string& dir) {
  TestPki pki{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key", dir + "/client.pem", dir + "/client.key",
              dir + "/other-ca.pem"};
  const std::string key = "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
  std::ofstream(dir + "/server.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
  std::ofstream(dir + "/client.ext") << "extendedKeyUsage=clientAuth\n";
  for (const std::string& cmd : {
           key + "-x509 -days 2 -subj /CN=ttpgraph-test-ca -keyout " + dir + "/ca.key -out " + pki.ca,
           key + "-x509 -days 2 -subj /CN=other-ca -keyout " + dir + "/other-ca.key -out " + pki.other_ca,
           key + "-subj /CN=localhost -keyout " + pki.server_key + " -out " + dir + "/server.csr",
           "openssl x509 -req -days 2 -in " + dir + "/server.csr -CA " + pki.ca + " -CAkey " + dir +
               "/ca.key -CAcreateserial -extfile " + dir + "/server.ext -out " + pki.server_cert,
           key + "-subj /CN=ttpgraph-test-client -keyout " + pki.client_key + " -out " + dir + "/client.csr",
           "openssl x509 -req -days 2 -in " + dir + "/client.csr -CA " + pki.ca + " -CAkey " + dir +
               "/ca.key -CAcreateserial -extfile " + dir + "/client.ext -out " + pki.client_cert,
       })
    if (absl::Status s = Run(cmd); !s.ok()) return s;
  return pki;
}

}  // namespace ttpgraph::testing
