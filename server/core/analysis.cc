#include "server/core/analysis.h"

#include <algorithm>
#include <map>
#include <set>

#include "storage/status_macros.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

bool SamePaths(const UsagePaths& a, const UsagePaths& b) {
  return a.direct == b.direct && a.software == b.software && a.campaigns == b.campaigns;
}

}  // namespace

// ---- diff ------------------------------------------------------------------------

std::shared_ptr<const DiffEntry> DiffCache::Find(const ReleaseContext& from, const ReleaseContext& to,
                                                 const UsagePaths& paths) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if ((*it)->from->incarnation() == from.incarnation() && (*it)->to->incarnation() == to.incarnation() &&
        SamePaths((*it)->paths, paths)) {
      auto hit = *it;
      entries_.erase(it);
      entries_.push_front(hit);
      ++hits_;
      return hit;
    }
  ++misses_;
  return nullptr;
}

DiffCache::Stats DiffCache::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{entries_.size(), hits_, misses_};
}

void DiffCache::Put(std::shared_ptr<const DiffEntry> entry) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_front(std::move(entry));
  if (entries_.size() > capacity_) entries_.pop_back();
}

void DiffCache::Drop(const ReleaseId& id) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.remove_if([&](const auto& e) { return e->from->id() == id || e->to->id() == id; });
}

absl::StatusOr<std::shared_ptr<const DiffEntry>> Diff(Application& app, std::string_view from_ref,
                                                      std::string_view to_ref, const UsagePaths& paths,
                                                      const QueryLimits& limits) {
  if (absl::Status s = CheckUsagePaths(paths); !s.ok()) return s;
  auto from = app.releases().Get(from_ref);
  if (!from.ok()) return from.status();
  auto to = app.releases().Get(to_ref);
  if (!to.ok()) return to.status();
  if ((*from)->id().domain != (*to)->id().domain)
    return absl::InvalidArgumentError(Cat("from_release ", (*from)->id().Name(), " and to_release ",
                                          (*to)->id().Name(),
                                          " belong to different domains; a diff compares two releases of one domain"));
  if (auto hit = app.diffs().Find(**from, **to, paths)) return hit;
  const ReleaseGraph &fg = (*from)->graph(), &tg = (*to)->graph();
  std::vector<std::string> keys = DiffContentKeys(fg, tg);
  auto json = app.store().GetReleaseObjects({fg.id(), tg.id()}, keys);
  if (!json.ok()) return json.status();
  DiffContent content;
  content.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) content.emplace(std::move(keys[i]), std::move((*json)[i]));
  // The group-usage indexes gap and overlap share (built on first use).
  auto from_usage = (*from)->Usage(paths, limits);
  if (!from_usage.ok()) return from_usage.status();
  auto to_usage = (*to)->Usage(paths, limits);
  if (!to_usage.ok()) return to_usage.status();
  auto report = DiffReleases(fg, tg, content, limits, paths, from_usage->get(), to_usage->get());
  if (!report.ok()) return report.status();
  auto entry = std::make_shared<const DiffEntry>(DiffEntry{*from, *to, paths, std::move(*report)});
  app.diffs().Put(entry);
  return entry;
}

// ---- overlap ---------------------------------------------------------------------

absl::StatusOr<OverlapAnswer> OverlapGroups(Application& app, std::string_view release,
                                            const std::vector<std::string>& ids, const UsagePaths& paths,
                                            const QueryLimits& limits) {
  if (absl::Status s = CheckUsagePaths(paths); !s.ok()) return s;
  auto ctx = app.releases().Get(release);
  if (!ctx.ok()) return ctx.status();
  OverlapAnswer a;
  a.release = std::move(*ctx);
  auto usage = a.release->Usage(paths, limits);
  if (!usage.ok()) return usage.status();
  a.usage = std::move(*usage);
  auto groups = ResolveGroups(a.release->graph(), ids, &a.resolved, limits);
  if (!groups.ok()) return groups.status();
  a.groups = std::move(*groups);
  return a;
}

// ---- gap -------------------------------------------------------------------------

