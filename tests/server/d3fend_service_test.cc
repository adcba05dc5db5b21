// DefenseService (D3FEND part) through gRPC on an in-process server: import,
// versions, countermeasures with paths and explicit "no mapping", revoked-by
// resolution against an ATT&CK release, the tree, and bad input (each a clear
// status with nothing written).
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/d3fend_service.grpc.pb.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;

class D3fendServiceTest : public ::testing::Test {
 protected:
  Client& client() { return server_.client(); }

  absl::Status Import(const std::string& bytes, const std::string& version, v1::ImportD3fendResponse* resp,
                      bool replace = false, int64_t expected_bytes = 0, const std::string& name = "mini.ttl") {
    grpc::ClientContext ctx;
    client().Prepare(&ctx, v1::ImportD3fendRequest());
    auto writer = client().defense().ImportD3fend(&ctx, resp);
    v1::ImportD3fendRequest msg;
    msg.mutable_header()->set_version(version);
    msg.mutable_header()->set_replace(replace);
    msg.mutable_header()->set_source_name(name);
    msg.mutable_header()->set_expected_bytes(expected_bytes);
    // Two chunks, to exercise the stream.
    size_t half = bytes.size() / 2;
    msg.set_chunk(bytes.substr(0, half));
    writer->Write(msg);
    v1::ImportD3fendRequest rest;
    rest.set_chunk(bytes.substr(half));
    writer->Write(rest);
    writer->WritesDone();
    return FromGrpc(writer->Finish());
  }
  absl::Status ImportMini(v1::ImportD3fendResponse* resp) {
    return Import(testing::ReadFile(testing::TestData("d3fend/mini.ttl")), "0.1", resp);
  }
  int VersionCount() {
    v1::ListD3fendVersionsRequest req;
    v1::ListD3fendVersionsResponse resp;
    EXPECT_TRUE(client().Call(&v1::DefenseService::Stub::ListD3fendVersions, req, &resp).ok());
    return resp.versions_size();
  }
  absl::Status Countermeasures(const std::string& technique, const std::string& release,
                               v1::GetCountermeasuresResponse* resp, int page_size = 0) {
    v1::GetCountermeasuresRequest req;
    req.set_technique(technique);
    req.set_release(release);
    req.set_page_size(page_size);
    return client().Call(&v1::DefenseService::Stub::GetCountermeasures, req, resp);
  }
  static std::vector<std::string> Ids(const v1::GetCountermeasuresResponse& r) {
    std::vector<std::string> out;
    for (auto& c : r.countermeasures()) out.push_back(c.technique().d3fend_id());
    return out;
  }

  testing::TestServer server_;
};

