#include "server/core/next_release_cache.h"

namespace ttpgraph::core {
namespace {

bool Same(const std::weak_ptr<const ReleaseContext>& held, const std::shared_ptr<const ReleaseContext>& now) {
  return !held.owner_before(now) && !now.owner_before(held) && !held.expired();
}

}  // namespace

std::optional<ReportNextRelease> NextReleaseCache::Find(const Key& key) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->org_id == key.org_id && it->incarnation == key.incarnation && it->generation == key.generation &&
        Same(it->from, key.from) && Same(it->to, key.to)) {
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front().value;
    }
  return std::nullopt;
}

void NextReleaseCache::Put(const Key& key, const ReportNextRelease& value) {
  std::lock_guard<std::mutex> lock(mu_);
  // An organization's older generations are of no more use.
  entries_.remove_if([&](const Entry& e) { return e.org_id == key.org_id; });
  entries_.push_front(Entry{key.org_id, key.incarnation, key.generation, key.from, key.to, value});
  while (entries_.size() > capacity_) entries_.pop_back();
}

}  // namespace ttpgraph::core
