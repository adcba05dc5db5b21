// Encoded answers of KnowledgeService.GetGroupTechniques, kept per release
// graph. A graph never changes, so the techniques a group uses over a set of
// paths are computed and encoded once (each entry a v1.GroupTechnique on the
// wire), and a page of the answer is a concatenation of those bytes: no
// message is built or serialized per call.
//
// Memory: one answer per (group, path set, view) asked of a release; every
// group of enterprise 18.1 in the default view takes ~3 MB. The cache holds at
// most `max_bytes` of encoded answers and starts afresh when an answer would
// pass that. Answers of a graph that was dropped (release replaced or deleted)
// go with the next new graph.
//
// Thread safety: safe for concurrent use.
#pragma once

#include <grpcpp/support/byte_buffer.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "graph/queries.h"
#include "graph/release_graph.h"
#include "server/page_token.h"

namespace ttpgraph {

struct GroupAnswer {
  std::string group;                 // the group, an encoded v1.AttackObject
  std::vector<std::string> entries;  // encoded v1.GroupTechnique, ordered by ATT&CK ID
};

class GroupAnswerCache {
 public:
  explicit GroupAnswerCache(size_t max_bytes = 64u << 20) : max_bytes_(max_bytes) {}

  // `full`: each technique in OBJECT_VIEW_FULL rather than BASIC.
  std::shared_ptr<const GroupAnswer> Get(const std::shared_ptr<const ReleaseGraph>& graph, NodeId group,
                                         const UsagePaths& paths, bool full);

 private:
  struct PerGraph {
    std::weak_ptr<const ReleaseGraph> graph;  // tells a live graph from a dropped one at the same address
    std::unordered_map<uint64_t, std::shared_ptr<const GroupAnswer>> answers;
    size_t bytes = 0;
  };
  const size_t max_bytes_;
  std::mutex mu_;
  std::map<const ReleaseGraph*, PerGraph> graphs_;
  size_t bytes_ = 0;  // encoded answers held
};

// The encoded v1.GroupTechniquesResponse holding `answer`'s entries in
// `window` and the window's page info.
grpc::ByteBuffer EncodeGroupTechniquesPage(const GroupAnswer& answer, const PageWindow& window);

}  // namespace ttpgraph
