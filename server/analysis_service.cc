#include "server/analysis_service.h"

#include <algorithm>

#include <set>

#include "graph/queries.h"
#include "server/d3fend_service.h"
#include "server/defense_join.h"
#include "server/export/diff_layer.h"
#include "server/export/gap_layer.h"
#include "server/export/overlap_layer.h"
#include "server/page_token.h"
#include "server/proto_convert.h"
#include "server/rpc_util.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

constexpr size_t kDiffCacheSize = 4;
constexpr size_t kViewCacheSize = 64;
constexpr int kDefaultRecommendations = 10;
constexpr int kMaxRecommendations = 1000;
constexpr int kDefaultTopK = 10;
constexpr int kMaxTopK = 1000;
const absl::Duration kDefaultDeadline = absl::Seconds(30);

QueryLimits LimitsFor(const grpc::ServerContext* ctx) {
  QueryLimits l;
  absl::Time client = absl::FromChrono(ctx->deadline());
  l.deadline = std::min(client, absl::Now() + kDefaultDeadline);
  return l;
}

UsagePaths PathsOf(bool no_direct, bool no_software, bool no_campaigns) {
  return UsagePaths{!no_direct, !no_software, !no_campaigns};
}

std::string PathsKey(const UsagePaths& p) { return Cat(p.direct ? "d" : "-", p.software ? "s" : "-", p.campaigns ? "c" : "-"); }

const char* MigrationWord(const TechniqueFate& f) {
  if (f.kind == TechniqueFateKind::kDeprecated || f.kind == TechniqueFateKind::kDeleted ||
      (f.kind == TechniqueFateKind::kRevoked && f.successor == kNoNode))
    return "ORPHANED";
  return f.NeedsReview() ? "REVIEW" : "AUTO";
}

v1::TechniqueFate::Kind KindOf(TechniqueFateKind k) {
  switch (k) {
    case TechniqueFateKind::kSame: return v1::TechniqueFate::SAME;
    case TechniqueFateKind::kMajorChange: return v1::TechniqueFate::MAJOR_CHANGE;
    case TechniqueFateKind::kRevoked: return v1::TechniqueFate::REVOKED;
    case TechniqueFateKind::kDeprecated: return v1::TechniqueFate::DEPRECATED;
    case TechniqueFateKind::kDeleted: return v1::TechniqueFate::DELETED;
  }
  return v1::TechniqueFate::KIND_UNSPECIFIED;
}

void DeltaToProto(const ReleaseGraph& from, const ReleaseGraph& to, const SetDelta& d, v1::ObjectDelta* out) {
  for (NodeId n : d.gained) ToProto(to, n, out->add_gained());
  for (NodeId n : d.lost) ToProto(from, n, out->add_lost());
}

void FillRelationshipDiffs(const ReleaseGraph& from, const ReleaseGraph& to, const DiffReport& r,
                           v1::DiffReleasesResponse* resp) {
  for (const GroupDelta& d : r.groups) {
    auto* g = resp->add_groups();
    ToProto(to, d.to, g->mutable_group());
    DeltaToProto(from, to, d.techniques, g->mutable_techniques());
    DeltaToProto(from, to, d.software, g->mutable_software());
  }
  for (const CampaignDelta& d : r.campaigns) {
    auto* c = resp->add_campaigns();
    ToProto(to, d.to, c->mutable_campaign());
    DeltaToProto(from, to, d.techniques, c->mutable_techniques());
    DeltaToProto(from, to, d.groups, c->mutable_attributed_groups());
  }
  for (const TechniqueRelDelta& d : r.techniques) {
    auto* t = resp->add_techniques();
    ToProto(to, d.to, t->mutable_technique());
    DeltaToProto(from, to, d.mitigations, t->mutable_mitigations());
    DeltaToProto(from, to, d.strategies, t->mutable_detection_strategies());
    DeltaToProto(from, to, d.data_components, t->mutable_data_components());
  }
  for (const TacticChange& tc : r.tactic_changes) {
    auto* t = resp->add_tactic_changes();
    ToProto(to, tc.to, t->mutable_technique());
    for (auto& s : tc.removed) t->add_removed(s);
    for (auto& s : tc.added) t->add_added(s);
  }
  for (const TacticMove& m : r.tactic_moves) {
    auto* t = resp->add_tactic_moves();
    t->set_from_tactic(m.from_tactic);
    t->set_to_tactic(m.to_tactic);
    t->set_techniques(m.techniques);
  }
  for (const TacticFate& f : r.removed_tactics) {
    auto* t = resp->add_removed_tactics();
    ToProto(from, f.from, t->mutable_tactic());
    for (auto& s : f.destinations) t->add_destinations(s);
  }
  for (auto& s : r.added_tactics) resp->add_added_tactics(s);
  for (const ParentChange& pc : r.parent_changes) {
    auto* p = resp->add_parent_changes();
    ToProto(to, pc.to, p->mutable_technique());
    if (pc.old_parent != kNoNode) ToProto(from, pc.old_parent, p->mutable_old_parent());
    if (pc.new_parent != kNoNode) ToProto(to, pc.new_parent, p->mutable_new_parent());
  }
  auto detects = [](const DetectsModel& m, v1::DetectsModel* out) {
    out->set_from_data_components(m.from_data_components);
    out->set_from_detection_strategies(m.from_detection_strategies);
    out->set_other(m.other);
  };
  detects(r.from_detects, resp->mutable_from_detects());
  detects(r.to_detects, resp->mutable_to_detects());
  for (const TechniqueFate& f : r.technique_fates) {
    auto* t = resp->add_technique_fates();
    ToProto(from, f.from, t->mutable_technique());
    t->set_kind(KindOf(f.kind));
    t->set_category(ChangeCategoryName(f.category));
    if (f.successor != kNoNode) ToProto(to, f.successor, t->mutable_successor());
    t->set_chain_cycle(f.chain_cycle);
    t->set_tactic_moved(f.tactic_moved);
    t->set_parent_changed(f.parent_changed);
    for (NodeId m : f.merged_with) ToProto(from, m, t->add_merged_with());
    t->set_split(f.split);
    for (NodeId s : f.split_into) ToProto(to, s, t->add_split_into());
    t->set_migration(MigrationWord(f));
  }
}

}  // namespace

