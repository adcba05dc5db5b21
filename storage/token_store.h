// TokenStore: API tokens, kept as hashes only (Kubernetes/Vault-style bearer
// tokens). A token is `ttpg_<id>_<secret>`: a 16-hex id that names it (in
// lists, logs and audit records) and a 256-bit random secret that is shown
// once, at creation, and stored only as its SHA-256.
//
// | key | value |
// | --- | --- |
// | `token/<id>` | EncodeToken: role, organization, created/expires/last-used ms, sha256(secret), description |
//
//   TokenStore tokens(store);
//   auto t = tokens.Create(Role::kEditor, "acme", /*expires_ms=*/0, "CI pipeline", &audit);
//   // t->bearer is the secret string to hand out; it is not kept.
//
// Thread safety: safe for concurrent use (writes are serialized).
// Errors: INVALID_ARGUMENT for a malformed token, org or role; NOT_FOUND for an
// unknown id; ALREADY_EXISTS when adopting an id that exists.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/store.h"

namespace ttpgraph {

enum class Role : uint8_t { kReader = 1, kEditor = 2, kAdmin = 3 };
const char* RoleName(Role r);  // "reader", "editor", "admin"
// INVALID_ARGUMENT naming the three roles.
absl::StatusOr<Role> ParseRole(std::string_view name);

struct Token {
  std::string id;
  Role role = Role::kReader;
  std::string org;  // "" for admin tokens
  int64_t created_at_unix_ms = 0;
  int64_t expires_at_unix_ms = 0;  // 0 = never
  int64_t last_used_unix_ms = 0;
  std::string description;
  std::string secret_sha256;  // hex
};

struct NewToken {
  Token token;
  std::string bearer;  // "ttpg_<id>_<secret>": shown once, never stored
};

// The id and the secret (what is hashed) of a bearer string: ttpg_<id>_<secret>,
// or an operator's own opaque secret of 32 to 512 token characters (id: the
// first 16 hex of its SHA-256). INVALID_ARGUMENT for anything else.
absl::StatusOr<std::pair<std::string, std::string>> SplitBearer(std::string_view bearer);

class TokenStore {
 public:
  // `store` must outlive the TokenStore.
  explicit TokenStore(Store* store) : store_(store) {}

  // A new token; non-admin roles name one organization (well-formed id; the
  // organization need not exist yet), admin tokens none.
  absl::StatusOr<NewToken> Create(Role role, const std::string& org, int64_t expires_at_unix_ms,
                                  const std::string& description, const AuditEntry* audit = nullptr);
  // Stores a token whose bearer string was made elsewhere (the bootstrap token
  // shared by every shard of a deployment).
  absl::StatusOr<Token> Adopt(std::string_view bearer, Role role, const std::string& org,
                              const std::string& description, const AuditEntry* audit = nullptr);
  absl::StatusOr<std::vector<Token>> List() const;  // by id
  // Deletes the token: it stops working at once.
  absl::StatusOr<Token> Revoke(std::string_view id, const AuditEntry* audit = nullptr);
  // Records when tokens were last used (batched by the caller; no audit record).
  absl::Status SaveLastUsed(const std::vector<std::pair<std::string, int64_t>>& used);

  static std::string Key(std::string_view id);

 private:
  absl::StatusOr<Token> Put(Token t, const AuditEntry* audit);
  Store* store_;
  absl::Mutex write_mu_;
};

std::string EncodeToken(const Token& t);
// DATA_LOSS on a corrupt record.
absl::StatusOr<Token> DecodeToken(std::string_view id, std::string_view bytes);

}  // namespace ttpgraph
