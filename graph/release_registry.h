// ReleaseRegistry: the in-memory side of every stored release. It builds a
// release's graph on first use and owns, per release, one ReleaseContext: the
// graph and everything derived from it alone (detectability index,
// revoked-into map, one group-usage index per usage-path set, and values that
// upper floors derive and want kept as long as the release is: encoded
// answers). Every query of every service reaches a release through here, so
// each of these exists once per release.
//
//   ReleaseRegistry registry(store, RegistryOptions{});
//   auto ctx = registry.Get("enterprise-attack@latest");
//   const ReleaseGraph& g = (*ctx)->graph();
//   auto usage = (*ctx)->Usage(UsagePaths{}, limits);      // built once, shared
//   registry.Evict(id);                                      // after a replace or delete
//
// Staleness: a context is immutable and never answers for another release
// content. Evict() drops a replaced or deleted release at once; callers still
// holding its context finish with it. Under a memory budget the least recently
// used contexts are dropped when a new one is built and rebuilt on their next
// use. Each build gets a new incarnation, so caches above this floor key by
// (release, incarnation) and never mix two builds.
//
// Thread safety: safe for concurrent use; concurrent first uses of one release
// build it once, and so for each lazily built part.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <typeinfo>
#include <unordered_map>
#include <utility>

#include "absl/status/statusor.h"
#include "graph/d3fend_mapping.h"
#include "graph/detectability.h"
#include "graph/group_usage.h"
#include "graph/query_limits.h"
#include "graph/release_graph.h"
#include "storage/store.h"

namespace ttpgraph {

struct RegistryOptions {
  // Bytes the built releases (graphs, indexes, kept answers) may hold; past it
  // the least recently used are dropped when another is built. Default: 2 GiB.
  size_t memory_budget_bytes = size_t{2} << 30;
  // Bytes of upper-floor values (Memo) kept per release; past it they start
  // afresh. Default: 64 MiB.
  size_t memo_budget_bytes = size_t{64} << 20;
  // Called after each graph build (e.g. to log it). Default: none.
  struct BuildInfo {
    ReleaseId id;
    double read_ms = 0, build_ms = 0;
    size_t nodes = 0, bytes = 0;
  };
  std::function<void(const BuildInfo&)> on_build;
};

class ReleaseContext {
 public:
  ReleaseContext(std::shared_ptr<const ReleaseGraph> graph, uint64_t incarnation, size_t memo_budget_bytes);

  const ReleaseId& id() const { return graph_->id(); }
  const ReleaseGraph& graph() const { return *graph_; }
  const std::shared_ptr<const ReleaseGraph>& graph_ptr() const { return graph_; }
  // Unique per build in this process.
  uint64_t incarnation() const { return incarnation_; }

  // Which data components can see each technique (built on first use).
  const DetectabilityIndex& detectability() const;
  // For each technique, the revoked techniques whose chain ends at it.
  const RevokedInto& revoked_into() const;
  // Every active in-domain group's techniques over `paths` (built on first use
  // of that path set; a build cut short by `limits` is not kept).
  absl::StatusOr<std::shared_ptr<const GroupUsageIndex>> Usage(const UsagePaths& paths,
                                                               const QueryLimits& limits) const;

  // A value an upper floor derives from this release alone (an encoded answer),
  // built once per key and kept while the release is: `build()` returns
  // {std::shared_ptr<const T>, bytes}. Keys are the caller's: give each kind of
  // value its own key space (e.g. a kind in the high bits).
  template <typename T, typename Build>
  std::shared_ptr<const T> Memo(uint64_t key, Build&& build) const {
    {
      std::lock_guard<std::mutex> lock(memo_mu_);
      auto it = memo_.find(key);
      if (it != memo_.end() && *it->second.type == typeid(T)) return std::static_pointer_cast<const T>(it->second.value);
    }
    std::pair<std::shared_ptr<const T>, size_t> built = build();
    std::lock_guard<std::mutex> lock(memo_mu_);
    if (memo_bytes_ + built.second > memo_budget_bytes_) {
      memo_.clear();
      bytes_ -= memo_bytes_;
      memo_bytes_ = 0;
    }
    auto [it, inserted] = memo_.try_emplace(key, MemoEntry{built.first, &typeid(T), built.second});
    if (!inserted && *it->second.type != typeid(T)) {
      memo_bytes_ -= it->second.bytes;
      bytes_ -= it->second.bytes;
      it->second = MemoEntry{built.first, &typeid(T), built.second};
      inserted = true;
    }
    if (inserted) {
      memo_bytes_ += built.second;
      bytes_ += built.second;
    }
    return std::static_pointer_cast<const T>(it->second.value);
  }

  // Approximate bytes held: the graph and what was built beside it so far.
  size_t ApproxBytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  friend class ReleaseRegistry;
  struct MemoEntry {
    std::shared_ptr<const void> value;
    const std::type_info* type;
    size_t bytes;
  };
  std::shared_ptr<const ReleaseGraph> graph_;
  uint64_t incarnation_;
  size_t memo_budget_bytes_;
  mutable std::atomic<size_t> bytes_{0};
  mutable std::atomic<uint64_t> last_use_{0};

  mutable std::once_flag detectability_once_;
  mutable std::shared_ptr<const DetectabilityIndex> detectability_;
  mutable std::once_flag revoked_once_;
  mutable std::shared_ptr<const RevokedInto> revoked_into_;
  struct UsageSlot {
    std::mutex build_mu;
    std::shared_ptr<const GroupUsageIndex> index;  // guarded by usage_mu_
  };
  mutable std::mutex usage_mu_;
  mutable std::array<UsageSlot, 8> usage_;  // by path bits: direct 1, software 2, campaigns 4
  mutable std::mutex memo_mu_;
  mutable std::unordered_map<uint64_t, MemoEntry> memo_;
  mutable size_t memo_bytes_ = 0;
};

class ReleaseRegistry {
 public:
  // `store` must outlive the registry.
  explicit ReleaseRegistry(const Store* store, RegistryOptions options = {});

  // `release` is DOMAIN@VERSION or DOMAIN@latest. INVALID_ARGUMENT for a
  // malformed reference, NOT_FOUND for a release that is not imported,
  // DATA_LOSS for a corrupt stored release.
  absl::StatusOr<std::shared_ptr<const ReleaseContext>> Get(std::string_view release);
  absl::StatusOr<std::shared_ptr<const ReleaseContext>> Get(const ReleaseId& id);
  // Drops a replaced or deleted release.
  void Evict(const ReleaseId& id);

  struct Stats {
    size_t releases = 0;     // contexts held
    size_t bytes = 0;        // their ApproxBytes
    uint64_t hits = 0;       // Get() answered from memory since start
    uint64_t builds = 0;     // graphs built since start
    uint64_t evicted = 0;    // dropped for the memory budget
  };
  Stats stats() const;
  const RegistryOptions& options() const { return options_; }

 private:
  struct Entry {
    std::mutex build_mu;                           // one build at a time
    std::shared_ptr<const ReleaseContext> context;  // guarded by ReleaseRegistry::mu_
  };
  // Drops least recently used contexts (never `keep`) while over the budget.
  void EnforceBudgetLocked(const ReleaseContext* keep);

  const Store* store_;
  const RegistryOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> entries_;  // by release name
  std::atomic<uint64_t> clock_{0};
  uint64_t hits_ = 0, builds_ = 0, evicted_ = 0;  // guarded by mu_
};

}  // namespace ttpgraph