absl::StatusOr<std::shared_ptr<const AnalysisServiceImpl::DiffEntry>> AnalysisServiceImpl::Diff(
    const std::string& from_ref, const std::string& to_ref, const QueryLimits& limits) {
  TTP_ASSIGN_OR_RETURN(GraphPtr from, graphs_->Get(from_ref));
  TTP_ASSIGN_OR_RETURN(GraphPtr to, graphs_->Get(to_ref));
  if (from->id().domain != to->id().domain)
    return absl::InvalidArgumentError(Cat("from_release ", from->id().Name(), " and to_release ", to->id().Name(),
                                          " belong to different domains; a diff compares two releases of one domain"));
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = diffs_.begin(); it != diffs_.end(); ++it)
      if ((*it)->from == from && (*it)->to == to) {
        auto hit = *it;
        diffs_.erase(it);
        diffs_.push_front(hit);
        return hit;
      }
  }
  std::vector<std::string> keys = DiffContentKeys(*from, *to);
  TTP_ASSIGN_OR_RETURN(std::vector<std::string> json, store_->GetObjects(keys));
  DiffContent content;
  content.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) content.emplace(std::move(keys[i]), std::move(json[i]));
  TTP_ASSIGN_OR_RETURN(DiffReport report, ttpgraph::DiffReleases(*from, *to, content, limits));
  auto entry = std::make_shared<DiffEntry>(DiffEntry{from, to, std::move(report)});
  std::lock_guard<std::mutex> lock(mu_);
  diffs_.push_front(entry);
  if (diffs_.size() > kDiffCacheSize) diffs_.pop_back();
  return std::shared_ptr<const DiffEntry>(entry);
}

absl::StatusOr<std::shared_ptr<const AnalysisServiceImpl::IndexEntry>> AnalysisServiceImpl::Index(
    const std::string& release, const UsagePaths& paths, const QueryLimits& limits) {
  if (absl::Status s = CheckUsagePaths(paths); !s.ok()) return s;
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(release));
  const std::string key = Cat(g->id().Name(), "/", PathsKey(paths));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = indexes_.find(key);
    if (it != indexes_.end() && it->second->graph == g) return it->second;
  }
  TTP_ASSIGN_OR_RETURN(GroupTechniqueIndex index, GroupTechniqueIndex::Build(*g, paths, limits));
  auto entry = std::make_shared<IndexEntry>();
  entry->graph = g;
  entry->index = std::make_unique<GroupTechniqueIndex>(std::move(index));
  std::lock_guard<std::mutex> lock(mu_);
  indexes_[key] = entry;
  return std::shared_ptr<const IndexEntry>(entry);
}

