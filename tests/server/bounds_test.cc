// The server's bounds (server/README.md "Limits"), each over gRPC on an
// in-process server: a refusal is RESOURCE_EXHAUSTED or INVALID_ARGUMENT
// naming the limit, and writes nothing. Also the attacks of issue 10 that
// went through them: the gzip bomb of a bundle, the Sigma tar.gz with a 1 GiB
// member, path bytes not counted, 199,999 objects of a made-up type, ids and
// timestamps holding a newline.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "server/core/releases.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace ttpgraph {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;

std::string Mini(const std::string& file) { return testing::ReadFile(testing::TestData("mini_attack/" + file)); }

v1::ImportOptions Options(const std::string& domain, const std::string& version, bool replace = false) {
  v1::ImportOptions o;
  o.set_domain(domain);
  o.set_version(version);
  o.set_replace(replace);
  return o;
}

std::vector<std::string> ReleaseNames(Client& c) {
  v1::ListReleasesResponse r;
  EXPECT_OK(c.Call(&v1::ReleaseService::Stub::ListReleases, v1::ListReleasesRequest(), &r));
  std::vector<std::string> out;
  for (auto& rel : r.releases()) out.push_back(rel.name());
  return out;
}

// `mib` MiB of zeros as concatenated gzip members of 1 MiB each: ~1 KB of
// gzip per MiB, so 1 GiB costs ~1 MB to send and nothing to build.
std::string ZerosGzip(size_t mib) {
  const std::string member = testing::Gzip(std::string(1 << 20, '\0'));
  std::string out;
  out.reserve(member.size() * mib);
  for (size_t i = 0; i < mib; ++i) out += member;
  return out;
}

using testing::TarHeader;
using testing::TarMember;

class BoundsTest : public ::testing::Test {
 protected:
  // A server with `set` applied to its limits, the mini 17.0 release and organization "acme".
  void Start(const std::function<void(ServerLimits&)>& set = nullptr) {
    ServerOptions o;
    if (set) set(o.limits);
    server_ = std::make_unique<testing::TestServer>(o);
    ASSERT_OK(client().ImportBundle(Mini("mini-v17.json"), Options("enterprise-attack", "17.0"), &imported_));
    v1::CreateOrganizationRequest req;
    req.set_org_id("acme");
    req.set_release("enterprise-attack@17.0");
    v1::Organization org;
    ASSERT_OK(client().Call(&v1::OrgService::Stub::CreateOrganization, req, &org));
  }
  Client& client() { return server_->client(); }

  absl::Status Upload(const std::string& bytes, const v1::ImportOptions& options) {
    v1::ImportReleaseResponse resp;
    return client().ImportBundle(bytes, options, &resp);
  }

  // An ImportDetections stream: one message per (path, content), as sent.
  absl::Status ImportDetections(const std::vector<std::pair<std::string, std::string>>& files,
                                v1::ImportDetectionsResponse* resp = nullptr) {
    v1::ImportDetectionsResponse local;
    v1::ImportDetectionsRequest first;
    first.set_org_id("acme");
    grpc::ClientContext ctx;
    client().Prepare(&ctx, first);
    auto w = client().orgs().ImportDetections(&ctx, resp ? resp : &local);
    w->Write(first);
    for (auto& [path, content] : files) {
      v1::ImportDetectionsRequest m;
      m.mutable_file()->set_path(path);
      m.mutable_file()->set_content(content);
      if (!w->Write(m)) break;
    }
    w->WritesDone();
    return FromGrpc(w->Finish());
  }
  int64_t DetectionCount() {
    v1::GetOrganizationRequest req;
    req.set_org_id("acme");
    v1::Organization o;
    EXPECT_OK(client().Call(&v1::OrgService::Stub::GetOrganization, req, &o));
    return o.detection_count();
  }
  absl::Status CreateDetection(const v1::Detection& d) {
    v1::CreateDetectionRequest req;
    req.set_org_id("acme");
    *req.mutable_detection() = d;
    v1::Detection out;
    return client().Call(&v1::OrgService::Stub::CreateDetection, req, &out);
  }

  std::unique_ptr<testing::TestServer> server_;
  v1::ImportReleaseResponse imported_;
};

// ------------------------------------------------------------------ inflating

