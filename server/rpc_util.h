// Runs one RPC body: its limits from the call (core::QueryLimitsFor), timing,
// the log line, the status mapping. Every handler goes through RunLogged (async
// queries, async_unary.h) or Serve (sync services), so these live in one place.
//
//   grpc::Status Svc::GetThing(grpc::ServerContext* ctx, const Req* req, Resp* resp) {
//     return Serve(ctx, app_, kGetThing, [&](const QueryLimits& limits) -> absl::Status { ... });
//   }
#pragma once

#include <grpcpp/server_context.h>

#include <chrono>
#include <cstdio>

#include "absl/status/status.h"
#include "absl/time/time.h"
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

// Runs one RPC body, times and logs it; an exception becomes INTERNAL.
template <typename Fn>
absl::Status RunLogged(const char* method, Fn&& body) {
  auto start = std::chrono::steady_clock::now();
  absl::Status status;
  try {
    status = body();
  } catch (const std::exception& e) {
    status = absl::InternalError(std::string("unexpected error: ") + e.what());
  }
  if (status.ok() && !InfoLogsEnabled()) return status;
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  char buf[32];
  snprintf(buf, sizeof buf, "%.3f", ms);
  LogFields fields = {{"method", method}, {"code", absl::StatusCodeToString(status.code())}, {"ms", buf}};
  if (!status.ok()) {
    fields.emplace_back("error", std::string(status.message()));
    Log(status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kDataLoss ? "error" : "warn",
        "rpc", fields);
  } else {
    LogInfo("rpc", fields);
  }
  return status;
}

// RunLogged for a sync handler: the body gets the call's limits (the client's
// deadline capped by the server's for `kind`, and its cancellation); a body
// that succeeds for a client that has gone meanwhile answers CANCELLED.
template <typename Fn>
grpc::Status Serve(grpc::ServerContext* ctx, core::Application& app, const char* method, core::CallKind kind,
                   Fn&& body) {
  ContextCancellation cancellation(ctx);
  const QueryLimits limits =
      core::QueryLimitsFor(kind, absl::FromChrono(ctx->deadline()), &cancellation, app.limits());
  return ToGrpcStatus(RunLogged(method, [&]() -> absl::Status {
    absl::Status status = body(limits);
    if (status.ok() && ctx->IsCancelled()) status = absl::CancelledError("the client cancelled the call");
    return status;
  }));
}

}  // namespace ttpgraph
