// Gap (SPEC.md "Gap"): the techniques used by a threat selection (a set of
// groups) whose coverage by an organization is below DETECTED, ranked by the
// number of selected groups using them (ties: more software + campaigns
// through which they use it, then ATT&CK ID), and telemetry recommendations:
// the data components that turn the most BLIND gaps into LOGGED, chosen
// greedily, with the count each adds.
//
// The coverage comes from graph/coverage.h (computed by the caller for the
// same graph), the usage from a GroupUsageIndex (graph/group_usage.h): every
// active in-domain group's techniques with provenance, built once per
// (release, usage paths) and shared.
//
//   auto usage = GroupUsageIndex::Build(*g, UsagePaths{}, QueryLimits{});
//   auto cov = ComputeCoverage(*g, *dindex, view, CoverageOptions{}, QueryLimits{});
//   auto groups = ResolveGroups(*g, {"G0016", "G0007"});   // graph/overlap.h
//   auto gaps = ComputeGaps(*g, *dindex, *usage, *cov, *groups, GapOptions{}, QueryLimits{});
//   for (const Gap& gap : gaps->gaps) ...
//
// Pure: no I/O, no logging; safe to call concurrently. Techniques outside the
// release's domain (not in the coverage report) are left out. Statuses are the
// technique's own (never a roll-up: a detected sub-technique does not close
// its parent's gap).
// Errors: INVALID_ARGUMENT for min_groups < 1, a group not in the index, or
// a coverage report with a roll-up policy; DEADLINE_EXCEEDED past limits.deadline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/coverage.h"
#include "graph/detectability.h"
#include "graph/group_usage.h"
#include "graph/queries.h"
#include "graph/query_limits.h"
#include "graph/release_graph.h"

namespace ttpgraph {

struct GapOptions {
  int min_groups = 1;              // techniques used by fewer selected groups are left out
  size_t max_recommendations = 10;
};

struct Gap {
  NodeId technique = kNoNode;
  CoverageStatus status = CoverageStatus::kBlind;  // kLogged or kBlind
  std::vector<NodeId> groups;     // selected groups using it, by ATT&CK ID
  std::vector<NodeId> software;   // software through which they use it, by ATT&CK ID
  std::vector<NodeId> campaigns;  // attributed campaigns through which they use it, by ATT&CK ID
  std::vector<NodeId> data_components;       // can detect it (DetectabilityIndex), by ATT&CK ID
  std::vector<NodeId> collected_components;  // kLogged: the collected ones
};

struct TelemetryRecommendation {
  NodeId data_component = kNoNode;
  int gaps_added = 0;  // BLIND gaps it makes LOGGED that no earlier recommendation did
  int cumulative = 0;
};

struct GapReport {
  std::vector<NodeId> groups;  // the selection, as given
  int techniques_used = 0;     // in-domain techniques the selection uses (before min_groups)
  int detected = 0;            // used by >= min_groups selected groups and DETECTED
  int logged = 0, blind = 0;   // gaps by status
  int blind_without_telemetry = 0;  // BLIND gaps no data component can detect
  std::vector<Gap> gaps;       // ranked
  std::vector<TelemetryRecommendation> recommendations;
};

// `coverage` must have been computed on `g` with RollupPolicy::kNone and no
// tactic/platform filter (techniques missing from it count as out of scope).
absl::StatusOr<GapReport> ComputeGaps(const ReleaseGraph& g, const DetectabilityIndex& detectability,
                                      const GroupUsageIndex& usage, const CoverageReport& coverage,
                                      const std::vector<NodeId>& groups, const GapOptions& options,
                                      const QueryLimits& limits);

}  // namespace ttpgraph