// Attack: a 1 MB gzip bomb of a bundle (1 GiB inflated) left 1 GB held.
TEST_F(BoundsTest, AGzipBombOfABundleIsRefusedWhileInflating) {
  Start();
  const std::string bomb = ZerosGzip(1024);
  ASSERT_LT(bomb.size(), 2u << 20);
  EXPECT_THAT(Upload(bomb, Options("enterprise-attack", "18.0")),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("inflates more than 50 times"), HasSubstr("max_inflation_ratio"))));
  EXPECT_THAT(ReleaseNames(client()), ElementsAre("enterprise-attack@17.0"));
}

TEST_F(BoundsTest, TheInflatedSizeLimitIsNamed) {
  Start([](ServerLimits& l) {
    l.max_bundle_bytes = 4 << 20;
    l.max_inflation_ratio = 1e6;
  });
  EXPECT_THAT(Upload(ZerosGzip(16), Options("enterprise-attack", "18.0")),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("past the limit of 4194304 bytes"), HasSubstr("max_bundle_bytes"))));
  // D3FEND and Atomic uploads are held to the same bounds.
  v1::ImportD3fendResponse d3;
  v1::D3fendImportOptions d3o;
  d3o.set_version("1.0");
  EXPECT_THAT(client().ImportD3fend(ZerosGzip(16), d3o, &d3), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(ReleaseNames(client()), ElementsAre("enterprise-attack@17.0"));
}

// Attack: a 1 MB Sigma tar.gz holding a 1 GiB member was read whole before
// the size check, and the server kept 4.2 GB.
TEST_F(BoundsTest, ASigmaTarballWithAHugeMemberIsRefusedAtItsHeader) {
  Start();
  const std::string huge_rule = testing::Gzip(TarHeader("rules/huge.yml", uint64_t{1} << 30)) + ZerosGzip(1024);
  ASSERT_LT(huge_rule.size(), 2u << 20);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(ImportDetections({{"sigma.tar.gz", huge_rule}}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("sigma.tar.gz: member 1 'rules/huge.yml' is 1073741824 bytes"),
                             HasSubstr("max_rule_file_bytes"))));
  // Refused from the header: nothing of the 1 GiB was inflated.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // A member the import skips (not .yml) is inflated in passing, into a
  // small buffer, up to the archive's bounds.
  const std::string huge_other = testing::Gzip(TarHeader("rules/huge.bin", uint64_t{1} << 30)) + ZerosGzip(1024);
  EXPECT_THAT(ImportDetections({{"sigma.tar.gz", huge_other}}),
              StatusIs(absl::StatusCode::kResourceExhausted, AllOf(HasSubstr("sigma.tar.gz: unpacks to more than 50 times"),
                                                                   HasSubstr("max_inflation_ratio"))));
  EXPECT_EQ(DetectionCount(), 0);
}

TEST_F(BoundsTest, ArchiveBytesAndMembersAreCapped) {
  Start([](ServerLimits& l) {
    l.max_archive_bytes = 64 << 10;
    l.max_archive_members = 3;
  });
  const std::string rule = "title: t\nid: r-1\ntags: [attack.t1001]\nlogsource: {product: windows}\ndetection: {a: {b: c}, condition: a}\n";
  const std::string end(1024, '\0');
  std::string three = TarMember("a.yml", rule) + TarMember("b.txt", "x") + TarMember("c.txt", "y");
  v1::ImportDetectionsResponse resp;
  ASSERT_OK(ImportDetections({{"ok.tar", three + end}}, &resp));
  EXPECT_EQ(resp.created(), 1);
  EXPECT_EQ(resp.files_skipped(), 2);
  EXPECT_THAT(ImportDetections({{"four.tar", three + TarMember("d.txt", "z") + end}}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("more than 3 members"), HasSubstr("max_archive_members"))));
  EXPECT_THAT(ImportDetections({{"big.tar", TarMember("big.bin", std::string(100 << 10, 'x')) + end}}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("unpacks to more than 65536 bytes"), HasSubstr("max_archive_bytes"))));
  EXPECT_EQ(DetectionCount(), 1);
}

// ------------------------------------------------------------------ detection imports

