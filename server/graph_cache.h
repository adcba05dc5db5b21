// GraphCache: builds a ReleaseGraph on first use of a release and shares it.
//
// Thread safety: safe for concurrent use; concurrent first uses of one
// release build it once. Evict() drops a release after a replace or delete.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "graph/release_graph.h"
#include "storage/store.h"

namespace ttpgraph {

class GraphCache {
 public:
  explicit GraphCache(const Store* store) : store_(store) {}

  // `release` is DOMAIN@VERSION or DOMAIN@latest. INVALID_ARGUMENT for a
  // malformed reference, NOT_FOUND for a release that is not imported.
  absl::StatusOr<std::shared_ptr<const ReleaseGraph>> Get(const std::string& release);
  absl::StatusOr<std::shared_ptr<const ReleaseGraph>> Get(const ReleaseId& id);
  void Evict(const ReleaseId& id);
  size_t size() const;

 private:
  struct Entry {
    std::mutex build_mu;                        // one build at a time
    std::shared_ptr<const ReleaseGraph> graph;  // guarded by GraphCache::mu_
  };
  const Store* store_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
};

}  // namespace ttpgraph
