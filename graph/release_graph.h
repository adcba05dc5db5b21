// ReleaseGraph: the in-memory view of one ATT&CK release, built once from the
// release's stored objects and shared read-only as
// std::shared_ptr<const ReleaseGraph>.
//
// Every STIX object of the release is a node (relationships too, so any STIX
// id can be looked up); every relationship whose two ends are in the release
// is also an edge of a Boost.Graph compressed-sparse-row graph (see
// graph/internal/bgl_types.h), walked by the queries in graph/queries.h.
//
//   auto records = store->LoadReleaseRecords(id);
//   absl::StatusOr<std::shared_ptr<const ReleaseGraph>> g = ReleaseGraph::Build(id, std::move(*records));
//
// Thread safety: immutable after Build; safe for concurrent readers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <unordered_map>
#include "absl/status/statusor.h"
#include "storage/model.h"
#include "storage/record.h"

namespace ttpgraph {

namespace internal {
struct BglGraph;
}

using NodeId = uint32_t;
inline constexpr NodeId kNoNode = 0xffffffffu;

enum class RelType : uint8_t { kUses, kMitigates, kDetects, kSubtechniqueOf, kRevokedBy, kAttributedTo, kOther };

struct LogSourceRef {
  NodeId data_component = kNoNode;  // kNoNode when the ref names no object of the release
  std::string name;
  std::string channel;
};

struct Node {
  std::string stix_id;
  std::string type;       // STIX type
  std::string attack_id;  // empty when the object has none
  std::string name;
  std::string version;    // x_mitre_version
  std::string modified;
  std::string url;
  std::string object_key;  // content address in the store
  bool revoked = false;
  bool deprecated = false;
  bool is_subtechnique = false;
  bool in_domain = true;
  std::vector<std::string> platforms;
  std::vector<std::string> aliases;
  std::vector<std::string> tactics;  // kill-chain phase short names of this domain, matrix order
  // Relationships only.
  NodeId source = kNoNode;
  NodeId target = kNoNode;
  RelType rel_type = RelType::kOther;
  std::string description;  // kept for relationships (procedure examples, mitigations)
  // x-mitre-detection-strategy: its analytics; x-mitre-matrix: its tactics.
  std::vector<NodeId> refs;
  // x-mitre-analytic: its log sources.
  std::vector<LogSourceRef> log_sources;
  // x-mitre-data-component: its data source's name (ATT&CK 10-17).
  std::string data_source;

  bool active() const { return !revoked && !deprecated; }
};

// The shape of a domain's technique IDs: `prefix`, `digits` digits, and for a
// sub-technique '.' and `sub_digits` digits. ATT&CK's (the default) is
// T1234 / T1234.001; ATLAS's AML.T0000 / AML.T0000.000.
struct TechniqueIdShape {
  std::string prefix = "T";
  size_t digits = 4, sub_digits = 3;
  // True for an ID of this shape (the prefix in any case).
  bool Matches(std::string_view id) const;
  // "T1234 or T1234.001".
  std::string Example() const;
  // The most common shape among these techniques' IDs; the default for none.
  static TechniqueIdShape Of(const std::vector<std::string_view>& technique_ids);
};

class ReleaseGraph {
 public:
  static absl::StatusOr<std::shared_ptr<const ReleaseGraph>> Build(const ReleaseId& id,
                                                                   std::vector<KeyedRecord> records);
  // Same, from stored objects (uses each object's record, or extracts it from its JSON).
  static absl::StatusOr<std::shared_ptr<const ReleaseGraph>> Build(const ReleaseId& id,
                                                                   const std::vector<StoredObject>& objects);
  ~ReleaseGraph();

  const ReleaseId& id() const { return id_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const Node& node(NodeId n) const { return nodes_[n]; }

  // The node with this STIX id, or kNoNode.
  NodeId FindStix(std::string_view stix_id) const;
  // Nodes carrying this ATT&CK ID (case-insensitive), possibly several types.
  const std::vector<NodeId>& FindAttackId(std::string_view attack_id) const;
  // Tactic nodes in the order of the domain's x-mitre-matrix.
  const std::vector<NodeId>& tactics() const { return tactics_; }
  // Tactic node by x_mitre_shortname, or kNoNode.
  NodeId FindTacticByShortname(std::string_view shortname) const;
  // Every technique and sub-technique (attack-pattern), ordered by ATT&CK ID.
  const std::vector<NodeId>& techniques() const { return techniques_; }
  // The shape of this domain's technique IDs (from its techniques).
  const TechniqueIdShape& technique_id_shape() const { return technique_id_shape_; }
  // Direct revoked-by successor of a node (first hop), or kNoNode.
  NodeId RevokedBySuccessor(NodeId n) const;
  // Parent technique of a sub-technique, or kNoNode.
  NodeId ParentOf(NodeId n) const;

  const internal::BglGraph& bgl() const { return *bgl_; }
  size_t edge_count() const;
  // Approximate heap bytes held (for the release registry's memory budget).
  size_t ApproxBytes() const { return approx_bytes_; }

 private:
  ReleaseGraph() = default;
  size_t EstimateBytes() const;
  ReleaseId id_;
  std::vector<Node> nodes_;
  std::unordered_map<std::string_view, NodeId> by_stix_;
  std::unordered_map<std::string, std::vector<NodeId>> by_attack_id_;
  std::unordered_map<std::string, NodeId> tactic_by_shortname_;
  std::unordered_map<NodeId, NodeId> revoked_by_;
  std::unordered_map<NodeId, NodeId> parent_;
  std::vector<NodeId> tactics_;
  std::vector<NodeId> techniques_;
  TechniqueIdShape technique_id_shape_;
  std::unique_ptr<internal::BglGraph> bgl_;
  size_t approx_bytes_ = 0;
};

// Relationship types by name ("uses" -> kUses, ...).
RelType ParseRelType(std::string_view name);

}  // namespace ttpgraph