TEST_F(D3fendServiceTest, ImportIsVersionedAndIdempotent) {
  v1::ImportD3fendResponse first, again;
  ASSERT_TRUE(ImportMini(&first).ok());
  EXPECT_EQ(first.outcome(), v1::ImportD3fendResponse::OUTCOME_CREATED);
  EXPECT_EQ(first.version().version(), "0.1");
  EXPECT_EQ(first.summary().d3fend_techniques(), 6);
  ASSERT_TRUE(ImportMini(&again).ok());
  EXPECT_EQ(again.outcome(), v1::ImportD3fendResponse::OUTCOME_UNCHANGED);
  EXPECT_EQ(again.version().content_sha256(), first.version().content_sha256());
  EXPECT_EQ(again.version().imported_at(), first.version().imported_at());  // nothing rewritten

  // Same version, other content: refused unless replace.
  std::string changed = testing::ReadFile(testing::TestData("d3fend/mini.ttl")) +
                        "\n:T1111 a owl:Class ; rdfs:label \"Extra\" ; :attack-id \"T1111\" .\n";
  v1::ImportD3fendResponse other;
  EXPECT_THAT(Import(changed, "0.1", &other), StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_TRUE(Import(changed, "0.1", &other, /*replace=*/true).ok());
  EXPECT_EQ(other.outcome(), v1::ImportD3fendResponse::OUTCOME_REPLACED);
  // Side by side with another version; "latest" is the numerically newest.
  v1::ImportD3fendResponse v10;
  ASSERT_TRUE(Import(testing::Gzip(testing::ReadFile(testing::TestData("d3fend/mini.ttl"))), "0.10", &v10).ok());
  EXPECT_EQ(VersionCount(), 2);
  v1::GetCountermeasuresResponse r;
  ASSERT_TRUE(Countermeasures("T1059", "", &r).ok());
  EXPECT_EQ(r.d3fend_version(), "0.10");

  v1::DeleteD3fendVersionRequest del;
  del.set_version("0.10");
  v1::DeleteD3fendVersionResponse deleted;
  ASSERT_TRUE(client().Call(&v1::DefenseService::Stub::DeleteD3fendVersion, del, &deleted).ok());
  EXPECT_EQ(VersionCount(), 1);
  v1::GetCountermeasuresResponse r2;
  ASSERT_TRUE(Countermeasures("T1059", "", &r2).ok());
  EXPECT_EQ(r2.d3fend_version(), "0.1");
}

TEST_F(D3fendServiceTest, CountermeasuresCarryTacticAndPaths) {
  v1::ImportD3fendResponse imp;
  ASSERT_TRUE(ImportMini(&imp).ok());
  v1::GetCountermeasuresResponse r;
  ASSERT_TRUE(Countermeasures("T1059", "", &r).ok());
  EXPECT_EQ(r.status(), v1::MAPPING_STATUS_MAPPED);
  EXPECT_EQ(r.label(), "Command and Scripting Interpreter");
  EXPECT_THAT(Ids(r), ElementsAre("D3-FH", "D3-EAL", "D3-SAL"));
  const auto& eal = r.countermeasures(1);
  EXPECT_EQ(eal.technique().tactic(), "Isolate");
  EXPECT_EQ(eal.technique().label(), "Executable Allowlisting");
  EXPECT_EQ(eal.technique().parent_id(), "D3-EI");
  ASSERT_EQ(eal.paths_size(), 1);
  EXPECT_EQ(eal.paths(0).offensive_relation(), "executes");
  EXPECT_EQ(eal.paths(0).offensive_artifact_label(), "Executable Script");
  EXPECT_EQ(eal.paths(0).defensive_artifact(), "ExecutableFile");
  EXPECT_EQ(eal.paths(0).defensive_relation(), "blocks");
  EXPECT_EQ(r.countermeasures(0).technique().tactic(), "Detect");

  // Paging: two pages of the same query.
  v1::GetCountermeasuresResponse p1;
  ASSERT_TRUE(Countermeasures("T1059", "", &p1, 2).ok());
  EXPECT_EQ(p1.countermeasures_size(), 2);
  EXPECT_EQ(p1.page().total_size(), 3);
  v1::GetCountermeasuresRequest next;
  next.set_technique("T1059");
  next.set_page_size(2);
  next.set_page_token(p1.page().next_page_token());
  v1::GetCountermeasuresResponse p2;
  ASSERT_OK(client().Call(&v1::DefenseService::Stub::GetCountermeasures, next, &p2));
  std::vector<std::string> both = Ids(p1);
  for (const std::string& id : Ids(p2)) both.push_back(id);
  EXPECT_THAT(both, ElementsAre("D3-FH", "D3-EAL", "D3-SAL"));
  EXPECT_EQ(p2.page().next_page_token(), "");
}

TEST_F(D3fendServiceTest, NoMappingIsExplicit) {
  v1::ImportD3fendResponse imp;
  ASSERT_TRUE(ImportMini(&imp).ok());
  v1::GetCountermeasuresResponse sub, none, unknown;
  ASSERT_TRUE(Countermeasures("T1059.001", "", &sub).ok());
  EXPECT_EQ(sub.status(), v1::MAPPING_STATUS_NO_ARTIFACT_RELATION);
  EXPECT_EQ(sub.countermeasures_size(), 0);
  EXPECT_THAT(sub.status_detail(), HasSubstr("not inherited"));
  ASSERT_TRUE(Countermeasures("T1055", "", &none).ok());
  EXPECT_EQ(none.status(), v1::MAPPING_STATUS_NO_MATCHING_COUNTERMEASURE);
  EXPECT_THAT(none.status_detail(), HasSubstr("executes ProcessMemory"));
  ASSERT_TRUE(Countermeasures("T9999", "", &unknown).ok());
  EXPECT_EQ(unknown.status(), v1::MAPPING_STATUS_NOT_IN_D3FEND);
}

TEST_F(D3fendServiceTest, RevokedTechniquesResolveInTheAskedRelease) {
  ASSERT_TRUE(testing::ImportFile(server_.client(), testing::TestData("mini_attack/mini-v17.json"), "enterprise-attack",
                                  "17.0")
                  .ok());
  v1::ImportD3fendResponse imp;
  ASSERT_TRUE(ImportMini(&imp).ok());
  // T1010 is revoked: T1010 -> T1011 -> T1012 -> T1013.
  v1::GetCountermeasuresResponse r;
  ASSERT_TRUE(Countermeasures("T1010", "enterprise-attack@17.0", &r).ok());
  EXPECT_EQ(r.technique().attack_id(), "T1010");
  EXPECT_TRUE(r.technique().revoked());
  EXPECT_EQ(r.revoked_by().final().attack_id(), "T1013");
  EXPECT_EQ(r.attack_id(), "T1013");
  // T1013 has no relation of its own in D3FEND; D3FEND's T1010 pairs carry over.
  EXPECT_EQ(r.status(), v1::MAPPING_STATUS_MAPPED);
  EXPECT_THAT(Ids(r), ElementsAre("D3-FH", "D3-EAL"));
  EXPECT_EQ(r.countermeasures(0).via_attack_id(), "T1010");

  // Without a release the ID is taken as D3FEND knows it.
  v1::GetCountermeasuresResponse direct;
  ASSERT_TRUE(Countermeasures("T1010", "", &direct).ok());
  EXPECT_EQ(direct.attack_id(), "T1010");
  EXPECT_EQ(direct.countermeasures(0).via_attack_id(), "");

  v1::GetCountermeasuresResponse missing;
  EXPECT_THAT(Countermeasures("T1059", "enterprise-attack@17.0", &missing), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Countermeasures("T1001", "enterprise-attack@9.9", &missing), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(D3fendServiceTest, CountersTreeAndTacticCounts) {
  v1::ImportD3fendResponse imp;
  ASSERT_TRUE(ImportMini(&imp).ok());
  {
    v1::GetCounteredTechniquesRequest req;
    req.set_d3fend_id("d3-eal");
    v1::GetCounteredTechniquesResponse resp;
    ASSERT_TRUE(client().Call(&v1::DefenseService::Stub::GetCounteredTechniques, req, &resp).ok());
    EXPECT_EQ(resp.technique().label(), "Executable Allowlisting");
    EXPECT_EQ(resp.technique().definition(), "Using a digital signature to authenticate a file before opening.");
    std::vector<std::string> ids;
    for (auto& t : resp.techniques()) ids.push_back(t.attack_id());
    EXPECT_THAT(ids, ElementsAre("T1001", "T1010", "T1059", "T1204"));
  }
  {
    v1::GetCounteredTechniquesRequest req;
    req.set_d3fend_id("D3-NOPE");
    v1::GetCounteredTechniquesResponse resp;
    EXPECT_THAT(client().Call(&v1::DefenseService::Stub::GetCounteredTechniques, req, &resp), StatusIs(absl::StatusCode::kNotFound));
  }
  {
    v1::GetD3fendTreeRequest req;
    req.set_tactic("isolate");
    v1::GetD3fendTreeResponse resp;
    ASSERT_TRUE(client().Call(&v1::DefenseService::Stub::GetD3fendTree, req, &resp).ok());
    std::vector<std::string> ids;
    for (auto& t : resp.techniques()) ids.push_back(t.d3fend_id() + "@" + std::to_string(t.depth()));
    EXPECT_THAT(ids, ElementsAre("D3-EI@0", "D3-EAL@1", "D3-SAL@2", "D3-NTF@1"));
  }
  {
    v1::GetD3fendTreeRequest req;
    req.set_tactic("Protect");
    v1::GetD3fendTreeResponse resp;
    EXPECT_THAT(client().Call(&v1::DefenseService::Stub::GetD3fendTree, req, &resp), StatusIs(absl::StatusCode::kInvalidArgument));
  }
  {
    v1::GetD3fendTacticCountsRequest req;
    v1::GetD3fendTacticCountsResponse resp;
    ASSERT_TRUE(client().Call(&v1::DefenseService::Stub::GetD3fendTacticCounts, req, &resp).ok());
    ASSERT_EQ(resp.tactics_size(), 7);
    EXPECT_EQ(resp.tactics(2).tactic(), "Detect");
    EXPECT_EQ(resp.tactics(2).techniques(), 2);
    EXPECT_EQ(resp.tactics(3).tactic(), "Isolate");
    EXPECT_EQ(resp.tactics(3).techniques(), 4);
  }
}

TEST_F(D3fendServiceTest, SurvivesRestart) {
  v1::ImportD3fendResponse imp;
  ASSERT_TRUE(ImportMini(&imp).ok());
  server_.Restart();
  v1::GetCountermeasuresResponse r;
  ASSERT_TRUE(Countermeasures("T1204", "", &r).ok());
  EXPECT_THAT(Ids(r), ElementsAre("D3-FH", "D3-EAL"));
}

TEST_F(D3fendServiceTest, BadInputIsRefusedAndNothingIsWritten) {
  v1::ImportD3fendResponse resp;
  auto s = Import(testing::ReadFile(testing::TestData("d3fend/malformed.ttl")), "0.1", &resp, false, 0, "malformed.ttl");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("malformed.ttl:6:"));

  s = Import(testing::ReadFile(testing::TestData("d3fend/not-d3fend.ttl")), "0.1", &resp, false, 0, "foaf.ttl");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("not the D3FEND ontology"));

  std::string gz = testing::Gzip(testing::ReadFile(testing::TestData("d3fend/mini.ttl")));
  s = Import(gz.substr(0, gz.size() / 2), "0.1", &resp, false, 0, "cut.ttl.gz");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("cut.ttl.gz"));

  s = Import(gz, "", &resp);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("version"));
  s = Import(gz, "one.two", &resp);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  // An upload that ends short of what it announced.
  s = Import(gz.substr(0, 100), "0.1", &resp, false, static_cast<int64_t>(gz.size()));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("cut off"));
  // 20,000 nested blank nodes (~140 KB) overflowed the serving thread's stack inside serd.
  std::string nested = "@prefix : <http://d3fend.mitre.org/ontologies/d3fend.owl#> .\n:x :p ";
  for (int i = 0; i < 20000; ++i) nested += "[ :p ";
  nested += ":y";
  for (int i = 0; i < 20000; ++i) nested += " ]";
  nested += " .\n";
  s = Import(nested, "0.1", &resp, false, 0, "nested.ttl");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("nested.ttl:2: blank nodes `[ ]` and collections `( )` nest deeper than 64"));

  EXPECT_EQ(VersionCount(), 0);
  v1::GetCountermeasuresResponse r;
  EXPECT_THAT(Countermeasures("T1059", "", &r), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Countermeasures("", "", &r), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(D3fendFromPathTest, ImportFromServerPathUnderTheImportRoot) {
  ServerOptions options;
  options.limits.import_roots = {testing::TestData("d3fend")};
  testing::TestServer server(options);
  v1::ImportD3fendFromRequest req;
  req.set_path(testing::TestData("d3fend/mini.ttl"));
  req.mutable_options()->set_version("0.2");
  v1::ImportD3fendResponse resp;
  ASSERT_TRUE(server.client().Call(&v1::DefenseService::Stub::ImportD3fendFrom, req, &resp).ok());
  EXPECT_EQ(resp.outcome(), v1::ImportD3fendResponse::OUTCOME_CREATED);
  req.set_path(testing::TestData("d3fend/nonexistent.ttl"));
  EXPECT_THAT(server.client().Call(&v1::DefenseService::Stub::ImportD3fendFrom, req, &resp),
              StatusIs(absl::StatusCode::kNotFound));
  req.set_path("/nonexistent/d3fend.ttl");
  EXPECT_THAT(server.client().Call(&v1::DefenseService::Stub::ImportD3fendFrom, req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside the import root")));
}

TEST_F(D3fendServiceTest, ImportFromServerPathIsDisabledWithoutAnImportRoot) {
  v1::ImportD3fendFromRequest req;
  req.set_path(testing::TestData("d3fend/mini.ttl"));
  req.mutable_options()->set_version("0.2");
  v1::ImportD3fendResponse resp;
  EXPECT_THAT(client().Call(&v1::DefenseService::Stub::ImportD3fendFrom, req, &resp),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--import-root")));
  EXPECT_EQ(VersionCount(), 0);
}

}  // namespace
}  // namespace ttpgraph
