#include "graph/defense_catalog.h"

namespace ttpgraph {

absl::StatusOr<std::shared_ptr<const D3fendIndex>> DefenseCatalog::D3fend(std::string_view version) {
  std::string resolved;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if ((version.empty() || version == "latest") && d3fend_latest_) {
      resolved = *d3fend_latest_;
    } else if (auto it = d3fend_.find(std::string(version)); it != d3fend_.end()) {
      return it->second;
    }
  }
  if (resolved.empty()) {
    auto r = d3fend_store_.Resolve(version);
    if (!r.ok()) return r.status();
    resolved = std::move(*r);
    if (version.empty() || version == "latest") {
      std::lock_guard<std::mutex> lock(mu_);
      d3fend_latest_ = resolved;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = d3fend_.find(resolved); it != d3fend_.end()) return it->second;
  }
  // Decoded outside the lock: a concurrent first use may decode twice, both equal.
  auto onto = d3fend_store_.Load(resolved);
  if (!onto.ok()) return onto.status();
  auto index = D3fendIndex::Build(*onto, resolved);
  if (!index.ok()) return index.status();
  std::lock_guard<std::mutex> lock(mu_);
  return d3fend_.emplace(resolved, *index).first->second;
}

absl::StatusOr<std::shared_ptr<const AtomicIndex>> DefenseCatalog::Atomic(std::string_view name) {
  std::string n(name.empty() ? kDefaultAtomicIndex : name);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = atomic_.find(n); it != atomic_.end()) return it->second;
  }
  auto index = atomic_store_.LoadIndex(n);
  if (!index.ok()) return index.status();
  std::lock_guard<std::mutex> lock(mu_);
  return atomic_.emplace(n, *index).first->second;
}

absl::StatusOr<DefenseCatalog::D3fendPut> DefenseCatalog::PutD3fend(const std::string& version,
                                                                   const D3fendOntology& onto, bool replace,
                                                                   const AuditEntry* audit) {
  auto index = D3fendIndex::Build(onto, version);
  if (!index.ok()) return index.status();
  auto put = d3fend_store_.Put(version, onto, replace, audit);
  if (!put.ok()) return put.status();
  std::lock_guard<std::mutex> lock(mu_);
  d3fend_[put->info.version] = *index;
  d3fend_latest_.reset();
  return D3fendPut{std::move(*put), *index};
}

absl::StatusOr<BlobVersionInfo> DefenseCatalog::DeleteD3fend(std::string_view version, const AuditEntry* audit) {
  auto info = d3fend_store_.Delete(version, audit);
  if (!info.ok()) return info.status();
  std::lock_guard<std::mutex> lock(mu_);
  d3fend_.erase(info->version);
  d3fend_latest_.reset();
  return info;
}

absl::StatusOr<DefenseCatalog::AtomicPut> DefenseCatalog::PutAtomic(const std::string& name, AtomicIndexData data,
                                                                   bool replace, const AuditEntry* audit) {
  auto put = atomic_store_.Put(name, data, replace, audit);
  if (!put.ok()) return put.status();
  auto index = std::make_shared<const AtomicIndex>(name, std::move(data));
  std::lock_guard<std::mutex> lock(mu_);
  atomic_[name] = index;
  return AtomicPut{std::move(*put), index};
}

DefenseCatalog::Stats DefenseCatalog::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{d3fend_.size(), atomic_.size()};
}

}  // namespace ttpgraph
