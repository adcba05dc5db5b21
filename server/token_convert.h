// TokenService and AuditService conversions. No gRPC calls here.
#pragma once

#include "absl/status/statusor.h"
#include "storage/audit.h"
#include "storage/token_store.h"
#include "ttpgraph/v1/audit_service.pb.h"
#include "ttpgraph/v1/token_service.pb.h"

namespace ttpgraph {

void ToProto(const Token& t, v1::TokenInfo* out);
v1::TokenRole ToProto(Role r);
// INVALID_ARGUMENT for TOKEN_ROLE_UNSPECIFIED or an unknown value.
absl::StatusOr<Role> FromProto(v1::TokenRole r);
void ToProto(const AuditEntry& e, v1::AuditEvent* out);

}  // namespace ttpgraph
