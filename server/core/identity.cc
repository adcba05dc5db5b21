#include "server/core/identity.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <mutex>

#include "absl/time/clock.h"
#include "storage/import/sha256.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

constexpr Role R = Role::kReader, E = Role::kEditor, A = Role::kAdmin;

// Every method of every ttpgraph service. Health and reflection are not
// here: they need no token (server.cc serves them outside this check).
const std::vector<MethodPolicy>& Table() {
  static const std::vector<MethodPolicy> kTable = {
      // ReleaseService: shared knowledge; imports and deletes are admin's.
      {"ttpgraph.v1.ReleaseService/ImportRelease", A, false, true},
      {"ttpgraph.v1.ReleaseService/ImportReleaseFrom", A, false, true},
      {"ttpgraph.v1.ReleaseService/ListReleases", R, false, false},
      {"ttpgraph.v1.ReleaseService/GetRelease", R, false, false},
      {"ttpgraph.v1.ReleaseService/DeleteRelease", A, false, true},
      // KnowledgeService: shared knowledge.
      {"ttpgraph.v1.KnowledgeService/GetObject", R, false, false},
      {"ttpgraph.v1.KnowledgeService/ListTechniques", R, false, false},
      {"ttpgraph.v1.KnowledgeService/SearchObjects", R, false, false},
      {"ttpgraph.v1.KnowledgeService/ListTactics", R, false, false},
      {"ttpgraph.v1.KnowledgeService/GetTechniqueTactics", R, false, false},
      {"ttpgraph.v1.KnowledgeService/GetSubtechniques", R, false, false},
      {"ttpgraph.v1.KnowledgeService/GetGroupTechniques", R, false, false},
      {"ttpgraph.v1.KnowledgeService/GetGroupSoftware", R, false, false},
      {"ttpgraph.v1.KnowledgeService/GetGroupCampaigns", R, false, false},
      {"ttpgraph.v1.KnowledgeService/GetTechniqueUsers", R, false, false},
      {"ttpgraph.v1.KnowledgeService/GetTechniqueMitigations", R, false, false},
      {"ttpgraph.v1.KnowledgeService/GetProcedureExamples", R, false, false},
      {"ttpgraph.v1.KnowledgeService/GetDetectability", R, false, false},
      // OrgService: organizations are created and deleted by admins; the rest
      // is the organization's own.
      {"ttpgraph.v1.OrgService/CreateOrganization", A, true, true},
      {"ttpgraph.v1.OrgService/GetOrganization", R, true, false},
      {"ttpgraph.v1.OrgService/UpdateOrganization", E, true, true},
      {"ttpgraph.v1.OrgService/ListOrganizations", R, true, false},
      {"ttpgraph.v1.OrgService/DeleteOrganization", A, true, true},
      {"ttpgraph.v1.OrgService/CreateDetection", E, true, true},
      {"ttpgraph.v1.OrgService/UpdateDetection", E, true, true},
      {"ttpgraph.v1.OrgService/GetDetection", R, true, false},
      {"ttpgraph.v1.OrgService/ListDetections", R, true, false},
      {"ttpgraph.v1.OrgService/DeleteDetection", E, true, true},
      {"ttpgraph.v1.OrgService/ImportDetections", E, true, true},
      {"ttpgraph.v1.OrgService/GetInventory", R, true, false},
      {"ttpgraph.v1.OrgService/UpdateInventory", E, true, true},
      {"ttpgraph.v1.OrgService/InferInventory", E, true, true},
      {"ttpgraph.v1.OrgService/GetCoverage", R, true, false},
      {"ttpgraph.v1.OrgService/GetCoverageTrend", R, true, false},
      {"ttpgraph.v1.OrgService/ExportCoverageLayer", R, true, false},
      // Moving an organization: the document holds its tokens' metadata,
      // which only admins may list (server/README.md "Moving an organization").
      {"ttpgraph.v1.OrgService/ExportOrganization", A, true, false},
      {"ttpgraph.v1.OrgService/ImportOrganization", A, false, true},
      // AnalysisService: diff and overlap are shared knowledge; gap and
      // migration read (or write) one organization.
      {"ttpgraph.v1.AnalysisService/DiffReleases", R, false, false},
      {"ttpgraph.v1.AnalysisService/GetDiffLayer", R, false, false},
      {"ttpgraph.v1.AnalysisService/GetOverlap", R, false, false},
      {"ttpgraph.v1.AnalysisService/GetSimilarGroups", R, false, false},
      {"ttpgraph.v1.AnalysisService/GetOverlapLayer", R, false, false},
      {"ttpgraph.v1.AnalysisService/GetGap", R, true, false},
      {"ttpgraph.v1.AnalysisService/GetGapLayer", R, true, false},
      {"ttpgraph.v1.AnalysisService/PlanMigration", R, true, false},
      {"ttpgraph.v1.AnalysisService/ApplyMigration", E, true, true},
      // DefenseService: shared knowledge; imports and deletes are admin's.
      {"ttpgraph.v1.DefenseService/ImportD3fend", A, false, true},
      {"ttpgraph.v1.DefenseService/ImportD3fendFrom", A, false, true},
      {"ttpgraph.v1.DefenseService/ListD3fendVersions", R, false, false},
      {"ttpgraph.v1.DefenseService/DeleteD3fendVersion", A, false, true},
      {"ttpgraph.v1.DefenseService/GetCountermeasures", R, false, false},
      {"ttpgraph.v1.DefenseService/GetCounteredTechniques", R, false, false},
      {"ttpgraph.v1.DefenseService/GetD3fendTree", R, false, false},
      {"ttpgraph.v1.DefenseService/GetD3fendTacticCounts", R, false, false},
      {"ttpgraph.v1.DefenseService/ImportAtomicIndex", A, false, true},
      {"ttpgraph.v1.DefenseService/ImportAtomicIndexFrom", A, false, true},
      {"ttpgraph.v1.DefenseService/ListAtomicIndexes", R, false, false},
      {"ttpgraph.v1.DefenseService/GetAtomicTests", R, false, false},
      {"ttpgraph.v1.DefenseService/ListValidatableTechniques", R, false, false},
      // TokenService: admin only.
      {"ttpgraph.v1.TokenService/CreateToken", A, false, true},
      {"ttpgraph.v1.TokenService/ListTokens", A, false, false},
      {"ttpgraph.v1.TokenService/RevokeToken", A, false, true},
      // BackupService: admin only.
      {"ttpgraph.v1.BackupService/CreateBackup", A, false, true},
      {"ttpgraph.v1.BackupService/ListBackups", A, false, false},
      {"ttpgraph.v1.BackupService/VerifyBackup", A, false, false},
      // AuditService: an editor's or reader's own organization; admins all.
      {"ttpgraph.v1.AuditService/ListAuditEvents", R, true, false},
      // ReportService: the organization's report, a read.
      {"ttpgraph.v1.ReportService/GetCoverageReport", R, true, false},
      // ExtensionService (issue 12): readers read their organization's extensions, editors
      // write them, admins any organization's.
      {"ttpgraph.v1.ExtensionService/CreateExtension", E, true, true},
      {"ttpgraph.v1.ExtensionService/ListExtensions", R, true, false},
      {"ttpgraph.v1.ExtensionService/GetExtension", R, true, false},
      {"ttpgraph.v1.ExtensionService/DeleteExtension", E, true, true},
      {"ttpgraph.v1.ExtensionService/ImportExtensionObjects", E, true, true},
      {"ttpgraph.v1.ExtensionService/SetExtensionField", E, true, true},
      {"ttpgraph.v1.ExtensionService/GetExtensionHistory", R, true, false},
      {"ttpgraph.v1.ExtensionService/ExportExtension", R, true, false},
  };
  return kTable;
}

}  // namespace

