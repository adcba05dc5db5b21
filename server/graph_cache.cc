#include "server/graph_cache.h"

#include "storage/strings.h"

namespace ttpgraph {

absl::StatusOr<std::shared_ptr<const ReleaseGraph>> GraphCache::Get(const std::string& release) {
  auto ref = ReleaseRef::Parse(release);
  if (!ref.ok()) return ref.status();
  auto id = store_->Resolve(*ref);
  if (!id.ok()) return id.status();
  return Get(*id);
}

absl::StatusOr<std::shared_ptr<const ReleaseGraph>> GraphCache::Get(const ReleaseId& id) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = entries_[id.Name()];
    if (!slot) slot = std::make_shared<Entry>();
    entry = slot;
  }
  std::lock_guard<std::mutex> build(entry->build_mu);
  if (entry->graph) return entry->graph;
  auto records = store_->LoadReleaseRecords(id);
  if (!records.ok()) return records.status();
  auto graph = ReleaseGraph::Build(id, std::move(*records));
  if (!graph.ok()) return graph.status();
  entry->graph = *graph;
  return entry->graph;
}

void GraphCache::Evict(const ReleaseId& id) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(id.Name());
}

size_t GraphCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace ttpgraph
