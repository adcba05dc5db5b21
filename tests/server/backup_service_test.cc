// Backups and moving organizations, on an in-process server with the mini
// releases: BackupService (create, list, verify, FAILED_PRECONDITION without
// --backup-dir), restore into a new directory (the canonical dump of the
// restored store equals the source's), organization export / import (round
// trip equal, bad documents refused with nothing written), and the admin
// mistakes issue 11 guards against (release delete while organizations map to
// it; an import's outcome readable afterwards).
#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <fstream>

#include "storage/backup.h"
#include "storage/import/sha256.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/store_dump.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/audit_service.grpc.pb.h"
#include "ttpgraph/v1/backup_service.grpc.pb.h"
#include "ttpgraph/v1/org_service.grpc.pb.h"
#include "ttpgraph/v1/token_service.grpc.pb.h"

namespace ttpgraph {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using testing::StatusIs;
using Org = v1::OrgService::Stub;
using Backups = v1::BackupService::Stub;
namespace fs = std::filesystem;

// acme (17.0): CSV and Sigma detections, an inventory, an editor token; beta (18.0): one detection.
void Seed(testing::TestServer& server) {
  Client& c = server.client();
  ASSERT_OK(testing::ImportFile(c, testing::TestData("mini_attack/mini-v17.json"), "enterprise-attack", "17.0"));
  ASSERT_OK(testing::ImportFile(c, testing::TestData("mini_attack/mini-v18.json"), "enterprise-attack", "18.0"));
  for (auto [org, release] : {std::pair{"acme", "enterprise-attack@17.0"}, std::pair{"beta", "enterprise-attack@18.0"}}) {
    v1::CreateOrganizationRequest req;
    req.set_org_id(org);
    req.set_display_name(std::string(org) + " Corp");
    req.set_release(release);
    v1::Organization o;
    ASSERT_OK(c.Call(&Org::CreateOrganization, req, &o));
  }
  v1::ImportDetectionsHeader header;
  v1::ImportDetectionsResponse imported;
  ASSERT_OK(c.ImportDetections("acme", header,
                               {testing::TestData("org/detections.csv"), testing::TestData("org/sigma/mini_rules.yml")},
                               &imported));
  ASSERT_EQ(imported.created(), 8);  // 3 CSV rows, 5 Sigma rules
  v1::UpdateInventoryRequest inv;
  inv.set_org_id("acme");
  inv.set_op(v1::UpdateInventoryRequest::OP_SET);
  inv.add_entries()->set_data_component("DC0001");
  auto* ls = inv.add_entries();
  ls->set_log_source_name("WinEventLog:Security");
  ls->set_log_source_channel("EventCode=4688");
  v1::Inventory inventory;
  ASSERT_OK(c.Call(&Org::UpdateInventory, inv, &inventory));
  v1::CreateDetectionRequest det;
  det.set_org_id("beta");
  det.mutable_detection()->set_id("b-1");
  det.mutable_detection()->set_name("Beta rule");
  det.mutable_detection()->add_techniques("T1050");
  v1::Detection d;
  ASSERT_OK(c.Call(&Org::CreateDetection, det, &d));
  v1::CreateTokenRequest tok;
  tok.set_role(v1::TOKEN_ROLE_EDITOR);
  tok.set_org_id("acme");
  tok.set_description("acme CI");
  v1::CreateTokenResponse token;
  ASSERT_OK(c.Call(&v1::TokenService::Stub::CreateToken, tok, &token));
}

ServerOptions WithBackupDir(const std::string& dir) {
  ServerOptions o;
  o.limits.backup_dir = dir;
  return o;
}

// ---- BackupService --------------------------------------------------------------

TEST(BackupServiceTest, WithoutBackupDirEveryCallSaysSo) {
  testing::TestServer server;
  v1::BackupInfo info;
  EXPECT_THAT(server.client().Call(&Backups::CreateBackup, v1::CreateBackupRequest(), &info),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--backup-dir")));
  v1::ListBackupsResponse list;
  EXPECT_THAT(server.client().Call(&Backups::ListBackups, v1::ListBackupsRequest(), &list),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--backup-dir")));
  v1::VerifyBackupRequest verify;
  verify.set_id(1);
  EXPECT_THAT(server.client().Call(&Backups::VerifyBackup, verify, &info),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--backup-dir")));
}

TEST(BackupServiceTest, RestoredStoreEqualsTheSource) {
  testing::TempDir dir;
  const std::string backups = dir.path() + "/backups";
  testing::TestServer server(WithBackupDir(backups));
  Seed(server);
  v1::ListBackupsResponse list;
  ASSERT_OK(server.client().Call(&Backups::ListBackups, v1::ListBackupsRequest(), &list));
  EXPECT_EQ(list.backups_size(), 0);  // the directory does not exist yet

  // The dump before the call: the call's own audit record is written after the backup.
  const std::vector<std::string> source = testing::DumpStore(*server.server().store());
  v1::BackupInfo first;
  ASSERT_OK(server.client().Call(&Backups::CreateBackup, v1::CreateBackupRequest(), &first));
  EXPECT_EQ(first.id(), 1u);
  EXPECT_EQ(first.path(), backups + "/private/1");
  EXPECT_TRUE(fs::is_directory(first.path()));
  v1::BackupInfo second;
  ASSERT_OK(server.client().Call(&Backups::CreateBackup, v1::CreateBackupRequest(), &second));
  EXPECT_EQ(second.id(), 2u);
  ASSERT_OK(server.client().Call(&Backups::ListBackups, v1::ListBackupsRequest(), &list));
  ASSERT_EQ(list.backups_size(), 2);
  EXPECT_EQ(list.backups(0).id(), 1u);
  EXPECT_EQ(list.backups(0).path(), first.path());
  EXPECT_EQ(list.backups(1).id(), 2u);
  v1::VerifyBackupRequest verify;
  verify.set_id(1);
  v1::BackupInfo verified;
  ASSERT_OK(server.client().Call(&Backups::VerifyBackup, verify, &verified));
  EXPECT_EQ(verified.files(), first.files());
  verify.set_id(9);
  EXPECT_THAT(server.client().Call(&Backups::VerifyBackup, verify, &verified),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no backup 9")));

  // Each backup call left one audit record naming its backup.
  v1::ListAuditEventsRequest audit_req;
  audit_req.set_method("CreateBackup");
  v1::ListAuditEventsResponse audit;
  ASSERT_OK(server.client().CallAllPages(&v1::AuditService::Stub::ListAuditEvents, audit_req, &audit));
  ASSERT_EQ(audit.events_size(), 2);
  EXPECT_EQ(audit.events(0).outcome(), "OK");
  EXPECT_THAT(audit.events(0).ids(), ::testing::ElementsAre("backup/1"));

  const std::string restored_dir = dir.path() + "/restored";
  ASSERT_OK_AND_ASSIGN(BackupInfo r, RestoreBackup(first.path(), restored_dir));
  EXPECT_EQ(r.id, 1u);
  {
    StoreOptions so;
    so.path = restored_dir;
    ASSERT_OK_AND_ASSIGN(auto restored, Store::Open(so));
    const std::vector<std::string> copy = testing::DumpStore(*restored);
    EXPECT_EQ(copy, source);
    EXPECT_EQ(testing::DumpHash(copy), testing::DumpHash(source));
    // What the dump holds: the seeded data, every kind of it.
    std::map<std::string, int> kinds;
    for (const std::string& line : source) ++kinds[line.substr(0, line.find(' '))];
    EXPECT_EQ(kinds["release"], 2);
    EXPECT_EQ(kinds["org"], 2);
    EXPECT_EQ(kinds["detection"], 9);  // acme: 3 CSV rows and 5 Sigma rules; beta: 1
    EXPECT_EQ(kinds["inventory"], 2);
    EXPECT_EQ(kinds["token"], 2);      // the bootstrap admin's and acme's editor's
    EXPECT_EQ(kinds["audit"], 9);  // bootstrap, 2 releases, 2 organizations, 3 detection writes, 1 token
  }
  // A server started on the restored directory serves the restored state, to the old tokens (the
  // token file lives outside the store: the operator keeps it, here copied beside the data).
  testing::WriteFile(restored_dir + "/admin.token", server.admin_token() + "\n");
  testing::TestServer again(ServerOptions(), restored_dir);
  Client* old_admin = &again.client();
  v1::ListDetectionsRequest list_det;
  list_det.set_org_id("acme");
  v1::ListDetectionsResponse dets;
  ASSERT_OK(old_admin->CallAllPages(&Org::ListDetections, list_det, &dets));
  v1::ListDetectionsResponse source_dets;
  ASSERT_OK(server.client().CallAllPages(&Org::ListDetections, list_det, &source_dets));
  EXPECT_TRUE(MessageDifferencer::Equals(dets, source_dets));
  v1::CoverageRequest cov;
  cov.set_org_id("acme");
  v1::CoverageResponse coverage, source_coverage;
  ASSERT_OK(old_admin->Call(&Org::GetCoverage, cov, &coverage));
  ASSERT_OK(server.client().Call(&Org::GetCoverage, cov, &source_coverage));
  EXPECT_TRUE(MessageDifferencer::Equals(coverage, source_coverage));

  // The backup directory itself restores its newest backup.
  ASSERT_OK_AND_ASSIGN(BackupInfo latest, RestoreBackup(backups, dir.path() + "/latest"));
  EXPECT_EQ(latest.id, 2u);
}

TEST(BackupServiceTest, RestoreRefusesANonEmptyDirectoryAndAPathWithoutBackup) {
  testing::TempDir dir;
  testing::TestServer server(WithBackupDir(dir.path() + "/backups"));
  v1::BackupInfo b;
  ASSERT_OK(server.client().Call(&Backups::CreateBackup, v1::CreateBackupRequest(), &b));
  const std::string busy = dir.path() + "/busy";
  fs::create_directories(busy);
  testing::WriteFile(busy + "/keep.txt", "mine");
  EXPECT_THAT(RestoreBackup(b.path(), busy),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("is not empty (it holds keep.txt)")));
  EXPECT_EQ(testing::ReadFile(busy + "/keep.txt"), "mine");
  EXPECT_EQ(std::distance(fs::directory_iterator(busy), fs::directory_iterator()), 1);
  EXPECT_THAT(RestoreBackup(dir.path() + "/nothing-here", dir.path() + "/new"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("holds no backup")));
  EXPECT_THAT(RestoreBackup(dir.path() + "/backups/private/7", dir.path() + "/new"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no backup 7")));
  EXPECT_FALSE(fs::exists(dir.path() + "/new"));
}

TEST(BackupServiceTest, VerifyFindsADamagedFile) {
  testing::TempDir dir;
  const std::string backups = dir.path() + "/backups";
  testing::TestServer server(WithBackupDir(backups));
  ASSERT_OK(testing::ImportFile(server.client(), testing::TestData("mini_attack/mini-v18.json"), "enterprise-attack",
                                "18.0"));
  v1::BackupInfo b;
  ASSERT_OK(server.client().Call(&Backups::CreateBackup, v1::CreateBackupRequest(), &b));
  // Flip one byte in the middle of the largest table file the backup shares.
  std::string victim;
  uintmax_t largest = 0;
  for (auto& e : fs::directory_iterator(backups + "/shared_checksum"))
    if (e.file_size() > largest) largest = e.file_size(), victim = e.path().string();
  ASSERT_FALSE(victim.empty());
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(largest / 2));
    char c = 0;
    f.read(&c, 1);
    f.seekp(static_cast<std::streamoff>(largest / 2));
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }
  v1::VerifyBackupRequest verify;
  verify.set_id(b.id());
  v1::BackupInfo out;
  EXPECT_THAT(server.client().Call(&Backups::VerifyBackup, verify, &out),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("is damaged")));
  // A restore of it fails the same way and leaves nothing behind.
  EXPECT_THAT(RestoreBackup(b.path(), dir.path() + "/new"), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("checksum")));
  EXPECT_FALSE(fs::exists(dir.path() + "/new"));
}

// ---- moving an organization -------------------------------------------------------

class OrgTransferTest : public ::testing::Test {
 protected:
  void SetUp() override { Seed(server_); }
  Client& client() { return server_.client(); }
  absl::Status Export(const std::string& org, std::string* json) {
    v1::ExportOrganizationRequest req;
    req.set_org_id(org);
    v1::ExportOrganizationResponse resp;
    auto s = client().Call(&Org::ExportOrganization, req, &resp);
    *json = resp.document();
    return s;
  }
  absl::Status Delete(const std::string& org) {
    v1::DeleteOrganizationRequest req;
    req.set_org_id(org);
    v1::DeleteOrganizationResponse resp;
    return client().Call(&Org::DeleteOrganization, req, &resp);
  }
  std::vector<std::string> Dump() { return testing::DumpStore(*server_.server().store()); }
  // The store without its audit trail (a refused call adds its record).
  std::vector<std::string> DumpWithoutAudit() {
    std::vector<std::string> out;
    for (auto& l : Dump())
      if (l.rfind("audit ", 0) != 0 && l.find("kv \"audit/") != 0) out.push_back(l);
    return out;
  }
  testing::TestServer server_;
};

TEST_F(OrgTransferTest, ExportDeleteImportGivesTheSameOrganization) {
  const std::vector<std::string> before = testing::DumpOrg(*server_.server().store(), "acme");
  std::string json;
  ASSERT_OK(Export("acme", &json));
  EXPECT_THAT(json, HasSubstr("\"format\": \"ttpgraph.organization\""));
  EXPECT_THAT(json, HasSubstr("\"version\": 1"));
  EXPECT_THAT(json, HasSubstr("\"description\": \"acme CI\""));  // the token's metadata
  EXPECT_THAT(json, ::testing::Not(HasSubstr("ttpg_")));          // never a secret
  EXPECT_THAT(json, ::testing::Not(HasSubstr("secret")));
  ASSERT_OK(Delete("acme"));
  v1::ImportOrganizationResponse resp;
  ASSERT_OK(client().ImportOrganization(json, &resp));
  EXPECT_EQ(resp.organization().org_id(), "acme");
  EXPECT_EQ(resp.detections(), resp.organization().detection_count());
  EXPECT_EQ(resp.inventory_entries(), 2);
  ASSERT_EQ(resp.tokens_not_created_size(), 1);
  EXPECT_EQ(resp.tokens_not_created(0).description(), "acme CI");
  const std::vector<std::string> after = testing::DumpOrg(*server_.server().store(), "acme");
  EXPECT_EQ(after, before);
  EXPECT_EQ(testing::DumpHash(after), testing::DumpHash(before));
  // Exported again, the document is the same but for its time.
  std::string again;
  ASSERT_OK(Export("acme", &again));
  // (The tokens went with the delete: DeleteOrganization revokes them.)
  auto body = [](const std::string& doc) {
    const size_t from = doc.find("\"organization\"");
    return doc.substr(from, doc.find("\"inventory\"") - from);
  };
  EXPECT_EQ(body(again), body(json));
  // The import is audited with the organization.
  v1::ListAuditEventsRequest areq;
  areq.set_method("ImportOrganization");
  v1::ListAuditEventsResponse audit;
  ASSERT_OK(client().CallAllPages(&v1::AuditService::Stub::ListAuditEvents, areq, &audit));
  ASSERT_EQ(audit.events_size(), 1);
  EXPECT_EQ(audit.events(0).org_id(), "acme");
  EXPECT_EQ(audit.events(0).outcome(), "OK");
}

TEST_F(OrgTransferTest, BadDocumentsAreRefusedWithNothingWritten) {
  std::string json;
  ASSERT_OK(Export("acme", &json));
  ASSERT_OK(Delete("acme"));
  const std::vector<std::string> before = DumpWithoutAudit();
  auto import = [&](const std::string& doc) {
    v1::ImportOrganizationResponse resp;
    return client().ImportOrganization(doc, &resp);
  };
  auto replace = [&](std::string doc, const std::string& from, const std::string& to) {
    size_t at = doc.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? doc : doc.replace(at, from.size(), to);
  };
  EXPECT_THAT(import(replace(json, "\"version\": 1", "\"version\": 2")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("version: 2 is not supported")));
  EXPECT_THAT(import(replace(json, "\"format\": \"ttpgraph.organization\"", "\"format\": \"stix\"")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("format: 'stix'")));
  EXPECT_THAT(import(json.substr(0, json.size() / 2)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an organization document")));
  EXPECT_THAT(import(replace(json, "\"detections\": [", "\"detectionz\": 1, \"detections\": [")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("detectionz")));
  EXPECT_THAT(import(replace(json, "\"release\": \"enterprise-attack@17.0\"", "\"release\": \"enterprise-attack@9.0\"")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("organization.release: release enterprise-attack@9.0 is "
                                                              "not on this server")));
  EXPECT_THAT(import(replace(json, "\"created_at\": \"", "\"created_at\": \"yesterday")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("created_at: 'yesterday")));
  // A detection of a release the server lacks: named by its JSON path.
  const size_t det = json.find("\"detections\": [");
  std::string bad_det = json;
  size_t rel = bad_det.find("\"release\": \"enterprise-attack@17.0\"", det);
  ASSERT_NE(rel, std::string::npos);
  bad_det.replace(rel, 35, "\"release\": \"ics-attack@1.0\"");
  EXPECT_THAT(import(bad_det), StatusIs(absl::StatusCode::kNotFound, HasSubstr("detections[0].release")));
  EXPECT_THAT(import(replace(json, "\"org_id\": \"acme\"", "\"org_id\": \"Not Valid\"")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("organization.org_id")));
  EXPECT_EQ(DumpWithoutAudit(), before);

  // An organization that exists: ALREADY_EXISTS, and it is left as it was.
  ASSERT_OK(import(json));
  const std::vector<std::string> imported = DumpWithoutAudit();
  EXPECT_THAT(import(json), StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("'acme' already exists")));
  EXPECT_EQ(DumpWithoutAudit(), imported);
}

TEST_F(OrgTransferTest, OnlyAdminsMoveOrganizations) {
  v1::CreateTokenRequest tok;
  tok.set_role(v1::TOKEN_ROLE_EDITOR);
  tok.set_org_id("acme");
  v1::CreateTokenResponse editor;
  ASSERT_OK(client().Call(&v1::TokenService::Stub::CreateToken, tok, &editor));
  ClientOptions o;
  o.target = server_.address();
  o.token = editor.secret();
  ASSERT_OK_AND_ASSIGN(auto as_editor, Client::Connect(o));
  v1::ExportOrganizationRequest req;
  req.set_org_id("acme");
  v1::ExportOrganizationResponse resp;
  EXPECT_THAT(as_editor->Call(&Org::ExportOrganization, req, &resp),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("needs admin")));
}

// ---- nothing lost by an admin's mistake ---------------------------------------------

TEST_F(OrgTransferTest, ReleaseDeleteNamesTheOrganizationsUnlessForced) {
  v1::DeleteReleaseRequest req;
  req.set_release("enterprise-attack@17.0");
  v1::DeleteReleaseResponse resp;
  EXPECT_THAT(client().Call(&v1::ReleaseService::Stub::DeleteRelease, req, &resp),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("release enterprise-attack@17.0 is in use: 1 organization maps to it (acme)")));
  v1::GetReleaseRequest get;
  get.set_release("enterprise-attack@17.0");
  v1::Release still;
  ASSERT_OK(client().Call(&v1::ReleaseService::Stub::GetRelease, get, &still));
  req.set_force(true);
  ASSERT_OK(client().Call(&v1::ReleaseService::Stub::DeleteRelease, req, &resp));
  EXPECT_EQ(resp.release().name(), "enterprise-attack@17.0");
  EXPECT_THAT(client().Call(&v1::ReleaseService::Stub::GetRelease, get, &still),
              StatusIs(absl::StatusCode::kNotFound));
  // acme's coverage now names the missing release.
  v1::CoverageRequest cov;
  cov.set_org_id("acme");
  v1::CoverageResponse coverage;
  EXPECT_THAT(client().Call(&v1::OrgService::Stub::GetCoverage, cov, &coverage),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("17.0")));
}

