#include "server/token_service.h"

#include "absl/time/time.h"
#include "server/core/tokens.h"
#include "server/page_token.h"
#include "server/rpc_util.h"
#include "server/token_convert.h"
#include "storage/strings.h"

namespace ttpgraph {

grpc::Status TokenServiceImpl::CreateToken(grpc::ServerContext* ctx, const v1::CreateTokenRequest* req,
                                           v1::CreateTokenResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.TokenService/CreateToken", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Role role, FromProto(req->role()));
    if (req->expires_in_seconds() < 0)
      return absl::InvalidArgumentError(
          Cat("expires_in_seconds: must be 0 (never) or more, got ", req->expires_in_seconds()));
    TTP_ASSIGN_OR_RETURN(NewToken t, core::CreateToken(app_, role, req->org_id(),
                                                       absl::Seconds(req->expires_in_seconds()), req->description(),
                                                       &call.audit));
    ToProto(t.token, resp->mutable_token());
    resp->set_secret(t.bearer);
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::ListTokens(grpc::ServerContext* ctx, const v1::ListTokensRequest* req,
                                          v1::ListTokensResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.TokenService/ListTokens", req, [&](const Call&) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto tokens, core::ListTokens(app_));
    return EmitPage(*req, tokens, resp->mutable_page(), [&](const Token& t) { ToProto(t, resp->add_tokens()); });
  });
}

grpc::Status TokenServiceImpl::RevokeToken(grpc::ServerContext* ctx, const v1::RevokeTokenRequest* req,
                                           v1::RevokeTokenResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.TokenService/RevokeToken", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Token t, core::RevokeToken(app_, req->id(), &call.audit));
    ToProto(t, resp->mutable_token());
    return absl::OkStatus();
  });
}

grpc::Status AuditServiceImpl::ListAuditEvents(grpc::ServerContext* ctx, const v1::ListAuditEventsRequest* req,
                                               v1::ListAuditEventsResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.AuditService/ListAuditEvents", req, [&](const Call&) -> absl::Status {
    AuditQuery q;
    q.org = req->org_id();  // the caller's own for editors and readers (call_check.h)
    q.method = req->method();
    if (!req->since().empty()) {
      absl::Time t;
      std::string err;
      if (!absl::ParseTime(absl::RFC3339_full, req->since(), &t, &err))
        return absl::InvalidArgumentError(Cat("since: '", req->since(), "' is not an RFC 3339 time (", err, ")"));
      q.since_ms = absl::ToUnixMillis(t);
    }
    TTP_ASSIGN_OR_RETURN(auto events, core::ListAuditEvents(app_, q));
    return EmitPage(*req, events, resp->mutable_page(),
                    [&](const AuditEntry& e) { ToProto(e, resp->add_events()); });
  });
}

}  // namespace ttpgraph