absl::StatusOr<GapAnswer> Gap(Application& app, const OrgId& org, const GapQuery& query, const QueryLimits& limits) {
  if (absl::Status s = CheckUsagePaths(query.paths); !s.ok()) return s;
  GapAnswer a;
  auto snapshot = app.org_views().Get(org);
  if (!snapshot.ok()) return snapshot.status();
  a.org = std::move(*snapshot);
  const std::string& release = query.release.empty() ? a.org.org.release : query.release;
  if (release.empty())
    return absl::InvalidArgumentError(Cat("release: give the release (organization ", org.str(),
                                          " has no default release)"));
  auto ctx = app.releases().Get(release);
  if (!ctx.ok()) return ctx.status();
  a.release = std::move(*ctx);
  const ReleaseGraph& g = a.release->graph();
  auto usage = a.release->Usage(query.paths, limits);
  if (!usage.ok()) return usage.status();
  std::vector<NodeId> groups;
  std::vector<std::string> group_ids = query.group_ids;
  if (query.where) {
    TTP_ASSIGN_OR_RETURN(GroupsWhereAnswer where, GroupsWhere(app, org, *a.release, query.where->property,
                                                               query.where->values));
    a.custom_groups = std::move(where.custom_groups);
    if (where.release_groups.empty()) {
      std::vector<std::string> custom;
      for (auto& c : a.custom_groups) custom.push_back(Cat(c.attack_id, " (", c.view, ")"));
      return absl::InvalidArgumentError(Cat(
          "threat.custom_property: no active group of ", g.id().Name(), " has ", query.where->property, " holding ",
          Join(query.where->values, " or "),
          where.extensions.empty() ? Cat(" (organization ", org.str(), " has no extension on ", g.id().Name(), ")")
                                   : Cat(" (in ", g.id().Name(), " or extensions ", Join(where.extensions, ", "), ")"),
          custom.empty() ? "" : Cat("; only custom groups do: ", Join(custom, ", "),
                                    ", which a gap over the release does not count")));
    }
    group_ids = std::move(where.release_groups);
  }
  if (group_ids.empty()) {
    groups = (*usage)->groups();  // every active in-domain group
  } else {
    auto resolved = ResolveGroups(g, group_ids, &a.resolved, limits);
    if (!resolved.ok()) return resolved.status();
    groups = std::move(*resolved);
  }
  if (groups.empty()) return absl::InvalidArgumentError(Cat("no active group in ", g.id().Name()));
  auto join = OpenDefenseJoin(app, query.countermeasures, query.d3fend_version, query.atomic_tests,
                              query.atomic_index);
  if (!join.ok()) return join.status();
  a.join = std::move(*join);
  // Gap ranks techniques by their own status: the organization's compiled
  // coverage on this release, without roll-up or filters.
  auto compiled = app.org_views().Compiled(a.org, *a.release, limits);
  if (!compiled.ok()) return compiled.status();
  CoverageOptions options;
  options.with_mapping_lists = false;
  auto coverage = ComputeCoverage(g, a.release->detectability(), **compiled, options, limits);
  if (!coverage.ok()) return coverage.status();
  GapOptions go;
  go.min_groups = query.min_groups;
  go.max_recommendations = query.max_recommendations;
  auto report = ComputeGaps(g, a.release->detectability(), **usage, *coverage, groups, go, limits);
  if (!report.ok()) return report.status();
  a.report = std::move(*report);
  if (a.join.any()) {
    a.defenses.reserve(a.report.gaps.size());
    for (const ttpgraph::Gap& gap : a.report.gaps) {
      auto d = a.join.For(*a.release, gap.technique, limits);
      if (!d.ok()) return d.status();
      a.defenses.push_back(std::move(*d));
    }
  }
  return a;
}

// ---- migration -------------------------------------------------------------------

