// The one check every call passes before its handler runs (rpc_util.h's
// Serve for the sync services, AsyncQueues for the knowledge queries): the
// bearer token in the `authorization` metadata (core::Authenticator), the
// method's policy (core::PolicyFor), the organization the request names (an
// editor's or reader's empty org_id becomes theirs; another is refused), and
// the `x-ttpgraph-org` routing metadata (must equal that organization).
#pragma once

#include <grpcpp/server_context.h>
#include <google/protobuf/message.h>

#include <string>

#include "absl/status/statusor.h"
#include "server/core/application.h"
#include "storage/audit.h"

namespace ttpgraph {

// What a handler knows of its call.
struct Call {
  QueryLimits limits;
  core::Caller caller;
  const core::MethodPolicy* policy = nullptr;
  std::string routing_org;  // the x-ttpgraph-org metadata ("" when absent)
  // Prefilled (time, request id, token, role, organization, method); write
  // use cases add the ids they touch and hand it to the store, which writes
  // it in the same batch as the change.
  mutable AuditEntry audit;

  // For a client-streamed org-scoped call: checks the organization its first
  // message names (an empty one becomes the caller's) and records it.
  absl::Status AuthorizeOrg(std::string* org) const;
};

// Authenticates and authorizes one call: fills `call` (caller, policy,
// audit). `request` (may be null: streams, raw methods) has its org_id
// checked, and filled in for an editor or reader that left it empty.
absl::Status CheckCall(core::Application& app, const grpc::ServerContextBase& ctx, std::string_view method,
                       google::protobuf::Message* request, Call* call);

// Gives `call` a fresh request id (16 hex; logged and audited) and returns it to the caller as the
// x-request-id metadata: the first thing every call does, before its check.
void AssignRequestId(grpc::ServerContextBase& ctx, Call* call);

}  // namespace ttpgraph
