#include "graph/coverage.h"

#include <algorithm>
#include <unordered_map>

#include "absl/time/clock.h"
#include "graph/detection_mapping.h"
#include "graph/queries.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

// How one technique ID of a detection lands in the release.
struct Resolution {
  NodeId target = kNoNode;      // the active technique it covers, or kNoNode
  std::vector<NodeId> chain;    // revoked-by hops when carried
  std::string stale_reason;     // set when it covers nothing
};

Resolution Resolve(const ReleaseGraph& g, const std::string& id, const QueryLimits& limits) {
  Resolution r;
  auto n = ResolveObject(g, id, "attack-pattern");
  if (!n.ok()) {
    r.stale_reason = Cat("not in ", g.id().Name());
    return r;
  }
  const Node& node = g.node(*n);
  if (node.revoked) {
    RevokedChain chain = FollowRevokedBy(g, *n, limits);
    if (!chain.ends_active(g)) {
      r.stale_reason = chain.cycle      ? "revoked; its revoked-by chain loops"
                       : chain.too_long ? "revoked; its revoked-by chain is too long"
                                        : "revoked without an active successor";
      return r;
    }
    r.target = chain.hops.back();
    r.chain = std::move(chain.hops);
  } else if (node.deprecated) {
    r.stale_reason = "deprecated";
    return r;
  } else {
    r.target = *n;
  }
  if (!g.node(r.target).in_domain) {
    r.stale_reason = Cat("outside the ", g.id().domain, " domain");
    r.target = kNoNode;
    r.chain.clear();
  }
  return r;
}

CoverageStatus Better(CoverageStatus a, CoverageStatus b) { return a > b ? a : b; }

}  // namespace

NodeId ResolveInventoryComponent(const ReleaseGraph& g, const DetectabilityIndex& index, const InventoryEntry& e) {
  for (const std::string* key : {&e.data_component_stix_id, &e.data_component, &e.data_component_name}) {
    if (key->empty()) continue;
    NodeId dc = index.FindComponent(*key);
    if (dc != kNoNode && g.node(dc).active()) return dc;
  }
  return kNoNode;
}

const char* CoverageStatusName(CoverageStatus s) {
  switch (s) {
    case CoverageStatus::kDetected: return "DETECTED";
    case CoverageStatus::kLogged: return "LOGGED";
    default: return "BLIND";
  }
}

namespace {
bool Counts(DetectionState state, const std::string& source_format, std::string_view sigma_status) {
  if (state != DetectionState::kEnabled) return false;
  const std::string status = ToLower(sigma_status);
  return !(source_format == "sigma" && (status == "deprecated" || status == "unsupported"));
}

// A technique ID the mapping release did not know counts wherever it exists
// (SPEC.md "Detection"): coverage resolves it again, like the mapped ones.
// IDs that are not technique IDs at all never resolve and are left out.
void AddUnresolved(const std::vector<std::string>& unresolved, std::vector<std::string>* techniques) {
  for (const std::string& id : unresolved)
    if (WellFormedTechniqueId(id) && std::find(techniques->begin(), techniques->end(), id) == techniques->end())
      techniques->push_back(id);
}

}  // namespace

bool DetectionCounts(const Detection& d) { return Counts(d.state, d.source_format, d.sigma_status); }
bool DetectionCounts(const DetectionBrief& d) { return Counts(d.state, d.source_format, d.sigma_status); }

OrgView MakeOrgView(std::string org_id, std::vector<DetectionBrief> detections, std::vector<InventoryEntry> inventory) {
  OrgView v;
  v.org_id = std::move(org_id);
  v.detections.reserve(detections.size());
  for (DetectionBrief& d : detections) v.detections.push_back(MakeOrgDetection(std::move(d)));
  v.inventory = std::move(inventory);
  return v;
}

OrgDetection MakeOrgDetection(DetectionBrief d) {
  const bool counts = DetectionCounts(d);
  AddUnresolved(d.unresolved_techniques, &d.techniques);
  return OrgDetection{std::move(d.id), std::move(d.name), counts, std::move(d.techniques), std::move(d.data_components),
                      d.state};
}

