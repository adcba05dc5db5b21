// ttpgraph::Client (clients/cpp/ttpgraph_client.h):
// - against an in-process ttpgraphd with the mini fixtures: every service
//   through the one Client, the four uploads, paging equal to one page (a
//   diff's summary once), a detection import with an unreadable path;
// - against a gRPC server that records what arrives (every method answers
//   UNIMPLEMENTED): the deadline of queries and imports, the bearer token,
//   x-ttpgraph-org on every org-scoped method (all of them, found from the
//   descriptors) and on no other; TLS and mutual TLS with certificates made
//   at test time.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <mutex>
#include <utility>

#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "tests/testing/test_pki.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::UnorderedElementsAre;
using testing::StatusIs;

TEST(ClientTest, EveryServiceThroughOneClient) {
  testing::TestServer server;
  Client& c = server.client();

  // ReleaseService: the chunked upload reports progress up to the whole size.
  const std::string v17 = testing::ReadFile(testing::TestData("mini_attack/mini-v17.json"));
  v1::ImportOptions opts;
  opts.set_domain("enterprise-attack");
  opts.set_version("17.0");
  v1::ImportReleaseResponse imported;
  size_t last_done = 0, last_total = 0;
  ASSERT_OK(c.ImportBundle(v17, opts, &imported, [&](size_t done, size_t total) { last_done = done, last_total = total; }));
  EXPECT_EQ(imported.outcome(), v1::ImportReleaseResponse::OUTCOME_CREATED);
  EXPECT_EQ(last_done, v17.size());
  EXPECT_EQ(last_total, v17.size());
  ASSERT_OK(testing::ImportFile(c, testing::TestData("mini_attack/mini-v18.json"), "enterprise-attack", "18.0"));
  v1::ListReleasesResponse releases;
  ASSERT_OK(c.CallAllPages(&v1::ReleaseService::Stub::ListReleases, v1::ListReleasesRequest(), &releases));
  std::vector<std::string> names;
  for (auto& r : releases.releases()) names.push_back(r.name());
  EXPECT_THAT(names, ElementsAre("enterprise-attack@17.0", "enterprise-attack@18.0"));

  // KnowledgeService: G0001 uses T1001 directly, T1001.001 and T1013 via S0001, T1030 via C0001.
  v1::GroupTechniquesRequest gt;
  gt.set_release("enterprise-attack@18.0");
  gt.set_group("G0001");
  v1::GroupTechniquesResponse techniques;
  ASSERT_OK(c.CallAllPages(&v1::KnowledgeService::Stub::GetGroupTechniques, gt, &techniques));
  std::vector<std::string> ids;
  for (auto& t : techniques.techniques()) ids.push_back(t.technique().attack_id());
  EXPECT_THAT(ids, UnorderedElementsAre("T1001", "T1001.001", "T1013", "T1030"));

  // OrgService: a directory import (the files below it), then coverage.
  v1::CreateOrganizationRequest create;
  create.set_org_id("acme");
  create.set_release("enterprise-attack@18.0");
  v1::Organization org;
  ASSERT_OK(c.Call(&v1::OrgService::Stub::CreateOrganization, create, &org));
  v1::ImportDetectionsResponse detections;
  size_t files_done = 0;
  ASSERT_OK(c.ImportDetections("acme", v1::ImportDetectionsHeader(), {testing::TestData("org/sigma")}, &detections,
                               [&](size_t done, size_t) { files_done = done; }));
  EXPECT_EQ(detections.created(), 5);
  EXPECT_EQ(detections.files_read(), 1);
  EXPECT_EQ(files_done, 1u);
  EXPECT_EQ(detections.rules(2).path(), testing::TestData("org/sigma/mini_rules.yml") + ":32");
  v1::CoverageRequest cov_req;
  cov_req.set_org_id("acme");
  v1::CoverageResponse coverage;
  ASSERT_OK(c.Call(&v1::OrgService::Stub::GetCoverage, cov_req, &coverage));
  EXPECT_EQ(coverage.release(), "enterprise-attack@18.0");
  EXPECT_EQ(coverage.detected(), 2);  // T1001, T1013 (carried from revoked T1010)

  // AnalysisService: G0001 and G0003 share T1001.001, T1013 and T1030 of 5.
  v1::OverlapRequest ov;
  ov.set_release("enterprise-attack@18.0");
  ov.mutable_threat()->mutable_groups()->add_ids("G0001");
  ov.mutable_threat()->mutable_groups()->add_ids("G0003");
  v1::OverlapResponse overlap;
  ASSERT_OK(c.CallAllPages(&v1::AnalysisService::Stub::GetOverlap, ov, &overlap));
  ASSERT_EQ(overlap.pairs_size(), 1);
  EXPECT_EQ(overlap.pairs(0).shared(), 3);
  EXPECT_DOUBLE_EQ(overlap.pairs(0).jaccard(), 0.6);

  // DefenseService: both uploads, then a query joining them.
  v1::D3fendImportOptions d3;
  d3.set_version("0.1.0");
  v1::ImportD3fendResponse d3_resp;
  ASSERT_OK(c.ImportD3fend(testing::ReadFile(testing::TestData("d3fend/mini.ttl")), d3, &d3_resp));
  EXPECT_EQ(d3_resp.outcome(), v1::ImportD3fendResponse::OUTCOME_CREATED);
  v1::GetCountermeasuresRequest cm_req;
  cm_req.set_technique("T1059");
  v1::GetCountermeasuresResponse cm;
  ASSERT_OK(c.CallAllPages(&v1::DefenseService::Stub::GetCountermeasures, cm_req, &cm));
  std::vector<std::string> d3ids;
  for (auto& x : cm.countermeasures()) d3ids.push_back(x.technique().d3fend_id());
  EXPECT_THAT(d3ids, UnorderedElementsAre("D3-FH", "D3-EAL", "D3-SAL"));
  v1::ImportAtomicIndexResponse atomic;
  ASSERT_OK(c.ImportAtomicIndex(testing::ReadFile(testing::TestData("atomic/mini.csv")), v1::AtomicImportOptions(), &atomic));
  EXPECT_EQ(atomic.index().test_count(), 4);  // 5 rows, one GUID listed under two tactics

  // grpc.health.v1.
  health::HealthCheckRequest hc;
  health::HealthCheckResponse hr;
  ASSERT_OK(c.Call(&health::Health::Stub::Check, hc, &hr));
  EXPECT_EQ(hr.status(), health::HealthCheckResponse::SERVING);
}

