// NextReleaseCache: the report's "what changes in the next release" section
// (a migration plan with its coverage impact, ~110 ms for the 3,984 SigmaHQ
// rules) by (organization, incarnation, generation, both release builds). Any
// detection or inventory change bumps the generation, and a replaced release
// is a new build, so an entry never goes stale; it only ages out (LRU).
// Owned by the Application.
//
// Thread safety: safe for concurrent use.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "graph/release_registry.h"
#include "server/core/report_model.h"

namespace ttpgraph::core {

class NextReleaseCache {
 public:
  struct Key {
    std::string org_id;
    uint64_t incarnation = 0;
    int64_t generation = 0;
    std::shared_ptr<const ReleaseContext> from, to;  // the builds planned between (held weakly)
  };
  explicit NextReleaseCache(size_t capacity = 64) : capacity_(capacity) {}
  std::optional<ReportNextRelease> Find(const Key& key);
  void Put(const Key& key, const ReportNextRelease& value);
  struct Stats {
    size_t entries = 0;
  };
  Stats stats() {
    std::lock_guard<std::mutex> lock(mu_);
    return Stats{entries_.size()};
  }

 private:
  struct Entry {
    std::string org_id;
    uint64_t incarnation;
    int64_t generation;
    std::weak_ptr<const ReleaseContext> from, to;
    ReportNextRelease value;
  };
  const size_t capacity_;
  std::mutex mu_;
  std::list<Entry> entries_;  // most recent first
};

}  // namespace ttpgraph::core