OrgView MakeOrgView(std::string org_id, const std::vector<Detection>& detections,
                    std::vector<InventoryEntry> inventory) {
  OrgView v;
  v.org_id = std::move(org_id);
  v.detections.reserve(detections.size());
  for (const Detection& d : detections) {
    std::vector<std::string> techniques = d.techniques;
    AddUnresolved(d.unresolved_techniques, &techniques);
    v.detections.push_back(OrgDetection{d.id, d.name, DetectionCounts(d), std::move(techniques), d.data_components,
                                        d.state});
  }
  v.inventory = std::move(inventory);
  return v;
}

absl::StatusOr<CoverageReport> ComputeCoverage(const ReleaseGraph& g, const OrgView& org, const QueryLimits& limits) {
  auto index = DetectabilityIndex::Build(g);
  return ComputeCoverage(g, *index, org, CoverageOptions{}, limits);
}

absl::StatusOr<CoverageReport> ComputeCoverage(const ReleaseGraph& g, const DetectabilityIndex& index,
                                               const OrgView& org, const CoverageOptions& options,
                                               const QueryLimits& limits) {
  auto compiled = CompileCoverage(g, index, org, limits);
  if (!compiled.ok()) return compiled.status();
  return ComputeCoverage(g, index, **compiled, options, limits);
}

