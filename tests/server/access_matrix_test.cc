// Every method of every ttpgraph service (enumerated from the .proto files and
// their generated descriptors, so a new RPC is in the matrix the day it is
// added) called as each of nine identities; each case gets the status the
// access policy says. Every write call, refused or not, leaves exactly one
// audit event.
#include <dirent.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "server/core/identity.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/audit_service.grpc.pb.h"
#include "ttpgraph/v1/token_service.grpc.pb.h"

namespace ttpgraph {
namespace {

using testing::AuthedChannel;
using testing::TestServer;

std::vector<const google::protobuf::ServiceDescriptor*> AllServices() {
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  const std::string dir = testing::TestData("../../proto/ttpgraph/v1");
  DIR* d = opendir(dir.c_str());
  EXPECT_NE(d, nullptr) << dir;
  if (!d) return services;
  std::set<std::string> files;
  while (dirent* e = readdir(d))
    if (absl::EndsWith(e->d_name, ".proto")) files.insert(e->d_name);
  closedir(d);
  for (const std::string& f : files) {
    const auto* file = google::protobuf::DescriptorPool::generated_pool()->FindFileByName("ttpgraph/v1/" + f);
    EXPECT_NE(file, nullptr) << "ttpgraph/v1/" << f << " is not linked into the server";
    if (!file) continue;
    for (int i = 0; i < file->service_count(); ++i) services.push_back(file->service(i));
  }
  return services;
}

// Sets org_id on `m` or on its `header` (the first message of an import stream).
void SetOrg(google::protobuf::Message* m, const std::string& org) {
  const auto* d = m->GetDescriptor();
  if (const auto* f = d->FindFieldByName("org_id"); f && f->cpp_type() == f->CPPTYPE_STRING && !f->is_repeated())
    m->GetReflection()->SetString(m, f, org);
}

// One call of any shape (unary or client-streamed: one message, then done).
grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                     const std::string& request, const std::string& org_metadata) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!org_metadata.empty()) ctx.AddMetadata("x-ttpgraph-org", org_metadata);
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(&ctx, method, &cq);
  void* tag;
  bool ok;
  auto step = [&](int id) {
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(tag, reinterpret_cast<void*>(static_cast<intptr_t>(id)));
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  step(1);
  grpc::Slice slice(request);
  grpc::ByteBuffer buf(&slice, 1);
  call->Write(buf, reinterpret_cast<void*>(2));
  step(2);
  call->WritesDone(reinterpret_cast<void*>(3));
  step(3);
  grpc::ByteBuffer reply;
  do call->Read(&reply, reinterpret_cast<void*>(4));
  while (step(4));
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  step(5);
  return status;
}

enum class Expect { kAllowed, kUnauthenticated, kPermissionDenied };

struct Identity {
  std::string name;
  std::string token;  // "" = no authorization metadata
  Role role = Role::kReader;
  bool valid = true;
  bool own_org = true;  // calls name the token's organization
};

Expect Expected(const core::MethodPolicy& p, const Identity& who) {
  if (!who.valid) return Expect::kUnauthenticated;
  if (who.role < p.min_role) return Expect::kPermissionDenied;
  if (p.org_scoped && who.role != Role::kAdmin && !who.own_org) return Expect::kPermissionDenied;
  return Expect::kAllowed;
}

std::string Create(TestServer& server, v1::TokenRole role, const std::string& org, int64_t expires_in = 0) {
  v1::CreateTokenRequest req;
  req.set_role(role);
  req.set_org_id(org);
  req.set_expires_in_seconds(expires_in);
  v1::CreateTokenResponse resp;
  EXPECT_OK(server.client().Call(&v1::TokenService::Stub::CreateToken, req, &resp));
  return resp.secret();
}

