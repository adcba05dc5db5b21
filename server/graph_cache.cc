#include "server/graph_cache.h"

#include <chrono>

#include "server/log.h"
#include "storage/strings.h"

namespace ttpgraph {

absl::StatusOr<std::shared_ptr<const ReleaseGraph>> GraphCache::Get(const std::string& release) {
  auto ref = ReleaseRef::Parse(release);
  if (!ref.ok()) return ref.status();
  if (!ref->latest) {  // hot path: an exact release whose graph is built needs no store read
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(ReleaseId{ref->domain, ref->version}.Name());
    if (it != entries_.end() && it->second->graph) return it->second->graph;
  }
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (entry->graph) return entry->graph;
  }
  auto start = std::chrono::steady_clock::now();
  auto records = store_->LoadReleaseRecords(id);
  if (!records.ok()) return records.status();
  auto loaded = std::chrono::steady_clock::now();
  auto graph = ReleaseGraph::Build(id, std::move(*records));
  if (!graph.ok()) return graph.status();
  {
    std::lock_guard<std::mutex> lock(mu_);  // readers of the hot path look under mu_
    entry->graph = *graph;
  }
  auto ms = [](auto a, auto b) { return std::to_string(std::chrono::duration<double, std::milli>(b - a).count()); };
  LogInfo("graph built", {{"release", id.Name()},
                          {"read_ms", ms(start, loaded)},
                          {"build_ms", ms(loaded, std::chrono::steady_clock::now())},
                          {"nodes", std::to_string((*graph)->nodes().size())}});
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