absl::StatusOr<std::shared_ptr<const CompiledCoverage>> CompileCoverage(const ReleaseGraph& g,
                                                                        const DetectabilityIndex& index,
                                                                        const OrgView& org, const QueryLimits& limits) {
  auto out = std::make_shared<CompiledCoverage>();
  CompiledCoverage& c = *out;
  const std::vector<NodeId>& techniques = g.techniques();
  const size_t n_tech = techniques.size();

  // Telemetry the organization collects.
  std::vector<char> collected(g.nodes().size(), 0);
  for (const InventoryEntry& e : org.inventory) {
    if (!e.data_component.empty() || !e.data_component_stix_id.empty()) {
      NodeId dc = ResolveInventoryComponent(g, index, e);
      if (dc == kNoNode) {
        c.unresolved_inventory.push_back(e.data_component.empty() ? e.data_component_stix_id : e.data_component);
        continue;
      }
      collected[dc] = 1;
    } else {
      auto dcs = index.ComponentsForLogSource(e.log_source_name, e.log_source_channel);
      if (dcs.empty()) {
        c.unresolved_inventory.push_back(Cat(e.log_source_name, e.log_source_channel.empty() ? "" : " / ",
                                             e.log_source_channel));
        continue;
      }
      for (NodeId dc : dcs) collected[dc] = 1;
    }
  }

  // Detections onto techniques: (technique slot, detection) pairs, grouped
  // below with a counting sort so each technique's list keeps detection order.
  std::vector<std::pair<uint32_t, uint32_t>> hits;
  std::vector<uint32_t> per_slot(n_tech, 0);
  std::vector<uint32_t> last_of_slot(n_tech, 0xffffffffu);
  std::unordered_map<std::string, Resolution> resolved;
  std::unordered_map<std::string, NodeId> components;
  for (uint32_t i = 0; i < org.detections.size(); ++i) {
    if ((i & 1023) == 1023)
      if (absl::Status s = limits.Check("compiling coverage"); !s.ok()) return s;
    const OrgDetection& d = org.detections[i];
    if (!d.counts) {
      ++c.detections_ignored;
      continue;
    }
    ++c.detections_counted;
    for (const std::string& t : d.techniques) {
      auto it = resolved.find(t);
      if (it == resolved.end()) it = resolved.emplace(t, Resolve(g, t, limits)).first;
      const Resolution& r = it->second;
      if (r.target == kNoNode) {
        c.stale.push_back(StaleMapping{i, t, r.stale_reason});
        continue;
      }
      if (!r.chain.empty()) c.carried.push_back(CarriedMapping{i, t, r.chain});
      const uint32_t slot = index.TechniqueSlot(r.target);
      if (slot == DetectabilityIndex::kNoSlot || last_of_slot[slot] == i) continue;
      last_of_slot[slot] = i;
      ++per_slot[slot];
      hits.emplace_back(slot, i);
    }
    // The data components a detection reads are alternatives: it can fire
    // when any one is collected, and cannot when none is.
    if (!d.data_components.empty()) {
      UnfireableDetection u{i, {}};
      bool fires = false;
      for (const std::string& dcid : d.data_components) {
        auto it = components.find(dcid);
        if (it == components.end()) it = components.emplace(dcid, index.FindComponent(dcid)).first;
        if (it->second == kNoNode) u.missing_components.push_back(Cat(dcid, " (not in ", g.id().Name(), ")"));
        else if (collected[it->second]) fires = true;
        else u.missing_components.push_back(index.Label(it->second));
      }
      if (!fires) c.cannot_fire.push_back(std::move(u));
    }
  }
  c.techniques.resize(n_tech);
  uint32_t offset = 0;
  for (size_t s = 0; s < n_tech; ++s) {
    c.techniques[s].detections_begin = c.techniques[s].detections_end = offset;
    offset += per_slot[s];
  }
  c.detections.resize(offset);
  for (auto& [slot, det] : hits) c.detections[c.techniques[slot].detections_end++] = det;

  // Own status of every active in-domain technique, with its collected components.
  for (size_t s = 0; s < n_tech; ++s) {
    const NodeId t = techniques[s];
    const Node& node = g.node(t);
    CompiledCoverage::Technique& ct = c.techniques[s];
    ct.collected_begin = static_cast<uint32_t>(c.collected_components.size());
    if (node.active() && node.in_domain) {
      for (NodeId dc : index.ComponentsFor(t))
        if (collected[dc]) c.collected_components.push_back(dc);
      if (ct.detections_end > ct.detections_begin) ct.status = CoverageStatus::kDetected;
      else if (c.collected_components.size() > ct.collected_begin) ct.status = CoverageStatus::kLogged;
    }
    ct.collected_end = static_cast<uint32_t>(c.collected_components.size());
  }
  // Sub-technique counts and the two roll-up policies, onto parents.
  for (size_t s = 0; s < n_tech; ++s) {
    CompiledCoverage::Technique& ct = c.techniques[s];
    ct.rollup_any = ct.rollup_all = ct.status;
  }
  std::vector<char> all_detected(n_tech, 1), all_logged(n_tech, 1);
  for (size_t s = 0; s < n_tech; ++s) {
    const NodeId t = techniques[s];
    const Node& node = g.node(t);
    if (!node.active() || !node.in_domain || !node.is_subtechnique) continue;
    const NodeId p = g.ParentOf(t);
    const uint32_t ps = p == kNoNode ? DetectabilityIndex::kNoSlot : index.TechniqueSlot(p);
    if (ps == DetectabilityIndex::kNoSlot) continue;
    CompiledCoverage::Technique& parent = c.techniques[ps];
    const CoverageStatus st = c.techniques[s].status;
    ++parent.subtechniques;
    switch (st) {
      case CoverageStatus::kDetected: ++parent.sub_detected; break;
      case CoverageStatus::kLogged: ++parent.sub_logged; all_detected[ps] = 0; break;
      default: ++parent.sub_blind; all_detected[ps] = all_logged[ps] = 0;
    }
    parent.rollup_any = Better(parent.rollup_any, st);
  }
  for (size_t s = 0; s < n_tech; ++s) {
    CompiledCoverage::Technique& ct = c.techniques[s];
    if (ct.subtechniques == 0) continue;
    ct.rollup_all = all_detected[s] ? CoverageStatus::kDetected
                    : all_logged[s] ? Better(ct.status, CoverageStatus::kLogged)
                                    : ct.status;
  }
  if (absl::Status s = limits.Check("compiling coverage"); !s.ok()) return s;
  return std::shared_ptr<const CompiledCoverage>(std::move(out));
}