TEST(AccessMatrixTest, EveryMethodAsEveryIdentity) {
  TestServer server;
  ASSERT_OK(testing::ImportFile(server.client(), testing::TestData("mini_attack/mini-v18.json"), "enterprise-attack", "18.0"));
  for (const char* org : {"acme", "beta"}) {
    v1::CreateOrganizationRequest req;
    req.set_org_id(org);
    req.set_display_name(org);
    v1::Organization resp;
    ASSERT_OK(server.client().Call(&v1::OrgService::Stub::CreateOrganization, req, &resp));
  }
  std::string revoked = Create(server, v1::TOKEN_ROLE_ADMIN, "");
  {
    v1::RevokeTokenRequest req;
    req.set_id(revoked.substr(5, 16));
    v1::RevokeTokenResponse resp;
    ASSERT_OK(server.client().Call(&v1::TokenService::Stub::RevokeToken, req, &resp));
  }
  std::string expired = Create(server, v1::TOKEN_ROLE_ADMIN, "", 1);
  std::vector<Identity> identities = {
      {"editor own org", Create(server, v1::TOKEN_ROLE_EDITOR, "acme"), Role::kEditor},
      {"editor other org", Create(server, v1::TOKEN_ROLE_EDITOR, "beta"), Role::kEditor, true, false},
      {"reader own org", Create(server, v1::TOKEN_ROLE_READER, "acme"), Role::kReader},
      {"reader other org", Create(server, v1::TOKEN_ROLE_READER, "beta"), Role::kReader, true, false},
      {"no token", "", Role::kReader, false},
      {"garbage token", "ttpg_not-a-token", Role::kReader, false},
      {"revoked token", revoked, Role::kAdmin, false},
      {"expired token", expired, Role::kAdmin, false},
      // Last: an admin's calls may change what the others would see.
      {"admin", server.admin_token(), Role::kAdmin},
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // the expiring token's second passes

  // The admin-only list, written out independently of the table.
  const std::set<std::string> kAdminOnly = {
      "ReleaseService/ImportRelease", "ReleaseService/ImportReleaseFrom", "ReleaseService/DeleteRelease",
      "DefenseService/ImportD3fend", "DefenseService/ImportD3fendFrom", "DefenseService/DeleteD3fendVersion",
      "DefenseService/ImportAtomicIndex", "DefenseService/ImportAtomicIndexFrom", "OrgService/CreateOrganization",
      "OrgService/DeleteOrganization", "TokenService/CreateToken", "TokenService/ListTokens",
      "TokenService/RevokeToken", "BackupService/CreateBackup", "BackupService/ListBackups",
      "BackupService/VerifyBackup", "OrgService/ExportOrganization", "OrgService/ImportOrganization"};

  // Issue 13, independently of the table: a reader of the organization may
  // fetch its report; it names the organization and writes nothing.
  const core::MethodPolicy* report = core::PolicyFor("ttpgraph.v1.ReportService/GetCoverageReport");
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->min_role, Role::kReader);
  EXPECT_TRUE(report->org_scoped);
  EXPECT_FALSE(report->writes);

  // Issue 12, independently of the table: readers read their organization's
  // extensions, editors write them; every call names the organization.
  const std::map<std::string, Role> kExtensionRoles = {
      {"CreateExtension", Role::kEditor},   {"ListExtensions", Role::kReader},
      {"GetExtension", Role::kReader},      {"DeleteExtension", Role::kEditor},
      {"ImportExtensionObjects", Role::kEditor}, {"SetExtensionField", Role::kEditor},
      {"GetExtensionHistory", Role::kReader}, {"ExportExtension", Role::kReader}};
  for (const auto& [method, role] : kExtensionRoles) {
    const core::MethodPolicy* p = core::PolicyFor("ttpgraph.v1.ExtensionService/" + method);
    ASSERT_NE(p, nullptr) << method;
    EXPECT_EQ(p->min_role, role) << method;
    EXPECT_TRUE(p->org_scoped) << method;
    EXPECT_EQ(p->writes, role == Role::kEditor) << method;
  }

  std::map<std::string, int> writes_called;
  int methods = 0;
  std::vector<const google::protobuf::MethodDescriptor*> all;
  for (const auto* service : AllServices())
    for (int i = 0; i < service->method_count(); ++i) all.push_back(service->method(i));
  // DeleteOrganization last: the admin deletes acme.
  std::stable_partition(all.begin(), all.end(), [](const auto* m) { return m->name() != "DeleteOrganization"; });
  for (const auto* m : all) {
    const std::string full = m->service()->full_name() + "/" + m->name();
    SCOPED_TRACE(full);
    ++methods;
    const core::MethodPolicy* policy = core::PolicyFor(full);
    ASSERT_NE(policy, nullptr) << full << " has no entry in the access policy (server/core/identity.cc)";
    const std::string short_name = m->service()->name() + "/" + m->name();
    EXPECT_EQ(policy->min_role == Role::kAdmin, kAdminOnly.count(short_name) == 1) << short_name;
    std::unique_ptr<google::protobuf::Message> req(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(m->input_type())->New());
    for (const Identity& who : identities) {
      SCOPED_TRACE(who.name);
      // Every caller names acme: the "other org" tokens belong to beta.
      const std::string org = "acme";
      SetOrg(req.get(), org);
      const bool has_org = req->GetDescriptor()->FindFieldByName("org_id") != nullptr;
      grpc::Status s = CallRaw(AuthedChannel(server.address(), who.token), "/" + full, req->SerializeAsString(),
                               has_org ? org : "");
      if (policy->writes) ++writes_called[full];
      switch (Expected(*policy, who)) {
        case Expect::kUnauthenticated:
          EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
          break;
        case Expect::kPermissionDenied:
          EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
          EXPECT_FALSE(absl::StrContains(s.error_message(), "not found")) << s.error_message();
          break;
        case Expect::kAllowed:
          EXPECT_NE(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
          EXPECT_NE(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
          break;
      }
    }
  }
  EXPECT_EQ(static_cast<size_t>(methods), core::Policies().size()) << "the policy table lists a method no service has";

  // One audit event per write call, whoever made it and however it ended.
  v1::ListAuditEventsRequest req;
  v1::ListAuditEventsResponse events;
  ASSERT_OK(server.client().CallAllPages(&v1::AuditService::Stub::ListAuditEvents, req, &events));
  std::map<std::string, int> audited;
  for (const auto& e : events.events()) ++audited[e.method()];
  // The setup's writes: a release, two organizations, six tokens created, one revoked.
  writes_called["ttpgraph.v1.ReleaseService/ImportRelease"] += 1;
  writes_called["ttpgraph.v1.OrgService/CreateOrganization"] += 2;
  writes_called["ttpgraph.v1.TokenService/CreateToken"] += 6;
  writes_called["ttpgraph.v1.TokenService/RevokeToken"] += 1;
  writes_called["ttpgraphd/Bootstrap"] += 1;
  // The admin's DeleteOrganization of acme revoked acme's editor and reader tokens.
  writes_called["ttpgraph.v1.TokenService/RevokeToken"] += 2;
  EXPECT_EQ(audited, writes_called);
}

}  // namespace
}  // namespace ttpgraph