TEST(ClientTest, PagingEqualsOnePageAndRepeatedListsComeOnce) {
  testing::TestServer server;
  Client& c = server.client();
  ASSERT_OK(testing::ImportFile(c, testing::TestData("mini_attack/mini-v17.json"), "enterprise-attack", "17.0"));
  ASSERT_OK(testing::ImportFile(c, testing::TestData("mini_attack/mini-v18.json"), "enterprise-attack", "18.0"));
  v1::DiffReleasesRequest req;
  req.set_from_release("enterprise-attack@17.0");
  req.set_to_release("enterprise-attack@18.0");
  req.set_page_size(1000);
  v1::DiffReleasesResponse whole;
  ASSERT_OK(c.Call(&v1::AnalysisService::Stub::DiffReleases, req, &whole));
  ASSERT_TRUE(whole.page().next_page_token().empty());
  whole.clear_page();
  ASSERT_EQ(whole.changes_size(), 12);  // mini_attack/README.md, "What changes in v18"

  // The same diff one change per page: every page repeats the per-type summary.
  int pages = 0;
  v1::DiffReleasesResponse paged;
  ASSERT_OK(MergeAllPages(req, &paged, [&](v1::DiffReleasesRequest r, v1::DiffReleasesResponse* page) {
    r.set_page_size(1);
    ++pages;
    return c.Call(&v1::AnalysisService::Stub::DiffReleases, r, page);
  }));
  EXPECT_EQ(pages, whole.changes_size());
  EXPECT_EQ(paged.summary_size(), whole.summary_size());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(paged, whole))
      << paged.ShortDebugString() << "\n  vs\n" << whole.ShortDebugString();
}

