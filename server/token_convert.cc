#include "server/token_convert.h"

#include "absl/time/time.h"
#include "storage/strings.h"

namespace ttpgraph {

v1::TokenRole ToProto(Role r) {
  switch (r) {
    case Role::kAdmin: return v1::TOKEN_ROLE_ADMIN;
    case Role::kEditor: return v1::TOKEN_ROLE_EDITOR;
    case Role::kReader: return v1::TOKEN_ROLE_READER;
  }
  return v1::TOKEN_ROLE_UNSPECIFIED;
}

absl::StatusOr<Role> FromProto(v1::TokenRole r) {
  switch (r) {
    case v1::TOKEN_ROLE_ADMIN: return Role::kAdmin;
    case v1::TOKEN_ROLE_EDITOR: return Role::kEditor;
    case v1::TOKEN_ROLE_READER: return Role::kReader;
    default: return absl::InvalidArgumentError("role: give TOKEN_ROLE_ADMIN, TOKEN_ROLE_EDITOR or TOKEN_ROLE_READER");
  }
}

void ToProto(const Token& t, v1::TokenInfo* out) {
  out->set_id(t.id);
  out->set_role(ToProto(t.role));
  out->set_org_id(t.org);
  out->set_description(t.description);
  out->set_created_at(FormatRfc3339(t.created_at_unix_ms));
  out->set_expires_at(FormatRfc3339(t.expires_at_unix_ms));
  out->set_last_used(FormatRfc3339(t.last_used_unix_ms));
}

void ToProto(const AuditEntry& e, v1::AuditEvent* out) {
  out->set_time(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(e.time_ms), absl::UTCTimeZone()));
  out->set_request_id(e.request_id);
  out->set_token_id(e.token_id);
  out->set_role(e.role);
  out->set_org_id(e.org);
  out->set_method(e.method);
  for (auto& id : e.ids) out->add_ids(id);
  out->set_count(e.count);
  out->set_outcome(e.outcome);
}

}  // namespace ttpgraph