grpc::Status AnalysisServiceImpl::DiffReleases(grpc::ServerContext* ctx, const v1::DiffReleasesRequest* req,
                                               v1::DiffReleasesResponse* resp) {
  return Serve(ctx, "DiffReleases", [&]() -> absl::Status {
    std::vector<bool> type_on(kDiffObjectTypeCount, req->object_types().empty());
    for (int i = 0; i < req->object_types_size(); ++i) {
      int found = -1;
      for (int t = 0; t < kDiffObjectTypeCount; ++t)
        if (req->object_types(i) == DiffObjectTypeName(static_cast<DiffObjectType>(t))) found = t;
      if (found < 0)
        return absl::InvalidArgumentError(Cat("object_types[", i, "]: unknown object type '", req->object_types(i),
                                              "' (techniques, software, groups, campaigns, assets, mitigations, "
                                              "datasources, datacomponents, detectionstrategies, analytics)"));
      type_on[found] = true;
    }
    std::vector<bool> cat_on(kChangeCategoryCount, req->categories().empty());
    if (req->categories().empty()) cat_on[static_cast<int>(ChangeCategory::kUnchanged)] = false;
    for (int i = 0; i < req->categories_size(); ++i) {
      int found = -1;
      for (int c = 0; c < kChangeCategoryCount; ++c)
        if (req->categories(i) == ChangeCategoryName(static_cast<ChangeCategory>(c))) found = c;
      if (found < 0 || static_cast<ChangeCategory>(found) == ChangeCategory::kUnchanged)
        return absl::InvalidArgumentError(Cat("categories[", i, "]: unknown category '", req->categories(i),
                                              "' (additions, major_version_changes, minor_version_changes, "
                                              "other_version_changes, patches, revocations, deprecations, deletions)"));
      cat_on[found] = true;
    }
    TTP_ASSIGN_OR_RETURN(auto entry, Diff(req->from_release(), req->to_release(), LimitsFor(ctx)));
    const ReleaseGraph &from = *entry->from, &to = *entry->to;
    const DiffReport& r = entry->report;
    resp->set_from_release(r.from_release.Name());
    resp->set_to_release(r.to_release.Name());
    for (int t = 0; t < kDiffObjectTypeCount; ++t) {
      if (!type_on[t]) continue;
      auto* s = resp->add_summary();
      s->set_object_type(DiffObjectTypeName(static_cast<DiffObjectType>(t)));
      for (int c = 0; c < kChangeCategoryCount; ++c) {
        auto* cc = s->add_counts();
        cc->set_category(ChangeCategoryName(static_cast<ChangeCategory>(c)));
        cc->set_count(r.summary[t].counts[c]);
      }
    }
    std::vector<const ObjectChange*> selected;
    for (const ObjectChange& c : r.changes)
      if (type_on[static_cast<int>(c.object_type)] && cat_on[static_cast<int>(c.category)]) selected.push_back(&c);
    TTP_ASSIGN_OR_RETURN(PageWindow window, ComputePage(*req, selected.size()));
    for (size_t i = window.begin; i < window.end; ++i) {
      const ObjectChange& c = *selected[i];
      auto* out = resp->add_changes();
      out->set_object_type(DiffObjectTypeName(c.object_type));
      out->set_category(ChangeCategoryName(c.category));
      if (c.to != kNoNode) ToProto(to, c.to, out->mutable_object());
      else ToProto(from, c.from, out->mutable_object());
      out->set_old_version(c.old_version);
      out->set_new_version(c.new_version);
      for (auto& f : c.changed_fields) out->add_changed_fields(f);
      if (!c.revoked_by.empty()) ToProto(to, RevokedChain{c.revoked_by, c.revoked_by_cycle}, out->mutable_revoked_by());
    }
    resp->mutable_page()->set_next_page_token(window.next_page_token);
    resp->mutable_page()->set_total_size(static_cast<int32_t>(selected.size()));
    if (req->page_token().empty()) FillRelationshipDiffs(from, to, r, resp);
    return absl::OkStatus();
  });
}

grpc::Status AnalysisServiceImpl::GetDiffLayer(grpc::ServerContext* ctx, const v1::DiffLayerRequest* req,
                                               v1::LayerResponse* resp) {
  return Serve(ctx, "GetDiffLayer", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto entry, Diff(req->from_release(), req->to_release(), LimitsFor(ctx)));
    DiffLayerOptions opts;
    opts.include_unchanged = req->include_unchanged();
    resp->set_layer_json(DiffLayerJson(*entry->from, *entry->to, entry->report, opts));
    int n = 0;
    for (size_t p = resp->layer_json().find("\"techniqueID\""); p != std::string::npos;
         p = resp->layer_json().find("\"techniqueID\"", p + 1))
      ++n;
    resp->set_technique_entries(n);
    return absl::OkStatus();
  });
}

grpc::Status AnalysisServiceImpl::GetOverlap(grpc::ServerContext* ctx, const v1::OverlapRequest* req,
                                             v1::OverlapResponse* resp) {
  return Serve(ctx, "GetOverlap", [&]() -> absl::Status {
    QueryLimits limits = LimitsFor(ctx);
    TTP_ASSIGN_OR_RETURN(auto entry, Index(req->release(), PathsOf(req->exclude_direct(), req->exclude_software(),
                                                                    req->exclude_campaigns()), limits));
    const ReleaseGraph& g = *entry->graph;
    TTP_ASSIGN_OR_RETURN(auto groups,
                         ResolveGroups(g, std::vector<std::string>(req->groups().begin(), req->groups().end())));
    TTP_ASSIGN_OR_RETURN(OverlapMatrix m, ComputeOverlap(*entry->index, groups, limits));
    TTP_ASSIGN_OR_RETURN(PageWindow window, ComputePage(*req, m.pairs.size()));
    if (req->page_token().empty())
      for (size_t i = 0; i < m.groups.size(); ++i) {
        auto* gc = resp->add_groups();
        ToProto(g, m.groups[i], gc->mutable_group());
        gc->set_techniques(m.technique_counts[i]);
      }
    for (size_t i = window.begin; i < window.end; ++i) {
      const OverlapPair& p = m.pairs[i];
      auto* out = resp->add_pairs();
      ToProto(g, m.groups[p.a], out->mutable_a());
      ToProto(g, m.groups[p.b], out->mutable_b());
      out->set_shared(p.shared);
      out->set_only_a(p.only_a);
      out->set_only_b(p.only_b);
      out->set_jaccard(p.jaccard);
    }
    resp->mutable_page()->set_next_page_token(window.next_page_token);
    resp->mutable_page()->set_total_size(static_cast<int32_t>(m.pairs.size()));
    return absl::OkStatus();
  });
}

