// DetectabilityIndex: per release, which data components can see each
// technique and which log sources feed each data component, precomputed once
// from graph/queries.h TechniqueDetectability (so it keeps both the ATT&CK
// 10-17 `detects` model and the 18+ strategy -> analytic -> log source chain).
//
// Coverage runs against it in microseconds per technique instead of walking
// the graph; build it once per release and share it beside the ReleaseGraph.
//
//   auto index = DetectabilityIndex::Build(*g);
//   for (NodeId dc : index->ComponentsFor(technique)) ...
//
// Thread safety: immutable after Build; safe for concurrent readers. It holds
// node ids of the graph it was built from and must be used with that graph.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "graph/release_graph.h"

namespace ttpgraph {

class DetectabilityIndex {
 public:
  static std::shared_ptr<const DetectabilityIndex> Build(const ReleaseGraph& g);

  // Active data components that can detect `technique` (sorted by node id);
  // empty for non-techniques.
  const std::vector<NodeId>& ComponentsFor(NodeId technique) const;
  // Log sources (name, channel) ATT&CK 18+ analytics list for a data component.
  const std::vector<std::pair<std::string, std::string>>& LogSourcesOf(NodeId data_component) const;
  // Data components whose analytics list the log source. An empty `channel`
  // (or "*") matches every channel of that name; names and channels compare
  // case-insensitively.
  std::vector<NodeId> ComponentsForLogSource(std::string_view name, std::string_view channel) const;
  // A data component by ATT&CK ID (DC0032), STIX id or name (case-insensitive);
  // kNoNode when the release has none. Active components win over inactive ones.
  NodeId FindComponent(std::string_view id_or_name) const;
  // Every active in-domain data component, by ATT&CK ID.
  const std::vector<NodeId>& components() const { return components_; }
  // ComponentLabel(g, dc), precomputed for every data component of the release
  // (coverage responses name thousands of them); empty for other nodes.
  const std::string& Label(NodeId dc) const;
  // Position of a technique in g.techniques(), or kNoSlot for other nodes:
  // dense per-technique arrays index by it instead of by NodeId.
  static constexpr uint32_t kNoSlot = 0xffffffffu;
  uint32_t TechniqueSlot(NodeId n) const { return n < technique_slot_.size() ? technique_slot_[n] : kNoSlot; }
  // Approximate heap bytes held (for the release registry's memory budget).
  size_t ApproxBytes() const { return approx_bytes_; }

 private:
  DetectabilityIndex() = default;
  std::vector<std::vector<NodeId>> by_technique_;  // indexed by NodeId
  std::unordered_map<NodeId, std::vector<std::pair<std::string, std::string>>> log_sources_;
  // lower(name) -> (lower(channel), data component)
  std::unordered_map<std::string, std::vector<std::pair<std::string, NodeId>>> by_log_source_;
  std::unordered_map<std::string, NodeId> by_key_;  // upper(ATT&CK ID), stix id, lower(name)
  std::vector<NodeId> components_;
  std::unordered_map<NodeId, std::string> labels_;  // every data component
  std::vector<uint32_t> technique_slot_;            // indexed by NodeId
  size_t approx_bytes_ = 0;
};

// "DC0032 Process Creation" (or the STIX id when there is no ATT&CK ID).
std::string ComponentLabel(const ReleaseGraph& g, NodeId dc);

}  // namespace ttpgraph
