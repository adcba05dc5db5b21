// The executive coverage report use case (ReportService.GetCoverageReport,
// issue 13): the ReportModel (report_model.h) of one organization on one
// release, built from the other use cases, so every number is the one the
// coverage, gap, trend and migration answers give:
//
//   header, tactics, heatmap   core::Coverage (the asked roll-up), the
//                              organization's view (rules by state) and
//                              core::GetInventory (data components collected)
//   blind spots, telemetry     core::Gap over the threat selection; the top 10
//                              joined with D3FEND and Atomic when loaded; each
//                              recommendation's log sources from the analytics
//                              of the gaps it addresses
//   groups using a technique   the release's group-usage index (the gap's paths)
//   trend                      core::CoverageTrend over the releases given,
//                              the report's own added, oldest first
//   next release               core::PlanMigration from the organization's
//                              release to the newest stored one of its domain,
//                              when that is newer
//
//   ReportQuery q;
//   q.release = "enterprise-attack@18.1";
//   q.group_ids = {"G0007", "G0016"};           // empty: every active group
//   q.trend_releases = {"enterprise-attack@17.1"};
//   q.generated_at = "2026-12-03T09:00:00Z";    // the caller's clock
//   TTP_ASSIGN_OR_RETURN(CoverageReportAnswer a, core::BuildCoverageReport(app, OrgId("acme"), q, limits));
//   std::string html = RenderReportHtml(a.model);  // server/export/report_render.h
//
// Errors: NOT_FOUND naming an unknown organization, release, trend release,
// group, or an explicitly asked D3FEND version or Atomic index (with none
// asked, a missing one leaves its column out and the report says so);
// INVALID_ARGUMENT for an organization without a release when none is asked,
// a trend release of another domain, more trend releases than
// max_trend_releases; DEADLINE_EXCEEDED / CANCELLED as limits say. Reads only.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/coverage.h"
#include "server/core/application.h"
#include "server/core/report_model.h"

namespace ttpgraph::core {

struct ReportQuery {
  std::string release;                   // "" = the organization's
  std::vector<std::string> group_ids;    // the threat selection; empty = every active group
  RollupPolicy rollup = RollupPolicy::kNone;
  std::vector<std::string> trend_releases;  // empty = no trend
  std::string d3fend_version;            // "" = the newest imported, if any
  std::string atomic_index;              // "" = "default", if imported
  std::string generated_at;              // shown in the header (RFC 3339)
};

struct CoverageReportAnswer {
  std::string release;  // resolved, e.g. enterprise-attack@18.1
  ReportModel model;    // passes ValidateReportModel
};

absl::StatusOr<CoverageReportAnswer> BuildCoverageReport(Application& app, const OrgId& org, const ReportQuery& query,
                                                         const QueryLimits& limits);

}  // namespace ttpgraph::core