grpc::Status AnalysisServiceImpl::GetSimilarGroups(grpc::ServerContext* ctx, const v1::SimilarGroupsRequest* req,
                                                   v1::SimilarGroupsResponse* resp) {
  return Serve(ctx, "GetSimilarGroups", [&]() -> absl::Status {
    if (req->group().empty()) return absl::InvalidArgumentError("group: give the group to compare (e.g. G0016)");
    if (req->k() < 0 || req->k() > kMaxTopK)
      return absl::InvalidArgumentError(Cat("k: must be between 1 and ", kMaxTopK, ", got ", req->k()));
    TTP_ASSIGN_OR_RETURN(auto entry, Index(req->release(), PathsOf(req->exclude_direct(), req->exclude_software(),
                                                                    req->exclude_campaigns()), LimitsFor(ctx)));
    const ReleaseGraph& g = *entry->graph;
    TTP_ASSIGN_OR_RETURN(auto groups, ResolveGroups(g, {req->group()}));
    const size_t k = req->k() == 0 ? kDefaultTopK : static_cast<size_t>(req->k());
    TTP_ASSIGN_OR_RETURN(auto similar, MostSimilarGroups(*entry->index, groups[0], k));
    ToProto(g, groups[0], resp->mutable_group());
    resp->set_techniques(static_cast<int32_t>(entry->index->techniques(entry->index->IndexOf(groups[0])).size()));
    for (const SimilarGroup& s : similar) {
      auto* out = resp->add_similar();
      ToProto(g, s.group, out->mutable_group());
      out->set_shared(s.shared);
      out->set_only_target(s.only_target);
      out->set_only_other(s.only_other);
      out->set_jaccard(s.jaccard);
    }
    return absl::OkStatus();
  });
}

grpc::Status AnalysisServiceImpl::GetOverlapLayer(grpc::ServerContext* ctx, const v1::OverlapRequest* req,
                                                  v1::LayerResponse* resp) {
  return Serve(ctx, "GetOverlapLayer", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto entry, Index(req->release(), PathsOf(req->exclude_direct(), req->exclude_software(),
                                                                    req->exclude_campaigns()), LimitsFor(ctx)));
    TTP_ASSIGN_OR_RETURN(auto groups, ResolveGroups(*entry->graph, std::vector<std::string>(req->groups().begin(),
                                                                                            req->groups().end())));
    if (groups.empty()) return absl::InvalidArgumentError(Cat("no active group in ", entry->graph->id().Name()));
    resp->set_layer_json(OverlapLayerJson(*entry->index, groups));
    resp->set_technique_entries(static_cast<int32_t>(TechniqueUseCounts(*entry->index, groups).size()));
    return absl::OkStatus();
  });
}

// ---- organization analyses: gap and migration --------------------------------

namespace {

std::string PathsText(const UsagePaths& p) {
  std::vector<std::string> out;
  if (p.direct) out.push_back("direct");
  if (p.software) out.push_back("software");
  if (p.campaigns) out.push_back("campaigns");
  return Join(out, ", ");
}

v1::CoverageStatus StatusToProto(CoverageStatus s) {
  switch (s) {
    case CoverageStatus::kDetected: return v1::DETECTED;
    case CoverageStatus::kLogged: return v1::LOGGED;
    case CoverageStatus::kBlind: return v1::BLIND;
  }
  return v1::BLIND;
}

v1::MappingMigration::Action ActionToProto(MigrationAction a) {
  switch (a) {
    case MigrationAction::kUnchanged: return v1::MappingMigration::UNCHANGED;
    case MigrationAction::kAuto: return v1::MappingMigration::AUTO;
    case MigrationAction::kReview: return v1::MappingMigration::REVIEW;
    case MigrationAction::kOrphaned: return v1::MappingMigration::ORPHANED;
    case MigrationAction::kUnknown: return v1::MappingMigration::UNKNOWN;
    case MigrationAction::kAtTarget: return v1::MappingMigration::AT_TARGET;
  }
  return v1::MappingMigration::ACTION_UNSPECIFIED;
}

void Totals(const ReleaseGraph& g, const CoverageReport& r, v1::CoverageTotals* out) {
  out->set_release(g.id().Name());
  out->set_techniques(r.total);
  out->set_detected(r.detected);
  out->set_logged(r.logged);
  out->set_blind(r.blind);
  out->set_stale_mappings(static_cast<int32_t>(r.stale.size()));
}

}  // namespace

