// Server-side reads and fetches (server/README.md "Server-side imports"), as
// an attacker would try them: the server never connects to a loopback
// service (even one on the allow-list by name), never follows a redirect,
// never reads a file outside the import root (symlinks, `..`, /etc/shadow, a
// FIFO, a directory), never holds a thread past the caller's deadline, and no
// message tells a file's existence, size or digest, or a URL's credentials.
// Every refusal writes nothing. Also the attacks of issue 10 that went
// through these paths.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "server/core/fetch.h"
#include "storage/import/sha256.h"
#include "storage/strings.h"
#include "tests/testing/local_servers.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "tests/testing/test_pki.h"

namespace ttpgraph {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::StatusIs;

std::string Mini(const std::string& file) { return testing::ReadFile(testing::TestData("mini_attack/" + file)); }

v1::ImportOptions Options(const std::string& domain, const std::string& version) {
  v1::ImportOptions o;
  o.set_domain(domain);
  o.set_version(version);
  return o;
}

int ReleaseCount(Client& c) {
  v1::ListReleasesResponse r;
  EXPECT_TRUE(c.Call(&v1::ReleaseService::Stub::ListReleases, v1::ListReleasesRequest(), &r).ok());
  return r.releases_size();
}

absl::Status ImportUrl(Client& c, const std::string& url) {
  v1::ImportReleaseFromRequest req;
  req.set_url(url);
  *req.mutable_options() = Options("enterprise-attack", "17.0");
  v1::ImportReleaseFromResponse resp;
  return c.ImportFrom(req, &resp);
}

absl::Status ImportPath(Client& c, const std::string& path, const std::string& sha256 = "") {
  v1::ImportReleaseFromRequest req;
  req.set_path(path);
  *req.mutable_options() = Options("enterprise-attack", "17.0");
  req.mutable_options()->set_sha256(sha256);
  v1::ImportReleaseFromResponse resp;
  return c.ImportFrom(req, &resp);
}

// ------------------------------------------------------------------ addresses

sockaddr_storage V4(const char* text) {
  sockaddr_storage s{};
  auto* a = reinterpret_cast<sockaddr_in*>(&s);
  a->sin_family = AF_INET;
  inet_pton(AF_INET, text, &a->sin_addr);
  return s;
}
sockaddr_storage V6(const char* text) {
  sockaddr_storage s{};
  auto* a = reinterpret_cast<sockaddr_in6*>(&s);
  a->sin6_family = AF_INET6;
  inet_pton(AF_INET6, text, &a->sin6_addr);
  return s;
}
std::string Why(const sockaddr_storage& s, bool allow_loopback = false) {
  return core::RefusedAddressReason(reinterpret_cast<const sockaddr*>(&s), allow_loopback);
}

TEST(RefusedAddressTest, EveryNonPublicRangeIsRefused) {
  const std::pair<const char*, const char*> v4[] = {
      {"127.0.0.1", "loopback"},          {"127.255.0.9", "loopback"},   {"0.0.0.0", "this host"},
      {"10.1.2.3", "private"},            {"172.16.0.1", "private"},     {"172.31.255.255", "private"},
      {"192.168.1.1", "private"},         {"100.64.0.1", "CGNAT"},       {"100.127.255.255", "CGNAT"},
      {"169.254.169.254", "link-local"},  {"192.0.0.8", "IETF"},         {"192.0.2.1", "documentation"},
      {"198.51.100.7", "documentation"},  {"203.0.113.9", "documentation"}, {"198.18.0.1", "benchmarking"},
      {"224.0.0.1", "multicast"},         {"255.255.255.255", "reserved"}};
  for (auto [addr, why] : v4) EXPECT_THAT(Why(V4(addr)), HasSubstr(why)) << addr;
  const std::pair<const char*, const char*> v6[] = {
      {"::1", "loopback"},         {"::", "unspecified"},           {"::ffff:127.0.0.1", "IPv4-mapped loopback"},
      {"::ffff:169.254.169.254", "IPv4-mapped link-local"},          {"64:ff9b::a00:1", "NAT64 private"},
      {"2002:7f00:1::", "6to4 loopback"}, {"fd00::1", "unique local"}, {"fc12::1", "unique local"},
      {"fe80::1", "link-local"},   {"fec0::1", "site-local"},       {"ff02::1", "multicast"},
      {"2001:db8::1", "documentation"}, {"2001:0:4136::1", "Teredo"}, {"100::1", "discard"}};
  for (auto [addr, why] : v6) EXPECT_THAT(Why(V6(addr)), HasSubstr(why)) << addr;
}

TEST(RefusedAddressTest, PublicAddressesPassAndLoopbackOnlyWhenTestsAllowIt) {
  for (const char* addr : {"185.199.108.133", "8.8.8.8", "172.32.0.1", "100.128.0.1", "11.0.0.1"})
    EXPECT_EQ(Why(V4(addr)), "") << addr;
  for (const char* addr : {"2606:50c0:8000::154", "2a00:1450:4001::1", "::ffff:185.199.108.133"})
    EXPECT_EQ(Why(V6(addr)), "") << addr;
  EXPECT_EQ(Why(V4("127.0.0.1"), true), "");
  EXPECT_EQ(Why(V6("::1"), true), "");
  EXPECT_THAT(Why(V4("10.0.0.1"), true), HasSubstr("private"));
  EXPECT_THAT(Why(V4("169.254.169.254"), true), HasSubstr("link-local"));
}

TEST(RedactUrlTest, StripsUserInfoOnly) {
  EXPECT_EQ(core::RedactUrl("https://user:s3cret@host.example/a/b?x=1"), "https://host.example/a/b?x=1");
  EXPECT_EQ(core::RedactUrl("https://token@host.example"), "https://host.example");
  EXPECT_EQ(core::RedactUrl("https://host.example/a@b"), "https://host.example/a@b");  // '@' in the path stays
  EXPECT_EQ(core::RedactUrl("/srv/data/x.json"), "/srv/data/x.json");
}

// ------------------------------------------------------------------ URLs: never loopback

class UrlTest : public ::testing::Test {
 protected:
  static ServerOptions AllowLocalNames() {
    ServerOptions o;
    // Every name and literal an attacker would use for this machine, on the allow-list.
    o.limits.fetch_allow_hosts = {"localhost", "127.0.0.1", "127.1", "0.0.0.0", "::1", "::ffff:127.0.0.1",
                                  "localhost.localdomain", "169.254.169.254", "10.0.0.1"};
    return o;
  }
  UrlTest() : server_(AllowLocalNames()) {}
  Client& client() { return server_.client(); }
  testing::TestServer server_;
  testing::ListeningSocket trap_;
};

TEST_F(UrlTest, LoopbackIsRefusedEvenWhenAllowListedByName) {
  const std::string port = std::to_string(trap_.port());
  for (const std::string host : {"localhost", "127.0.0.1", "127.1", "0.0.0.0", "[::ffff:127.0.0.1]", "[::1]"}) {
    SCOPED_TRACE(host);
    EXPECT_THAT(ImportUrl(client(), "https://" + host + ":" + port + "/enterprise-attack.json"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("refusing to fetch"), HasSubstr("the server fetches only from public addresses"))));
  }
  EXPECT_THAT(ImportUrl(client(), "https://localhost:" + port + "/x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("127.0.0.1 (loopback (127.0.0.0/8))")));
  EXPECT_EQ(trap_.accepted(), 0);  // the server never connected
  EXPECT_EQ(ReleaseCount(client()), 0);
}

TEST_F(UrlTest, LinkLocalAndPrivateAddressesAreRefused) {
  EXPECT_THAT(ImportUrl(client(), "https://169.254.169.254/latest/meta-data/"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("link-local (169.254.0.0/16: cloud metadata")));
  EXPECT_THAT(ImportUrl(client(), "https://10.0.0.1/x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("private (RFC 1918)")));
}

TEST_F(UrlTest, SchemesHostsAndCredentials) {
  const std::string port = std::to_string(trap_.port());
  EXPECT_THAT(ImportUrl(client(), "http://localhost:" + port + "/x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("only https")));
  EXPECT_THAT(ImportUrl(client(), "gopher://localhost:" + port + "/x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("only https")));
  EXPECT_THAT(ImportUrl(client(), "https://example.org/x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'example.org'"), HasSubstr("not on the fetch allow-list"))));
  // Credentials in a URL never come back.
  absl::Status s = ImportUrl(client(), "https://admin:hunter2@localhost:" + port + "/x.json");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("https://localhost:" + port + "/x.json")));
  EXPECT_THAT(std::string(s.message()), AllOf(Not(HasSubstr("hunter2")), Not(HasSubstr("admin"))));
  s = ImportUrl(client(), "https://admin:hunter2@example.org/x.json");
  EXPECT_THAT(std::string(s.message()), AllOf(HasSubstr("https://example.org/x.json"), Not(HasSubstr("hunter2"))));
  EXPECT_EQ(trap_.accepted(), 0);
}

TEST_F(UrlTest, TheDefaultAllowListIsMitresHostOnly) {
  testing::TestServer plain;
  EXPECT_THAT(ImportUrl(plain.client(), "https://localhost:" + std::to_string(trap_.port()) + "/x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("not on the fetch allow-list"), HasSubstr("raw.githubusercontent.com"))));
  EXPECT_EQ(trap_.accepted(), 0);
}

// A collection index's entries obey the same rules, from an index on the
// server as from one fetched.
TEST_F(UrlTest, CollectionIndexEntriesObeyTheSameRules) {
  testing::TempDir dir;
  ServerOptions o = AllowLocalNames();
  o.limits.import_roots = {dir.path()};
  testing::TestServer server(o);
  const std::string index = dir.path() + "/index.json";
  testing::WriteFile(index, Cat(R"({"collections": [{"name": "Enterprise ATT&CK", "versions": [)",
                                R"({"version": "17.0", "url": "https://localhost:)", trap_.port(), R"(/e.json"},)",
                                R"({"version": "18.0", "url": "/etc/passwd"}]}]})"));
  v1::ImportReleaseFromRequest req;
  req.set_collection_index(index);
  req.add_versions("17.0");
  v1::ImportReleaseFromResponse resp;
  EXPECT_THAT(server.client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("enterprise-attack@17.0"), HasSubstr("loopback"))));
  req.set_versions(0, "18.0");
  EXPECT_THAT(server.client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("enterprise-attack@18.0"), HasSubstr("outside the import root"))));
  req.set_collection_index("https://localhost:" + std::to_string(trap_.port()) + "/index.json");
  EXPECT_THAT(server.client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("loopback")));
  EXPECT_EQ(trap_.accepted(), 0);
  EXPECT_EQ(ReleaseCount(server.client()), 0);
}

// ------------------------------------------------------------------ URLs: a real TLS server
// These tests let fetches reach 127.0.0.1 (ServerLimits::fetch_allow_loopback_for_tests,
// which no flag sets) to stand in for a public server: what is checked is that
// redirects are not followed, and the byte and time caps.

class HttpsTest : public ::testing::Test {
 protected:
  HttpsTest() {
    auto pki = testing::MakeTestPki(pki_dir_.path());
    if (!pki.ok()) throw std::runtime_error(std::string(pki.status().message()));
    pki_ = *pki;
    https_ = std::make_unique<testing::HttpsServer>(pki_.server_cert, pki_.server_key);
  }
  ServerOptions Options(size_t max_upload_bytes = 128u << 20) {
    ServerOptions o;
    o.limits.fetch_allow_hosts = {"localhost"};
    o.limits.fetch_allow_loopback_for_tests = true;
    o.limits.fetch_ca_file = pki_.ca;
    o.limits.max_upload_bytes = max_upload_bytes;
    return o;
  }
  std::string Url(const std::string& path) { return Cat("https://localhost:", https_->port(), path); }

