// Token and audit use cases (TokenService, AuditService) and the bootstrap of
// the first admin token.
//
//   TTP_ASSIGN_OR_RETURN(NewToken t, core::CreateToken(app, Role::kEditor, "acme", absl::Hours(24 * 30), "CI", &audit));
//   core::Bootstrap(app, {.data_dir = "/var/lib/ttpgraph"});   // at start: DATA_DIR/admin.token when no admin exists
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/core/application.h"
#include "storage/audit.h"

namespace ttpgraph::core {

// `lifetime` zero = never expires. INVALID_ARGUMENT for an admin token with an
// organization or another without one, a malformed organization id or a
// negative lifetime.
absl::StatusOr<NewToken> CreateToken(Application& app, Role role, const std::string& org, absl::Duration lifetime,
                                     const std::string& description, AuditEntry* audit);
// Stored tokens, with their last use as known in memory.
absl::StatusOr<std::vector<Token>> ListTokens(Application& app);
absl::StatusOr<Token> RevokeToken(Application& app, const std::string& id, AuditEntry* audit);

struct BootstrapOptions {
  std::string data_dir;
  // A bearer token to adopt as the admin token instead of generating one (a
  // deployment's shards share it). Default: "" = generate and write
  // DATA_DIR/admin.token.
  std::string token_file;
};
struct BootstrapResult {
  bool created = false;       // no admin token existed
  std::string token_path;     // the file written (mode 0600), when one was
  std::string token_id;
};
// Loads the tokens; when no admin token exists, makes one. Never logs or
// returns the secret.
absl::StatusOr<BootstrapResult> Bootstrap(Application& app, const BootstrapOptions& options);

// Audit events the caller may see: admins every organization's (or the one
// asked), others only their own (Authorize has put it in `query.org`).
absl::StatusOr<std::vector<AuditEntry>> ListAuditEvents(Application& app, const AuditQuery& query);

}  // namespace ttpgraph::core