absl::StatusOr<AnalysisServiceImpl::OrgData> AnalysisServiceImpl::LoadOrg(const std::string& org_id) {
  if (orgs_ == nullptr) return absl::FailedPreconditionError("this server has no organization store");
  if (org_id.empty()) return absl::InvalidArgumentError("org_id: give the organization");
  OrgId id(org_id);
  TTP_ASSIGN_OR_RETURN(Organization org, orgs_->GetOrg(id));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = views_.find(org_id);
    // Generation and creation time: a deleted and re-created organization starts its generations anew.
    if (it != views_.end() && it->second.generation == org.generation &&
        it->second.created_at == org.created_at_unix_ms) {
      it->second.last_use = ++use_clock_;
      return OrgData{org, it->second.view};
    }
  }
  TTP_ASSIGN_OR_RETURN(std::vector<Detection> detections, orgs_->ListDetections(id));
  TTP_ASSIGN_OR_RETURN(std::vector<InventoryEntry> inventory, orgs_->GetInventory(id));
  auto view = std::make_shared<const OrgView>(MakeOrgView(org_id, detections, std::move(inventory)));
  std::lock_guard<std::mutex> lock(mu_);
  if (views_.size() >= kViewCacheSize && views_.find(org_id) == views_.end()) {
    auto oldest = views_.begin();
    for (auto it = views_.begin(); it != views_.end(); ++it)
      if (it->second.last_use < oldest->second.last_use) oldest = it;
    views_.erase(oldest);
  }
  views_[org_id] = CachedView{org.generation, org.created_at_unix_ms, ++use_clock_, view};
  return OrgData{org, view};
}

std::shared_ptr<const DetectabilityIndex> AnalysisServiceImpl::Detectability(const GraphPtr& g) {
  const std::string key = g->id().Name();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = detectability_.find(key);
    if (it != detectability_.end() && it->second.graph == g) return it->second.index;
  }
  auto index = DetectabilityIndex::Build(*g);
  std::lock_guard<std::mutex> lock(mu_);
  detectability_[key] = DetectabilityEntry{g, index};
  return index;
}

absl::StatusOr<std::shared_ptr<const AnalysisServiceImpl::UsageEntry>> AnalysisServiceImpl::Usage(
    const GraphPtr& g, const UsagePaths& paths, const QueryLimits& limits) {
  const std::string key = Cat(g->id().Name(), "/", PathsKey(paths));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = usages_.find(key);
    if (it != usages_.end() && it->second->graph == g) return it->second;
  }
  TTP_ASSIGN_OR_RETURN(GroupUsageIndex usage, GroupUsageIndex::Build(*g, paths, limits));
  auto entry = std::make_shared<UsageEntry>();
  entry->graph = g;
  entry->usage = std::make_unique<GroupUsageIndex>(std::move(usage));
  std::lock_guard<std::mutex> lock(mu_);
  usages_[key] = entry;
  return std::shared_ptr<const UsageEntry>(entry);
}

absl::StatusOr<AnalysisServiceImpl::GapRun> AnalysisServiceImpl::RunGap(const v1::GapRequest& req,
                                                                         const QueryLimits& limits) {
  // Validate everything the request says before reading anything.
  std::vector<std::string> ids;
  switch (req.threat().selection_case()) {
    case v1::ThreatSelection::kGroups:
      if (req.threat().groups().ids().empty())
        return absl::InvalidArgumentError("threat.groups.ids: give at least one group (or threat.all_groups)");
      for (int i = 0; i < req.threat().groups().ids_size(); ++i) {
        if (req.threat().groups().ids(i).empty())
          return absl::InvalidArgumentError(Cat("threat.groups.ids[", i, "]: empty group id"));
        ids.push_back(req.threat().groups().ids(i));
      }
      break;
    case v1::ThreatSelection::kAllGroups:
      if (!req.threat().all_groups())
        return absl::InvalidArgumentError("threat.all_groups: set it to true, or select groups by id");
      break;
    case v1::ThreatSelection::kCustomProperty:
      return absl::UnimplementedError(
          Cat("threat.custom_property: selecting groups by a custom property (",
              req.threat().custom_property().property().empty() ? std::string("x_...")
                                                                : req.threat().custom_property().property(),
              ") needs custom extensions, which this server does not support yet; select groups by id "
              "(threat.groups) or all groups (threat.all_groups)"));
    case v1::ThreatSelection::SELECTION_NOT_SET:
      return absl::InvalidArgumentError(
          "threat: choose the threat selection: groups by id (threat.groups) or every active group "
          "(threat.all_groups)");
  }
  const UsagePaths paths = PathsOf(req.exclude_direct(), req.exclude_software(), req.exclude_campaigns());
  if (absl::Status s = CheckUsagePaths(paths); !s.ok()) return s;
  if (req.min_groups() < 0)
    return absl::InvalidArgumentError(Cat("min_groups: must be at least 1 (0 = default 1), got ", req.min_groups()));
  if (req.max_recommendations() < 0 || req.max_recommendations() > kMaxRecommendations)
    return absl::InvalidArgumentError(Cat("max_recommendations: must be between 0 (default ",
                                          kDefaultRecommendations, ") and ", kMaxRecommendations, ", got ",
                                          req.max_recommendations()));
  TTP_ASSIGN_OR_RETURN(OrgData org, LoadOrg(req.org_id()));
  const std::string release = req.release().empty() ? org.org.release : req.release();
  if (release.empty())
    return absl::InvalidArgumentError(Cat("release: give the release (organization ", req.org_id(),
                                          " has no default release)"));
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(release));
  TTP_ASSIGN_OR_RETURN(auto usage, Usage(g, paths, limits));
  std::vector<NodeId> groups;
  if (ids.empty()) {
    groups = usage->usage->groups();  // every active in-domain group, as ResolveGroups gives them
  } else {
    TTP_ASSIGN_OR_RETURN(groups, ResolveGroups(*g, ids));
  }
  if (groups.empty()) return absl::InvalidArgumentError(Cat("no active group in ", g->id().Name()));
  GapRun run;
  run.graph = g;
  run.detectability = Detectability(g);
  run.paths = PathsText(paths);
  TTP_ASSIGN_OR_RETURN(CoverageReport coverage,
                       ComputeCoverage(*g, *run.detectability, *org.view, CoverageOptions{}, limits));
  GapOptions options;
  options.min_groups = req.min_groups() == 0 ? 1 : req.min_groups();
  options.max_recommendations =
      static_cast<size_t>(req.max_recommendations() == 0 ? kDefaultRecommendations : req.max_recommendations());
  TTP_ASSIGN_OR_RETURN(run.report,
                       ComputeGaps(*g, *run.detectability, *usage->usage, coverage, groups, options, limits));
  return run;
}