// Attack: the paths of a detection upload were not counted.
TEST_F(BoundsTest, EveryByteOfEveryMessageCountsIncludingPaths) {
  Start([](ServerLimits& l) { l.max_import_bytes = 64 << 10; });
  std::vector<std::pair<std::string, std::string>> files;
  for (int i = 0; i < 10; ++i) files.push_back({Cat(std::string(10 << 10, 'p'), i, ".yml"), ""});
  EXPECT_THAT(ImportDetections(files),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("exceeds 65536 bytes"), HasSubstr("max_import_bytes"))));
  EXPECT_EQ(DetectionCount(), 0);
}

TEST_F(BoundsTest, TheNumberOfFilesIsCapped) {
  Start([](ServerLimits& l) { l.max_import_files = 3; });
  const std::string csv = "id,name,techniques\nd-1,One,T1001\n";
  EXPECT_THAT(ImportDetections({{"1.csv", csv}, {"2.csv", csv}, {"3.csv", csv}, {"4.csv", csv}}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("more than 3 files"), HasSubstr("max_import_files"))));
  // Chunks of one file are one file.
  ASSERT_OK(ImportDetections({{"1.csv", "id,name,techniques\n"}, {"1.csv", "d-1,One,T1001\n"},
                              {"2.csv", "id,name,techniques\nd-2,Two,T1001\n"},
                              {"3.csv", "id,name,techniques\nd-3,Three,T1001\n"}}));
  EXPECT_EQ(DetectionCount(), 3);
}

TEST_F(BoundsTest, DetectionsPerOrganization) {
  Start([](ServerLimits& l) { l.max_detections_per_org = 2; });
  EXPECT_THAT(ImportDetections({{"d.csv", "id,name,techniques\na,A,T1001\nb,B,T1001\nc,C,T1001\n"}}),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("the limit is 2")));
  EXPECT_EQ(DetectionCount(), 0);
}

TEST_F(BoundsTest, DetectionFieldsAndTechniques) {
  Start();
  v1::Detection d;
  d.set_id("many");
  d.set_name("Many techniques");
  for (int i = 0; i < 1001; ++i) d.add_techniques(Cat("T", 1000 + i));
  EXPECT_THAT(CreateDetection(d), StatusIs(absl::StatusCode::kInvalidArgument,
                                           AllOf(HasSubstr("1001 distinct technique IDs"),
                                                 HasSubstr("max_techniques_per_detection"))));
  // Duplicates count once (a set, any case): 5,000 spellings of one ID are fine.
  d.clear_techniques();
  for (int i = 0; i < 5000; ++i) d.add_techniques(i % 2 ? "T1001" : "t1001");
  ASSERT_OK(CreateDetection(d));
  v1::GetDetectionRequest get;
  get.set_org_id("acme");
  get.set_id("many");
  v1::Detection stored;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetDetection, get, &stored));
  EXPECT_THAT(stored.techniques(), ElementsAre("T1001"));

  // Attack: a 60 MB detection name was accepted (the message limit keeps a
  // unary call under 8 MiB; an import has no such bound).
  v1::Detection named;
  named.set_id("named");
  named.set_name(std::string(2 << 20, 'n'));
  EXPECT_THAT(CreateDetection(named),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("name is 2097152 bytes"), HasSubstr("max_name_bytes"))));
  named.set_name("fine");
  named.set_description(std::string((1 << 20) + 1, 'd'));
  EXPECT_THAT(CreateDetection(named),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_detection_text_bytes")));
  named.clear_description();
  named.add_tags(std::string(5000, 't'));
  EXPECT_THAT(CreateDetection(named), StatusIs(absl::StatusCode::kInvalidArgument,
                                               AllOf(HasSubstr("tags[0]"), HasSubstr("max_detection_field_bytes"))));
  EXPECT_THAT(ImportDetections({{"big.csv", Cat("id,name,techniques\nbig,", std::string(60 << 10, 'n'), ",T1001\n")}}),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("big.csv:2"), HasSubstr("max_name_bytes"))));
  EXPECT_EQ(DetectionCount(), 1);
}

// ------------------------------------------------------------------ counts

