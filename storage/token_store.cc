#include "storage/token_store.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "absl/time/clock.h"
#include "storage/import/sha256.h"
#include "storage/internal/varint.h"
#include "storage/org_store.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

constexpr char kTokenFormat = 1;
constexpr std::string_view kPrefix = "ttpg_";
constexpr size_t kIdHex = 16, kSecretHex = 64;
constexpr size_t kMinOpaqueBytes = 32, kMaxOpaqueBytes = 512;

bool IsLowerHex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

absl::StatusOr<std::string> RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    return absl::InternalError("the system random generator failed");
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

}  // namespace

const char* RoleName(Role r) {
  switch (r) {
    case Role::kAdmin: return "admin";
    case Role::kEditor: return "editor";
    case Role::kReader: return "reader";
  }
  return "reader";
}

absl::StatusOr<Role> ParseRole(std::string_view name) {
  const std::string n = ToLower(name);
  if (n == "admin") return Role::kAdmin;
  if (n == "editor") return Role::kEditor;
  if (n == "reader") return Role::kReader;
  return absl::InvalidArgumentError(Cat("role: '", name, "' is not a role (admin, editor or reader)"));
}

absl::StatusOr<std::pair<std::string, std::string>> SplitBearer(std::string_view bearer) {
  if (bearer.substr(0, kPrefix.size()) != kPrefix) {
    // An operator's own secret (`openssl rand -hex 32`, a Kubernetes Secret):
    // its id is derived from it.
    const bool charset = std::all_of(bearer.begin(), bearer.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-._~+/=", c) != nullptr;
    });
    if (bearer.size() < kMinOpaqueBytes || bearer.size() > kMaxOpaqueBytes || !charset)
      return absl::InvalidArgumentError(
          Cat("malformed token (expected ttpg_<16 hex>_<64 hex>, or ", kMinOpaqueBytes, " to ", kMaxOpaqueBytes,
              " characters of [A-Za-z0-9-._~+/=])"));
    return std::make_pair(Sha256Hex(bearer).substr(0, kIdHex), std::string(bearer));
  }
  if (bearer.size() != kPrefix.size() + kIdHex + 1 + kSecretHex || bearer.substr(0, kPrefix.size()) != kPrefix ||
      bearer[kPrefix.size() + kIdHex] != '_')
    return absl::InvalidArgumentError("malformed token (expected ttpg_<16 hex>_<64 hex>)");
  std::string_view id = bearer.substr(kPrefix.size(), kIdHex);
  std::string_view secret = bearer.substr(kPrefix.size() + kIdHex + 1);
  if (!IsLowerHex(id) || !IsLowerHex(secret)) return absl::InvalidArgumentError("malformed token (not hex)");
  return std::make_pair(std::string(id), std::string(secret));
}

std::string TokenStore::Key(std::string_view id) { return Cat("token/", id); }

std::string EncodeToken(const Token& t) {
  using internal::PutString;
  using internal::PutVarint;
  std::string out(1, kTokenFormat);
  out.push_back(static_cast<char>(t.role));
  PutString(&out, t.org);
  for (int64_t v : {t.created_at_unix_ms, t.expires_at_unix_ms, t.last_used_unix_ms})
    PutVarint(&out, static_cast<uint64_t>(v));
  PutString(&out, t.description);
  PutString(&out, t.secret_sha256);
  return out;
}

absl::StatusOr<Token> DecodeToken(std::string_view id, std::string_view bytes) {
  internal::VarintReader r(bytes);
  Token t;
  t.id = std::string(id);
  const char f = static_cast<char>(r.Byte());
  const uint8_t role = r.Byte();
  r.String(&t.org);
  for (int64_t* v : {&t.created_at_unix_ms, &t.expires_at_unix_ms, &t.last_used_unix_ms})
    *v = static_cast<int64_t>(r.Varint());
  r.String(&t.description);
  r.String(&t.secret_sha256);
  if (!r.done() || f != kTokenFormat || role < 1 || role > 3 || t.secret_sha256.size() != 64)
    return absl::DataLossError(Cat("corrupt token record ", id));
  t.role = static_cast<Role>(role);
  return t;
}