absl::StatusOr<MigrationAnswer> PlanMigration(Application& app, const OrgId& org, std::string_view from,
                                              std::string_view to, const std::vector<std::string>& detection_ids,
                                              const QueryLimits& limits) {
  if (from.empty()) return absl::InvalidArgumentError("from_release: give the release the detections were mapped to");
  if (to.empty()) return absl::InvalidArgumentError("to_release: give the release to migrate to");
  for (size_t i = 0; i < detection_ids.size(); ++i)
    if (auto s = ValidateDetectionId(detection_ids[i]); !s.ok())
      return absl::InvalidArgumentError(Cat("detection_ids[", i, "]: ", s.message()));
  MigrationAnswer a;
  // The record, detections and inventory as of one moment: the plan's
  // generation is the one its detections were read at (ApplyMigration's
  // compare-and-set relies on it).
  auto at = app.orgs().Snapshot();
  auto record = app.orgs().GetOrg(org, at.get());
  if (!record.ok()) return record.status();
  a.org = std::move(*record);
  auto all = app.orgs().ListDetections(org, at.get());
  if (!all.ok()) return all.status();
  auto inventory = app.orgs().GetInventory(org, at.get());
  if (!inventory.ok()) return inventory.status();
  at.reset();
  auto diff = Diff(app, from, to, UsagePaths{}, limits);
  if (!diff.ok()) return diff.status();
  a.diff = std::move(*diff);
  if (detection_ids.empty()) {
    a.detections = *all;
  } else {
    std::map<std::string, size_t> by_id;
    for (size_t i = 0; i < all->size(); ++i) by_id[(*all)[i].id] = i;
    std::vector<std::string> missing;
    std::set<std::string> seen;
    for (const std::string& id : detection_ids) {
      auto it = by_id.find(id);
      if (it == by_id.end()) missing.push_back(id);
      else if (seen.insert(id).second) a.detections.push_back((*all)[it->second]);
    }
    if (!missing.empty())
      return absl::NotFoundError(Cat("organization ", org.str(), " has no detection ", Join(missing, ", ")));
  }
  const ReleaseContext &fc = *a.diff->from, &tc = *a.diff->to;
  auto plan = ttpgraph::PlanMigration(fc.graph(), tc.graph(), a.diff->report, a.detections, limits);
  if (!plan.ok()) return plan.status();
  a.plan = std::move(*plan);
  auto impact = ComputeMigrationImpact(fc.graph(), fc.detectability(), tc.graph(), tc.detectability(),
                                       a.diff->report, a.plan, a.detections, *all, *inventory, limits);
  if (!impact.ok()) return impact.status();
  a.impact = std::move(*impact);
  for (const DetectionPlan& dp : a.plan.detections)
    if (dp.action != MigrationAction::kUnchanged || dp.changes) a.listed.push_back(&dp);
  std::sort(a.listed.begin(), a.listed.end(), [&](const DetectionPlan* x, const DetectionPlan* y) {
    return a.detections[x->detection].id < a.detections[y->detection].id;
  });
  return a;
}

absl::StatusOr<AppliedMigration> ApplyMigration(Application& app, const OrgId& org, std::string_view from,
                                                std::string_view to, const std::vector<std::string>& detection_ids,
                                                bool apply, const QueryLimits& limits, AuditEntry* audit,
                                                int64_t expected_generation) {
  AppliedMigration out;
  auto plan = PlanMigration(app, org, from, to, detection_ids, limits);
  if (!plan.ok()) return plan.status();
  out.plan = std::move(*plan);
  auto changed = [&](int64_t now) {
    return absl::AbortedError(Cat("organization '", org.str(), "' changed since the plan was read (generation ",
                                  expected_generation > 0 ? expected_generation : out.plan.org.generation, ", now ",
                                  now, "); nothing was written: re-plan and apply again"));
  };
  if (expected_generation > 0 && out.plan.org.generation != expected_generation)
    return changed(out.plan.org.generation);
  std::vector<Detection> migrated = MigratedDetections(out.plan.plan, out.plan.detections);
  for (const Detection& d : migrated) out.written_ids.push_back(d.id);
  if (!apply || migrated.empty()) return out;
  if (auto s = limits.Check("applying the migration"); !s.ok()) return s;
  // One batch, and only over what the plan was made from.
  if (audit)
    for (const std::string& id : out.written_ids) audit->Affect(id);
  auto outcomes = app.orgs().PutDetections(org, std::move(migrated), false, out.plan.org.generation, audit);
  if (absl::IsAborted(outcomes.status())) {
    auto now = app.orgs().GetOrg(org);
    if (!now.ok()) return now.status();
    return changed(now->generation);
  }
  if (!outcomes.ok()) return outcomes.status();
  out.applied = true;
  return out;
}

}  // namespace ttpgraph::core
