#include "server/analysis_service.h"

#include <algorithm>

#include "graph/queries.h"
#include "server/export/diff_layer.h"
#include "server/export/overlap_layer.h"
#include "server/page_token.h"
#include "server/proto_convert.h"
#include "server/rpc_util.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

constexpr size_t kDiffCacheSize = 4;
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
  if (!paths.direct && !paths.software && !paths.campaigns)
    return absl::InvalidArgumentError("all three usage paths are excluded: keep at least one");
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

}  // namespace ttpgraph