  testing::TempDir pki_dir_;
  testing::TestPki pki_;
  std::unique_ptr<testing::HttpsServer> https_;
  testing::ListeningSocket trap_;
};

TEST_F(HttpsTest, ImportsOverHttps) {
  testing::TestServer server(Options());
  https_->Route("/mini-v17.json", {200, {}, Mini("mini-v17.json")});
  ASSERT_OK(ImportUrl(server.client(), Url("/mini-v17.json")));
  EXPECT_EQ(ReleaseCount(server.client()), 1);
  // A certificate the server does not trust: refused.
  ServerOptions untrusted = Options();
  untrusted.limits.fetch_ca_file = pki_.other_ca;
  testing::TestServer other(untrusted);
  EXPECT_THAT(ImportUrl(other.client(), Url("/mini-v17.json")), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ReleaseCount(other.client()), 0);
}

TEST_F(HttpsTest, RedirectsAreNotFollowed) {
  testing::TestServer server(Options());
  const std::string target = Cat("https://user:pw@localhost:", trap_.port(), "/enterprise-attack.json");
  https_->Route("/moved.json", {302, {{"Location", target}}, ""});
  https_->Route("/elsewhere.json", {301, {{"Location", "/mini-v17.json"}}, ""});
  https_->Route("/mini-v17.json", {200, {}, Mini("mini-v17.json")});
  absl::Status s = ImportUrl(server.client(), Url("/moved.json"));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          AllOf(HasSubstr("answered HTTP 302, a redirect"),
                                HasSubstr(Cat("to https://localhost:", trap_.port(), "/enterprise-attack.json")),
                                HasSubstr("does not follow redirects"))));
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("pw@")));
  // Even to the same server.
  EXPECT_THAT(ImportUrl(server.client(), Url("/elsewhere.json")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("HTTP 301")));
  EXPECT_EQ(trap_.accepted(), 0);
  EXPECT_EQ(https_->requests(), (std::vector<std::string>{"/moved.json", "/elsewhere.json"}));
  EXPECT_EQ(ReleaseCount(server.client()), 0);
}