absl::StatusOr<CoverageReport> ComputeCoverage(const ReleaseGraph& g, const DetectabilityIndex& index,
                                               const CompiledCoverage& compiled, const CoverageOptions& options,
                                               const QueryLimits& limits) {
  CoverageReport report;
  report.rollup = options.rollup;
  if (options.with_mapping_lists) {
    report.stale = compiled.stale;
    report.carried = compiled.carried;
    report.cannot_fire = compiled.cannot_fire;
    report.unresolved_inventory = compiled.unresolved_inventory;
  }
  report.detections_counted = compiled.detections_counted;
  report.detections_ignored = compiled.detections_ignored;

  TechniqueFilter filter;
  filter.tactic = options.tactic;
  filter.platform = options.platform;
  auto listed = ListTechniques(g, filter);
  if (!listed.ok()) return listed.status();
  report.techniques.reserve(listed->size());
  for (NodeId t : *listed) {
    const uint32_t slot = index.TechniqueSlot(t);
    if (slot == DetectabilityIndex::kNoSlot || slot >= compiled.techniques.size())
      return absl::InternalError("coverage compiled against another release");
    const CompiledCoverage::Technique& ct = compiled.techniques[slot];
    TechniqueCoverage c;
    c.technique = t;
    c.status = ct.status;
    c.detections.assign(compiled.detections.begin() + ct.detections_begin,
                        compiled.detections.begin() + ct.detections_end);
    c.collected_components.assign(compiled.collected_components.begin() + ct.collected_begin,
                                  compiled.collected_components.begin() + ct.collected_end);
    c.subtechniques = ct.subtechniques;
    c.sub_detected = ct.sub_detected;
    c.sub_logged = ct.sub_logged;
    c.sub_blind = ct.sub_blind;
    switch (options.rollup) {
      case RollupPolicy::kNone: c.rollup_status = c.status; break;
      case RollupPolicy::kAny: c.rollup_status = ct.rollup_any; break;
      case RollupPolicy::kAll: c.rollup_status = ct.rollup_all; break;
    }
    ++report.total;
    switch (c.rollup_status) {
      case CoverageStatus::kDetected: ++report.detected; break;
      case CoverageStatus::kLogged: ++report.logged; break;
      default: ++report.blind;
    }
    report.techniques.push_back(std::move(c));
  }
  if (absl::Status s = limits.Check("computing coverage"); !s.ok()) return s;

  // Per-tactic summary, matrix order.
  std::string only_tactic;
  if (!options.tactic.empty()) {
    NodeId t = g.FindTacticByShortname(options.tactic);
    if (t == kNoNode) {
      auto byid = ResolveObject(g, options.tactic, "x-mitre-tactic");
      if (byid.ok()) t = *byid;
    }
    if (t != kNoNode && !g.node(t).tactics.empty()) only_tactic = g.node(t).tactics[0];
  }
  std::unordered_map<std::string_view, size_t> slot;
  for (NodeId t : g.tactics()) {
    const Node& node = g.node(t);
    if (!node.active() || !node.in_domain || node.tactics.empty()) continue;
    if (!only_tactic.empty() && node.tactics[0] != only_tactic) continue;
    if (slot.count(node.tactics[0])) continue;
    slot.emplace(node.tactics[0], report.tactics.size());
    report.tactics.push_back(TacticCoverage{t});
  }
  for (const TechniqueCoverage& c : report.techniques)
    for (const std::string& shortname : g.node(c.technique).tactics) {
      auto it = slot.find(shortname);
      if (it == slot.end()) continue;
      TacticCoverage& tc = report.tactics[it->second];
      ++tc.techniques;
      switch (c.rollup_status) {
        case CoverageStatus::kDetected: ++tc.detected; break;
        case CoverageStatus::kLogged: ++tc.logged; break;
        default: ++tc.blind;
      }
    }
  return report;
}

}  // namespace ttpgraph
