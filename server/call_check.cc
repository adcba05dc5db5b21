#include "server/call_check.h"

#include <atomic>
#include <cstdio>
#include <random>

#include "absl/time/clock.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

std::string Metadata(const grpc::ServerContextBase& ctx, const char* key) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(key);
  return it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

absl::Status CheckRouting(const Call& call, const std::string& org) {
  if (!call.routing_org.empty() && call.routing_org != org)
    return absl::InvalidArgumentError(Cat("x-ttpgraph-org metadata '", call.routing_org,
                                          "' does not match the organization the request names ('", org,
                                          "'); a proxy routes by it, so they must agree"));
  return absl::OkStatus();
}

std::string NewRequestId() {
  static std::atomic<uint64_t> next{(uint64_t{std::random_device{}()} << 32) | std::random_device{}()};
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(next.fetch_add(0x9e3779b97f4a7c15ull)));
  return buf;
}

}  // namespace

void AssignRequestId(grpc::ServerContextBase& ctx, Call* call) {
  call->audit.request_id = NewRequestId();
  ctx.AddInitialMetadata("x-request-id", call->audit.request_id);
}

absl::Status Call::AuthorizeOrg(std::string* org) const {
  audit.org = *org;
  if (auto s = core::Authorize(*policy, caller, org); !s.ok()) return s;
  audit.org = *org;
  return CheckRouting(*this, *org);
}

absl::Status CheckCall(core::Application& app, const grpc::ServerContextBase& ctx, std::string_view method,
                       google::protobuf::Message* request, Call* call) {
  call->audit.time_ms = absl::ToUnixMillis(absl::Now());
  call->audit.method = std::string(method);
  call->policy = core::PolicyFor(method);
  if (!call->policy)
    return absl::PermissionDeniedError(Cat(method, " is not in the server's access policy"));
  call->routing_org = Metadata(ctx, "x-ttpgraph-org");
  auto caller = app.auth().Authenticate(Metadata(ctx, "authorization"));
  if (!caller.ok()) return caller.status();
  call->caller = std::move(*caller);
  call->audit.token_id = call->caller.token_id;
  call->audit.role = RoleName(call->caller.role);
  if (!call->policy->org_scoped || request == nullptr) {
    std::string org;  // a stream's organization is checked by its handler (Call::AuthorizeOrg)
    return core::Authorize(*call->policy, call->caller, &org);
  }
  const auto* field = request->GetDescriptor()->FindFieldByName("org_id");
  if (field == nullptr) return absl::InternalError(Cat(method, " is org-scoped but its request has no org_id"));
  const auto* reflection = request->GetReflection();
  std::string org = reflection->GetString(*request, field);
  if (auto s = call->AuthorizeOrg(&org); !s.ok()) return s;
  if (org != reflection->GetString(*request, field)) reflection->SetString(request, field, org);
  return absl::OkStatus();
}

}  // namespace ttpgraph