absl::Status AnalysisServiceImpl::Gap(const v1::GapRequest& req, const QueryLimits& limits, v1::GapResponse* resp) {
  TTP_ASSIGN_OR_RETURN(GapRun run, RunGap(req, limits));
  const ReleaseGraph& g = *run.graph;
  const GapReport& r = run.report;
  TTP_ASSIGN_OR_RETURN(DefenseJoin join, OpenDefenseJoin(defense_, req.include_countermeasures(), req.d3fend_version(),
                                                          req.include_atomic_tests(), req.atomic_index()));
  if (join.d3fend) resp->set_d3fend_version(join.d3fend->version());
  if (join.atomic) resp->set_atomic_index(join.atomic->name());
  TTP_ASSIGN_OR_RETURN(PageWindow window, ComputePage(req, r.gaps.size()));
  resp->set_org_id(req.org_id());
  resp->set_release(g.id().Name());
  resp->set_techniques_used(r.techniques_used);
  resp->set_detected(r.detected);
  resp->set_logged(r.logged);
  resp->set_blind(r.blind);
  resp->set_blind_without_telemetry(r.blind_without_telemetry);
  if (req.page_token().empty()) {
    for (NodeId n : r.groups) ToProtoRef(g, n, resp->add_groups());
    for (const TelemetryRecommendation& rec : r.recommendations) {
      auto* out = resp->add_recommendations();
      ToProtoRef(g, rec.data_component, out->mutable_data_component());
      out->set_gaps_added(rec.gaps_added);
      out->set_cumulative(rec.cumulative);
    }
  }
  for (size_t i = window.begin; i < window.end; ++i) {
    const ttpgraph::Gap& gap = r.gaps[i];
    auto* out = resp->add_gaps();
    out->set_rank(static_cast<int32_t>(i + 1));
    ToProto(g, gap.technique, out->mutable_technique());
    out->set_status(StatusToProto(gap.status));
    for (NodeId n : gap.groups) ToProtoRef(g, n, out->add_groups());
    for (NodeId n : gap.software) ToProtoRef(g, n, out->add_software());
    for (NodeId n : gap.campaigns) ToProtoRef(g, n, out->add_campaigns());
    for (NodeId n : gap.data_components) ToProtoRef(g, n, out->add_data_components());
    for (NodeId n : gap.collected_components) ToProtoRef(g, n, out->add_collected_components());
    const std::string& attack_id = g.node(gap.technique).attack_id;
    if (join.d3fend) {
      std::string status;
      TTP_ASSIGN_OR_RETURN(bool any, join.AddCountermeasures(g, attack_id, limits, &status, out->mutable_countermeasures()));
      (void)any;
      out->set_countermeasure_status(status);
    }
    if (join.atomic) join.AddAtomicTests(attack_id, out->mutable_atomic_tests());
  }
  resp->mutable_page()->set_next_page_token(window.next_page_token);
  resp->mutable_page()->set_total_size(static_cast<int32_t>(r.gaps.size()));
  return absl::OkStatus();
}

grpc::Status AnalysisServiceImpl::GetGap(grpc::ServerContext* ctx, const v1::GapRequest* req, v1::GapResponse* resp) {
  return Serve(ctx, "GetGap", [&]() -> absl::Status { return Gap(*req, LimitsFor(ctx), resp); });
}

grpc::Status AnalysisServiceImpl::GetGapLayer(grpc::ServerContext* ctx, const v1::GapRequest* req,
                                              v1::LayerResponse* resp) {
  return Serve(ctx, "GetGapLayer", [&]() -> absl::Status {
    if (!req->page_token().empty() || req->page_size() != 0)
      return absl::InvalidArgumentError("page_size/page_token: a gap layer is not paged; leave them unset");
    TTP_ASSIGN_OR_RETURN(GapRun run, RunGap(*req, LimitsFor(ctx)));
    GapLayerOptions opts;
    opts.org_id = req->org_id();
    opts.paths = run.paths;
    resp->set_layer_json(GapLayerJson(*run.graph, run.report, opts));
    resp->set_technique_entries(static_cast<int32_t>(run.report.gaps.size()));
    return absl::OkStatus();
  });
}