TEST_F(HttpsTest, TheByteCapStopsTheDownload) {
  testing::TestServer server(Options(/*max_upload_bytes=*/64 << 10));
  const std::string big(1 << 20, ' ');
  https_->Route("/announced.json", {200, {}, big});                 // Content-Length says 1 MiB: refused up front
  https_->Route("/streamed.json", {200, {}, big, /*content_length=*/false});  // cut at the cap
  for (const char* path : {"/announced.json", "/streamed.json"}) {
    SCOPED_TRACE(path);
    EXPECT_THAT(ImportUrl(server.client(), Url(path)),
                StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("larger than the limit of 65536 bytes")));
  }
  https_->Route("/gone.json", {404, {}, "no"});
  EXPECT_THAT(ImportUrl(server.client(), Url("/gone.json")), StatusIs(absl::StatusCode::kNotFound, HasSubstr("404")));
  EXPECT_EQ(ReleaseCount(server.client()), 0);
}

// A port that accepts and never answers holds no thread past the client's
// deadline: the server gives up (and closes the connection) when the call's
// deadline passes, not after its own 120 s fetch timeout.
TEST_F(HttpsTest, ANeverAnsweringPortHoldsNoThreadPastTheDeadline) {
  ServerOptions o = Options();
  testing::TestServer server(o);
  ClientOptions short_imports;
  short_imports.import_timeout = absl::Milliseconds(1500);
  auto impatient_client = server.NewClient(short_imports);
  Client& impatient = *impatient_client;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(ImportUrl(impatient, Cat("https://localhost:", trap_.port(), "/never.json")),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(trap_.accepted(), 1);
  // The server side lets go of the connection at the deadline (bounded wait: 10 s).
  while (trap_.closed() < 1 && std::chrono::steady_clock::now() - start < std::chrono::seconds(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double held = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(trap_.closed(), 1);
  EXPECT_LT(held, 1.5 + 1.0) << "the fetch held its connection for " << held << " s";
  EXPECT_EQ(ReleaseCount(server.client()), 0);

  // The core call alone: DEADLINE_EXCEEDED at its deadline, with no client at all.
  QueryLimits limits;
  limits.deadline = absl::Now() + absl::Milliseconds(500);
  const absl::Time t0 = absl::Now();
  EXPECT_THAT(core::FetchUrl(Cat("https://localhost:", trap_.port(), "/x"), 1 << 20, o.limits, limits),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("deadline passed while fetching")));
  EXPECT_LT(absl::Now() - t0, absl::Milliseconds(500 + 1000));
}

// ------------------------------------------------------------------ paths: never outside the root

class PathTest : public ::testing::Test {
 protected:
  PathTest() {
    root_ = dir_.path() + "/root";
    outside_ = dir_.path() + "/outside";
    std::filesystem::create_directories(root_ + "/sub");
    std::filesystem::create_directories(outside_);
    testing::WriteFile(root_ + "/mini-v17.json", Mini("mini-v17.json"));
    testing::WriteFile(outside_ + "/secret.json", Mini("mini-v17.json"));  // valid content, wrong place
    std::filesystem::create_symlink(outside_ + "/secret.json", root_ + "/escape.json");
    std::filesystem::create_symlink(outside_ + "/missing.json", root_ + "/dangling.json");
    std::filesystem::create_symlink("/etc/shadow", root_ + "/shadow");
    std::filesystem::create_symlink(outside_, root_ + "/outlink");
    mkfifo((root_ + "/fifo.json").c_str(), 0600);
    ServerOptions o;
    o.limits.import_roots = {root_};
    o.limits.max_upload_bytes = 1 << 20;
    server_ = std::make_unique<testing::TestServer>(o);
  }
  Client& client() { return server_->client(); }

  testing::TempDir dir_;
  std::string root_, outside_;
  std::unique_ptr<testing::TestServer> server_;
};

TEST_F(PathTest, NothingOutsideTheRootIsRead) {
  // Lexically outside: refused without looking.
  for (const std::string& path : {std::string("/etc/shadow"), root_ + "/../outside/secret.json",
                                  root_ + "/sub/../../outside/secret.json", root_ + "/../../../../etc/shadow"}) {
    SCOPED_TRACE(path);
    EXPECT_THAT(ImportPath(client(), path),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside the import root")));
    EXPECT_THAT(ImportPath(client(), "file://" + path),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside the import root")));
  }
  // Through symlinks, a FIFO, a directory, nothing at all: one answer, which
  // does not tell which (nor whether the target outside exists).
  for (const std::string name : {"escape.json", "dangling.json", "shadow", "outlink/secret.json", "fifo.json", "sub",
                                 "missing.json"}) {
    SCOPED_TRACE(name);
    const std::string path = root_ + "/" + name;
    EXPECT_THAT(ImportPath(client(), path),
                StatusIs(absl::StatusCode::kNotFound, "'" + path + "' is not a readable regular file under the import root"));
  }
  EXPECT_EQ(ReleaseCount(client()), 0);
  ASSERT_OK(ImportPath(client(), root_ + "/sub/../mini-v17.json"));  // `..` that stays inside is fine
  ASSERT_OK(ImportPath(client(), "file://" + root_ + "/mini%2Dv17.json"));
}

TEST_F(PathTest, NoMessageTellsASizeOrADigest) {
  const std::string text = Mini("mini-v17.json");
  // Attack: a wrong sha256 answered with the file's real digest.
  absl::Status s = ImportPath(client(), root_ + "/mini-v17.json", std::string(64, 'a'));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sha256 mismatch")));
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr(Sha256Hex(text))));
  // A file over the limit: refused without its size.
  const std::string big(3 << 20, ' ');
  testing::WriteFile(root_ + "/big.json", big);
  s = ImportPath(client(), root_ + "/big.json");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("larger than the limit of 1048576 bytes")));
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr(std::to_string(big.size()))));
  EXPECT_EQ(ReleaseCount(client()), 0);
}

