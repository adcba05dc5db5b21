// TokenService (admin only: the policy table in server/core/identity.cc) and
// AuditService: API tokens and the audit trail (server/core/tokens.h does the
// work).
#pragma once

#include "server/core/application.h"
#include "ttpgraph/v1/audit_service.grpc.pb.h"
#include "ttpgraph/v1/token_service.grpc.pb.h"

namespace ttpgraph {

class TokenServiceImpl final : public v1::TokenService::Service {
 public:
  explicit TokenServiceImpl(core::Application& app) : app_(app) {}
  grpc::Status CreateToken(grpc::ServerContext*, const v1::CreateTokenRequest*, v1::CreateTokenResponse*) override;
  grpc::Status ListTokens(grpc::ServerContext*, const v1::ListTokensRequest*, v1::ListTokensResponse*) override;
  grpc::Status RevokeToken(grpc::ServerContext*, const v1::RevokeTokenRequest*, v1::RevokeTokenResponse*) override;

 private:
  core::Application& app_;
};

class AuditServiceImpl final : public v1::AuditService::Service {
 public:
  explicit AuditServiceImpl(core::Application& app) : app_(app) {}
  grpc::Status ListAuditEvents(grpc::ServerContext*, const v1::ListAuditEventsRequest*,
                               v1::ListAuditEventsResponse*) override;

 private:
  core::Application& app_;
};

}  // namespace ttpgraph