TEST(ClientTest, DetectionImportOfAnUnreadablePathSendsNothing) {
  testing::TestServer server;
  Client& c = server.client();
  ASSERT_OK(testing::ImportFile(c, testing::TestData("mini_attack/mini-v18.json"), "enterprise-attack", "18.0"));
  v1::CreateOrganizationRequest create;
  create.set_org_id("acme");
  v1::Organization org;
  ASSERT_OK(c.Call(&v1::OrgService::Stub::CreateOrganization, create, &org));
  v1::ImportDetectionsResponse resp;
  EXPECT_THAT(c.ImportDetections("acme", v1::ImportDetectionsHeader(),
                                 {testing::TestData("org/sigma"), "/nonexistent/rules"}, &resp),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("cannot read /nonexistent/rules")));
  v1::ListDetectionsRequest list;
  list.set_org_id("acme");
  v1::ListDetectionsResponse listed;
  ASSERT_OK(c.CallAllPages(&v1::OrgService::Stub::ListDetections, list, &listed));
  EXPECT_EQ(listed.detections_size(), 0);
}

TEST(ClientTest, ConnectRefusesIncompleteTlsOptions) {
  ClientOptions o;
  o.cert = "client.pem";
  EXPECT_THAT(Client::Connect(o), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cert and key")));
  o = ClientOptions();
  o.ca = "/nonexistent/ca.pem";
  EXPECT_THAT(Client::Connect(o), StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/ca.pem")));
}

// A gRPC server that records each call's method, metadata and deadline, and
// answers UNIMPLEMENTED.
class Recorder : public grpc::CallbackGenericService {
 public:
  struct Call {
    std::string method;
    std::multimap<std::string, std::string> metadata;
    absl::Duration deadline_in;
  };

  explicit Recorder(std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials()) {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", creds, &port_);
    b.RegisterCallbackGenericService(this);
    server_ = b.BuildAndStart();
  }
  ~Recorder() override { server_->Shutdown(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    Call call{ctx->method(), {}, absl::FromChrono(ctx->deadline() - std::chrono::system_clock::now())};
    for (auto& [k, v] : ctx->client_metadata())
      if (k.starts_with("authorization") || k.starts_with("x-ttpgraph"))
        call.metadata.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(std::move(call));
    return grpc::CallbackGenericService::CreateReactor(ctx);
  }
  std::vector<Call> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(calls_, {});
  }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::mutex mu_;
  std::vector<Call> calls_;
};

std::unique_ptr<Client> ConnectTo(const Recorder& r, ClientOptions o) {
  o.target = r.address();
  auto c = Client::Connect(std::move(o));
  EXPECT_OK(c.status());
  return c.ok() ? std::move(*c) : nullptr;
}

TEST(ClientTest, DeadlinesTokenAndOrgMetadataOnTypedCallsAndUploads) {
  Recorder rec;
  ClientOptions o;
  o.token = "s3cret";
  o.timeout = absl::Seconds(45);
  o.import_timeout = absl::Minutes(7);
  auto c = ConnectTo(rec, o);
  ASSERT_NE(c, nullptr);

  v1::CoverageRequest cov;
  cov.set_org_id("acme");
  v1::CoverageResponse cov_resp;
  EXPECT_THAT(c->Call(&v1::OrgService::Stub::GetCoverage, cov, &cov_resp), StatusIs(absl::StatusCode::kUnimplemented));
  v1::GapRequest gap;
  gap.set_org_id("acme");
  v1::GapResponse gap_resp;
  EXPECT_THAT(c->CallAllPages(&v1::AnalysisService::Stub::GetGap, gap, &gap_resp), StatusIs(absl::StatusCode::kUnimplemented));
  v1::ListReleasesResponse releases;
  EXPECT_THAT(c->Call(&v1::ReleaseService::Stub::ListReleases, v1::ListReleasesRequest(), &releases),
              StatusIs(absl::StatusCode::kUnimplemented));
  v1::ListOrganizationsResponse orgs;  // org_id empty: every organization, no routing key
  EXPECT_THAT(c->Call(&v1::OrgService::Stub::ListOrganizations, v1::ListOrganizationsRequest(), &orgs),
              StatusIs(absl::StatusCode::kUnimplemented));
  v1::ImportReleaseFromRequest from;
  from.set_url("https://example.org/enterprise-attack.json");
  v1::ImportReleaseFromResponse from_resp;
  EXPECT_THAT(c->ImportFrom(from, &from_resp), StatusIs(absl::StatusCode::kUnimplemented));
  v1::ImportDetectionsResponse det;
  EXPECT_THAT(c->ImportDetections("acme", v1::ImportDetectionsHeader(), {testing::TestData("org/detections.csv")}, &det),
              StatusIs(absl::StatusCode::kUnimplemented));
  v1::ImportD3fendResponse d3;
  EXPECT_THAT(c->ImportD3fend("@prefix : <x#> .", v1::D3fendImportOptions(), &d3), StatusIs(absl::StatusCode::kUnimplemented));

  std::vector<Recorder::Call> calls = rec.Take();
  ASSERT_EQ(calls.size(), 7u);
  const std::multimap<std::string, std::string> token = {{"authorization", "Bearer s3cret"}};
  const std::multimap<std::string, std::string> token_and_org = {{"authorization", "Bearer s3cret"},
                                                                 {"x-ttpgraph-org", "acme"}};
  struct Want {
    const char* method;
    const std::multimap<std::string, std::string>& metadata;
    absl::Duration deadline;
  } want[] = {{"/ttpgraph.v1.OrgService/GetCoverage", token_and_org, o.timeout},
              {"/ttpgraph.v1.AnalysisService/GetGap", token_and_org, o.timeout},
              {"/ttpgraph.v1.ReleaseService/ListReleases", token, o.timeout},
              {"/ttpgraph.v1.OrgService/ListOrganizations", token, o.timeout},
              {"/ttpgraph.v1.ReleaseService/ImportReleaseFrom", token, o.import_timeout},
              {"/ttpgraph.v1.OrgService/ImportDetections", token_and_org, o.import_timeout},
              {"/ttpgraph.v1.DefenseService/ImportD3fend", token, o.import_timeout}};
  for (size_t i = 0; i < calls.size(); ++i) {
    SCOPED_TRACE(want[i].method);
    EXPECT_EQ(calls[i].method, want[i].method);
    EXPECT_EQ(calls[i].metadata, want[i].metadata);
    // Bounds, not values: the deadline arrives as the time left when the call reached the
    // server, and gRPC rounds the timeout on the wire up.
    EXPECT_LE(calls[i].deadline_in, want[i].deadline + absl::Seconds(2));
    EXPECT_GT(calls[i].deadline_in, want[i].deadline - absl::Seconds(10));
  }

  // No token: no authorization header.
  auto plain = ConnectTo(rec, ClientOptions());
  EXPECT_THAT(plain->Call(&v1::OrgService::Stub::GetCoverage, cov, &cov_resp), StatusIs(absl::StatusCode::kUnimplemented));
  calls = rec.Take();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].metadata, (std::multimap<std::string, std::string>{{"x-ttpgraph-org", "acme"}}));
}

