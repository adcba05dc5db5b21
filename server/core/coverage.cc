#include "server/core/coverage.h"

#include "storage/strings.h"

namespace ttpgraph::core {

absl::StatusOr<CoverageAnswer> Coverage(Application& app, const OrgId& org, const CoverageQuery& query,
                                        const QueryLimits& limits) {
  CoverageAnswer a;
  auto join = OpenDefenseJoin(app, query.countermeasures, query.d3fend_version, query.atomic_tests,
                              query.atomic_index);
  if (!join.ok()) return join.status();
  a.join = std::move(*join);
  auto snapshot = app.org_views().Get(org);
  if (!snapshot.ok()) return snapshot.status();
  a.org = std::move(*snapshot);
  auto release = app.releases().Get(query.release.empty() ? a.org.org.release : query.release);
  if (!release.ok()) return release.status();
  a.release = std::move(*release);
  auto compiled = app.org_views().Compiled(a.org, *a.release, limits);
  if (!compiled.ok()) return compiled.status();
  a.compiled = std::move(*compiled);
  CoverageOptions options = query.options;
  options.with_mapping_lists = false;  // read from `compiled`
  auto report = ComputeCoverage(a.release->graph(), a.release->detectability(), *a.compiled, options, limits);
  if (!report.ok()) return report.status();
  a.report = std::move(*report);
  if (a.join.any()) {
    a.defenses.reserve(a.report.techniques.size());
    for (const TechniqueCoverage& c : a.report.techniques) {
      auto d = a.join.For(*a.release, c.technique, limits);
      if (!d.ok()) return d.status();
      if (a.join.d3fend && !d->countermeasures.empty() && c.status == CoverageStatus::kBlind)
        ++a.blind_with_countermeasure;
      a.defenses.push_back(std::move(*d));
    }
  }
  return a;
}

absl::StatusOr<std::vector<CoverageAnswer>> CoverageTrend(Application& app, const OrgId& org,
                                                          const std::vector<std::string>& releases,
                                                          const CoverageOptions& options, const QueryLimits& limits) {
  if (releases.empty())
    return absl::InvalidArgumentError("give at least one release (releases: enterprise-attack@17.1, ...)");
  if (releases.size() > app.limits().max_trend_releases)
    return absl::InvalidArgumentError(Cat(releases.size(), " releases asked, over the limit of ",
                                          app.limits().max_trend_releases, " per trend (max_trend_releases)"));
  std::vector<CoverageAnswer> out;
  for (const std::string& release : releases) {
    if (release.empty()) return absl::InvalidArgumentError("releases: an entry is empty");
    CoverageQuery q;
    q.release = release;
    q.options = options;
    auto a = Coverage(app, org, q, limits);
    if (!a.ok()) return a.status();
    out.push_back(std::move(*a));
  }
  return out;
}

}  // namespace ttpgraph::core