// Attack: ImportAtomicIndexFrom /etc/shadow answered with its first line.
TEST_F(PathTest, AnAtomicIndexFromAServerPathNeverEchoesTheFile) {
  v1::ImportAtomicIndexFromRequest req;
  req.set_path("/etc/shadow");
  v1::ImportAtomicIndexResponse resp;
  EXPECT_THAT(client().Call(&v1::DefenseService::Stub::ImportAtomicIndexFrom, req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside the import root")));
  req.set_path(root_ + "/shadow");
  EXPECT_THAT(client().Call(&v1::DefenseService::Stub::ImportAtomicIndexFrom, req, &resp),
              StatusIs(absl::StatusCode::kNotFound));
  // A shadow-like file inside the root: its first line stays on the server.
  testing::WriteFile(root_ + "/passwords", "root:$y$j9T$Zm9vYmFy$c2VjcmV0:20228:0:99999:7:::\ndaemon:*:20228::::::\n");
  req.set_path(root_ + "/passwords");
  absl::Status s = client().Call(&v1::DefenseService::Stub::ImportAtomicIndexFrom, req, &resp);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an Atomic Red Team CSV index")));
  EXPECT_THAT(std::string(s.message()), AllOf(Not(HasSubstr("root:")), Not(HasSubstr("c2VjcmV0")), Not(HasSubstr("20228"))));
}

TEST(ImportRootTest, EveryServerPathImportNeedsTheRoot) {
  testing::TestServer server;
  v1::ImportAtomicIndexFromRequest atomic;
  atomic.set_path(testing::TestData("atomic/mini.csv"));
  v1::ImportAtomicIndexResponse atomic_resp;
  EXPECT_THAT(server.client().Call(&v1::DefenseService::Stub::ImportAtomicIndexFrom, atomic, &atomic_resp),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--import-root")));
  v1::ImportD3fendFromRequest d3fend;
  d3fend.set_path(testing::TestData("d3fend/mini.ttl"));
  d3fend.mutable_options()->set_version("0.1");
  v1::ImportD3fendResponse d3fend_resp;
  EXPECT_THAT(server.client().Call(&v1::DefenseService::Stub::ImportD3fendFrom, d3fend, &d3fend_resp),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--import-root")));
}

}  // namespace
}  // namespace ttpgraph