// Every unary method of every ttpgraph service, its request prepared the way
// Client::Call prepares it: x-ttpgraph-org exactly when the request type has
// an org_id field (a new org-scoped RPC needs no edit in the client).
TEST(ClientTest, OrgMetadataOnEveryOrgScopedMethod) {
  Recorder rec;
  auto c = ConnectTo(rec, ClientOptions());
  ASSERT_NE(c, nullptr);
  grpc::GenericStub generic(grpc::CreateChannel(rec.address(), grpc::InsecureChannelCredentials()));
  google::protobuf::DynamicMessageFactory factory;
  std::map<std::string, bool> expect_org;  // method -> has org_id
  for (const char* service : {"ttpgraph.v1.ReleaseService", "ttpgraph.v1.KnowledgeService", "ttpgraph.v1.OrgService",
                              "ttpgraph.v1.AnalysisService", "ttpgraph.v1.DefenseService"}) {
    const auto* sd = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
    ASSERT_NE(sd, nullptr) << service;
    for (int i = 0; i < sd->method_count(); ++i) {
      const auto* m = sd->method(i);
      if (m->client_streaming() || m->server_streaming()) continue;  // uploads: tested above
      std::unique_ptr<google::protobuf::Message> req(factory.GetPrototype(m->input_type())->New());
      const auto* org = m->input_type()->FindFieldByName("org_id");
      if (org) req->GetReflection()->SetString(req.get(), org, "org-" + m->name());
      const std::string path = "/" + std::string(service) + "/" + m->name();
      expect_org[path] = org != nullptr;
      grpc::ClientContext ctx;
      c->Prepare(&ctx, *req);
      grpc::ByteBuffer in, out;
      grpc::Slice slice(req->SerializeAsString());
      in = grpc::ByteBuffer(&slice, 1);
      std::promise<grpc::Status> done;
      generic.UnaryCall(&ctx, path, grpc::StubOptions(), &in, &out, [&](grpc::Status s) { done.set_value(s); });
      EXPECT_EQ(done.get_future().get().error_code(), grpc::StatusCode::UNIMPLEMENTED) << path;
    }
  }
  std::vector<Recorder::Call> calls = rec.Take();
  ASSERT_EQ(calls.size(), expect_org.size());
  std::vector<std::string> org_scoped;
  for (auto& call : calls) {
    SCOPED_TRACE(call.method);
    const std::string name = call.method.substr(call.method.rfind('/') + 1);
    if (expect_org.at(call.method)) {
      org_scoped.push_back(name);
      EXPECT_EQ(call.metadata, (std::multimap<std::string, std::string>{{"x-ttpgraph-org", "org-" + name}}));
    } else {
      EXPECT_TRUE(call.metadata.empty());
    }
  }
  // Every unary OrgService method, and AnalysisService's gap and migration methods (and
  // whatever org-scoped method comes next).
  EXPECT_THAT(org_scoped, IsSupersetOf({"CreateOrganization", "GetOrganization", "UpdateOrganization",
                                        "ListOrganizations", "DeleteOrganization", "CreateDetection", "UpdateDetection",
                                        "GetDetection", "ListDetections", "DeleteDetection", "GetInventory",
                                        "UpdateInventory", "InferInventory", "GetCoverage", "GetCoverageTrend",
                                        "ExportCoverageLayer", "GetGap", "GetGapLayer", "PlanMigration",
                                        "ApplyMigration"}));
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = testing::MakeTestPki(dir_.path());
    ASSERT_OK(pki.status());
    pki_ = *pki;
  }
  std::shared_ptr<grpc::ServerCredentials> ServerCreds(bool require_client_cert) {
    grpc::SslServerCredentialsOptions o(require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                                            : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    o.pem_root_certs = testing::ReadFile(pki_.ca);
    o.pem_key_cert_pairs.push_back({testing::ReadFile(pki_.server_key), testing::ReadFile(pki_.server_cert)});
    return grpc::SslServerCredentials(o);
  }
  // A ListReleases call: UNIMPLEMENTED when the handshake succeeded, UNAVAILABLE when not.
  absl::Status Ask(const Recorder& rec, ClientOptions o) {
    o.timeout = absl::Seconds(10);
    o.channel_args.SetSslTargetNameOverride("localhost");
    auto c = ConnectTo(rec, std::move(o));
    if (!c) return absl::InternalError("no client");
    v1::ListReleasesResponse resp;
    return c->Call(&v1::ReleaseService::Stub::ListReleases, v1::ListReleasesRequest(), &resp);
  }

  testing::TempDir dir_;
  testing::TestPki pki_;
};

