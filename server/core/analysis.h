// Analysis use cases (the AnalysisService): release diff, group overlap and
// similarity, and the organization analyses gap and migration.
//
// Diffs are computed once per (from build, to build, usage paths) and kept in a
// small LRU (DiffCache, owned by the Application); group techniques come from
// the release's shared usage index; organizations from OrgViews. ApplyMigration
// writes through the single OrgStore as a compare-and-set on the
// organization's generation: a detection changed since the plan was read
// makes it ABORTED, never overwritten.
//
//   TTP_ASSIGN_OR_RETURN(auto diff, core::Diff(app, "enterprise-attack@17.1", "enterprise-attack@18.1", UsagePaths{}, limits));
//   TTP_ASSIGN_OR_RETURN(GapAnswer gap, core::Gap(app, OrgId("acme"), query, limits));
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/diff.h"
#include "graph/gaps.h"
#include "graph/migration.h"
#include "graph/overlap.h"
#include "server/core/application.h"
#include "server/core/extensions.h"
#include "server/core/defense.h"

namespace ttpgraph::core {

// INVALID_ARGUMENT for releases of two domains.
absl::StatusOr<std::shared_ptr<const DiffEntry>> Diff(Application& app, std::string_view from, std::string_view to,
                                                      const UsagePaths& paths, const QueryLimits& limits);

struct OverlapAnswer {
  std::shared_ptr<const ReleaseContext> release;
  std::shared_ptr<const GroupUsageIndex> usage;
  std::vector<NodeId> groups;              // the selection, resolved
  std::vector<ActiveObject> resolved;      // revoked groups asked, and what they stand for
};
// The release's usage index and the groups `ids` name ("" = every active group).
absl::StatusOr<OverlapAnswer> OverlapGroups(Application& app, std::string_view release,
                                            const std::vector<std::string>& ids, const UsagePaths& paths,
                                            const QueryLimits& limits);

// ---- gap ----
struct GapQuery {
  std::string release;                 // "" = the organization's
  std::vector<std::string> group_ids;  // empty = every active group (unless `where` selects)
  // Threat selection by a custom property (GroupsWhere, core/extensions.h):
  // the release's groups whose property holds one of the values.
  struct Where {
    std::string property;
    std::vector<std::string> values;
  };
  std::optional<Where> where;
  UsagePaths paths;
  int min_groups = 1;
  size_t max_recommendations = 10;
  bool countermeasures = false;
  std::string d3fend_version;
  bool atomic_tests = false;
  std::string atomic_index;
};
struct GapAnswer {
  std::shared_ptr<const ReleaseContext> release;
  OrgSnapshot org;
  std::vector<ActiveObject> resolved;  // revoked groups asked, and what they stand for
  // `where`: the extensions' own groups that match too; the gap is over the
  // release's groups, so they are named, not counted.
  std::vector<ExtensionGroup> custom_groups;
  GapReport report;
  DefenseJoin join;
  std::vector<TechniqueDefense> defenses;  // per report.gaps entry, when join.any()
};
absl::StatusOr<GapAnswer> Gap(Application& app, const OrgId& org, const GapQuery& query, const QueryLimits& limits);

// ---- migration ----
struct MigrationAnswer {
  std::shared_ptr<const DiffEntry> diff;
  Organization org;                     // as read before the detections
  std::vector<Detection> detections;    // in scope (all, or those asked)
  MigrationPlan plan;
  MigrationImpact impact;
  std::vector<const DetectionPlan*> listed;  // detections with something to say, by id
};
// NOT_FOUND naming every detection asked that the organization lacks.
absl::StatusOr<MigrationAnswer> PlanMigration(Application& app, const OrgId& org, std::string_view from,
                                              std::string_view to, const std::vector<std::string>& detection_ids,
                                              const QueryLimits& limits);
struct AppliedMigration {
  MigrationAnswer plan;
  std::vector<std::string> written_ids;  // rewritten (or that would be, without apply)
  bool applied = false;
};
// Without `apply` a dry run. With it, one batch, compare-and-set on the
// generation the plan was read at: ABORTED (nothing written; re-plan) when a
// detection or the inventory changed since, so a concurrent edit is never
// overwritten nor a deleted detection brought back. `expected_generation` > 0:
// the generation of a plan read earlier (MigrationAnswer::org.generation),
// ABORTED unless the organization is still there.
absl::StatusOr<AppliedMigration> ApplyMigration(Application& app, const OrgId& org, std::string_view from,
                                                std::string_view to, const std::vector<std::string>& detection_ids,
                                                bool apply, const QueryLimits& limits, AuditEntry* audit = nullptr,
                                                int64_t expected_generation = 0);

}  // namespace ttpgraph::core