TEST_F(OrgTransferTest, AnImportsOutcomeIsReadableAndARetryIsANoOp) {
  const std::string path = testing::TestData("mini_attack/mini-v18.json");
  const std::string sha = Sha256Hex(testing::ReadFile(path));
  v1::GetReleaseRequest get;
  get.set_release("enterprise-attack@18.0");
  v1::Release first;
  ASSERT_OK(client().Call(&v1::ReleaseService::Stub::GetRelease, get, &first));
  EXPECT_EQ(first.source_sha256(), sha);  // the client compares it with its file's
  EXPECT_FALSE(first.imported_at().empty());
  // The client lost the answer and retries: UNCHANGED, and the release is as it was.
  v1::ImportReleaseResponse retry;
  ASSERT_OK(testing::ImportFile(client(), path, "enterprise-attack", "18.0", &retry));
  EXPECT_EQ(retry.outcome(), v1::ImportReleaseResponse::OUTCOME_UNCHANGED);
  v1::ListReleasesResponse list;
  ASSERT_OK(client().CallAllPages(&v1::ReleaseService::Stub::ListReleases, v1::ListReleasesRequest(), &list));
  ASSERT_EQ(list.releases_size(), 2);
  EXPECT_TRUE(MessageDifferencer::Equals(list.releases(1), first)) << list.releases(1).DebugString();
  // A wrong digest is refused before anything is read.
  v1::ImportOptions o;
  o.set_domain("enterprise-attack");
  o.set_version("18.0");
  o.set_sha256(std::string(64, '0'));
  v1::ImportReleaseResponse refused;
  EXPECT_THAT(client().ImportBundle(testing::ReadFile(path), o, &refused),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sha256 mismatch")));
}

}  // namespace
}  // namespace ttpgraph
