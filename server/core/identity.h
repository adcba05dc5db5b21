// Identity on the application floor: who calls (a bearer token), what each
// method needs (one policy table), and the check that applies both. The gRPC
// floor calls Authenticate + Authorize once per call, in one place
// (server/rpc_util.h, server/async_unary.h); no handler checks rights itself.
//
//   const MethodPolicy* p = PolicyFor("ttpgraph.v1.OrgService/GetCoverage");
//   TTP_ASSIGN_OR_RETURN(Caller c, app.auth().Authenticate(authorization_header));
//   std::string org = request_org_id;
//   TTP_ASSIGN_OR_RETURN(..., Authorize(*p, c, &org));   // org: the token's when empty
//
// Roles: admin (everything, every organization), editor (reads and writes its
// one organization), reader (reads its organization and the shared knowledge).
// Errors: UNAUTHENTICATED for a missing, malformed, unknown (revoked) or expired
// token; PERMISSION_DENIED for a role too low or another organization (never
// saying whether that organization exists).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/token_store.h"

namespace ttpgraph::core {

struct MethodPolicy {
  std::string_view method;  // "ttpgraph.v1.OrgService/GetCoverage"
  Role min_role = Role::kReader;
  // The request's org_id names the organization the call is about (editors
  // and readers: only their own; empty means theirs).
  bool org_scoped = false;
  bool writes = false;  // audited; runs under the server's write time limit
};
// The policy of a full method name; nullptr for a method the table does not
// know (such a call is refused: the table is the list of what may be called).
const MethodPolicy* PolicyFor(std::string_view method);
const std::vector<MethodPolicy>& Policies();

struct Caller {
  std::string token_id;
  Role role = Role::kReader;
  std::string org;  // the token's organization ("" for admin)
};

// Token check: an in-memory table of the stored tokens (hash, role,
// organization, expiry), kept in step by CreateToken/RevokeToken: one lookup
// and one SHA-256 per call, no store read.
class Authenticator {
 public:
  // `tokens` must outlive the authenticator.
  explicit Authenticator(TokenStore* tokens) : tokens_(tokens) {}
  absl::Status Load();
  // `authorization` is the metadata value: "Bearer ttpg_<id>_<secret>".
  absl::StatusOr<Caller> Authenticate(std::string_view authorization) const;
  void Put(const Token& t);
  void Remove(const std::string& id);
  bool HasAdmin() const;
  // Tokens used since the last call, with their last use (for TokenStore::SaveLastUsed).
  std::vector<std::pair<std::string, int64_t>> TakeLastUsed();
  // When each token was last used (in memory, ahead of the store).
  int64_t LastUsed(const std::string& id) const;

  struct Stats {
    uint64_t checked = 0, missing = 0, malformed = 0, unknown = 0, expired = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    Token token;
    mutable std::atomic<int64_t> last_used{0};
    mutable std::atomic<bool> dirty{false};
  };
  TokenStore* tokens_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Entry>> by_id_;
  mutable std::atomic<uint64_t> checked_{0}, missing_{0}, malformed_{0}, unknown_{0}, expired_{0};
};

// PERMISSION_DENIED when the caller's role is below the method's, or the call
// names another organization than an editor's or reader's own. `org` is the
// request's organization; for an org-scoped method an editor's or reader's
// empty one becomes theirs.
absl::Status Authorize(const MethodPolicy& policy, const Caller& caller, std::string* org);

}  // namespace ttpgraph::core