absl::StatusOr<AnalysisServiceImpl::MigrationRun> AnalysisServiceImpl::RunMigration(
    const std::string& org_id, const std::string& from, const std::string& to,
    const google::protobuf::RepeatedPtrField<std::string>& ids, const QueryLimits& limits) {
  if (orgs_ == nullptr) return absl::FailedPreconditionError("this server has no organization store");
  if (org_id.empty()) return absl::InvalidArgumentError("org_id: give the organization");
  if (from.empty()) return absl::InvalidArgumentError("from_release: give the release the detections were mapped to");
  if (to.empty()) return absl::InvalidArgumentError("to_release: give the release to migrate to");
  for (int i = 0; i < ids.size(); ++i)
    if (auto s = ValidateDetectionId(ids[i]); !s.ok())
      return absl::InvalidArgumentError(Cat("detection_ids[", i, "]: ", s.message()));
  OrgId org(org_id);
  TTP_ASSIGN_OR_RETURN(Organization record, orgs_->GetOrg(org));
  (void)record;
  MigrationRun run;
  TTP_ASSIGN_OR_RETURN(run.diff, Diff(from, to, limits));
  TTP_ASSIGN_OR_RETURN(std::vector<Detection> all, orgs_->ListDetections(org));
  if (ids.empty()) {
    run.detections = std::move(all);
  } else {
    std::map<std::string, size_t> by_id;
    for (size_t i = 0; i < all.size(); ++i) by_id[all[i].id] = i;
    std::vector<std::string> missing;
    std::set<std::string> seen;
    for (const std::string& id : ids) {
      auto it = by_id.find(id);
      if (it == by_id.end()) missing.push_back(id);
      else if (seen.insert(id).second) run.detections.push_back(all[it->second]);
    }
    if (!missing.empty())
      return absl::NotFoundError(Cat("organization ", org_id, " has no detection ", Join(missing, ", ")));
  }
  TTP_ASSIGN_OR_RETURN(run.plan, ttpgraph::PlanMigration(*run.diff->from, *run.diff->to, run.diff->report,
                                                         run.detections, limits));
  return run;
}

absl::Status AnalysisServiceImpl::FillPlan(const MigrationRun& run, const std::string& org_id, bool all,
                                           size_t begin, size_t end, const QueryLimits& limits,
                                           v1::MigrationPlan* out) {
  const ReleaseGraph &from = *run.diff->from, &to = *run.diff->to;
  const ttpgraph::MigrationPlan& p = run.plan;
  out->set_org_id(org_id);
  out->set_from_release(from.id().Name());
  out->set_to_release(to.id().Name());
  out->set_detections_in_scope(p.detections_in_scope);
  out->set_detections_at_target(p.detections_at_target);
  out->set_detections_other_domain(p.detections_other_domain);
  out->set_unchanged(p.unchanged);
  out->set_auto_migrated(p.auto_migrated);
  out->set_needs_review(p.needs_review);
  out->set_orphaned(p.orphaned);
  out->set_unknown(p.unknown);
  out->set_at_target(p.at_target);
  out->set_detections_changed(p.detections_changed);

  // Coverage before (as they are, on `from`) and after (as migrated, on `to`),
  // with the organization's whole detection set and inventory.
  TTP_ASSIGN_OR_RETURN(OrgData org, LoadOrg(org_id));
  std::vector<Detection> migrated = MigratedDetections(p, run.detections);
  std::map<std::string, const Detection*> replaced;
  for (const Detection& d : migrated) replaced[d.id] = &d;
  TTP_ASSIGN_OR_RETURN(std::vector<Detection> current, orgs_->ListDetections(OrgId(org_id)));
  std::vector<Detection> after = current;
  for (Detection& d : after)
    if (auto it = replaced.find(d.id); it != replaced.end()) d = *it->second;
  OrgView before_view = MakeOrgView(org_id, current, org.view->inventory);
  OrgView after_view = MakeOrgView(org_id, after, org.view->inventory);
  auto from_index = Detectability(run.diff->from), to_index = Detectability(run.diff->to);
  TTP_ASSIGN_OR_RETURN(CoverageReport before,
                       ComputeCoverage(from, *from_index, before_view, CoverageOptions{}, limits));
  TTP_ASSIGN_OR_RETURN(CoverageReport after_cov, ComputeCoverage(to, *to_index, after_view, CoverageOptions{}, limits));
  Totals(from, before, out->mutable_coverage_before());
  Totals(to, after_cov, out->mutable_coverage_after());
  // Lost / gained DETECTED, matching each `from` technique to its counterpart
  // in `to` (same STIX id, or the revoked-by successor).
  std::set<NodeId> detected_after;
  for (const TechniqueCoverage& c : after_cov.techniques)
    if (c.status == CoverageStatus::kDetected) detected_after.insert(c.technique);
  std::vector<NodeId> counterpart(from.nodes().size(), kNoNode);
  for (const TechniqueFate& f : run.diff->report.technique_fates)
    counterpart[f.from] = f.kind == TechniqueFateKind::kRevoked ? f.successor
                          : (f.kind == TechniqueFateKind::kSame || f.kind == TechniqueFateKind::kMajorChange) ? f.to
                                                                                                               : kNoNode;
  std::set<NodeId> kept;
  for (const TechniqueCoverage& c : before.techniques) {
    if (c.status != CoverageStatus::kDetected) continue;
    NodeId cp = counterpart[c.technique];
    if (cp != kNoNode && detected_after.count(cp)) kept.insert(cp);
    else ToProtoRef(from, c.technique, out->add_lost_detected());
  }
  for (NodeId n : detected_after)
    if (!kept.count(n)) ToProtoRef(to, n, out->add_gained_detected());

  std::vector<const DetectionPlan*> listed;
  for (const DetectionPlan& dp : p.detections)
    if (dp.action != MigrationAction::kUnchanged || dp.changes) listed.push_back(&dp);
  std::sort(listed.begin(), listed.end(), [&](const DetectionPlan* a, const DetectionPlan* b) {
    return run.detections[a->detection].id < run.detections[b->detection].id;
  });
  if (all) begin = 0, end = listed.size();
  for (size_t i = begin; i < end && i < listed.size(); ++i) {
    const DetectionPlan& dp = *listed[i];
    const Detection& d = run.detections[dp.detection];
    auto* dm = out->add_detections();
    dm->set_detection_id(d.id);
    dm->set_name(d.name);
    dm->set_action(ActionToProto(dp.action));
    for (auto& t : d.techniques) dm->add_techniques_before(t);
    for (auto& t : dp.techniques_after) dm->add_techniques_after(t);
    dm->set_release_before(d.release);
    dm->set_release_after(dp.release_after);
    dm->set_changes(dp.changes);
    for (const MappingPlan& m : dp.mappings) {
      auto* mm = dm->add_mappings();
      mm->set_technique(m.technique);
      mm->set_action(ActionToProto(m.action));
      if (m.from_node != kNoNode) ToProtoRef(from, m.from_node, mm->mutable_from_technique());
      if (m.target != kNoNode) ToProtoRef(to, m.target, mm->mutable_target());
      if (m.fate) {
        mm->set_fate(KindOf(m.fate->kind));
        for (NodeId n : m.fate->split_into) ToProtoRef(to, n, mm->add_candidates());
        for (NodeId n : m.fate->merged_with) ToProtoRef(from, n, mm->add_candidates());
      }
      for (auto& r : m.reasons) mm->add_reasons(r);
    }
  }
  return absl::OkStatus();
}