const std::vector<MethodPolicy>& Policies() { return Table(); }

const MethodPolicy* PolicyFor(std::string_view method) {
  static const std::unordered_map<std::string_view, const MethodPolicy*> kByName = [] {
    std::unordered_map<std::string_view, const MethodPolicy*> m;
    for (const MethodPolicy& p : Table()) m.emplace(p.method, &p);
    return m;
  }();
  auto it = kByName.find(method);
  return it == kByName.end() ? nullptr : it->second;
}

absl::Status Authenticator::Load() {
  auto all = tokens_->List();
  if (!all.ok()) return all.status();
  std::unique_lock lock(mu_);
  by_id_.clear();
  for (Token& t : *all) {
    auto e = std::make_shared<Entry>();
    e->last_used = t.last_used_unix_ms;
    e->token = std::move(t);
    by_id_.emplace(e->token.id, std::move(e));
  }
  return absl::OkStatus();
}

void Authenticator::Put(const Token& t) {
  auto e = std::make_shared<Entry>();
  e->token = t;
  e->last_used = t.last_used_unix_ms;
  std::unique_lock lock(mu_);
  by_id_[t.id] = std::move(e);
}

void Authenticator::Remove(const std::string& id) {
  std::unique_lock lock(mu_);
  by_id_.erase(id);
}

