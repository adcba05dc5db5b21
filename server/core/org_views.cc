#include "server/core/org_views.h"

#include <algorithm>

namespace ttpgraph::core {

namespace {

// `base` with `changes` (consecutive generations) applied; detections stay in
// id order, as OrgStore lists them.
OrgView Patched(const OrgView& base, std::vector<DetectionChange> changes) {
  OrgView v = base;
  for (DetectionChange& c : changes) {
    auto it = std::lower_bound(v.detections.begin(), v.detections.end(), c.id,
                               [](const OrgDetection& d, const std::string& id) { return d.id < id; });
    const bool found = it != v.detections.end() && it->id == c.id;
    if (!c.now) {
      if (found) v.detections.erase(it);
    } else if (found) {
      *it = MakeOrgDetection(std::move(*c.now));
    } else {
      v.detections.insert(it, MakeOrgDetection(std::move(*c.now)));
    }
  }
  return v;
}

}  // namespace

absl::StatusOr<OrgSnapshot> OrgViews::Get(const OrgId& org) {
  // The record, detections and inventory as of one moment, so the view is the
  // record's generation and incarnation exactly (never a mix with a write, a
  // delete or a re-creation committing meanwhile).
  auto at = orgs_->Snapshot();
  auto record = orgs_->GetOrg(org, at.get());
  if (!record.ok()) return record.status();
  std::shared_ptr<const OrgView> base;  // with `changes`, the view at the record's generation
  std::vector<DetectionChange> changes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(org.str());
    if (it != entries_.end() && it->second.incarnation == record->incarnation) {
      Entry& e = it->second;
      if (e.generation == record->generation) {
        e.last_use = ++clock_;
        ++hits_;
        return OrgSnapshot{std::move(*record), e.view};
      }
      const int64_t behind = record->generation - e.generation;
      if (behind > 0 && behind <= static_cast<int64_t>(e.pending.size())) {
        base = e.view;
        changes.assign(e.pending.begin(), e.pending.begin() + behind);
      }
    }
    ++(base ? patched_ : misses_);
  }
  std::shared_ptr<const OrgView> view;
  if (base) {
    at.reset();
    view = std::make_shared<const OrgView>(Patched(*base, std::move(changes)));
  } else {
    auto detections = orgs_->ListDetectionBriefs(org, at.get());
    if (!detections.ok()) return detections.status();
    auto inventory = orgs_->GetInventory(org, at.get());
    if (!inventory.ok()) return inventory.status();
    at.reset();
    view = std::make_shared<const OrgView>(MakeOrgView(org.str(), std::move(*detections), std::move(*inventory)));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= max_entries_ && !entries_.count(org.str())) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.last_use < b.second.last_use;
    });
    entries_.erase(oldest);
  }
  // A concurrent writer may have moved on meanwhile: the entry carries the
  // generation it was read at, so a newer one simply misses next time, and
  // the changes kept past it still apply.
  Entry& e = entries_[org.str()];
  if (e.incarnation != record->incarnation || e.generation <= record->generation) {
    std::vector<DetectionChange> later;
    if (e.incarnation == record->incarnation)
      for (DetectionChange& c : e.pending)
        if (c.generation > record->generation) later.push_back(std::move(c));
    if (!later.empty() && later.front().generation != record->generation + 1) later.clear();
    e = Entry{record->incarnation, record->generation, ++clock_, view, {}, std::move(later)};
  }
  return OrgSnapshot{std::move(*record), view};
}

void OrgViews::Changed(DetectionChange change) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(change.org);
  if (it == entries_.end() || it->second.incarnation != change.incarnation) return;
  Entry& e = it->second;
  if (change.generation <= e.generation) return;  // the view held already has it
  if (change.generation != e.generation + 1 + static_cast<int64_t>(e.pending.size()) ||
      e.pending.size() >= kMaxPending) {
    e.pending.clear();  // a gap (another kind of write, or too many): the next Get reads
    return;
  }
  e.pending.push_back(std::move(change));
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
  return Stats{entries_.size(), hits_, misses_, patched_};
}

}  // namespace ttpgraph::core
