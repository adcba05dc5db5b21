// ReleaseService over real gRPC (in-process server on port 0): imports from
// every source, every bad input with its status, message and "nothing was
// written", idempotence, replace, delete, @latest, paging and restart, on the
// fixtures of tests/testdata. (The real enterprise bundle:
// tests/e2e/release_real_test.cc; health and reflection: health_test.cc.)
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/import/sha256.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace ttpgraph {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::StatusIs;

std::string Mini(const std::string& file) { return testing::ReadFile(testing::TestData("mini_attack/" + file)); }
std::string Bad(const std::string& file) { return testing::ReadFile(testing::TestData("bad/" + file)); }

v1::ImportOptions Options(const std::string& domain, const std::string& version, bool replace = false) {
  v1::ImportOptions o;
  o.set_domain(domain);
  o.set_version(version);
  o.set_replace(replace);
  return o;
}

class ReleaseServiceTest : public ::testing::Test {
 protected:
  explicit ReleaseServiceTest(ServerOptions options = {}) : server_(std::move(options)) {}

  Client& client() { return server_.client(); }

  absl::Status Upload(const std::string& bytes, const v1::ImportOptions& options,
                      v1::ImportReleaseResponse* resp = nullptr) {
    v1::ImportReleaseResponse local;
    return client().ImportBundle(bytes, options, resp ? resp : &local);
  }

  // A hand-made stream: `header` in the first message, then `chunks`, then
  // WritesDone (unless `cancel`, which cancels the call instead).
  absl::Status RawUpload(const v1::ImportOptions& header, const std::vector<std::string>& chunks,
                         bool cancel = false) {
    grpc::ClientContext ctx;
    client().Prepare(&ctx, v1::ImportReleaseRequest());
    v1::ImportReleaseResponse resp;
    auto writer = client().releases().ImportRelease(&ctx, &resp);
    v1::ImportReleaseRequest msg;
    *msg.mutable_header() = header;
    if (chunks.empty()) writer->Write(msg);
    for (const auto& c : chunks) {
      msg.set_chunk(c);
      if (!writer->Write(msg)) break;
      msg.clear_header();
    }
    if (cancel) {
      ctx.TryCancel();
    } else {
      writer->WritesDone();
    }
    return FromGrpc(writer->Finish());
  }

  std::vector<std::string> ReleaseNames() {
    v1::ListReleasesResponse resp;
    EXPECT_OK(client().CallAllPages(&v1::ReleaseService::Stub::ListReleases, v1::ListReleasesRequest{}, &resp));
    std::vector<std::string> names;
    for (auto& r : resp.releases()) names.push_back(r.name());
    return names;
  }

  absl::Status GetRelease(const std::string& name, v1::Release* out = nullptr) {
    v1::GetReleaseRequest req;
    req.set_release(name);
    v1::Release local;
    return client().Call(&v1::ReleaseService::Stub::GetRelease, req, out ? out : &local);
  }

  // The failed import left no release behind and the server still serves.
  void ExpectNothingWritten(const std::vector<std::string>& before, const std::string& release) {
    EXPECT_EQ(ReleaseNames(), before);
    EXPECT_THAT(GetRelease(release), StatusIs(absl::StatusCode::kNotFound, HasSubstr("not imported")));
  }

  testing::TestServer server_;
};

// ------------------------------------------------------------------ bad input

TEST_F(ReleaseServiceTest, TruncatedGzip) {
  const std::string gz = testing::Gzip(Mini("mini-v17.json"));
  EXPECT_THAT(Upload(gz.substr(0, gz.size() / 2), Options("enterprise-attack", "17.0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("truncated"), HasSubstr("gzip"), HasSubstr(Cat(gz.size() / 2, " compressed bytes")))));
  ExpectNothingWritten({}, "enterprise-attack@17.0");
}

// A gzip upload of several 1 MiB chunks cut short: the mini bundle padded with
// 6 MB of pseudo-random hex digits (about 3 MB compressed).
TEST_F(ReleaseServiceTest, TruncatedGzipAcrossSeveralChunks) {
  std::string padding(6u << 20, '0');
  uint32_t x = 12345;
  for (char& c : padding) c = "0123456789abcdef"[(x = x * 1103515245u + 12345u) >> 28];
  std::string bundle = Mini("mini-v17.json");
  bundle.insert(bundle.find("\"objects\""), Cat("\"x_padding\": \"", padding, "\",\n  "));
  const std::string gz = testing::Gzip(bundle);
  // zlib's exact output size varies with its version; three chunks or more is what matters.
  ASSERT_GT(gz.size(), 2u << 20);
  EXPECT_THAT(Upload(gz.substr(0, gz.size() - 1000), Options("enterprise-attack", "17.0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("truncated"), HasSubstr("gzip"), HasSubstr(Cat(gz.size() - 1000, " ")))));
  ExpectNothingWritten({}, "enterprise-attack@17.0");
}

TEST_F(ReleaseServiceTest, CorruptGzip) {
  std::string gz = testing::Gzip(Mini("mini-v17.json"));
  for (size_t i = 12; i < 40; ++i) gz[i] = static_cast<char>(0xff);
  EXPECT_THAT(Upload(gz, Options("enterprise-attack", "17.0")),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("corrupt gzip"), HasSubstr("compressed byte"))));
  ExpectNothingWritten({}, "enterprise-attack@17.0");
}

TEST_F(ReleaseServiceTest, InvalidJsonNamesTheLine) {
  EXPECT_THAT(Upload(Bad("invalid.json"), Options("enterprise-attack", "99.0")),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("invalid JSON"), HasSubstr("line 7"))));
  ExpectNothingWritten({}, "enterprise-attack@99.0");
}

TEST_F(ReleaseServiceTest, NotAStixBundle) {
  EXPECT_THAT(Upload(Bad("not-a-bundle.json"), Options("enterprise-attack", "99.0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("not a STIX bundle"), HasSubstr("attack-pattern"))));
  ExpectNothingWritten({}, "enterprise-attack@99.0");
}

TEST_F(ReleaseServiceTest, ObjectWithoutIdStoresNoneOfTheValidObjects) {
  const std::string text = Bad("no-id.json");
  EXPECT_THAT(Upload(text, Options("enterprise-attack", "99.0")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("objects[2]")));
  ExpectNothingWritten({}, "enterprise-attack@99.0");
  // The two valid objects of that file were not stored either: importing
  // them now stores both as new.
  std::string valid;
  {
    // Rebuild the bundle without its third object.
    auto start = text.find('[', text.find("\"objects\""));
    int depth = 0;
    std::vector<std::string> objs;
    size_t obj_start = 0;
    bool in_string = false;
    for (size_t i = start + 1; i < text.size(); ++i) {
      char c = text[i];
      if (in_string) {
        if (c == '\\') ++i;
        else if (c == '"') in_string = false;
        continue;
      }
      if (c == '"') in_string = true;
      else if (c == '{' && depth++ == 0) obj_start = i;
      else if (c == '}' && --depth == 0) objs.push_back(text.substr(obj_start, i - obj_start + 1));
      else if (c == ']' && depth == 0) break;
    }
    ASSERT_EQ(objs.size(), 3u);
    valid = Cat(R"({"type":"bundle","id":"bundle--ba000000-0000-4000-8000-00000000ffff","objects":[)", objs[0], ",",
                objs[1], "]}");
  }
  v1::ImportReleaseResponse resp;
  ASSERT_OK(Upload(valid, Options("enterprise-attack", "99.0"), &resp));
  EXPECT_EQ(resp.release().object_count(), 2);
  EXPECT_EQ(resp.release().new_objects_stored(), 2);
}

TEST_F(ReleaseServiceTest, ObjectWithoutType) {
  EXPECT_THAT(Upload(Bad("no-type.json"), Options("enterprise-attack", "99.0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("objects[1]"), HasSubstr("attack-pattern--ba000000-0000-4000-8000-000000000021"))));
  ExpectNothingWritten({}, "enterprise-attack@99.0");
}

TEST_F(ReleaseServiceTest, JsonNestedPastTheDepthLimit) {
  EXPECT_THAT(Upload(Bad("deep.json"), Options("enterprise-attack", "99.0")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limit of 64 levels")));
  ExpectNothingWritten({}, "enterprise-attack@99.0");
}

TEST_F(ReleaseServiceTest, BundleOfTheWrongDomain) {
  EXPECT_THAT(Upload(Bad("mobile-as-enterprise.json"), Options("enterprise-attack", "99.0")),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("wrong domain"), HasSubstr("mobile-attack"))));
  ExpectNothingWritten({}, "enterprise-attack@99.0");
}

TEST_F(ReleaseServiceTest, MissingOrBadReleaseOptions) {
  EXPECT_THAT(Upload(Mini("mini-v17.json"), Options("", "")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no x-mitre-collection")));
  EXPECT_THAT(Upload(Mini("mini-v17.json"), Options("pre-attack", "1.0")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown domain 'pre-attack'")));
  EXPECT_THAT(Upload(Mini("mini-v17.json"), Options("enterprise-attack", "x.y")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("x.y")));
  EXPECT_THAT(Upload(Mini("mini-v21-collection.json"), Options("enterprise-attack", "18.0")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("requested version 18.0")));
  EXPECT_THAT(ReleaseNames(), IsEmpty());
}

// ---------------------------------------------------------------- frameworks (issue 12)

std::string Framework(const std::string& file) { return testing::ReadFile(testing::TestData("frameworks/" + file)); }

TEST_F(ReleaseServiceTest, FrameworkImportsAsItsOwnDomain) {
  v1::ImportReleaseResponse resp;
  ASSERT_OK(Upload(Framework("atlas-mini.json"), v1::ImportOptions{}, &resp));
  EXPECT_EQ(resp.release().name(), "atlas@4.9");
  EXPECT_EQ(resp.release().object_count(), 38);
  EXPECT_THAT(resp.source_names(), ElementsAre("mitre-atlas"));
  EXPECT_THAT(resp.kill_chains(), ElementsAre("mitre-atlas"));
  EXPECT_THAT(resp.reidentified(), IsEmpty());
  EXPECT_OK(GetRelease("atlas@latest"));
  // Known now; another framework's domain still is not.
  EXPECT_THAT(GetRelease("atlas@5.0"), StatusIs(absl::StatusCode::kNotFound, HasSubstr("atlas@5.0")));
  EXPECT_THAT(GetRelease("acme-ot@1.0"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown domain 'acme-ot'")));
  v1::GetObjectRequest get;
  get.set_release("atlas@4.9");
  get.set_id("aml.t0043.000");
  v1::GetObjectResponse obj;
  ASSERT_OK(client().Call(&v1::KnowledgeService::Stub::GetObject, get, &obj));
  EXPECT_EQ(obj.object().name(), "White-Box Optimization");
  EXPECT_EQ(obj.parent().attack_id(), "AML.T0043");
}

TEST_F(ReleaseServiceTest, ReusedIdsAreRefusedUnlessLenient) {
  v1::ImportOptions strict;
  EXPECT_THAT(Upload(Framework("atlas-mini-reused-ids.json"), strict),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("objects[35]: duplicate id relationship--a71a0000-0000-4000-8000-000000000501"),
                             HasSubstr("nothing was imported"), HasSubstr("--lenient"))));
  EXPECT_THAT(ReleaseNames(), IsEmpty());
  v1::ImportOptions lenient;
  lenient.set_lenient(true);
  v1::ImportReleaseResponse resp;
  ASSERT_OK(Upload(Framework("atlas-mini-reused-ids.json"), lenient, &resp));
  EXPECT_EQ(resp.release().name(), "atlas@4.10");
  EXPECT_EQ(resp.release().counts_by_type().at("relationship"), 14);
  ASSERT_EQ(resp.reidentified_size(), 3);
  std::vector<std::string> rows;
  for (const auto& r : resp.reidentified()) rows.push_back(Cat(r.index(), " ", r.type(), " ", r.old_id(), " ", r.new_id()));
  EXPECT_THAT(rows, ElementsAre("35 relationship relationship--a71a0000-0000-4000-8000-000000000501 "
                                "relationship--2effc888-93b0-54ae-8c14-8e235b1bc1aa",
                                "36 relationship relationship--a71a0000-0000-4000-8000-000000000506 "
                                "relationship--9fea591f-7bfb-5120-ab2a-b88a4eff7c92",
                                "37 relationship relationship--a71a0000-0000-4000-8000-000000000511 "
                                "relationship--9ac6c01c-c8b1-566a-be16-7cd8ce785a63"));
  // The stored object is the relationship under its new id.
  v1::GetObjectRequest get;
  get.set_release("atlas@4.10");
  get.set_id("relationship--9fea591f-7bfb-5120-ab2a-b88a4eff7c92");
  v1::GetObjectResponse obj;
  ASSERT_OK(client().Call(&v1::KnowledgeService::Stub::GetObject, get, &obj));
  EXPECT_THAT(obj.stix_json(), HasSubstr(R"("id": "relationship--9fea591f-7bfb-5120-ab2a-b88a4eff7c92")"));
  EXPECT_THAT(obj.stix_json(), HasSubstr(R"("target_ref": "attack-pattern--a71a0000-0000-4000-8000-000000000210")"));
}

TEST_F(ReleaseServiceTest, ChunkedUploadCutOffMidway) {
  const std::string text = Mini("mini-v17.json");
  v1::ImportOptions header = Options("enterprise-attack", "17.0");
  header.set_expected_bytes(static_cast<int64_t>(text.size()));
  EXPECT_THAT(RawUpload(header, {text.substr(0, 1000), text.substr(1000, 1000)}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("cut off"), HasSubstr(Cat("received 2000 of the ", text.size(), " bytes")))));
  ExpectNothingWritten({}, "enterprise-attack@17.0");
  // The whole stream in the same chunks is accepted.
  ASSERT_OK(RawUpload(header, {text.substr(0, 1000), text.substr(1000, 1000), text.substr(2000)}));
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@17.0"));
}

TEST_F(ReleaseServiceTest, ClientCancellingMidStreamWritesNothing) {
  const std::string text = Mini("mini-v17.json");
  v1::ImportOptions header = Options("enterprise-attack", "17.0");
  header.set_expected_bytes(static_cast<int64_t>(text.size()));
  EXPECT_THAT(RawUpload(header, {text.substr(0, text.size() / 2)}, /*cancel=*/true),
              StatusIs(absl::StatusCode::kCancelled));
  ExpectNothingWritten({}, "enterprise-attack@17.0");
  // Nothing of the cancelled upload was kept: the full import creates every object.
  v1::ImportReleaseResponse resp;
  ASSERT_OK(Upload(text, Options("enterprise-attack", "17.0"), &resp));
  EXPECT_EQ(resp.outcome(), v1::ImportReleaseResponse::OUTCOME_CREATED);
  EXPECT_EQ(resp.release().new_objects_stored(), 60);
}

TEST_F(ReleaseServiceTest, MalformedStreams) {
  EXPECT_THAT(RawUpload(Options("enterprise-attack", "17.0"), {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty upload")));
  {
    grpc::ClientContext ctx;
    client().Prepare(&ctx, v1::ImportReleaseRequest());
    v1::ImportReleaseResponse resp;
    auto writer = client().releases().ImportRelease(&ctx, &resp);
    writer->WritesDone();
    EXPECT_THAT(FromGrpc(writer->Finish()), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no messages")));
  }
  {
    grpc::ClientContext ctx;
    client().Prepare(&ctx, v1::ImportReleaseRequest());
    v1::ImportReleaseResponse resp;
    auto writer = client().releases().ImportRelease(&ctx, &resp);
    v1::ImportReleaseRequest msg;
    *msg.mutable_header() = Options("enterprise-attack", "17.0");
    msg.set_chunk("{");
    writer->Write(msg);
    writer->Write(msg);  // a second header
    writer->WritesDone();
    EXPECT_THAT(FromGrpc(writer->Finish()),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("only come in the first message")));
  }
  EXPECT_THAT(ReleaseNames(), IsEmpty());
}

TEST_F(ReleaseServiceTest, Sha256IsChecked) {
  // The digest itself, against the FIPS 180-2 test vector.
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string text = Mini("mini-v17.json");
  v1::ImportOptions opts = Options("enterprise-attack", "17.0");
  opts.set_sha256(std::string(64, '0'));
  EXPECT_THAT(Upload(text, opts),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("sha256 mismatch"), Not(HasSubstr(Sha256Hex(text))))));  // never the digest
  ExpectNothingWritten({}, "enterprise-attack@17.0");
  opts.set_sha256(ToUpper(Sha256Hex(text)));  // hex case does not matter
  ASSERT_OK(Upload(text, opts));
}

TEST_F(ReleaseServiceTest, DanglingRelationshipsAreReported) {
  std::string bundle = Mini("mini-v21-collection.json");
  // Point G0101's `uses` at a technique the bundle does not hold.
  auto rel = bundle.find("\"target_ref\"");
  ASSERT_NE(rel, std::string::npos);
  auto value = bundle.find("attack-pattern--", rel);
  bundle.replace(value, 16, "attack-pattern--f");
  bundle.erase(value + 17, 1);
  v1::ImportReleaseResponse resp;
  ASSERT_OK(Upload(bundle, v1::ImportOptions{}, &resp));
  EXPECT_EQ(resp.release().dangling_relationships(), 1);
  ASSERT_EQ(resp.dangling_relationship_ids_size(), 1);
  EXPECT_TRUE(StartsWith(resp.dangling_relationship_ids(0), "relationship--"));
}

// ------------------------------------------------------------------ limits

class ReleaseLimitsTest : public ReleaseServiceTest {
 protected:
  static ServerOptions Small() {
    ServerOptions o;
    o.limits.max_upload_bytes = 20000;
    o.limits.max_bundle_bytes = 40000;
    o.limits.max_objects = 50;
    o.limits.max_message_bytes = 64 << 10;
    return o;
  }
  ReleaseLimitsTest() : ReleaseServiceTest(Small()) {}
};

TEST_F(ReleaseLimitsTest, UploadOverTheConfiguredSize) {
  const std::string text = Mini("mini-v17.json");
  ASSERT_EQ(text.size(), 35198u);  // mini-v17.json: over the 20,000-byte upload limit
  // Announced size over the limit: refused at the header.
  EXPECT_THAT(Upload(text, Options("enterprise-attack", "17.0")),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr(Cat(text.size(), " bytes")), HasSubstr("limit of 20000"))));
  // Not announced: refused once the bytes received pass the limit.
  EXPECT_THAT(RawUpload(Options("enterprise-attack", "17.0"), {text.substr(0, 15000), text.substr(15000)}),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("limit of 20000")));
  ExpectNothingWritten({}, "enterprise-attack@17.0");
}

TEST_F(ReleaseLimitsTest, GzipInflatingPastTheBundleLimit) {
  std::string padded = Mini("mini-v17.json");
  padded.insert(padded.size() - 2, std::string(30000, ' '));
  const std::string gz = testing::Gzip(padded);
  ASSERT_LT(gz.size(), 20000u);  // a bound: zlib's output size varies with its version
  EXPECT_THAT(Upload(gz, Options("enterprise-attack", "17.0")),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("inflates past the limit of 40000")));
  ExpectNothingWritten({}, "enterprise-attack@17.0");
}

TEST_F(ReleaseLimitsTest, TooManyObjects) {
  const std::string gz = testing::Gzip(Mini("mini-v17.json"));  // 60 objects, over 50
  EXPECT_THAT(Upload(gz, Options("enterprise-attack", "17.0")),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("over the limit of 50")));
  ExpectNothingWritten({}, "enterprise-attack@17.0");
}

TEST_F(ReleaseLimitsTest, OversizedSingleMessage) {
  // One chunk larger than max_message_bytes (64 KiB): gRPC refuses the message.
  const std::string big(100 << 10, ' ');
  EXPECT_THAT(RawUpload(Options("enterprise-attack", "17.0"), {big}), StatusIs(absl::StatusCode::kResourceExhausted));
  ExpectNothingWritten({}, "enterprise-attack@17.0");
  // The server still serves, and small chunks are fine.
  ASSERT_OK(Upload(testing::Gzip(Mini("mini-v21-collection.json")), v1::ImportOptions{}));
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@18.1"));
}

// ------------------------------------------------------------------ idempotence, replace

TEST_F(ReleaseServiceTest, IdenticalReimportIsUnchanged) {
  v1::ImportReleaseResponse first, again, gzipped;
  ASSERT_OK(Upload(Mini("mini-v17.json"), Options("enterprise-attack", "17.0"), &first));
  EXPECT_EQ(first.outcome(), v1::ImportReleaseResponse::OUTCOME_CREATED);
  EXPECT_EQ(first.release().name(), "enterprise-attack@17.0");
  EXPECT_EQ(first.release().object_count(), 60);
  EXPECT_EQ(first.release().counts_by_type().at("relationship"), 31);
  EXPECT_EQ(first.release().spec_version(), "2.0");
  ASSERT_OK(Upload(Mini("mini-v17.json"), Options("enterprise-attack", "17.0"), &again));
  EXPECT_EQ(again.outcome(), v1::ImportReleaseResponse::OUTCOME_UNCHANGED);
  // Same content, compressed and with an equivalent version spelling.
  ASSERT_OK(Upload(testing::Gzip(Mini("mini-v17.json")), Options("enterprise-attack", "17"), &gzipped));
  EXPECT_EQ(gzipped.outcome(), v1::ImportReleaseResponse::OUTCOME_UNCHANGED);
  EXPECT_EQ(gzipped.release().content_sha256(), first.release().content_sha256());
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@17.0"));
}

TEST_F(ReleaseServiceTest, DifferentContentNeedsReplace) {
  v1::ImportReleaseResponse first, replaced;
  ASSERT_OK(Upload(Mini("mini-v17.json"), Options("enterprise-attack", "17.0"), &first));
  // Build the graph so the replace must evict it.
  v1::GetObjectRequest get;
  get.set_release("enterprise-attack@17.0");
  get.set_id("T1050");
  v1::GetObjectResponse obj;
  EXPECT_THAT(client().Call(&v1::KnowledgeService::Stub::GetObject, get, &obj),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("T1050")));

  EXPECT_THAT(Upload(Mini("mini-v18.json"), Options("enterprise-attack", "17.0")),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       AllOf(HasSubstr("enterprise-attack@17.0"), HasSubstr("replace"))));
  v1::Release still;
  ASSERT_OK(GetRelease("enterprise-attack@17.0", &still));
  EXPECT_EQ(still.content_sha256(), first.release().content_sha256());
  EXPECT_EQ(still.object_count(), 60);

  ASSERT_OK(Upload(Mini("mini-v18.json"), Options("enterprise-attack", "17.0", /*replace=*/true), &replaced));
  EXPECT_EQ(replaced.outcome(), v1::ImportReleaseResponse::OUTCOME_REPLACED);
  EXPECT_EQ(replaced.release().object_count(), 70);
  ASSERT_OK(client().Call(&v1::KnowledgeService::Stub::GetObject, get, &obj));
  EXPECT_EQ(obj.object().name(), "Mini New Technique");
}

// ------------------------------------------------------------------ server-side sources

ServerOptions WithImportRoots(const std::vector<std::string>& roots) {
  ServerOptions o;
  o.limits.import_roots = roots;
  return o;
}

// Path imports read under tests/testdata only.
class ServerSideTest : public ReleaseServiceTest {
 protected:
  ServerSideTest() : ReleaseServiceTest(WithImportRoots({testing::TestData("")})) {}
};

TEST_F(ReleaseServiceTest, PathImportsAreDisabledWithoutAnImportRoot) {
  v1::ImportReleaseFromRequest req;
  req.set_path(testing::TestData("mini_attack/mini-v17.json"));
  *req.mutable_options() = Options("enterprise-attack", "17.0");
  v1::ImportReleaseFromResponse resp;
  EXPECT_THAT(client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kFailedPrecondition, AllOf(HasSubstr("disabled"), HasSubstr("--import-root"))));
  req.set_url("file://" + testing::TestData("mini_attack/mini-v17.json"));
  EXPECT_THAT(client().ImportFrom(req, &resp), StatusIs(absl::StatusCode::kFailedPrecondition));
  req.set_collection_index(testing::TestData("collection_index/index.json"));
  EXPECT_THAT(client().ImportFrom(req, &resp), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(ReleaseNames(), IsEmpty());
}

TEST_F(ServerSideTest, ImportByServerPathAndFileUrl) {
  v1::ImportReleaseFromRequest req;
  req.set_path(testing::TestData("mini_attack/mini-v17.json"));
  *req.mutable_options() = Options("enterprise-attack", "17.0");
  v1::ImportReleaseFromResponse resp;
  ASSERT_OK(client().ImportFrom(req, &resp));
  ASSERT_EQ(resp.results_size(), 1);
  EXPECT_EQ(resp.results(0).release().name(), "enterprise-attack@17.0");
  EXPECT_EQ(resp.results(0).outcome(), v1::ImportReleaseResponse::OUTCOME_CREATED);

  req.set_url("file://" + testing::TestData("mini_attack/mini-v18.json"));
  *req.mutable_options() = Options("enterprise-attack", "18.0");
  resp.Clear();
  ASSERT_OK(client().ImportFrom(req, &resp));
  ASSERT_EQ(resp.results_size(), 1);
  EXPECT_EQ(resp.results(0).release().name(), "enterprise-attack@18.0");
  EXPECT_EQ(resp.results(0).release().new_objects_stored(), 16);  // 54 of 70 shared with 17.0
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@17.0", "enterprise-attack@18.0"));
}

TEST_F(ServerSideTest, BadServerSideSources) {
  v1::ImportReleaseFromRequest req;
  v1::ImportReleaseFromResponse resp;
  EXPECT_THAT(client().ImportFrom(req, &resp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("give a source")));
  req.set_path("/nonexistent/enterprise-attack-1.0.json");
  *req.mutable_options() = Options("enterprise-attack", "1.0");
  EXPECT_THAT(client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("/nonexistent/enterprise-attack-1.0.json"), HasSubstr("outside the import root"))));
  req.set_path(testing::TestData("nonexistent/enterprise-attack-1.0.json"));
  EXPECT_THAT(client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("not a readable regular file under the import root")));
  req.set_path(testing::TestData("mini_attack"));
  EXPECT_THAT(client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("not a readable regular file under the import root")));
  req.set_path("mini_attack/mini-v17.json");
  EXPECT_THAT(client().ImportFrom(req, &resp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("relative path")));
  req.set_path(testing::TestData("bad/no-type.json"));
  EXPECT_THAT(client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("no-type.json"), HasSubstr("objects[1]"))));
  req.set_url("mini-v17.json");
  EXPECT_THAT(client().ImportFrom(req, &resp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no scheme")));
  req.set_url("gopher://example.org/x.json");
  EXPECT_THAT(client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unsupported URL scheme")));
  req.set_url("file:///nonexistent/x.json");
  EXPECT_THAT(client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside the import root")));
  req.set_url("http://example.org/x.json");
  EXPECT_THAT(client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("only https")));
  EXPECT_THAT(ReleaseNames(), IsEmpty());
}

// The index in a scratch directory (a second import root), its bundles under tests/testdata.
// Before the server, so its directory exists when the server starts with it as an import root.
struct IndexDir {
  testing::TempDir dir_;
};
class CollectionIndexTest : protected IndexDir, public ReleaseServiceTest {
 protected:
  CollectionIndexTest() : ReleaseServiceTest(WithImportRoots({testing::TestData("mini_attack"), dir_.path()})) {
    std::string index = testing::ReadFile(testing::TestData("mini_attack/collection-index.json.in"));
    const std::string mini_dir = testing::TestData("mini_attack");
    for (size_t at; (at = index.find("@MINI_DIR@")) != std::string::npos;) index.replace(at, 10, mini_dir);
    index_path_ = dir_.path() + "/index.json";
    testing::WriteFile(index_path_, index);
  }
  std::string index_path_;
};

TEST_F(CollectionIndexTest, ImportsEveryVersion) {
  v1::ImportReleaseFromRequest req;
  req.set_collection_index(index_path_);
  v1::ImportReleaseFromResponse resp;
  ASSERT_OK(client().ImportFrom(req, &resp));
  ASSERT_EQ(resp.results_size(), 2);
  EXPECT_EQ(resp.results(0).release().name(), "enterprise-attack@17.0");
  EXPECT_EQ(resp.results(1).release().name(), "enterprise-attack@18.0");
  EXPECT_EQ(resp.results(1).release().new_objects_stored(), 16);
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@17.0", "enterprise-attack@18.0"));
  // Again: both unchanged.
  resp.Clear();
  req.set_collection_index("file://" + index_path_);
  ASSERT_OK(client().ImportFrom(req, &resp));
  ASSERT_EQ(resp.results_size(), 2);
  EXPECT_EQ(resp.results(0).outcome(), v1::ImportReleaseResponse::OUTCOME_UNCHANGED);
  EXPECT_EQ(resp.results(1).outcome(), v1::ImportReleaseResponse::OUTCOME_UNCHANGED);
}

TEST_F(CollectionIndexTest, ImportsAChosenVersionWithItsSha256) {
  v1::ImportReleaseFromRequest req;
  req.set_collection_index(index_path_);
  req.add_versions("18.0");
  req.set_collection("enterprise-attack");
  req.mutable_options()->set_sha256(std::string(64, 'a'));
  v1::ImportReleaseFromResponse resp;
  EXPECT_THAT(client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("enterprise-attack@18.0"), HasSubstr("sha256"))));
  EXPECT_THAT(ReleaseNames(), IsEmpty());
  req.mutable_options()->set_sha256(Sha256Hex(Mini("mini-v18.json")));
  resp.Clear();
  ASSERT_OK(client().ImportFrom(req, &resp));
  ASSERT_EQ(resp.results_size(), 1);
  EXPECT_EQ(resp.results(0).release().name(), "enterprise-attack@18.0");
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@18.0"));
}

TEST_F(CollectionIndexTest, UnknownVersionsAndBadIndexes) {
  v1::ImportReleaseFromRequest req;
  req.set_collection_index(index_path_);
  req.add_versions("99.0");
  v1::ImportReleaseFromResponse resp;
  EXPECT_THAT(client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("enterprise-attack@17.0"), HasSubstr("enterprise-attack@18.0"))));
  req.clear_versions();
  req.set_collection("mobile-attack");
  EXPECT_THAT(client().ImportFrom(req, &resp), StatusIs(absl::StatusCode::kNotFound));
  req.clear_collection();
  req.mutable_options()->set_sha256(std::string(64, 'a'));
  EXPECT_THAT(client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("one version")));
  const std::string broken = dir_.path() + "/broken.json";
  testing::WriteFile(broken, "{\"collections\": ");
  req.set_collection_index(broken);
  EXPECT_THAT(client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("broken.json"), HasSubstr("invalid JSON"))));
  testing::WriteFile(broken, "{}");
  EXPECT_THAT(client().ImportFrom(req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("$.collections: missing")));
  EXPECT_THAT(ReleaseNames(), IsEmpty());
}