TEST_F(BoundsTest, OrganizationsReleasesAndTrends) {
  Start([](ServerLimits& l) {
    l.max_organizations = 2;
    l.max_releases = 2;
    l.max_trend_releases = 2;
  });
  v1::CreateOrganizationRequest org;
  org.set_org_id("second");
  v1::Organization out;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::CreateOrganization, org, &out));
  org.set_org_id("third");
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::CreateOrganization, org, &out),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("max_organizations")));
  v1::ListOrganizationsResponse orgs;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::ListOrganizations, v1::ListOrganizationsRequest(), &orgs));
  EXPECT_EQ(orgs.organizations_size(), 2);

  ASSERT_OK(Upload(Mini("mini-v18.json"), Options("enterprise-attack", "18.0")));
  EXPECT_THAT(Upload(Mini("mini-v18.json"), Options("enterprise-attack", "19.0")),
              StatusIs(absl::StatusCode::kResourceExhausted, AllOf(HasSubstr("2 releases"), HasSubstr("max_releases"))));
  ASSERT_OK(Upload(Mini("mini-v18.json"), Options("enterprise-attack", "18.0")));  // unchanged: no new release
  ASSERT_OK(Upload(Mini("mini-v17.json"), Options("enterprise-attack", "18.0", /*replace=*/true)));
  EXPECT_THAT(ReleaseNames(client()), ElementsAre("enterprise-attack@17.0", "enterprise-attack@18.0"));

  v1::CoverageTrendRequest trend;
  trend.set_org_id("acme");
  for (const char* r : {"enterprise-attack@17.0", "enterprise-attack@18.0", "enterprise-attack@17.0"}) trend.add_releases(r);
  v1::CoverageTrendResponse trend_resp;
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::GetCoverageTrend, trend, &trend_resp),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("3 releases"), HasSubstr("max_trend_releases"))));
  trend.mutable_releases()->RemoveLast();
  ASSERT_OK(client().Call(&v1::OrgService::Stub::GetCoverageTrend, trend, &trend_resp));
}

// ------------------------------------------------------------------ bundles

// Attack: an id or `modified` holding a newline corrupted the release manifest.
TEST_F(BoundsTest, IdsAndTimestampsWithSeparatorsAreRefused) {
  Start();
  const std::string text = Mini("mini-v18.json");
  const size_t at = text.find("\"id\": \"attack-pattern--");
  ASSERT_NE(at, std::string::npos);
  const size_t end = text.find('"', at + 7);  // the closing quote of the technique's id
  for (const std::string bad : {"\\n", "/x", "@x", "|x", "\\u0000", "\\r"}) {
    SCOPED_TRACE(bad);
    std::string b = text;
    b.insert(end, bad);
    EXPECT_THAT(Upload(b, Options("enterprise-attack", "18.0")),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--<UUID>")));
  }
  const size_t mod = text.find("\"modified\"");
  ASSERT_NE(mod, std::string::npos);
  const size_t value_end = text.find('"', text.find('"', mod + 11) + 1);
  for (const std::string bad : {"\\n", "|1", "/x"}) {
    SCOPED_TRACE(bad);
    std::string b = text;
    b.insert(value_end, bad);
    EXPECT_THAT(Upload(b, Options("enterprise-attack", "18.0")),
                StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("modified"), HasSubstr("RFC 3339"))));
  }
  EXPECT_THAT(ReleaseNames(client()), ElementsAre("enterprise-attack@17.0"));
}

