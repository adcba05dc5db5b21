// Coverage use cases (OrgService.GetCoverage, GetCoverageTrend,
// ExportCoverageLayer): an organization's coverage of a release (SPEC.md
// "Coverage"), computed over the organization's cached view compiled against
// the release (OrgViews), optionally joined with D3FEND countermeasures and
// Atomic tests.
//
//   CoverageQuery q;  q.release = "enterprise-attack@18.1";
//   TTP_ASSIGN_OR_RETURN(CoverageAnswer a, core::Coverage(app, OrgId("acme"), q, limits));
//   a.report.detected;  a.report.techniques[i].status;
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/coverage.h"
#include "server/core/application.h"
#include "server/core/defense.h"

namespace ttpgraph::core {

struct CoverageQuery {
  std::string release;  // "" = the organization's
  CoverageOptions options;
  bool countermeasures = false;
  std::string d3fend_version;
  bool atomic_tests = false;
  std::string atomic_index;
};

struct CoverageAnswer {
  std::shared_ptr<const ReleaseContext> release;
  OrgSnapshot org;
  std::shared_ptr<const CompiledCoverage> compiled;  // stale, carried, cannot_fire, unresolved inventory
  CoverageReport report;                             // without those lists (read them from `compiled`)
  DefenseJoin join;
  std::vector<TechniqueDefense> defenses;            // per report.techniques entry, when join.any()
  int blind_with_countermeasure = 0;                 // when countermeasures were asked
};
// NOT_FOUND for an unknown organization, release or tactic; the join's errors.
absl::StatusOr<CoverageAnswer> Coverage(Application& app, const OrgId& org, const CoverageQuery& query,
                                        const QueryLimits& limits);
// One answer per release, in the order given (INVALID_ARGUMENT for none, an
// empty entry, or more than max_trend_releases).
absl::StatusOr<std::vector<CoverageAnswer>> CoverageTrend(Application& app, const OrgId& org,
                                                          const std::vector<std::string>& releases,
                                                          const CoverageOptions& options, const QueryLimits& limits);

}  // namespace ttpgraph::core
