#include "graph/release_registry.h"

#include <chrono>
#include <vector>

#include "storage/strings.h"

namespace ttpgraph {
namespace {

std::atomic<uint64_t> next_incarnation{1};

int PathBits(const UsagePaths& p) { return (p.direct ? 1 : 0) | (p.software ? 2 : 0) | (p.campaigns ? 4 : 0); }

}  // namespace

ReleaseContext::ReleaseContext(std::shared_ptr<const ReleaseGraph> graph, uint64_t incarnation,
                               size_t memo_budget_bytes)
    : graph_(std::move(graph)), incarnation_(incarnation), memo_budget_bytes_(memo_budget_bytes) {
  bytes_ = graph_->ApproxBytes();
}

const DetectabilityIndex& ReleaseContext::detectability() const {
  std::call_once(detectability_once_, [&] {
    detectability_ = DetectabilityIndex::Build(*graph_);
    bytes_ += detectability_->ApproxBytes();
  });
  return *detectability_;
}

const RevokedInto& ReleaseContext::revoked_into() const {
  std::call_once(revoked_once_, [&] {
    revoked_into_ = BuildRevokedInto(*graph_, QueryLimits{});
    size_t bytes = sizeof(RevokedInto);
    for (const auto& [n, preds] : revoked_into_->predecessors) bytes += 32 + preds.capacity() * sizeof(NodeId);
    bytes_ += bytes;
  });
  return *revoked_into_;
}

absl::StatusOr<std::shared_ptr<const GroupUsageIndex>> ReleaseContext::Usage(const UsagePaths& paths,
                                                                             const QueryLimits& limits) const {
  if (absl::Status s = CheckUsagePaths(paths); !s.ok()) return s;
  UsageSlot& slot = usage_[PathBits(paths)];
  {
    std::lock_guard<std::mutex> lock(usage_mu_);
    if (slot.index) return slot.index;
  }
  std::lock_guard<std::mutex> build(slot.build_mu);
  {
    std::lock_guard<std::mutex> lock(usage_mu_);
    if (slot.index) return slot.index;
  }
  absl::StatusOr<GroupUsageIndex> built = GroupUsageIndex::Build(*graph_, paths, limits);
  if (!built.ok()) return built.status();
  auto index = std::make_shared<const GroupUsageIndex>(std::move(*built));
  bytes_ += index->ApproxBytes();
  std::lock_guard<std::mutex> lock(usage_mu_);
  slot.index = index;
  return index;
}

ReleaseRegistry::ReleaseRegistry(const Store* store, RegistryOptions options) : store_(store), options_(options) {}

absl::StatusOr<std::shared_ptr<const ReleaseContext>> ReleaseRegistry::Get(std::string_view release) {
  auto ref = ReleaseRef::Parse(release);
  if (!ref.ok()) return ref.status();
  if (!ref->latest) {  // hot path: an exact release already built needs no store read
    const std::string name = ReleaseId{ref->domain, ref->version}.Name();
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(name);
    if (it != entries_.end() && it->second->context) {
      it->second->context->last_use_.store(++clock_, std::memory_order_relaxed);
      ++hits_;
      return it->second->context;
    }
  }
  auto id = store_->Resolve(*ref);
  if (!id.ok()) return id.status();
  return Get(*id);
}

absl::StatusOr<std::shared_ptr<const ReleaseContext>> ReleaseRegistry::Get(const ReleaseId& id) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = entries_[id.Name()];
    if (!slot) slot = std::make_shared<Entry>();
    if (slot->context) {
      slot->context->last_use_.store(++clock_, std::memory_order_relaxed);
      ++hits_;
      return slot->context;
    }
    entry = slot;
  }
  std::lock_guard<std::mutex> build(entry->build_mu);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (entry->context) return entry->context;
  }
  const auto start = std::chrono::steady_clock::now();
  auto records = store_->LoadReleaseRecords(id);
  if (!records.ok()) return records.status();
  const auto loaded = std::chrono::steady_clock::now();
  auto graph = ReleaseGraph::Build(id, std::move(*records));
  if (!graph.ok()) return graph.status();
  if (options_.on_build) {
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    options_.on_build(RegistryOptions::BuildInfo{id, ms(start, loaded), ms(loaded, std::chrono::steady_clock::now()),
                                                 (*graph)->nodes().size(), (*graph)->ApproxBytes()});
  }
  auto context = std::make_shared<ReleaseContext>(std::move(*graph), next_incarnation++, options_.memo_budget_bytes);
  std::lock_guard<std::mutex> lock(mu_);
  context->last_use_.store(++clock_, std::memory_order_relaxed);
  ++builds_;
  // Evicted meanwhile (a replace or delete while building): answer this caller
  // with what it asked for, but keep nothing.
  auto it = entries_.find(id.Name());
  if (it != entries_.end() && it->second == entry) {
    entry->context = context;
    EnforceBudgetLocked(context.get());
  }
  return std::shared_ptr<const ReleaseContext>(context);
}

void ReleaseRegistry::EnforceBudgetLocked(const ReleaseContext* keep) {
  size_t total = 0;
  for (auto& [name, e] : entries_)
    if (e->context) total += e->context->ApproxBytes();
  while (total > options_.memory_budget_bytes) {
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      const auto& c = it->second->context;
      if (!c || c.get() == keep) continue;
      if (victim == entries_.end() ||
          c->last_use_.load(std::memory_order_relaxed) < victim->second->context->last_use_.load(std::memory_order_relaxed))
        victim = it;
    }
    if (victim == entries_.end()) return;
    total -= victim->second->context->ApproxBytes();
    entries_.erase(victim);
    ++evicted_;
  }
}

void ReleaseRegistry::Evict(const ReleaseId& id) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(id.Name());
}

ReleaseRegistry::Stats ReleaseRegistry::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s;
  for (auto& [name, e] : entries_)
    if (e->context) {
      ++s.releases;
      s.bytes += e->context->ApproxBytes();
    }
  s.hits = hits_;
  s.builds = builds_;
  s.evicted = evicted_;
  return s;
}

}  // namespace ttpgraph