// Attack: 199,999 objects of a made-up type made a release with 0 techniques.
TEST_F(BoundsTest, ABundleMustHoldAttackContent) {
  Start();
  std::string b = R"({"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[)";
  char obj[160];
  for (int i = 0; i < 199999; ++i) {
    snprintf(obj, sizeof obj, R"(%s{"type":"x-made-up","id":"x-made-up--00000000-0000-4000-8000-%012d"})", i ? "," : "", i);
    b += obj;
  }
  b += "]}";
  EXPECT_THAT(Upload(b, Options("enterprise-attack", "18.0")),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("more than 10000 objects of types ATT&CK does not use"),
                             HasSubstr("x-made-up"), HasSubstr("max_unknown_objects"))));
  const std::string few =
      R"({"type":"bundle","id":"bundle--1","objects":[{"type":"identity","id":"identity--00000000-0000-4000-8000-000000000001"}]})";
  EXPECT_THAT(Upload(few, Options("enterprise-attack", "18.0")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no ATT&CK technique")));
  EXPECT_THAT(ReleaseNames(client()), ElementsAre("enterprise-attack@17.0"));
}

// Attack: a 100 MB description was accepted.
TEST_F(BoundsTest, ObjectsAndNamesHaveSizeLimits) {
  Start();
  const std::string text = Mini("mini-v18.json");
  const size_t desc = text.find("\"description\": \"");
  ASSERT_NE(desc, std::string::npos);
  std::string big = text;
  big.insert(desc + 16, std::string(2 << 20, 'd'));
  EXPECT_THAT(Upload(big, Options("enterprise-attack", "18.0")),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("over the limit of 1048576 bytes per object"),
                                                                 HasSubstr("max_stix_object_bytes"))));
  const size_t name = text.find("\"name\": \"");
  ASSERT_NE(name, std::string::npos);
  std::string long_name = text;
  long_name.insert(name + 9, std::string(2000, 'n'));
  EXPECT_THAT(Upload(long_name, Options("enterprise-attack", "18.0")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_name_bytes")));
  EXPECT_THAT(ReleaseNames(client()), ElementsAre("enterprise-attack@17.0"));
}

// ------------------------------------------------------------------ concurrency

TEST_F(BoundsTest, ImportsBeyondTheGateWaitWithinTheirDeadline) {
  Start([](ServerLimits& l) { l.max_concurrent_imports = 1; });
  core::Application& app = server_->server().app();
  auto held = app.imports().Enter(QueryLimits());
  ASSERT_OK(held.status());
  // Over gRPC: the server gives up shortly before the client's deadline, naming the limit.
  ClientOptions short_imports;
  short_imports.import_timeout = absl::Milliseconds(800);
  auto impatient_client = server_->NewClient(short_imports);
  Client& impatient = *impatient_client;
  v1::ImportReleaseResponse resp;
  EXPECT_THAT(impatient.ImportBundle(Mini("mini-v18.json"), Options("enterprise-attack", "18.0"), &resp),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("1 import was running (max_concurrent_imports, --max-concurrent-imports)"),
                             HasSubstr("nothing was written"))));
  // The application floor alone, with no client.
  QueryLimits soon;
  soon.deadline = absl::Now() + absl::Milliseconds(200);
  core::ReleaseImportOptions o;
  o.domain = "enterprise-attack";
  o.version = "18.0";
  EXPECT_THAT(core::ImportRelease(app, Mini("mini-v18.json"), o, soon),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("max_concurrent_imports")));
  EXPECT_THAT(ReleaseNames(client()), ElementsAre("enterprise-attack@17.0"));
  // A patient import waits for the slot, then runs.
  absl::Status patient;
  std::thread t([&] { patient = Upload(Mini("mini-v18.json"), Options("enterprise-attack", "18.0")); });
  for (int i = 0; i < 500 && app.imports().waiting() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(app.imports().waiting(), 1);
  held->Release();
  t.join();
  EXPECT_OK(patient);
  EXPECT_THAT(ReleaseNames(client()), ElementsAre("enterprise-attack@17.0", "enterprise-attack@18.0"));
}

// ImportOrganization takes an import slot as the other imports do: past the
// gate it waits within its deadline, then answers RESOURCE_EXHAUSTED with
// nothing written; once a slot frees up it runs.
TEST_F(BoundsTest, OrganizationImportWaitsForAnImportSlot) {
  Start([](ServerLimits& l) { l.max_concurrent_imports = 1; });
  v1::ExportOrganizationRequest req;
  req.set_org_id("acme");
  v1::ExportOrganizationResponse exported;
  ASSERT_OK(client().Call(&v1::OrgService::Stub::ExportOrganization, req, &exported));
  std::string doc = exported.document();
  const std::string from = "\"org_id\": \"acme\"";
  ASSERT_NE(doc.find(from), std::string::npos) << doc.substr(0, 400);
  doc.replace(doc.find(from), from.size(), "\"org_id\": \"acme2\"");

  core::Application& app = server_->server().app();
  auto held = app.imports().Enter(QueryLimits());
  ASSERT_OK(held.status());
  ClientOptions short_imports;
  short_imports.import_timeout = absl::Milliseconds(800);
  auto impatient = server_->NewClient(short_imports);
  v1::ImportOrganizationResponse resp;
  EXPECT_THAT(impatient->ImportOrganization(doc, &resp),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("max_concurrent_imports"), HasSubstr("nothing was written"))));
  v1::GetOrganizationRequest get;
  get.set_org_id("acme2");
  v1::Organization o;
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::GetOrganization, get, &o), StatusIs(absl::StatusCode::kNotFound));
  held->Release();
  ASSERT_OK(client().ImportOrganization(doc, &resp));
  EXPECT_EQ(resp.organization().org_id(), "acme2");
  EXPECT_EQ(app.imports().running(), 0);
}

