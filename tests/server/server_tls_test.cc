// ttpgraphd's transport: TLS (--tls-cert/--tls-key), mTLS (--client-ca) on
// top of tokens, and the refusal to listen in plaintext beyond loopback.
// Certificates are made at test time (tests/testing/test_pki.h).
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "tests/testing/test_pki.h"

namespace ttpgraph {
namespace {

using testing::StatusIs;
using testing::TestServer;

class ServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = testing::MakeTestPki(dir_.path());
    ASSERT_OK(pki.status());
    pki_ = *pki;
  }
  ServerOptions Tls(bool mutual) {
    ServerOptions o;
    o.tls_cert = pki_.server_cert;
    o.tls_key = pki_.server_key;
    if (mutual) o.client_ca = pki_.ca;
    return o;
  }
  // ListReleases as `token` over TLS trusting `ca` (with a client certificate when `mutual`).
  absl::Status Ask(TestServer& server, const std::string& token, const std::string& ca, bool client_cert) {
    ClientOptions o;
    o.target = server.address();
    o.timeout = absl::Seconds(10);
    o.token = token;
    o.ca = ca;
    if (client_cert) {
      o.cert = pki_.client_cert;
      o.key = pki_.client_key;
    }
    o.channel_args.SetSslTargetNameOverride("localhost");
    auto c = Client::Connect(o);
    if (!c.ok()) return c.status();
    v1::ListReleasesResponse resp;
    return (*c)->Call(&v1::ReleaseService::Stub::ListReleases, v1::ListReleasesRequest(), &resp);
  }

  testing::TempDir dir_;
  testing::TestPki pki_;
};

TEST_F(ServerTlsTest, TlsAndTokenBothNeeded) {
  TestServer server(Tls(false));
  EXPECT_OK(Ask(server, server.admin_token(), pki_.ca, false));
  EXPECT_THAT(Ask(server, "", pki_.ca, false), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Ask(server, server.admin_token(), pki_.other_ca, false), StatusIs(absl::StatusCode::kUnavailable));
  // Plaintext to the TLS port: no handshake, no answer.
  v1::ListReleasesResponse resp;
  EXPECT_THAT(server.client().Call(&v1::ReleaseService::Stub::ListReleases, v1::ListReleasesRequest(), &resp),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ServerTlsTest, MutualTlsNeedsAClientCertificateOnTopOfTheToken) {
  TestServer server(Tls(true));
  EXPECT_THAT(Ask(server, server.admin_token(), pki_.ca, false), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_OK(Ask(server, server.admin_token(), pki_.ca, true));
  EXPECT_THAT(Ask(server, "", pki_.ca, true), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(ServerTlsTest, BadTlsOptionsRefuseToStart) {
  ServerOptions o;
  o.data_dir = dir_.path() + "/db";
  o.listen = "127.0.0.1:0";
  o.tls_cert = pki_.server_cert;  // no key
  EXPECT_THAT(TtpgraphServer::Start(o).status(), StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("--tls-key")));
  o.tls_cert.clear();
  o.client_ca = pki_.ca;  // mTLS without TLS
  EXPECT_THAT(TtpgraphServer::Start(o).status(), StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("--client-ca")));
  o.client_ca.clear();
  o.tls_cert = pki_.ca + ".missing";
  o.tls_key = pki_.server_key;
  EXPECT_FALSE(TtpgraphServer::Start(o).ok());
  o.tls_cert = pki_.server_key;  // swapped: a key where the certificate goes
  o.tls_key = pki_.server_cert;
  EXPECT_FALSE(TtpgraphServer::Start(o).ok());
}

TEST_F(ServerTlsTest, PlaintextOnlyOnLoopbackUnlessInsecure) {
  ServerOptions o;
  o.data_dir = dir_.path() + "/db";
  o.listen = "0.0.0.0:0";
  EXPECT_THAT(TtpgraphServer::Start(o).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::HasSubstr("--insecure")));
  o.insecure = true;
  auto s = TtpgraphServer::Start(o);
  ASSERT_OK(s.status());
  (*s)->Shutdown(absl::ZeroDuration());
  // TLS on every address is fine.
  ServerOptions t = Tls(false);
  t.data_dir = dir_.path() + "/db-tls";
  t.listen = "0.0.0.0:0";
  auto tls = TtpgraphServer::Start(t);
  ASSERT_OK(tls.status());
  (*tls)->Shutdown(absl::ZeroDuration());
}

}  // namespace
}  // namespace ttpgraph
