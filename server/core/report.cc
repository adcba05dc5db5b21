#include "server/core/report.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "server/core/analysis.h"
#include "server/core/coverage.h"
#include "server/core/defense.h"
#include "server/core/organizations.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

constexpr size_t kBlindSpots = 10;

ReportStatus StatusOf(CoverageStatus s) {
  switch (s) {
    case CoverageStatus::kDetected: return ReportStatus::kDetected;
    case CoverageStatus::kLogged: return ReportStatus::kLogged;
    default: return ReportStatus::kBlind;
  }
}

ReportRollup RollupOf(RollupPolicy p) {
  switch (p) {
    case RollupPolicy::kAny: return ReportRollup::kAny;
    case RollupPolicy::kAll: return ReportRollup::kAll;
    default: return ReportRollup::kNone;
  }
}

ReportTotals TotalsOf(const ttpgraph::CoverageReport& r) { return ReportTotals{r.total, r.detected, r.logged, r.blind}; }

const std::string& IdOrName(const Node& n) { return n.attack_id.empty() ? n.name : n.attack_id; }

std::string GroupLabel(const ReleaseGraph& g, NodeId n) { return Cat(g.node(n).name, " (", IdOrName(g.node(n)), ")"); }

// D3FEND and Atomic as far as they are loaded: a version or index asked by
// name must exist; the default one may be missing (the report says so).
absl::StatusOr<DefenseJoin> LoadedDefense(Application& app, const ReportQuery& q) {
  DefenseJoin join;
  auto d3fend = app.defense().D3fend(q.d3fend_version);
  if (d3fend.ok()) join.d3fend = std::move(*d3fend);
  else if (!q.d3fend_version.empty() || !absl::IsNotFound(d3fend.status()))
    return absl::Status(d3fend.status().code(), Cat("d3fend_version: ", d3fend.status().message()));
  auto atomic = app.defense().Atomic(q.atomic_index);
  if (atomic.ok()) join.atomic = std::move(*atomic);
  else if (!q.atomic_index.empty() || !absl::IsNotFound(atomic.status()))
    return absl::Status(atomic.status().code(), Cat("atomic_index: ", atomic.status().message()));
  return join;
}

// The trend's releases: those asked (each must exist, in the report's
// domain) and the report's own, once each, oldest first.
absl::StatusOr<std::vector<std::string>> TrendReleases(Application& app, const ReleaseContext& report,
                                                       const std::vector<std::string>& asked) {
  if (asked.empty()) return std::vector<std::string>{};
  if (asked.size() > app.limits().max_trend_releases)
    return absl::InvalidArgumentError(Cat("trend_releases: ", asked.size(), " releases, over the limit of ",
                                          app.limits().max_trend_releases, " (max_trend_releases)"));
  std::set<ReleaseId> ids = {report.id()};
  for (size_t i = 0; i < asked.size(); ++i) {
    if (asked[i].empty()) return absl::InvalidArgumentError(Cat("trend_releases[", i, "]: empty release"));
    auto ctx = app.releases().Get(asked[i]);
    if (!ctx.ok()) return absl::Status(ctx.status().code(), Cat("trend_releases[", i, "]: ", ctx.status().message()));
    if ((*ctx)->id().domain != report.id().domain)
      return absl::InvalidArgumentError(Cat("trend_releases[", i, "]: ", (*ctx)->id().Name(),
                                            " is not a release of ", report.id().domain,
                                            ", the domain of the report's release ", report.id().Name()));
    ids.insert((*ctx)->id());
  }
  std::vector<std::string> names;
  for (const ReleaseId& id : ids) names.push_back(id.Name());  // ReleaseId orders by version within a domain
  return names;
}

// The migration plan from the organization's release to the newest stored
// release of its domain, when that one is newer; nullopt otherwise.
absl::StatusOr<std::optional<ReportNextRelease>> NextRelease(Application& app, const Organization& org,
                                                             const QueryLimits& limits) {
  if (org.release.empty()) return std::nullopt;
  auto own = ReleaseRef::Parse(org.release);
  if (!own.ok() || own->latest) return std::nullopt;  // "latest" has no newer release
  ReleaseRef newest_ref;
  newest_ref.domain = own->domain;
  newest_ref.latest = true;
  auto newest = app.store().Resolve(newest_ref);
  if (!newest.ok()) return newest.status();
  if (!(own->version < newest->version)) return std::nullopt;
  auto from = app.releases().Get(org.release);
  if (!from.ok()) return from.status();
  auto to = app.releases().Get(*newest);
  if (!to.ok()) return to.status();
  NextReleaseCache::Key key{org.id, org.incarnation, org.generation, *from, *to};
  if (auto hit = app.next_releases().Find(key)) return hit;
  auto plan = PlanMigration(app, OrgId(org.id), org.release, newest->Name(), {}, limits);
  if (!plan.ok()) return plan.status();
  const MigrationPlan& p = plan->plan;
  ReportNextRelease n;
  n.from_release = p.from_release.Name();
  n.target_release = p.to_release.Name();
  n.detections_in_scope = p.detections_in_scope;
  n.unchanged = p.unchanged;
  n.auto_migrated = p.auto_migrated;
  n.needs_review = p.needs_review;
  n.orphaned = p.orphaned;
  n.coverage_before = TotalsOf(plan->impact.before);
  n.coverage_after = TotalsOf(plan->impact.after);
  for (MigrationAction action : {MigrationAction::kReview, MigrationAction::kOrphaned})  // needs review first
    for (const DetectionPlan* dp : plan->listed)
      for (const MappingPlan& m : dp->mappings)
        if (m.action == action) {
          const Detection& d = plan->detections[dp->detection];
          n.review.push_back({d.id, d.name, m.technique, action == MigrationAction::kReview ? "review" : "orphaned",
                              m.reasons});
        }
  key.generation = plan->org.generation;  // the record the plan read its detections after
  key.incarnation = plan->org.incarnation;
  app.next_releases().Put(key, n);
  return n;
}

}  // namespace

