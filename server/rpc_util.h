// Runs one RPC: the access check (call_check.h), its limits from the call
// (core::QueryLimitsFor), the audit record of a write that wrote nothing or
// was refused, timing, the log line, the metrics and the status mapping. Every handler
// goes through RunLogged (async queries, async_unary.h) or Serve (sync
// services), so these live in one place.
//
//   grpc::Status Svc::GetThing(grpc::ServerContext* ctx, const Req* req, Resp* resp) {
//     return Serve(ctx, app_, "ttpgraph.v1.Svc/GetThing", req, [&](const Call& call) -> absl::Status { ... });
//   }
#pragma once

#include <grpcpp/server_context.h>

#include <chrono>
#include <cstdio>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/call_check.h"
#include "server/core/application.h"
#include "server/grpc_status.h"
#include "server/log.h"
#include "storage/status_macros.h"

namespace ttpgraph {

// A call's cancellation as the core floor polls it.
class ContextCancellation final : public Cancellation {
 public:
  explicit ContextCancellation(const grpc::ServerContextBase* ctx) : ctx_(ctx) {}
  bool Cancelled() const override { return ctx_->IsCancelled(); }

 private:
  const grpc::ServerContextBase* ctx_;
};

// Runs one RPC body, times and logs it (with who called: request id, token,
// role, organization; never a secret) and reports it to `observer` (the
// server's metrics: started, handled with its code, duration); an exception
// becomes INTERNAL.
template <typename Fn>
absl::Status RunLogged(core::Observer& observer, std::string_view method, const Call& call, Fn&& body) {
  observer.CallStarted(method);
  auto start = std::chrono::steady_clock::now();
  absl::Status status;
  try {
    status = body();
  } catch (const std::exception& e) {
    status = absl::InternalError(std::string("unexpected error: ") + e.what());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  observer.CallHandled(method, call.audit.org, status.code(), seconds);
  if (status.ok() && !InfoLogsEnabled()) return status;
  char buf[32];
  snprintf(buf, sizeof buf, "%.3f", seconds * 1000);
  LogFields fields = {{"method", std::string(method)},
                      {"code", absl::StatusCodeToString(status.code())},
                      {"ms", buf},
                      {"request_id", call.audit.request_id}};
  if (!call.caller.token_id.empty()) {
    fields.emplace_back("token", call.caller.token_id);
    fields.emplace_back("role", RoleName(call.caller.role));
  }
  if (!call.audit.org.empty()) fields.emplace_back("org", call.audit.org);
  if (!status.ok()) {
    fields.emplace_back("error", std::string(status.message()));
    Log(status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kDataLoss ? "error" : "warn",
        "rpc", fields);
  } else {
    LogInfo("rpc", fields);
  }
  return status;
}

// Records a write call that wrote nothing (refused, failed, a dry run or a
// no-op): the change and its record are one batch otherwise (storage/audit.h).
void AuditUncommitted(core::Application& app, const Call& call, const absl::Status& status);

// The request of a client-streamed call (its first message is checked by the handler).
inline constexpr const google::protobuf::Message* kStream = nullptr;

// RunLogged for a sync handler: checks the call, gives the body the call (its
// caller, limits: the client's deadline capped by the server's, and its
// cancellation; its audit entry); a body that succeeds for a client that has
// gone meanwhile answers CANCELLED. `request` (null for client streams) is
// checked for its organization and may get the caller's filled in.
template <typename Req, typename Fn>
grpc::Status Serve(grpc::ServerContext* ctx, core::Application& app, std::string_view method, const Req* request,
                   Fn&& body) {
  Call call;
  AssignRequestId(*ctx, &call);
  ContextCancellation cancellation(ctx);
  // The request is gRPC's own object, handed to this handler alone: the
  // check may fill in the caller's organization.
  auto* mutable_request = const_cast<google::protobuf::Message*>(static_cast<const google::protobuf::Message*>(request));
  absl::Status status = RunLogged(app.observer(), method, call, [&]() -> absl::Status {
    if (absl::Status s = CheckCall(app, *ctx, method, mutable_request, &call); !s.ok()) return s;
    call.limits = core::QueryLimitsFor(call.policy->writes ? core::CallKind::kWrite : core::CallKind::kQuery,
                                       absl::FromChrono(ctx->deadline()), &cancellation, app.limits());
    absl::Status s = body(static_cast<const Call&>(call));
    if (s.ok() && ctx->IsCancelled()) s = absl::CancelledError("the client cancelled the call");
    return s;
  });
  if (call.policy && call.policy->writes) AuditUncommitted(app, call, status);
  return ToGrpcStatus(status);
}

}  // namespace ttpgraph
