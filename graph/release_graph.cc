#include "graph/release_graph.h"

#include <algorithm>
#include <map>

#include "storage/strings.h"
#include "graph/internal/bgl_types.h"

namespace ttpgraph {
namespace {

// What a node keeps of its record until all ids are known.
struct Pending {
  std::string source_ref, target_ref;
  std::vector<std::string> refs;  // analytic refs or tactic refs
  std::vector<LogSourceRecord> log_sources;
  std::string data_source_ref;
  std::vector<std::string> phases;  // kill-chain phase names
};

}  // namespace

RelType ParseRelType(std::string_view name) {
  if (name == "uses") return RelType::kUses;
  if (name == "mitigates") return RelType::kMitigates;
  if (name == "detects") return RelType::kDetects;
  if (name == "subtechnique-of") return RelType::kSubtechniqueOf;
  if (name == "revoked-by") return RelType::kRevokedBy;
  if (name == "attributed-to") return RelType::kAttributedTo;
  return RelType::kOther;
}

ReleaseGraph::~ReleaseGraph() = default;

absl::StatusOr<std::shared_ptr<const ReleaseGraph>> ReleaseGraph::Build(const ReleaseId& id,
                                                                        const std::vector<StoredObject>& objects) {
  std::vector<KeyedRecord> records(objects.size());
  for (size_t i = 0; i < objects.size(); ++i) {
    auto r = objects[i].record.empty() ? ExtractRecordFromJson(objects[i].json) : DecodeRecord(objects[i].record);
    if (!r.ok()) return absl::DataLossError(Cat("stored object ", objects[i].key, ": ", r.status().message()));
    records[i] = KeyedRecord{objects[i].key, std::move(*r)};
  }
  return Build(id, std::move(records));
}

absl::StatusOr<std::shared_ptr<const ReleaseGraph>> ReleaseGraph::Build(const ReleaseId& id,
                                                                        std::vector<KeyedRecord> records) {
  std::shared_ptr<ReleaseGraph> g(new ReleaseGraph());
  g->id_ = id;
  g->nodes_.resize(records.size());
  std::vector<Pending> pending(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    ObjectRecord& r = records[i].record;
    Node& n = g->nodes_[i];
    Pending& p = pending[i];
    n.object_key = std::move(records[i].key);
    n.stix_id = std::move(r.stix_id);
    n.type = std::move(r.type);
    n.attack_id = std::move(r.attack_id);
    n.url = std::move(r.url);
    n.name = std::move(r.name);
    n.version = std::move(r.version);
    n.modified = std::move(r.modified);
    n.revoked = r.revoked;
    n.deprecated = r.deprecated;
    n.is_subtechnique = r.is_subtechnique;
    // x_mitre_domains names MITRE's domains; a framework of its own (often
    // built with Workbench, which tags it enterprise-attack) holds only its own objects.
    n.in_domain = !r.has_domains || !IsKnownDomain(id.domain) ||
                  std::find(r.domains.begin(), r.domains.end(), id.domain) != r.domains.end();
    n.platforms = std::move(r.platforms);
    n.aliases = std::move(r.aliases);
    if (n.type == "relationship") {
      p.source_ref = std::move(r.source_ref);
      p.target_ref = std::move(r.target_ref);
      n.rel_type = ParseRelType(r.relationship_type);
      if (n.rel_type == RelType::kUses || n.rel_type == RelType::kMitigates) n.description = std::move(r.description);
      continue;
    }
    if (n.type == "x-mitre-tactic") n.tactics = {r.shortname};
    p.phases = std::move(r.kill_chain_phases);
    p.refs = std::move(r.refs);
    p.log_sources = std::move(r.log_sources);
    p.data_source_ref = std::move(r.data_source_ref);
  }
  const size_t object_count = records.size();
  records.clear();

  // Indices.
  for (NodeId i = 0; i < g->nodes_.size(); ++i) {
    const Node& n = g->nodes_[i];
    g->by_stix_.emplace(n.stix_id, i);
    if (!n.attack_id.empty()) g->by_attack_id_[ToUpper(n.attack_id)].push_back(i);
  }
  auto find = [&](const std::string& stix) { return g->FindStix(stix); };

  // Tactic order: the matrices of the release's domain, then any other tactic by ATT&CK ID.
  std::vector<NodeId> tactic_order;
  for (NodeId i = 0; i < g->nodes_.size(); ++i) {
    if (g->nodes_[i].type != "x-mitre-matrix" || !g->nodes_[i].in_domain || g->nodes_[i].revoked) continue;
    for (auto& ref : pending[i].refs) {
      NodeId t = find(ref);
      if (t != kNoNode && std::find(tactic_order.begin(), tactic_order.end(), t) == tactic_order.end())
        tactic_order.push_back(t);
      g->nodes_[i].refs.push_back(t);
    }
  }
  std::vector<NodeId> other_tactics;
  for (NodeId i = 0; i < g->nodes_.size(); ++i)
    if (g->nodes_[i].type == "x-mitre-tactic" &&
        std::find(tactic_order.begin(), tactic_order.end(), i) == tactic_order.end())
      other_tactics.push_back(i);
  std::sort(other_tactics.begin(), other_tactics.end(),
            [&](NodeId a, NodeId b) { return g->nodes_[a].attack_id < g->nodes_[b].attack_id; });
  tactic_order.insert(tactic_order.end(), other_tactics.begin(), other_tactics.end());
  g->tactics_ = tactic_order;
  std::unordered_map<std::string, size_t> tactic_rank;
  for (size_t r = 0; r < tactic_order.size(); ++r) {
    const Node& t = g->nodes_[tactic_order[r]];
    if (t.tactics.empty()) continue;
    // Active tactics win a shortname over revoked ones.
    auto [it, inserted] = g->tactic_by_shortname_.emplace(t.tactics[0], tactic_order[r]);
    if (!inserted && !g->nodes_[it->second].active() && t.active()) it->second = tactic_order[r];
    tactic_rank.emplace(t.tactics[0], r);
  }

  // Per-type resolution of references, edges and chains.
  std::vector<std::pair<NodeId, NodeId>> edges;
  std::vector<internal::EdgeProps> props;
  edges.reserve(object_count);
  props.reserve(object_count);
  for (NodeId i = 0; i < g->nodes_.size(); ++i) {
    Node& n = g->nodes_[i];
    Pending& p = pending[i];
    if (n.type == "relationship") {
      n.source = find(p.source_ref);
      n.target = find(p.target_ref);
      if (n.source == kNoNode || n.target == kNoNode) continue;  // dangling: kept as a node only
      edges.emplace_back(n.source, n.target);
      props.push_back(internal::EdgeProps{i});
      if (n.rel_type == RelType::kRevokedBy) g->revoked_by_[n.source] = n.target;
      if (n.rel_type == RelType::kSubtechniqueOf && n.active()) g->parent_[n.source] = n.target;
    } else if (n.type == "attack-pattern") {
      // An object of another domain follows that domain's kill chain, whose
      // phase names (e.g. mobile "execution") must not match this domain's tactics.
      if (!n.in_domain) p.phases.clear();
      std::sort(p.phases.begin(), p.phases.end(), [&](const std::string& a, const std::string& b) {
        auto ra = tactic_rank.find(a), rb = tactic_rank.find(b);
        size_t xa = ra == tactic_rank.end() ? SIZE_MAX : ra->second, xb = rb == tactic_rank.end() ? SIZE_MAX : rb->second;
        return xa != xb ? xa < xb : a < b;
      });
      p.phases.erase(std::unique(p.phases.begin(), p.phases.end()), p.phases.end());
      n.tactics = std::move(p.phases);
      g->techniques_.push_back(i);
    } else if (n.type == "x-mitre-detection-strategy") {
      for (auto& ref : p.refs)
        if (NodeId a = find(ref); a != kNoNode) n.refs.push_back(a);
    } else if (n.type == "x-mitre-analytic") {
      for (auto& ls : p.log_sources)
        n.log_sources.push_back(LogSourceRef{find(ls.data_component_ref), std::move(ls.name), std::move(ls.channel)});
    } else if (n.type == "x-mitre-data-component" && !p.data_source_ref.empty()) {
      if (NodeId ds = find(p.data_source_ref); ds != kNoNode) n.data_source = g->nodes_[ds].name;
    }
  }
  std::sort(g->techniques_.begin(), g->techniques_.end(), [&](NodeId a, NodeId b) {
    const Node &x = g->nodes_[a], &y = g->nodes_[b];
    return x.attack_id != y.attack_id ? x.attack_id < y.attack_id : x.stix_id < y.stix_id;
  });

  std::vector<std::string_view> technique_ids;
  for (NodeId t : g->techniques_)
    if (g->nodes_[t].in_domain) technique_ids.push_back(g->nodes_[t].attack_id);
  g->technique_id_shape_ = TechniqueIdShape::Of(technique_ids);

  g->bgl_ = std::make_unique<internal::BglGraph>();
  g->bgl_->csr = internal::Csr(boost::edges_are_unsorted_multi_pass, edges.begin(), edges.end(), props.begin(),
                               static_cast<uint32_t>(g->nodes_.size()));
  g->approx_bytes_ = g->EstimateBytes();
  return std::shared_ptr<const ReleaseGraph>(std::move(g));
}

bool TechniqueIdShape::Matches(std::string_view id) const {
  auto digits_at = [&](size_t pos, size_t n) {
    if (pos + n > id.size()) return false;
    for (size_t i = pos; i < pos + n; ++i)
      if (id[i] < '0' || id[i] > '9') return false;
    return true;
  };
  if (id.size() < prefix.size() || ToUpper(id.substr(0, prefix.size())) != ToUpper(prefix)) return false;
  const size_t p = prefix.size();
  if (!digits_at(p, digits)) return false;
  if (id.size() == p + digits) return true;
  return id.size() == p + digits + 1 + sub_digits && id[p + digits] == '.' && digits_at(p + digits + 1, sub_digits);
}

std::string TechniqueIdShape::Example() const {
  return Cat(prefix, std::string(digits, '0'), " or ", prefix, std::string(digits, '0'), ".", std::string(sub_digits, '0'));
}

TechniqueIdShape TechniqueIdShape::Of(const std::vector<std::string_view>& technique_ids) {
  // Each ID read as prefix, digits, then optionally '.' and digits; the most
  // common prefix and length win, and the most common sub-technique length.
  std::map<std::pair<std::string_view, size_t>, size_t> shapes;
  std::map<size_t, size_t> sub_lengths;
  for (std::string_view id : technique_ids) {
    const size_t dot = id.rfind('.');
    std::string_view main = id;
    if (dot != std::string_view::npos && dot + 1 < id.size() &&
        std::all_of(id.begin() + dot + 1, id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      main = id.substr(0, dot);
      ++sub_lengths[id.size() - dot - 1];
    }
    size_t first_digit = main.size();
    while (first_digit > 0 && main[first_digit - 1] >= '0' && main[first_digit - 1] <= '9') --first_digit;
    if (first_digit == 0 || first_digit == main.size()) continue;  // no prefix, or no digits
    ++shapes[{main.substr(0, first_digit), main.size() - first_digit}];
  }
  TechniqueIdShape shape;
  size_t best = 0;
  for (auto& [key, n] : shapes)
    if (n > best) best = n, shape.prefix = std::string(key.first), shape.digits = key.second;
  best = 0;
  for (auto& [len, n] : sub_lengths)
    if (n > best) best = n, shape.sub_digits = len;
  return shape;
}

size_t ReleaseGraph::EstimateBytes() const {
  auto str = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
  auto strs = [&](const std::vector<std::string>& v) {
    size_t b = v.capacity() * sizeof(std::string);
    for (const auto& x : v) b += str(x);
    return b;
  };
  size_t bytes = sizeof(*this) + nodes_.capacity() * sizeof(Node);
  for (const Node& n : nodes_) {
    for (const std::string* s : {&n.stix_id, &n.type, &n.attack_id, &n.name, &n.version, &n.modified, &n.url,
                                 &n.object_key, &n.description, &n.data_source})
      bytes += str(*s);
    bytes += strs(n.platforms) + strs(n.aliases) + strs(n.tactics) + n.refs.capacity() * sizeof(NodeId);
    for (const LogSourceRef& ls : n.log_sources) bytes += sizeof(LogSourceRef) + str(ls.name) + str(ls.channel);
  }
  // Hash maps: a node and a bucket per entry, roughly.
  constexpr size_t kMapEntry = 48;
  bytes += (by_stix_.size() + by_attack_id_.size() + tactic_by_shortname_.size() + revoked_by_.size() +
            parent_.size()) * kMapEntry;
  for (const auto& [id, v] : by_attack_id_) bytes += str(id) + v.capacity() * sizeof(NodeId);
  bytes += (tactics_.capacity() + techniques_.capacity()) * sizeof(NodeId);
  // The CSR graph: offsets per node, target and property per edge (both directions).
  bytes += nodes_.size() * 2 * sizeof(uint32_t) + edge_count() * 4 * sizeof(uint32_t);
  return bytes;
}

NodeId ReleaseGraph::FindStix(std::string_view stix_id) const {
  auto it = by_stix_.find(stix_id);
  return it == by_stix_.end() ? kNoNode : it->second;
}

const std::vector<NodeId>& ReleaseGraph::FindAttackId(std::string_view attack_id) const {
  static const std::vector<NodeId> kEmpty;
  auto it = by_attack_id_.find(ToUpper(attack_id));
  return it == by_attack_id_.end() ? kEmpty : it->second;
}

NodeId ReleaseGraph::FindTacticByShortname(std::string_view shortname) const {
  auto it = tactic_by_shortname_.find(std::string(shortname));
  return it == tactic_by_shortname_.end() ? kNoNode : it->second;
}

NodeId ReleaseGraph::RevokedBySuccessor(NodeId n) const {
  auto it = revoked_by_.find(n);
  return it == revoked_by_.end() ? kNoNode : it->second;
}

NodeId ReleaseGraph::ParentOf(NodeId n) const {
  auto it = parent_.find(n);
  return it == parent_.end() ? kNoNode : it->second;
}

size_t ReleaseGraph::edge_count() const { return boost::num_edges(bgl_->csr); }

}  // namespace ttpgraph
