// Runs one RPC body: times it, logs it, maps its status. Every handler goes
// through RunLogged (async queries, async_unary.h) or Serve (sync services),
// so status mapping and logging live in one place.
#pragma once

#include <grpcpp/server_context.h>

#include <chrono>
#include <cstdio>

#include "absl/status/status.h"
#include "server/grpc_status.h"
#include "server/log.h"

namespace ttpgraph {

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

// RunLogged for a sync handler: a body that succeeds for a client that has
// gone meanwhile answers CANCELLED.
template <typename Fn>
grpc::Status Serve(grpc::ServerContextBase* ctx, const char* method, Fn&& body) {
  return ToGrpcStatus(RunLogged(method, [&]() -> absl::Status {
    absl::Status status = body();
    if (status.ok() && ctx->IsCancelled()) status = absl::CancelledError("the client cancelled the call");
    return status;
  }));
}

#define TTP_ASSIGN_OR_RETURN(lhs, expr)            \
  auto TTP_CONCAT(_st_, __LINE__) = (expr);        \
  if (!TTP_CONCAT(_st_, __LINE__).ok()) return TTP_CONCAT(_st_, __LINE__).status(); \
  lhs = std::move(*TTP_CONCAT(_st_, __LINE__))
#define TTP_CONCAT_INNER(a, b) a##b
#define TTP_CONCAT(a, b) TTP_CONCAT_INNER(a, b)

}  // namespace ttpgraph