absl::StatusOr<CoverageReportAnswer> BuildCoverageReport(Application& app, const OrgId& org, const ReportQuery& query,
                                                         const QueryLimits& limits) {
  // The gap first: it checks the organization, the release and the groups,
  // naming what is unknown, before anything else is computed.
  GapQuery gq;
  gq.release = query.release;
  gq.group_ids = query.group_ids;
  auto gap = Gap(app, org, gq, limits);
  if (!gap.ok()) return gap.status();
  const ReleaseContext& release = *gap->release;
  const ReleaseGraph& g = release.graph();
  const std::string release_name = g.id().Name();
  auto defense = LoadedDefense(app, query);
  if (!defense.ok()) return defense.status();
  auto trend_releases = TrendReleases(app, release, query.trend_releases);
  if (!trend_releases.ok()) return trend_releases.status();

  CoverageQuery cq;
  cq.release = release_name;
  cq.options.rollup = query.rollup;
  auto cov = Coverage(app, org, cq, limits);
  if (!cov.ok()) return cov.status();
  auto inventory = GetInventory(app, org, release_name);
  if (!inventory.ok()) return inventory.status();
  auto usage = release.Usage(gq.paths, limits);
  if (!usage.ok()) return usage.status();

  CoverageReportAnswer out;
  out.release = release_name;
  ReportModel& m = out.model;

  // Header.
  const Organization& o = cov->org.org;
  m.header.organization = o.display_name.empty() ? o.id : o.display_name;
  m.header.organization_id = o.id;
  m.header.release = release_name;
  m.header.generated_at = query.generated_at;
  for (const OrgDetection& d : cov->org.view->detections) {
    m.header.rules_enabled += d.state == DetectionState::kEnabled;
    m.header.rules_disabled += d.state == DetectionState::kDisabled;
    m.header.rules_testing += d.state == DetectionState::kTesting;
  }
  std::set<NodeId> collected;
  for (const auto& resolved : inventory->resolved) collected.insert(resolved.begin(), resolved.end());
  m.header.data_components_collected = static_cast<int>(collected.size());
  const std::vector<NodeId>& groups = gap->report.groups;
  m.header.groups_selected = static_cast<int>(groups.size());
  if (query.group_ids.empty()) {
    m.header.threat_selection = Cat("all ", groups.size(), " active groups of ", release_name);
  } else {
    std::vector<std::string> names;
    for (NodeId n : groups) names.push_back(GroupLabel(g, n));
    m.header.threat_selection = Cat(names.size(), names.size() == 1 ? " group: " : " groups: ", Join(names, ", "));
  }

  // Tactics and techniques as the coverage counts them, each technique with
  // the number of selected groups using it.
  m.rollup = RollupOf(query.rollup);
  m.overall = TotalsOf(cov->report);
  for (const TacticCoverage& t : cov->report.tactics) {
    const Node& n = g.node(t.tactic);
    m.tactics.push_back({n.attack_id, n.tactics.empty() ? "" : n.tactics[0], n.name,
                         ReportTotals{t.techniques, t.detected, t.logged, t.blind}});
  }
  std::unordered_map<NodeId, int> groups_using;
  for (NodeId group : groups)
    if (const std::vector<GroupTechnique>* uses = (*usage)->UsesOf(group))
      for (const GroupTechnique& u : *uses) ++groups_using[u.technique];
  const OrgView& view = *cov->org.view;
  m.techniques.reserve(cov->report.techniques.size());
  for (const TechniqueCoverage& c : cov->report.techniques) {
    const Node& n = g.node(c.technique);
    ReportTechnique t;
    t.id = n.attack_id;
    t.name = n.name;
    t.tactics = n.tactics;
    t.is_subtechnique = n.is_subtechnique;
    if (NodeId parent = g.ParentOf(c.technique); parent != kNoNode) t.parent = g.node(parent).attack_id;
    t.status = StatusOf(c.status);
    t.rollup_status = StatusOf(c.rollup_status);
    if (auto it = groups_using.find(c.technique); it != groups_using.end()) t.groups_using = it->second;
    t.detections.reserve(c.detections.size());
    for (uint32_t d : c.detections) t.detections.push_back(view.detections[d].name);
    t.subtechniques = c.subtechniques;
    t.sub_detected = c.sub_detected;
    t.sub_logged = c.sub_logged;
    t.sub_blind = c.sub_blind;
    m.techniques.push_back(std::move(t));
  }

  // Top blind spots: the gaps in the gap's order, BLIND first; only those
  // shown are joined with D3FEND and Atomic.
  const std::vector<ttpgraph::Gap>& gaps = gap->report.gaps;
  std::vector<size_t> order(gaps.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_partition(order.begin(), order.end(), [&](size_t i) { return gaps[i].status == CoverageStatus::kBlind; });
  if (order.size() > kBlindSpots) order.resize(kBlindSpots);
  const DetectabilityIndex& index = release.detectability();
  std::vector<ReportBlindSpot> spots;
  for (size_t i : order) {
    const ttpgraph::Gap& gp = gaps[i];
    ReportBlindSpot b;
    b.technique_id = g.node(gp.technique).attack_id;
    b.technique_name = g.node(gp.technique).name;
    b.status = StatusOf(gp.status);
    for (NodeId n : gp.groups) b.groups.push_back(GroupLabel(g, n));
    for (NodeId n : gp.data_components) b.data_components.push_back(index.Label(n));
    for (NodeId n : gp.collected_components) b.collected_components.push_back(index.Label(n));
    if (defense->any()) {
      auto d = defense->For(release, gp.technique, limits);
      if (!d.ok()) return d.status();
      for (uint32_t c : d->countermeasures)
        b.countermeasures.push_back({defense->d3fend->technique(c).d3fend_id, defense->d3fend->technique(c).label});
      for (const AtomicTest* t : d->atomic_tests) b.atomic_tests.push_back({t->test_number, t->name});
    }
    spots.push_back(std::move(b));
  }
  m.blind_spots = TopBlindSpots(std::move(spots), kBlindSpots);  // ranks
  m.d3fend_loaded = defense->d3fend != nullptr;
  m.atomic_loaded = defense->atomic != nullptr;

  // Telemetry: the greedy recommendations, each BLIND gap under the first
  // that covers it, with the log sources ATT&CK's analytics name for the
  // component on those gaps.
  std::vector<ReportTelemetryGap> blind_gaps;
  std::unordered_map<std::string, NodeId> gap_node;
  for (const ttpgraph::Gap& gp : gaps) {
    if (gp.status != CoverageStatus::kBlind) continue;
    const Node& n = g.node(gp.technique);
    ReportTelemetryGap tg{n.attack_id, n.tactics, {}};
    for (NodeId dc : gp.data_components) tg.data_components.push_back(IdOrName(g.node(dc)));
    blind_gaps.push_back(std::move(tg));
    gap_node[n.attack_id] = gp.technique;
  }
  for (const TelemetryRecommendation& r : gap->report.recommendations) {
    const Node& n = g.node(r.data_component);
    m.telemetry.push_back({n.attack_id, n.name, {}, r.gaps_added, r.cumulative, {}});
  }
  AttributeTelemetryGaps(blind_gaps, m.tactics, &m.telemetry);
  for (size_t i = 0; i < m.telemetry.size(); ++i) {
    ReportTelemetry& r = m.telemetry[i];
    const NodeId dc = gap->report.recommendations[i].data_component;
    std::set<std::string> techniques, seen;
    for (const auto& tg : r.by_tactic) techniques.insert(tg.technique_ids.begin(), tg.technique_ids.end());
    for (const std::string& id : techniques)
      for (const DetectingComponent& c : TechniqueDetectability(g, gap_node[id]).components)
        if (c.data_component == dc)
          for (const LogSourceRef& ls : c.log_sources) {
            // ATT&CK 18 writes "None" for a log source without a channel (195 of them in 18.1).
            const bool no_channel = ls.channel.empty() || ls.channel == "None";
            std::string label = no_channel ? ls.name : Cat(ls.name, " ", ls.channel);
            if (seen.insert(label).second) r.log_sources.push_back(std::move(label));
          }
  }

  // Trend, in the report's roll-up so that its last point is the tactic table's total.
  if (!trend_releases->empty()) {
    CoverageOptions options;
    options.rollup = query.rollup;
    auto rows = CoverageTrend(app, org, *trend_releases, options, limits);
    if (!rows.ok()) return rows.status();
    for (const CoverageAnswer& a : *rows) m.trend.push_back({a.release->id().Name(), TotalsOf(a.report)});
  }

  auto next = NextRelease(app, o, limits);
  if (!next.ok()) return next.status();
  m.next_release = std::move(*next);

  if (absl::Status s = ValidateReportModel(m); !s.ok())
    return absl::InternalError(Cat("the report of ", o.id, " on ", release_name, " is inconsistent: ", s.message()));
  return out;
}

}  // namespace ttpgraph::core
