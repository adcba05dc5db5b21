#include "graph/detectability.h"

#include <algorithm>

#include "graph/queries.h"
#include "storage/strings.h"

namespace ttpgraph {

std::shared_ptr<const DetectabilityIndex> DetectabilityIndex::Build(const ReleaseGraph& g) {
  std::shared_ptr<DetectabilityIndex> idx(new DetectabilityIndex());
  idx->by_technique_.resize(g.nodes().size());
  idx->technique_slot_.assign(g.nodes().size(), kNoSlot);
  for (uint32_t i = 0; i < g.techniques().size(); ++i) idx->technique_slot_[g.techniques()[i]] = i;
  for (NodeId t : g.techniques()) {
    Detectability d = TechniqueDetectability(g, t);
    auto& out = idx->by_technique_[t];
    for (const DetectingComponent& c : d.components) {
      out.push_back(c.data_component);
      idx->labels_.emplace(c.data_component, ComponentLabel(g, c.data_component));
      auto& ls = idx->log_sources_[c.data_component];
      for (const LogSourceRef& l : c.log_sources)
        if (std::find(ls.begin(), ls.end(), std::make_pair(l.name, l.channel)) == ls.end())
          ls.emplace_back(l.name, l.channel);
    }
    std::sort(out.begin(), out.end());
  }
  // Log sources are also indexed from every active analytic, not only those
  // reached from a technique, so an inventory entry resolves the same way
  // whichever techniques it ends up covering.
  for (NodeId n = 0; n < g.nodes().size(); ++n) {
    const Node& node = g.node(n);
    if (node.type == "x-mitre-analytic" && node.active()) {
      for (const LogSourceRef& l : node.log_sources) {
        if (l.data_component == kNoNode || !g.node(l.data_component).active()) continue;
        auto& ls = idx->log_sources_[l.data_component];
        if (std::find(ls.begin(), ls.end(), std::make_pair(l.name, l.channel)) == ls.end())
          ls.emplace_back(l.name, l.channel);
      }
    }
    if (node.type != "x-mitre-data-component") continue;
    if (node.active() && node.in_domain) idx->components_.push_back(n);
    idx->labels_.emplace(n, ComponentLabel(g, n));
    auto add = [&](std::string key) {
      auto [it, inserted] = idx->by_key_.emplace(std::move(key), n);
      if (!inserted && !g.node(it->second).active() && node.active()) it->second = n;
    };
    if (!node.attack_id.empty()) add(ToUpper(node.attack_id));
    add(node.stix_id);
    add(ToLower(node.name));
  }
  for (auto& [dc, sources] : idx->log_sources_) {
    std::sort(sources.begin(), sources.end());
    for (auto& [name, channel] : sources) idx->by_log_source_[ToLower(name)].emplace_back(ToLower(channel), dc);
  }
  SortByAttackId(g, &idx->components_);
  size_t bytes = sizeof(DetectabilityIndex) + idx->by_technique_.capacity() * sizeof(std::vector<NodeId>) +
                 idx->technique_slot_.capacity() * sizeof(uint32_t) + idx->components_.capacity() * sizeof(NodeId);
  for (const auto& v : idx->by_technique_) bytes += v.capacity() * sizeof(NodeId);
  for (const auto& [dc, v] : idx->log_sources_) bytes += 64 + v.capacity() * 80;
  for (const auto& [k, v] : idx->by_log_source_) bytes += 64 + k.size() + v.capacity() * 48;
  bytes += idx->by_key_.size() * 64 + idx->labels_.size() * 64;
  idx->approx_bytes_ = bytes;
  return idx;
}

const std::vector<NodeId>& DetectabilityIndex::ComponentsFor(NodeId technique) const {
  static const std::vector<NodeId> kEmpty;
  return technique < by_technique_.size() ? by_technique_[technique] : kEmpty;
}

const std::vector<std::pair<std::string, std::string>>& DetectabilityIndex::LogSourcesOf(NodeId dc) const {
  static const std::vector<std::pair<std::string, std::string>> kEmpty;
  auto it = log_sources_.find(dc);
  return it == log_sources_.end() ? kEmpty : it->second;
}

std::vector<NodeId> DetectabilityIndex::ComponentsForLogSource(std::string_view name, std::string_view channel) const {
  std::vector<NodeId> out;
  auto it = by_log_source_.find(ToLower(name));
  if (it == by_log_source_.end()) return out;
  const std::string ch = ToLower(channel);
  for (auto& [c, dc] : it->second)
    if (ch.empty() || ch == "*" || c == ch) out.push_back(dc);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

NodeId DetectabilityIndex::FindComponent(std::string_view id_or_name) const {
  if (id_or_name.empty()) return kNoNode;
  auto it = by_key_.find(ToUpper(id_or_name));
  if (it != by_key_.end()) return it->second;
  it = by_key_.find(std::string(id_or_name));
  if (it != by_key_.end()) return it->second;
  it = by_key_.find(ToLower(id_or_name));
  return it == by_key_.end() ? kNoNode : it->second;
}

const std::string& DetectabilityIndex::Label(NodeId dc) const {
  static const std::string kEmpty;
  auto it = labels_.find(dc);
  return it == labels_.end() ? kEmpty : it->second;
}

std::string ComponentLabel(const ReleaseGraph& g, NodeId dc) {
  const Node& n = g.node(dc);
  return n.attack_id.empty() ? Cat(n.stix_id, " ", n.name) : Cat(n.attack_id, " ", n.name);
}

}  // namespace ttpgraph
