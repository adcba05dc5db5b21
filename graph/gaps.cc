#include "graph/gaps.h"

#include <algorithm>

#include "storage/strings.h"

namespace ttpgraph {
namespace {

// Sorted by ATT&CK ID (the index's precomputed rank), duplicates dropped.
void SortUnique(const GroupUsageIndex& usage, std::vector<NodeId>* ids) {
  std::sort(ids->begin(), ids->end(), [&](NodeId a, NodeId b) { return usage.Rank(a) < usage.Rank(b); });
  ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
}

}  // namespace

absl::StatusOr<GapReport> ComputeGaps(const ReleaseGraph& g, const DetectabilityIndex& detectability,
                                      const GroupUsageIndex& usage, const CoverageReport& coverage,
                                      const std::vector<NodeId>& groups, const GapOptions& options,
                                      const QueryLimits& limits) {
  if (options.min_groups < 1)
    return absl::InvalidArgumentError(Cat("min_groups: must be at least 1, got ", options.min_groups));
  if (coverage.rollup != RollupPolicy::kNone)
    return absl::InvalidArgumentError("gap needs each technique's own coverage status (roll-up policy none)");
  const size_t n_nodes = g.nodes().size();
  // Coverage by node: index into coverage.techniques, -1 when out of scope.
  std::vector<int32_t> cov_of(n_nodes, -1);
  for (size_t i = 0; i < coverage.techniques.size(); ++i) {
    NodeId t = coverage.techniques[i].technique;
    if (t < n_nodes) cov_of[t] = static_cast<int32_t>(i);
  }

  GapReport report;
  report.groups = groups;
  struct Acc {
    NodeId technique;
    std::vector<NodeId> groups, software, campaigns;
  };
  std::vector<Acc> acc;
  std::vector<int32_t> slot(n_nodes, -1);
  for (NodeId group : groups) {
    const std::vector<GroupTechnique>* uses = usage.UsesOf(group);
    if (uses == nullptr)
      return absl::InvalidArgumentError(Cat(group < n_nodes ? g.node(group).attack_id : std::string("?"),
                                            " is not an active group of ", g.id().Name()));
    for (const GroupTechnique& gt : *uses) {
      if (gt.technique >= n_nodes || cov_of[gt.technique] < 0) continue;  // outside the domain
      int32_t& s = slot[gt.technique];
      if (s < 0) {
        s = static_cast<int32_t>(acc.size());
        acc.push_back(Acc{gt.technique, {}, {}, {}});
      }
      Acc& a = acc[s];
      a.groups.push_back(group);
      a.software.insert(a.software.end(), gt.via_software.begin(), gt.via_software.end());
      a.campaigns.insert(a.campaigns.end(), gt.via_campaigns.begin(), gt.via_campaigns.end());
    }
  }
  if (auto s = limits.Check("collecting the selection's techniques"); !s.ok()) return s;
  report.techniques_used = static_cast<int>(acc.size());

  for (Acc& a : acc) {
    if (static_cast<int>(a.groups.size()) < options.min_groups) continue;
    const TechniqueCoverage& c = coverage.techniques[cov_of[a.technique]];
    if (c.status == CoverageStatus::kDetected) {
      ++report.detected;
      continue;
    }
    Gap gap;
    gap.technique = a.technique;
    gap.status = c.status;
    gap.groups = std::move(a.groups);
    SortUnique(usage, &gap.groups);
    gap.software = std::move(a.software);
    SortUnique(usage, &gap.software);
    gap.campaigns = std::move(a.campaigns);
    SortUnique(usage, &gap.campaigns);
    gap.data_components = detectability.ComponentsFor(a.technique);
    SortUnique(usage, &gap.data_components);
    if (c.status == CoverageStatus::kLogged) {
      gap.collected_components = c.collected_components;
      SortUnique(usage, &gap.collected_components);
      ++report.logged;
    } else {
      ++report.blind;
      if (gap.data_components.empty()) ++report.blind_without_telemetry;
    }
    report.gaps.push_back(std::move(gap));
  }
  std::sort(report.gaps.begin(), report.gaps.end(), [&](const Gap& x, const Gap& y) {
    if (x.groups.size() != y.groups.size()) return x.groups.size() > y.groups.size();
    size_t ux = x.software.size() + x.campaigns.size(), uy = y.software.size() + y.campaigns.size();
    if (ux != uy) return ux > uy;
    return usage.Rank(x.technique) < usage.Rank(y.technique);
  });

  // Greedy telemetry recommendations over the BLIND gaps: each round takes the
  // data component that makes the most still-BLIND gaps LOGGED (ties: ATT&CK
  // ID), until none adds any or the asked number is reached.
  std::vector<NodeId> candidates;
  std::vector<std::vector<uint32_t>> covers;  // candidate -> blind gap indices
  std::vector<int32_t> cand_of(n_nodes, -1);
  for (uint32_t i = 0; i < report.gaps.size(); ++i) {
    const Gap& gap = report.gaps[i];
    if (gap.status != CoverageStatus::kBlind) continue;
    for (NodeId dc : gap.data_components) {
      if (cand_of[dc] < 0) {
        cand_of[dc] = static_cast<int32_t>(candidates.size());
        candidates.push_back(dc);
        covers.emplace_back();
      }
      covers[cand_of[dc]].push_back(i);
    }
  }
  // Candidates in ATT&CK ID order so the first maximum wins ties.
  std::vector<size_t> order(candidates.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t x, size_t y) { return usage.Rank(candidates[x]) < usage.Rank(candidates[y]); });
  std::vector<char> closed(report.gaps.size(), 0);
  std::vector<char> taken(candidates.size(), 0);
  int cumulative = 0;
  while (report.recommendations.size() < options.max_recommendations) {
    int best = -1, best_count = 0;
    for (size_t c : order) {
      if (taken[c]) continue;
      int count = 0;
      for (uint32_t i : covers[c]) count += !closed[i];
      if (count > best_count) best = static_cast<int>(c), best_count = count;
    }
    if (best < 0) break;
    taken[best] = 1;
    for (uint32_t i : covers[best]) closed[i] = 1;
    cumulative += best_count;
    report.recommendations.push_back(TelemetryRecommendation{candidates[best], best_count, cumulative});
  }
  return report;
}

}  // namespace ttpgraph
