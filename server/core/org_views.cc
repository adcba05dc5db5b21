#include "server/core/org_views.h"

#include <algorithm>

namespace ttpgraph::core {

absl::StatusOr<OrgSnapshot> OrgViews::Get(const OrgId& org) {
  // The record, detections and inventory as of one moment, so the view is the
  // record's generation and incarnation exactly (never a mix with a write, a
  // delete or a re-creation committing meanwhile).
  auto at = orgs_->Snapshot();
  auto record = orgs_->GetOrg(org, at.get());
  if (!record.ok()) return record.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(org.str());
    if (it != entries_.end() && it->second.incarnation == record->incarnation &&
        it->second.generation == record->generation) {
      it->second.last_use = ++clock_;
      ++hits_;
      return OrgSnapshot{std::move(*record), it->second.view};
    }
    ++misses_;
  }
  auto detections = orgs_->ListDetectionBriefs(org, at.get());
  if (!detections.ok()) return detections.status();
  auto inventory = orgs_->GetInventory(org, at.get());
  if (!inventory.ok()) return inventory.status();
  at.reset();
  auto view = std::make_shared<const OrgView>(MakeOrgView(org.str(), std::move(*detections), std::move(*inventory)));
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= max_entries_ && !entries_.count(org.str())) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.last_use < b.second.last_use;
    });
    entries_.erase(oldest);
  }
  // A concurrent writer may have moved on meanwhile: the entry carries the
  // generation it was read at, so a newer one simply misses next time.
  Entry& e = entries_[org.str()];
  if (e.incarnation != record->incarnation || e.generation <= record->generation) {
    e = Entry{record->incarnation, record->generation, ++clock_, view, {}};
  }
  return OrgSnapshot{std::move(*record), view};
}

absl::StatusOr<std::shared_ptr<const CompiledCoverage>> OrgViews::Compiled(const OrgSnapshot& snapshot,
                                                                           const ReleaseContext& release,
                                                                           const QueryLimits& limits) {
  const std::string name = release.id().Name();
  const auto key = std::make_pair(name, release.incarnation());
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(snapshot.org.id);
    if (it != entries_.end() && it->second.view == snapshot.view)
      for (auto& [k, compiled] : it->second.compiled)
        if (k == key) return compiled;
  }
  auto compiled = CompileCoverage(release.graph(), release.detectability(), *snapshot.view, limits);
  if (!compiled.ok()) return compiled.status();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(snapshot.org.id);
  // Kept only beside the very view it was compiled from; an older build of the
  // same release (replaced) gives way.
  if (it != entries_.end() && it->second.view == snapshot.view) {
    auto& list = it->second.compiled;
    list.erase(std::remove_if(list.begin(), list.end(), [&](const auto& e) { return e.first.first == name; }),
               list.end());
    list.emplace_back(key, *compiled);
  }
  return *compiled;
}

OrgViews::Stats OrgViews::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{entries_.size(), hits_, misses_};
}

}  // namespace ttpgraph::core