grpc::Status AnalysisServiceImpl::PlanMigration(grpc::ServerContext* ctx, const v1::MigrationRequest* req,
                                                v1::MigrationPlan* resp) {
  return Serve(ctx, "PlanMigration", [&]() -> absl::Status {
    QueryLimits limits = LimitsFor(ctx);
    TTP_ASSIGN_OR_RETURN(MigrationRun run,
                         RunMigration(req->org_id(), req->from_release(), req->to_release(), req->detection_ids(),
                                      limits));
    size_t listed = 0;
    for (const DetectionPlan& dp : run.plan.detections) listed += dp.action != MigrationAction::kUnchanged || dp.changes;
    TTP_ASSIGN_OR_RETURN(PageWindow window, ComputePage(*req, listed));
    if (auto s = FillPlan(run, req->org_id(), false, window.begin, window.end, limits, resp); !s.ok()) return s;
    resp->mutable_page()->set_next_page_token(window.next_page_token);
    resp->mutable_page()->set_total_size(static_cast<int32_t>(listed));
    return absl::OkStatus();
  });
}

grpc::Status AnalysisServiceImpl::ApplyMigration(grpc::ServerContext* ctx, const v1::ApplyMigrationRequest* req,
                                                 v1::ApplyMigrationResponse* resp) {
  return Serve(ctx, "ApplyMigration", [&]() -> absl::Status {
    QueryLimits limits = LimitsFor(ctx);
    TTP_ASSIGN_OR_RETURN(MigrationRun run,
                         RunMigration(req->org_id(), req->from_release(), req->to_release(), req->detection_ids(),
                                      limits));
    if (auto s = FillPlan(run, req->org_id(), true, 0, 0, limits, resp->mutable_plan()); !s.ok()) return s;
    std::vector<Detection> migrated = MigratedDetections(run.plan, run.detections);
    for (const Detection& d : migrated) resp->add_written_ids(d.id);
    if (!req->apply() || migrated.empty()) {
      resp->set_applied(false);
      resp->set_detections_written(0);
      return absl::OkStatus();
    }
    // One OrgStore batch: every rewritten detection lands, or none does.
    const size_t n = migrated.size();
    TTP_ASSIGN_OR_RETURN(auto outcomes, orgs_->PutDetections(OrgId(req->org_id()), std::move(migrated), false));
    (void)outcomes;
    resp->set_applied(true);
    resp->set_detections_written(static_cast<int32_t>(n));
    return absl::OkStatus();
  });
}

}  // namespace ttpgraph