absl::StatusOr<Token> TokenStore::Put(Token t, const AuditEntry* audit) {
  if (t.role == Role::kAdmin) {
    if (!t.org.empty()) return absl::InvalidArgumentError("org: an admin token is for every organization; give none");
  } else {
    if (t.org.empty())
      return absl::InvalidArgumentError(Cat("org: an ", RoleName(t.role), " token is for one organization; give it"));
    if (auto s = ValidateOrgId(t.org); !s.ok()) return s;
  }
  if (t.description.size() > 256) return absl::InvalidArgumentError("description: at most 256 bytes");
  t.created_at_unix_ms = absl::ToUnixMillis(absl::Now());
  if (t.expires_at_unix_ms != 0 && t.expires_at_unix_ms <= t.created_at_unix_ms)
    return absl::InvalidArgumentError("expires: the expiry must lie in the future");
  absl::MutexLock lock(&write_mu_);
  auto existing = store_->KvGet(Key(t.id));
  if (existing.ok()) return absl::AlreadyExistsError(Cat("token ", t.id, " already exists"));
  if (!absl::IsNotFound(existing.status())) return existing.status();
  if (auto s = store_->KvWrite({{Store::KvOp::kPut, Key(t.id), EncodeToken(t)}}, audit); !s.ok()) return s;
  return t;
}

absl::StatusOr<NewToken> TokenStore::Create(Role role, const std::string& org, int64_t expires_at_unix_ms,
                                            const std::string& description, const AuditEntry* audit) {
  auto id = RandomHex(kIdHex / 2);
  if (!id.ok()) return id.status();
  auto secret = RandomHex(kSecretHex / 2);
  if (!secret.ok()) return secret.status();
  Token t;
  t.id = *id;
  t.role = role;
  t.org = org;
  t.expires_at_unix_ms = expires_at_unix_ms;
  t.description = description;
  t.secret_sha256 = Sha256Hex(*secret);
  auto stored = Put(std::move(t), audit);
  if (!stored.ok()) return stored.status();
  return NewToken{std::move(*stored), Cat(kPrefix, *id, "_", *secret)};
}

absl::StatusOr<Token> TokenStore::Adopt(std::string_view bearer, Role role, const std::string& org,
                                        const std::string& description, const AuditEntry* audit) {
  auto parts = SplitBearer(bearer);
  if (!parts.ok()) return parts.status();
  Token t;
  t.id = parts->first;
  t.role = role;
  t.org = org;
  t.description = description;
  t.secret_sha256 = Sha256Hex(parts->second);
  return Put(std::move(t), audit);
}

absl::StatusOr<std::vector<Token>> TokenStore::List() const {
  std::vector<Token> out;
  absl::Status bad;
  auto s = store_->KvScan("token/", [&](std::string_view key, std::string_view value) {
    auto t = DecodeToken(key.substr(6), value);
    if (!t.ok()) {
      bad = t.status();
      return false;
    }
    out.push_back(std::move(*t));
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return out;
}

absl::StatusOr<Token> TokenStore::Revoke(std::string_view id, const AuditEntry* audit) {
  if (id.size() != kIdHex || !IsLowerHex(id)) return absl::InvalidArgumentError(Cat("'", id, "' is not a token id (16 hex)"));
  absl::MutexLock lock(&write_mu_);
  auto v = store_->KvGet(Key(id));
  if (absl::IsNotFound(v.status())) return absl::NotFoundError(Cat("no token ", id));
  if (!v.ok()) return v.status();
  auto t = DecodeToken(id, *v);
  if (!t.ok()) return t.status();
  if (auto s = store_->KvWrite({{Store::KvOp::kDelete, Key(id), ""}}, audit); !s.ok()) return s;
  return t;
}

absl::Status TokenStore::SaveLastUsed(const std::vector<std::pair<std::string, int64_t>>& used) {
  absl::MutexLock lock(&write_mu_);
  std::vector<Store::KvOp> ops;
  for (auto& [id, ms] : used) {
    auto v = store_->KvGet(Key(id));
    if (absl::IsNotFound(v.status())) continue;  // revoked meanwhile
    if (!v.ok()) return v.status();
    auto t = DecodeToken(id, *v);
    if (!t.ok()) return t.status();
    if (ms <= t->last_used_unix_ms) continue;
    t->last_used_unix_ms = ms;
    ops.push_back({Store::KvOp::kPut, Key(id), EncodeToken(*t)});
  }
  return ops.empty() ? absl::OkStatus() : store_->KvWrite(ops);
}

}  // namespace ttpgraph