// ------------------------------------------------------------------ list, get, delete

TEST_F(ReleaseServiceTest, DeleteKeepsObjectsSharedWithAnotherRelease) {
  ASSERT_OK(Upload(Mini("mini-v17.json"), Options("enterprise-attack", "17.0")));
  ASSERT_OK(Upload(Mini("mini-v18.json"), Options("enterprise-attack", "18.0")));
  v1::GetObjectRequest get;
  get.set_release("enterprise-attack@18.0");
  get.set_id("T1003");  // unchanged between the two: stored once
  v1::GetObjectResponse before;
  ASSERT_OK(client().Call(&v1::KnowledgeService::Stub::GetObject, get, &before));
  // Build both graphs first.
  v1::ListTechniquesRequest lt;
  lt.set_release("enterprise-attack@17.0");
  v1::ObjectList techniques;
  ASSERT_OK(client().Call(&v1::KnowledgeService::Stub::ListTechniques, lt, &techniques));

  v1::DeleteReleaseRequest del;
  del.set_release("enterprise-attack@17.0");
  v1::DeleteReleaseResponse deleted;
  ASSERT_OK(client().Call(&v1::ReleaseService::Stub::DeleteRelease, del, &deleted));
  EXPECT_EQ(deleted.release().name(), "enterprise-attack@17.0");
  EXPECT_EQ(deleted.objects_freed(), 6);  // 60 objects, 54 shared with 18.0
  EXPECT_THAT(GetRelease("enterprise-attack@17.0"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(client().Call(&v1::KnowledgeService::Stub::ListTechniques, lt, &techniques),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("enterprise-attack@17.0")));
  EXPECT_THAT(client().Call(&v1::ReleaseService::Stub::DeleteRelease, del, &deleted),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@18.0"));

  // Every object of 18.0 is still there: its graph builds and answers.
  lt.set_release("enterprise-attack@18.0");
  techniques.Clear();
  ASSERT_OK(client().Call(&v1::KnowledgeService::Stub::ListTechniques, lt, &techniques));
  EXPECT_EQ(techniques.objects_size(), 6);
  v1::GetObjectResponse obj;
  ASSERT_OK(client().Call(&v1::KnowledgeService::Stub::GetObject, get, &obj));
  EXPECT_EQ(obj.SerializeAsString(), before.SerializeAsString());  // the shared object, byte for byte
  EXPECT_EQ(obj.object().name(), "Mini Valid Accounts");

  del.set_release("enterprise-attack@latest");
  EXPECT_THAT(client().Call(&v1::ReleaseService::Stub::DeleteRelease, del, &deleted),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exact version")));
}

// Issue 10: `release delete` pulled a release from under the organizations mapped to it.
TEST_F(ReleaseServiceTest, DeleteIsRefusedWhileOrganizationsMapToTheRelease) {
  ASSERT_OK(Upload(Mini("mini-v17.json"), Options("enterprise-attack", "17.0")));
  ASSERT_OK(Upload(Mini("mini-v18.json"), Options("enterprise-attack", "18.0")));
  for (const auto& [id, release] : std::vector<std::pair<std::string, std::string>>{
           {"acme", "enterprise-attack@17.0"}, {"globex", "enterprise-attack@17.0"}, {"initech", "enterprise-attack@latest"}}) {
    v1::CreateOrganizationRequest req;
    req.set_org_id(id);
    req.set_release(release);
    v1::Organization org;
    ASSERT_OK(client().Call(&v1::OrgService::Stub::CreateOrganization, req, &org));
  }
  v1::DeleteReleaseRequest del;
  del.set_release("enterprise-attack@17.0");
  v1::DeleteReleaseResponse deleted;
  EXPECT_THAT(client().Call(&v1::ReleaseService::Stub::DeleteRelease, del, &deleted),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("release enterprise-attack@17.0 is in use: 2 organizations map to it (acme, globex); "
                                 "map them to another release (org update --release) first, or give --force to delete "
                                 "it anyway (their coverage then answers NOT_FOUND); nothing was deleted")));
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@17.0", "enterprise-attack@18.0"));

  // @latest moves to 17.0 when 18.0 goes: initech keeps a release.
  del.set_release("enterprise-attack@18.0");
  ASSERT_OK(client().Call(&v1::ReleaseService::Stub::DeleteRelease, del, &deleted));
  // ... but 17.0 is then the domain's only one: initech needs it too.
  for (const char* id : {"acme", "globex"}) {
    v1::DeleteOrganizationRequest d;
    d.set_org_id(id);
    v1::DeleteOrganizationResponse out;
    ASSERT_OK(client().Call(&v1::OrgService::Stub::DeleteOrganization, d, &out));
  }
  del.set_release("enterprise-attack@17.0");
  EXPECT_THAT(client().Call(&v1::ReleaseService::Stub::DeleteRelease, del, &deleted),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("1 organization maps to it (initech)")));
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@17.0"));
}

TEST_F(ReleaseServiceTest, LatestIsTheNumericallyNewestVersion) {
  EXPECT_THAT(GetRelease("enterprise-attack@latest"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no enterprise-attack release")));
  ASSERT_OK(Upload(Mini("mini-v18.json"), Options("enterprise-attack", "9.0")));
  ASSERT_OK(Upload(Mini("mini-v17.json"), Options("enterprise-attack", "10.0")));
  ASSERT_OK(Upload(Mini("mini-v21-collection.json"), Options("", "")));  // 18.1
  v1::Release latest;
  ASSERT_OK(GetRelease("enterprise-attack@latest", &latest));
  EXPECT_EQ(latest.name(), "enterprise-attack@18.1");
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@9.0", "enterprise-attack@10.0", "enterprise-attack@18.1"));
  v1::DeleteReleaseRequest del;
  del.set_release("enterprise-attack@18.1");
  v1::DeleteReleaseResponse deleted;
  ASSERT_OK(client().Call(&v1::ReleaseService::Stub::DeleteRelease, del, &deleted));
  ASSERT_OK(GetRelease("enterprise-attack@latest", &latest));
  EXPECT_EQ(latest.name(), "enterprise-attack@10.0");
  // Queries on @latest follow.
  v1::GetObjectRequest get;
  get.set_release("enterprise-attack@latest");
  get.set_id("T1050");
  v1::GetObjectResponse obj;
  EXPECT_THAT(client().Call(&v1::KnowledgeService::Stub::GetObject, get, &obj),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("enterprise-attack@10.0")));
  EXPECT_THAT(GetRelease("mobile-attack@latest"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ReleaseServiceTest, UnknownAndMalformedReleases) {
  EXPECT_THAT(GetRelease("enterprise-attack@99.0"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("enterprise-attack@99.0")));
  EXPECT_THAT(GetRelease("enterprise-attack"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("DOMAIN@VERSION")));
  EXPECT_THAT(GetRelease("pre-attack@1.0"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown domain 'pre-attack'")));
  EXPECT_THAT(GetRelease("enterprise-attack@eighteen"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("eighteen")));
  v1::ListReleasesRequest req;
  req.set_domain("pre-attack");
  v1::ListReleasesResponse resp;
  EXPECT_THAT(client().Call(&v1::ReleaseService::Stub::ListReleases, req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("pre-attack")));
}

TEST_F(ReleaseServiceTest, ListReleasesPagesAndFilters) {
  for (const char* v : {"1.0", "2.0", "3.0"})
    ASSERT_OK(Upload(Mini("mini-v17.json"), Options("enterprise-attack", v)));
  ASSERT_OK(Upload(Bad("mobile-as-enterprise.json"), Options("mobile-attack", "1.0")));
  v1::ListReleasesRequest req;
  req.set_page_size(1);
  req.set_domain("enterprise-attack");
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    v1::ListReleasesResponse resp;
    ASSERT_OK(client().Call(&v1::ReleaseService::Stub::ListReleases, req, &resp));
    ASSERT_EQ(resp.releases_size(), 1);
    EXPECT_EQ(resp.page().total_size(), 3);
    seen.push_back(resp.releases(0).name());
    if (resp.page().next_page_token().empty()) break;
    req.set_page_token(resp.page().next_page_token());
  }
  EXPECT_THAT(seen, ElementsAre("enterprise-attack@1.0", "enterprise-attack@2.0", "enterprise-attack@3.0"));
  // A token of the enterprise listing is refused for the mobile one.
  v1::ListReleasesRequest first = req;
  first.clear_page_token();
  v1::ListReleasesResponse resp;
  ASSERT_OK(client().Call(&v1::ReleaseService::Stub::ListReleases, first, &resp));
  v1::ListReleasesRequest other;
  other.set_domain("mobile-attack");
  other.set_page_token(resp.page().next_page_token());
  EXPECT_THAT(client().Call(&v1::ReleaseService::Stub::ListReleases, other, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("different query")));
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@1.0", "enterprise-attack@2.0", "enterprise-attack@3.0",
                                          "mobile-attack@1.0"));
}

TEST_F(ReleaseServiceTest, RestartKeepsReleases) {
  v1::ImportReleaseResponse imported;
  ASSERT_OK(Upload(Mini("mini-v17.json"), Options("enterprise-attack", "17.0"), &imported));
  ASSERT_OK(Upload(Mini("mini-v21-collection.json"), v1::ImportOptions{}));
  server_.Restart();
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@17.0", "enterprise-attack@18.1"));
  v1::Release after;
  ASSERT_OK(GetRelease("enterprise-attack@17.0", &after));
  EXPECT_EQ(after.content_sha256(), imported.release().content_sha256());
  EXPECT_EQ(after.object_count(), 60);
  v1::GroupTechniquesRequest req;
  req.set_release("enterprise-attack@17.0");
  req.set_group("G0001");
  v1::GroupTechniquesResponse resp;
  ASSERT_OK(client().Call(&v1::KnowledgeService::Stub::GetGroupTechniques, req, &resp));
  EXPECT_EQ(resp.techniques_size(), 4);
  // And importing the same content after the restart is still a no-op.
  ASSERT_OK(Upload(Mini("mini-v17.json"), Options("enterprise-attack", "17.0"), &imported));
  EXPECT_EQ(imported.outcome(), v1::ImportReleaseResponse::OUTCOME_UNCHANGED);
}

}  // namespace
}  // namespace ttpgraph
