#include "graph/coverage.h"

#include <algorithm>
#include <unordered_map>

#include "absl/time/clock.h"
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
    if (chain.hops.empty() || chain.cycle || !g.node(chain.hops.back()).active()) {
      r.stale_reason = chain.cycle ? "revoked; its revoked-by chain loops" : "revoked without an active successor";
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

const char* CoverageStatusName(CoverageStatus s) {
  switch (s) {
    case CoverageStatus::kDetected: return "DETECTED";
    case CoverageStatus::kLogged: return "LOGGED";
    default: return "BLIND";
  }
}

bool DetectionCounts(const Detection& d) {
  if (d.state != DetectionState::kEnabled) return false;
  const std::string status = ToLower(d.sigma_status);
  return !(d.source_format == "sigma" && (status == "deprecated" || status == "unsupported"));
}

OrgView MakeOrgView(std::string org_id, const std::vector<Detection>& detections,
                    std::vector<InventoryEntry> inventory) {
  OrgView v;
  v.org_id = std::move(org_id);
  v.detections.reserve(detections.size());
  for (const Detection& d : detections)
    v.detections.push_back(OrgDetection{d.id, d.name, DetectionCounts(d), d.techniques, d.data_components});
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
  CoverageReport report;
  report.rollup = options.rollup;
  const size_t n_nodes = g.nodes().size();
  auto past_deadline = [&] { return absl::Now() > limits.deadline; };
  auto deadline_error = [] { return absl::DeadlineExceededError("coverage took longer than the deadline"); };

  // Telemetry the organization collects.
  std::vector<char> collected(n_nodes, 0);
  for (const InventoryEntry& e : org.inventory) {
    if (!e.data_component.empty()) {
      NodeId dc = index.FindComponent(e.data_component);
      if (dc == kNoNode || !g.node(dc).active()) {
        report.unresolved_inventory.push_back(e.data_component);
        continue;
      }
      collected[dc] = 1;
    } else {
      auto dcs = index.ComponentsForLogSource(e.log_source_name, e.log_source_channel);
      if (dcs.empty()) {
        report.unresolved_inventory.push_back(Cat(e.log_source_name, e.log_source_channel.empty() ? "" : " / ",
                                                  e.log_source_channel));
        continue;
      }
      for (NodeId dc : dcs) collected[dc] = 1;
    }
  }

  // Detections onto techniques.
  std::vector<std::vector<uint32_t>> by_technique(n_nodes);
  std::unordered_map<std::string, Resolution> resolved;
  std::unordered_map<std::string, NodeId> components;
  for (uint32_t i = 0; i < org.detections.size(); ++i) {
    if ((i & 1023) == 1023 && past_deadline()) return deadline_error();
    const OrgDetection& d = org.detections[i];
    if (!d.counts) {
      ++report.detections_ignored;
      continue;
    }
    ++report.detections_counted;
    for (const std::string& t : d.techniques) {
      auto it = resolved.find(t);
      if (it == resolved.end()) it = resolved.emplace(t, Resolve(g, t, limits)).first;
      const Resolution& r = it->second;
      if (r.target == kNoNode) {
        report.stale.push_back(StaleMapping{i, t, r.stale_reason});
        continue;
      }
      if (!r.chain.empty()) report.carried.push_back(CarriedMapping{i, t, r.chain});
      auto& list = by_technique[r.target];
      if (list.empty() || list.back() != i) list.push_back(i);
    }
    if (!d.data_components.empty()) {
      UnfireableDetection u{i, {}};
      for (const std::string& c : d.data_components) {
        auto it = components.find(c);
        if (it == components.end()) it = components.emplace(c, index.FindComponent(c)).first;
        if (it->second == kNoNode) u.missing_components.push_back(Cat(c, " (not in ", g.id().Name(), ")"));
        else if (!collected[it->second]) u.missing_components.push_back(ComponentLabel(g, it->second));
      }
      if (!u.missing_components.empty()) report.cannot_fire.push_back(std::move(u));
    }
  }

  // Status of every active in-domain technique, then roll-up onto parents.
  std::vector<CoverageStatus> status(n_nodes, CoverageStatus::kBlind);
  std::vector<std::vector<NodeId>> subs(n_nodes);
  for (NodeId t : g.techniques()) {
    const Node& node = g.node(t);
    if (!node.active() || !node.in_domain) continue;
    if (!by_technique[t].empty()) {
      status[t] = CoverageStatus::kDetected;
    } else {
      for (NodeId dc : index.ComponentsFor(t))
        if (collected[dc]) {
          status[t] = CoverageStatus::kLogged;
          break;
        }
    }
    if (node.is_subtechnique)
      if (NodeId p = g.ParentOf(t); p != kNoNode) subs[p].push_back(t);
  }

  TechniqueFilter filter;
  filter.tactic = options.tactic;
  filter.platform = options.platform;
  auto listed = ListTechniques(g, filter);
  if (!listed.ok()) return listed.status();
  report.techniques.reserve(listed->size());
  for (NodeId t : *listed) {
    TechniqueCoverage c;
    c.technique = t;
    c.status = status[t];
    c.detections = by_technique[t];
    for (NodeId dc : index.ComponentsFor(t))
      if (collected[dc]) c.collected_components.push_back(dc);
    c.subtechniques = static_cast<int>(subs[t].size());
    CoverageStatus any = c.status;
    bool all_detected = !subs[t].empty(), all_logged = !subs[t].empty();
    for (NodeId s : subs[t]) {
      switch (status[s]) {
        case CoverageStatus::kDetected: ++c.sub_detected; break;
        case CoverageStatus::kLogged: ++c.sub_logged; all_detected = false; break;
        default: ++c.sub_blind; all_detected = all_logged = false;
      }
      any = Better(any, status[s]);
    }
    switch (options.rollup) {
      case RollupPolicy::kNone: c.rollup_status = c.status; break;
      case RollupPolicy::kAny: c.rollup_status = any; break;
      case RollupPolicy::kAll:
        c.rollup_status = all_detected ? CoverageStatus::kDetected
                          : all_logged ? Better(c.status, CoverageStatus::kLogged)
                                       : c.status;
        break;
    }
    ++report.total;
    switch (c.rollup_status) {
      case CoverageStatus::kDetected: ++report.detected; break;
      case CoverageStatus::kLogged: ++report.logged; break;
      default: ++report.blind;
    }
    report.techniques.push_back(std::move(c));
  }
  if (past_deadline()) return deadline_error();

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
  std::unordered_map<std::string, size_t> slot;
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
