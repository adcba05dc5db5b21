#include "server/core/tokens.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/time/clock.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

// Writes `text` to `path` with mode 0600, atomically (a temporary file renamed).
absl::Status WritePrivateFile(const std::string& path, const std::string& text) {
  const std::string tmp = Cat(path, ".tmp");
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(Cat("cannot create ", tmp, ": ", std::strerror(errno)));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return absl::InternalError(Cat("cannot write ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<NewToken> CreateToken(Application& app, Role role, const std::string& org, absl::Duration lifetime,
                                     const std::string& description, AuditEntry* audit) {
  if (lifetime < absl::ZeroDuration()) return absl::InvalidArgumentError("expires: the lifetime must not be negative");
  const int64_t expires = lifetime == absl::ZeroDuration() ? 0 : absl::ToUnixMillis(absl::Now() + lifetime);
  if (audit) audit->org = org;
  auto t = app.tokens().Create(role, org, expires, description, audit);
  if (!t.ok()) return t.status();
  app.auth().Put(t->token);
  if (audit) audit->Affect(t->token.id);
  return t;
}

absl::StatusOr<std::vector<Token>> ListTokens(Application& app) {
  if (auto used = app.auth().TakeLastUsed(); !used.empty())
    if (auto s = app.tokens().SaveLastUsed(used); !s.ok()) return s;
  auto all = app.tokens().List();
  if (!all.ok()) return all.status();
  for (Token& t : *all) t.last_used_unix_ms = std::max(t.last_used_unix_ms, app.auth().LastUsed(t.id));
  return all;
}

absl::StatusOr<Token> RevokeToken(Application& app, const std::string& id, AuditEntry* audit) {
  if (audit) audit->Affect(id);
  auto t = app.tokens().Revoke(id, audit);
  if (!t.ok()) return t.status();
  app.auth().Remove(t->id);
  return t;
}

absl::StatusOr<BootstrapResult> Bootstrap(Application& app, const BootstrapOptions& options) {
  if (auto s = app.auth().Load(); !s.ok()) return s;
  BootstrapResult r;
  if (app.auth().HasAdmin()) return r;
  AuditEntry audit;
  audit.time_ms = absl::ToUnixMillis(absl::Now());
  audit.method = "ttpgraphd/Bootstrap";
  audit.role = "admin";
  if (!options.token_file.empty()) {
    std::ifstream in(options.token_file);
    if (!in) return absl::NotFoundError(Cat("cannot read the bootstrap token file ", options.token_file));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string bearer = ss.str();
    while (!bearer.empty() && (bearer.back() == '\n' || bearer.back() == '\r' || bearer.back() == ' ')) bearer.pop_back();
    auto t = app.tokens().Adopt(bearer, Role::kAdmin, "", "bootstrap (shared)", &audit);
    if (!t.ok()) return absl::Status(t.status().code(), Cat(options.token_file, ": ", t.status().message()));
    app.auth().Put(*t);
    r.created = true;
    r.token_id = t->id;
    return r;
  }
  auto t = app.tokens().Create(Role::kAdmin, "", 0, "bootstrap", &audit);
  if (!t.ok()) return t.status();
  r.token_path = Cat(options.data_dir, "/admin.token");
  if (auto s = WritePrivateFile(r.token_path, t->bearer + "\n"); !s.ok()) {
    (void)app.tokens().Revoke(t->token.id);  // unusable without its file
    return s;
  }
  app.auth().Put(t->token);
  r.created = true;
  r.token_id = t->token.id;
  return r;
}

absl::StatusOr<std::vector<AuditEntry>> ListAuditEvents(Application& app, const AuditQuery& query) {
  return ListAuditEntries(app.store(), query);
}

}  // namespace ttpgraph::core
