// ttpctl token ... and ttpctl audit: API tokens (admin only) and the audit trail.
#include <cctype>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/cpp/ttpctl/common.h"

namespace ttpctl {
namespace {

// "30d", "12h", "90m", "3600s", "2w" -> seconds; -1 when malformed.
int64_t DurationSeconds(const std::string& s) {
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  if (digits == 0 || digits > 9 || digits + 1 != s.size()) return -1;
  int64_t n = std::stoll(s.substr(0, digits));
  switch (s.back()) {
    case 's': return n;
    case 'm': return n * 60;
    case 'h': return n * 3600;
    case 'd': return n * 86400;
    case 'w': return n * 7 * 86400;
    default: return -1;
  }
}

std::string RoleWord(v1::TokenRole r) {
  switch (r) {
    case v1::TOKEN_ROLE_ADMIN: return "admin";
    case v1::TOKEN_ROLE_EDITOR: return "editor";
    case v1::TOKEN_ROLE_READER: return "reader";
    default: return "unspecified";
  }
}

int TokenCreate(Client& c, const Args& a) {
  v1::CreateTokenRequest req;
  const std::string role = a.Required("--role");
  req.set_role(role == "admin" ? v1::TOKEN_ROLE_ADMIN : role == "editor" ? v1::TOKEN_ROLE_EDITOR : v1::TOKEN_ROLE_READER);
  if (role != "admin") req.set_org_id(a.Org());
  if (a.Has("--expires")) {
    int64_t secs = DurationSeconds(a.Get("--expires"));
    if (secs <= 0) UsageError(a, "--expires: not a duration like 30d, 12h, 90m: '" + a.Get("--expires") + "'");
    req.set_expires_in_seconds(secs);
  }
  req.set_description(a.Get("--description"));
  v1::CreateTokenResponse resp;
  Check(c.Call(&v1::TokenService::Stub::CreateToken, req, &resp));
  if (JsonOutput()) {
    // The token's fields with the secret as "token" (the TokenInfo has no field of that name).
    std::string info = ToJson(resp.token());
    printf("{\"token\":\"%s\",%s\n", resp.secret().c_str(), info.substr(1).c_str());
    return 0;
  }
  printf("%s\n", resp.secret().c_str());
  fprintf(stderr, "token %s (%s%s%s): shown this once; keep it in a file readable only by you\n",
          resp.token().id().c_str(), RoleWord(resp.token().role()).c_str(),
          resp.token().org_id().empty() ? "" : " of ", resp.token().org_id().c_str());
  return 0;
}

int TokenList(Client& c, const Args&) {
  v1::ListTokensRequest req;
  v1::ListTokensResponse resp;
  Check(c.CallAllPages(&v1::TokenService::Stub::ListTokens, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& t : resp.tokens())
    rows.push_back({t.id(), RoleWord(t.role()), t.org_id().empty() ? "-" : t.org_id(), t.created_at(),
                    t.expires_at().empty() ? "never" : t.expires_at(), t.last_used().empty() ? "never" : t.last_used(),
                    t.description()});
  PrintTable({"ID", "ROLE", "ORG", "CREATED", "EXPIRES", "LAST USED", "DESCRIPTION"}, rows);
  return 0;
}

int TokenRevoke(Client& c, const Args& a) {
  Confirm(a, "revoke token " + a.operands[0]);
  v1::RevokeTokenRequest req;
  req.set_id(a.operands[0]);
  v1::RevokeTokenResponse resp;
  Check(c.Call(&v1::TokenService::Stub::RevokeToken, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("revoked %s (%s)\n", resp.token().id().c_str(), RoleWord(resp.token().role()).c_str());
  return 0;
}

int Audit(Client& c, const Args& a) {
  v1::ListAuditEventsRequest req;
  req.set_org_id(a.Get("--org"));
  std::string since = a.Get("--since");
  if (!since.empty() && !std::isdigit(static_cast<unsigned char>(since.back()))) {
    if (int64_t secs = DurationSeconds(since); secs >= 0)  // "24h": that long ago
      since = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now() - absl::Seconds(secs), absl::UTCTimeZone());
  }
  req.set_since(since);
  req.set_method(a.Get("--method"));
  v1::ListAuditEventsResponse resp;
  Check(c.CallAllPages(&v1::AuditService::Stub::ListAuditEvents, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& e : resp.events()) {
    std::string affected = JoinStrings(e.ids(), ",");
    if (e.count() > e.ids_size()) affected += (affected.empty() ? "" : " ") + std::string("(") + std::to_string(e.count()) + ")";
    rows.push_back({e.time(), e.method().substr(e.method().find('/') + 1), e.outcome(), e.org_id().empty() ? "-" : e.org_id(),
                    e.token_id().empty() ? "-" : e.token_id(), e.role().empty() ? "-" : e.role(), affected});
  }
  PrintTable({"TIME", "METHOD", "OUTCOME", "ORG", "TOKEN", "ROLE", "AFFECTED"}, rows);
  return 0;
}

}  // namespace

void AddAccessCommands(CommandTable& t) {
  t.Add("token create", TokenCreate)
      .Summary("Creates an API token (admin only) and prints its secret, shown this once.")
      .Details(
          "Roles: admin (everything, every organization), editor (reads and writes of one organization),\n"
          "reader (reads of one organization and of the shared ATT&CK, D3FEND and Atomic knowledge).\n"
          "Editor and reader tokens need --org. With --json the document has `id` and `token` (the secret).\n"
          "Clients send the secret as `authorization: Bearer SECRET`; ttpctl reads it from --token-file,\n"
          "$TTPGRAPH_TOKEN_FILE or $TTPGRAPH_TOKEN.")
      .Flags({Value("--role", FlagType::kString, "ROLE", "the token's role").Choices({"admin", "editor", "reader"}),
              OrgFlag(),
              Value("--expires", FlagType::kString, "DURATION", "lifetime: 30d, 12h, 90m, 2w").Default("", "never"),
              Value("--description", FlagType::kString, "TEXT", "what the token is for (shown by token list)")})
      .Example("ttpctl token create --role editor --org acme --expires 30d > acme-editor.token")
      .Example("ttpctl token create --role admin --description 'CI' --json");
  t.Add("token list", TokenList)
      .Summary("Lists the API tokens (admin only): id, role, organization, expiry, last use; never secrets.")
      .Example("ttpctl token list --json");
  t.Add("token revoke", TokenRevoke)
      .Operands("ID", 1, 1)
      .Summary("Revokes a token at once (admin only); asks first.")
      .Flags({YesFlag()})
      .Example("ttpctl token revoke 3f2a9c0d11e4b7a8 --yes");
  t.Add("audit", Audit)
      .Summary("Lists the audit trail: every write and every refused write, oldest first.")
      .Details(
          "Admins see every organization's events (--org narrows them); editors and readers see their own.\n"
          "--since takes an RFC 3339 time or a duration back from now (24h, 7d).")
      .Flags({Value("--org", FlagType::kString, "ORG", "only this organization's events").Default("", "every event you may see"),
              Value("--since", FlagType::kString, "TIME", "only events at or after TIME (RFC 3339, or 24h, 7d)"),
              Value("--method", FlagType::kString, "METHOD", "only this method (CreateDetection)")})
      .Example("ttpctl audit --org acme --since 24h")
      .Example("ttpctl audit --method DeleteRelease --json");
}

}  // namespace ttpctl