// Opens a health Watch stream on `channel` and waits for its first answer.
struct Watch {
  Watch(const std::shared_ptr<grpc::Channel>& channel) : stub(grpc::health::v1::Health::NewStub(channel)) {
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    reader = stub->Watch(&ctx, grpc::health::v1::HealthCheckRequest());
    first = reader->Read(&resp);
  }
  ~Watch() {
    ctx.TryCancel();
    if (!finished) reader->Finish();
  }
  grpc::Status Finish() {
    finished = true;
    return reader->Finish();
  }
  std::unique_ptr<grpc::health::v1::Health::Stub> stub;
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReader<grpc::health::v1::HealthCheckResponse>> reader;
  grpc::health::v1::HealthCheckResponse resp;
  bool first = false;
  bool finished = false;
};

TEST_F(BoundsTest, HealthWatchStreamsAreCapped) {
  Start([](ServerLimits& l) { l.max_health_watches = 2; });
  auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  auto a = std::make_unique<Watch>(channel);
  Watch b(channel);
  ASSERT_TRUE(a->first && b.first);
  Watch c(channel);
  EXPECT_FALSE(c.first);
  grpc::Status s = c.Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("max_health_watches"));
  a.reset();  // the server notices within a second
  bool again = false;
  for (int i = 0; i < 50 && !again; ++i) {
    Watch d(channel);
    again = d.first;
    if (!again) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(again);
}

// The sync services' threads are a gRPC resource quota: once every thread is held (here by
// health Watch streams), the next call is refused at once instead of starting a thread.
TEST_F(BoundsTest, SyncThreadsAreAResourceQuota) {
  Start([](ServerLimits& l) {
    l.max_threads = 8;
    l.max_health_watches = 1000;  // out of the way: the quota refuses first
  });
  auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  std::vector<std::unique_ptr<Watch>> held;
  grpc::Status refused;
  for (int i = 0; i < 32 && refused.ok(); ++i) {
    held.push_back(std::make_unique<Watch>(channel));
    if (!held.back()->first) refused = held.back()->Finish();
  }
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(refused.error_message(),
            "the server is busy: all 8 threads of its sync services are in use (the limit --max-threads 8); retry "
            "with backoff");
  // Each open Watch holds one of the 8 threads (the refused one aside); pollers hold some too.
  EXPECT_LT(held.size() - 1, 8u);
  EXPECT_GE(held.size() - 1, 1u);
  held.clear();
  // Threads come back: calls are answered again (bounded wait: 5 s).
  grpc::StatusCode again = grpc::StatusCode::UNKNOWN;
  for (int i = 0; i < 50 && again != grpc::StatusCode::OK; ++i) {
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    grpc::health::v1::HealthCheckResponse resp;
    again = stub->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &resp).error_code();
    if (again != grpc::StatusCode::OK) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(again, grpc::StatusCode::OK);
}

TEST_F(BoundsTest, ConcurrentStreamsPerConnectionAreCapped) {
  Start([](ServerLimits& l) { l.max_concurrent_streams = 2; });
  auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  Watch a(channel), b(channel);
  ASSERT_TRUE(a.first && b.first);
  auto check = [](const std::shared_ptr<grpc::Channel>& ch) {
    auto stub = grpc::health::v1::Health::NewStub(ch);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    grpc::health::v1::HealthCheckResponse resp;
    return stub->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &resp).error_code();
  };
  EXPECT_EQ(check(channel), grpc::StatusCode::DEADLINE_EXCEEDED);  // a third stream waits for a free one
  // Another connection has streams of its own (a channel of its own subchannel pool: gRPC
  // otherwise shares the first one's connection).
  grpc::ChannelArguments own;
  own.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  EXPECT_EQ(check(grpc::CreateCustomChannel(server_->address(), grpc::InsecureChannelCredentials(), own)),
            grpc::StatusCode::OK);
}

}  // namespace
}  // namespace ttpgraph
