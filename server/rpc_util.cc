#include "server/rpc_util.h"

namespace ttpgraph {

void AuditUncommitted(core::Application& app, const Call& call, const absl::Status& status) {
  if (call.audit.committed) return;
  call.audit.outcome = absl::StatusCodeToString(status.code());
  if (absl::Status s = AppendAudit(app.store(), call.audit); !s.ok())
    LogError("audit record not written", {{"request_id", call.audit.request_id},
                                          {"method", call.audit.method},
                                          {"error", std::string(s.message())}});
}

}  // namespace ttpgraph