TEST_F(TlsTest, ServerCertificateCheckedAgainstTheGivenCa) {
  Recorder rec(ServerCreds(false));
  ClientOptions o;
  o.ca = pki_.ca;
  o.token = "t";
  EXPECT_THAT(Ask(rec, o), StatusIs(absl::StatusCode::kUnimplemented));
  std::vector<Recorder::Call> calls = rec.Take();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].metadata, (std::multimap<std::string, std::string>{{"authorization", "Bearer t"}}));
  o.ca = pki_.other_ca;
  EXPECT_THAT(Ask(rec, o), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(Ask(rec, ClientOptions()), StatusIs(absl::StatusCode::kUnavailable));  // plaintext to a TLS port
  EXPECT_EQ(rec.Take().size(), 0u);
}

TEST_F(TlsTest, MutualTlsSendsTheClientCertificate) {
  Recorder rec(ServerCreds(true));
  ClientOptions o;
  o.ca = pki_.ca;
  EXPECT_THAT(Ask(rec, o), StatusIs(absl::StatusCode::kUnavailable));  // no client certificate
  o.cert = pki_.client_cert;
  o.key = pki_.client_key;
  EXPECT_THAT(Ask(rec, o), StatusIs(absl::StatusCode::kUnimplemented));
  EXPECT_EQ(rec.Take().size(), 1u);
}

}  // namespace
}  // namespace ttpgraph
