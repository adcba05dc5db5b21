// DiffCache: the last few release diffs, by (from build, to build, usage
// paths). A diff of two immutable release builds never goes stale; the
// entries keep their two release contexts alive, so a replaced or deleted
// release is dropped from here too. Owned by the Application.
//
// Thread safety: safe for concurrent use.
#pragma once

#include <list>
#include <memory>
#include <mutex>

#include "graph/diff.h"
#include "graph/release_registry.h"

namespace ttpgraph::core {

struct DiffEntry {
  std::shared_ptr<const ReleaseContext> from, to;
  UsagePaths paths;
  DiffReport report;
};

class DiffCache {
 public:
  explicit DiffCache(size_t capacity = 4) : capacity_(capacity) {}
  std::shared_ptr<const DiffEntry> Find(const ReleaseContext& from, const ReleaseContext& to, const UsagePaths& paths);
  void Put(std::shared_ptr<const DiffEntry> entry);
  // Forgets the diffs of a replaced or deleted release (frees its graph).
  void Drop(const ReleaseId& id);

  struct Stats {
    size_t entries = 0;
    uint64_t hits = 0, misses = 0;  // Find() calls that found / did not find
  };
  Stats stats();

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::list<std::shared_ptr<const DiffEntry>> entries_;  // most recent first
  uint64_t hits_ = 0, misses_ = 0;                         // guarded by mu_
};

}  // namespace ttpgraph::core