bool Authenticator::HasAdmin() const {
  std::shared_lock lock(mu_);
  return std::any_of(by_id_.begin(), by_id_.end(), [](const auto& e) { return e.second->token.role == Role::kAdmin; });
}

absl::StatusOr<Caller> Authenticator::Authenticate(std::string_view authorization) const {
  ++checked_;
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.empty()) {
    ++missing_;
    return absl::UnauthenticatedError(
        "missing token: send the metadata `authorization: Bearer <token>`");
  }
  if (authorization.size() < kBearer.size() || authorization.substr(0, kBearer.size()) != kBearer) {
    ++malformed_;
    return absl::UnauthenticatedError("malformed authorization: expected `Bearer <token>`");
  }
  auto parts = SplitBearer(authorization.substr(kBearer.size()));
  if (!parts.ok()) {
    ++malformed_;
    return absl::UnauthenticatedError(Cat("malformed token: ", parts.status().message()));
  }
  std::shared_ptr<const Entry> e;
  {
    std::shared_lock lock(mu_);
    auto it = by_id_.find(parts->first);
    if (it != by_id_.end()) e = it->second;
  }
  const std::string hash = Sha256Hex(parts->second);
  // Unknown and wrong secrets answer alike; the hash is compared in constant time.
  if (!e || CRYPTO_memcmp(hash.data(), e->token.secret_sha256.data(), hash.size()) != 0) {
    ++unknown_;
    return absl::UnauthenticatedError("unknown or revoked token");
  }
  const int64_t now = absl::ToUnixMillis(absl::Now());
  if (e->token.expires_at_unix_ms != 0 && now >= e->token.expires_at_unix_ms) {
    ++expired_;
    return absl::UnauthenticatedError(Cat("token ", e->token.id, " expired at ",
                                          FormatRfc3339(e->token.expires_at_unix_ms)));
  }
  // Last use to the minute: one store write per token and minute at most.
  if (now - e->last_used.load(std::memory_order_relaxed) >= 60000) {
    e->last_used.store(now, std::memory_order_relaxed);
    e->dirty.store(true, std::memory_order_relaxed);
  }
  return Caller{e->token.id, e->token.role, e->token.org};
}

std::vector<std::pair<std::string, int64_t>> Authenticator::TakeLastUsed() {
  std::vector<std::pair<std::string, int64_t>> out;
  std::shared_lock lock(mu_);
  for (auto& [id, e] : by_id_)
    if (e->dirty.exchange(false)) out.emplace_back(id, e->last_used.load());
  return out;
}

int64_t Authenticator::LastUsed(const std::string& id) const {
  std::shared_lock lock(mu_);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? 0 : it->second->last_used.load();
}

Authenticator::Stats Authenticator::stats() const {
  return Stats{checked_.load(), missing_.load(), malformed_.load(), unknown_.load(), expired_.load()};
}

absl::Status Authorize(const MethodPolicy& policy, const Caller& caller, std::string* org) {
  if (caller.role < policy.min_role)
    return absl::PermissionDeniedError(Cat("a ", RoleName(caller.role), " token may not call ", policy.method,
                                           " (it needs ", RoleName(policy.min_role), ")"));
  if (!policy.org_scoped || caller.role == Role::kAdmin) return absl::OkStatus();
  if (org->empty()) {
    *org = caller.org;
  } else if (*org != caller.org) {
    return absl::PermissionDeniedError(Cat("this token is for organization '", caller.org,
                                           "' and may not act on another"));
  }
  return absl::OkStatus();
}

}  // namespace ttpgraph::core
