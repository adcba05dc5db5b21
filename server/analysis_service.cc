#include "server/analysis_service.h"

#include "server/analysis_convert.h"
#include "server/core/analysis.h"
#include "server/export/diff_layer.h"
#include "server/export/gap_layer.h"
#include "server/export/overlap_layer.h"
#include "server/knowledge_convert.h"
#include "server/page_token.h"
#include "server/rpc_util.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {


constexpr int kDefaultRecommendations = 10;
constexpr int kMaxRecommendations = 1000;
constexpr int kDefaultTopK = 10;
constexpr int kMaxTopK = 1000;

template <typename Req>
UsagePaths PathsOf(const Req& req) {
  return UsagePaths{!req.exclude_direct(), !req.exclude_software(), !req.exclude_campaigns()};
}

std::string PathsText(const UsagePaths& p) {
  std::vector<std::string> out;
  if (p.direct) out.push_back("direct");
  if (p.software) out.push_back("software");
  if (p.campaigns) out.push_back("campaigns");
  return Join(out, ", ");
}

// The gap request as the application floor takes it; INVALID_ARGUMENT before
// anything is read (a custom-property selection is checked by core::Gap).
absl::StatusOr<core::GapQuery> GapQueryOf(const v1::GapRequest& req) {
  core::GapQuery q;
  if (req.threat().selection_case() == v1::ThreatSelection::kCustomProperty) {
    const v1::CustomPropertySelector& where = req.threat().custom_property();
    q.where = core::GapQuery::Where{where.property(), {where.values().begin(), where.values().end()}};
  } else {
    TTP_ASSIGN_OR_RETURN(q.group_ids, SelectedGroupIds(req.threat()));
  }
  q.paths = PathsOf(req);
  if (absl::Status s = CheckUsagePaths(q.paths); !s.ok()) return s;
  if (req.min_groups() < 0)
    return absl::InvalidArgumentError(Cat("min_groups: must be at least 1 (0 = default 1), got ", req.min_groups()));
  if (req.max_recommendations() < 0 || req.max_recommendations() > kMaxRecommendations)
    return absl::InvalidArgumentError(Cat("max_recommendations: must be between 0 (default ",
                                          kDefaultRecommendations, ") and ", kMaxRecommendations, ", got ",
                                          req.max_recommendations()));
  q.release = req.release();
  q.min_groups = req.min_groups() == 0 ? 1 : req.min_groups();
  q.max_recommendations =
      static_cast<size_t>(req.max_recommendations() == 0 ? kDefaultRecommendations : req.max_recommendations());
  q.countermeasures = req.include_countermeasures();
  q.d3fend_version = req.d3fend_version();
  q.atomic_tests = req.include_atomic_tests();
  q.atomic_index = req.atomic_index();
  return q;
}

template <typename Req>
std::vector<std::string> DetectionIds(const Req& req) {
  return std::vector<std::string>(req.detection_ids().begin(), req.detection_ids().end());
}

}  // namespace

grpc::Status AnalysisServiceImpl::DiffReleases(grpc::ServerContext* ctx, const v1::DiffReleasesRequest* req,
                                               v1::DiffReleasesResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.AnalysisService/DiffReleases", req, [&](const Call& call) -> absl::Status {
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
    TTP_ASSIGN_OR_RETURN(auto entry, core::Diff(app_, req->from_release(), req->to_release(), PathsOf(*req), call.limits));
    const ReleaseGraph &from = entry->from->graph(), &to = entry->to->graph();
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
    auto emitted = EmitPage(*req, selected, resp->mutable_page(),
                            [&](const ObjectChange* c) { ToProto(from, to, *c, resp->add_changes()); });
    if (!emitted.ok()) return emitted;
    if (req->page_token().empty()) FillRelationshipDiffs(from, to, r, resp);
    return absl::OkStatus();
  });
}

grpc::Status AnalysisServiceImpl::GetDiffLayer(grpc::ServerContext* ctx, const v1::DiffLayerRequest* req,
                                               v1::LayerResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.AnalysisService/GetDiffLayer", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto entry, core::Diff(app_, req->from_release(), req->to_release(), UsagePaths{}, call.limits));
    DiffLayerOptions opts;
    opts.include_unchanged = req->include_unchanged();
    DiffLayer layer = DiffLayerJson(entry->from->graph(), entry->to->graph(), entry->report, opts);
    resp->set_layer_json(std::move(layer.json));
    resp->set_technique_entries(layer.technique_entries);
    return absl::OkStatus();
  });
}

grpc::Status AnalysisServiceImpl::GetOverlap(grpc::ServerContext* ctx, const v1::OverlapRequest* req,
                                             v1::OverlapResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.AnalysisService/GetOverlap", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(std::vector<std::string> ids, SelectedGroupIds(req->threat()));
    TTP_ASSIGN_OR_RETURN(core::OverlapAnswer a, core::OverlapGroups(app_, req->release(), ids, PathsOf(*req), call.limits));
    TTP_ASSIGN_OR_RETURN(OverlapMatrix m, ComputeOverlap(*a.usage, a.groups, call.limits));
    const ReleaseGraph& g = a.release->graph();
    if (req->page_token().empty()) {
      for (size_t i = 0; i < m.groups.size(); ++i) {
        auto* gc = resp->add_groups();
        ToProto(g, m.groups[i], gc->mutable_group());
        gc->set_techniques(m.technique_counts[i]);
      }
      for (const ActiveObject& res : a.resolved) ToProto(g, g.node(res.asked).attack_id, res, resp->add_resolutions());
    }
    return EmitPage(*req, m.pairs, resp->mutable_page(), [&](const OverlapPair& p) {
      auto* out = resp->add_pairs();
      ToProto(g, m.groups[p.a], out->mutable_a());
      ToProto(g, m.groups[p.b], out->mutable_b());
      out->set_shared(p.shared);
      out->set_only_a(p.only_a);
      out->set_only_b(p.only_b);
      out->set_jaccard(p.jaccard);
    });
  });
}

grpc::Status AnalysisServiceImpl::GetSimilarGroups(grpc::ServerContext* ctx, const v1::SimilarGroupsRequest* req,
                                                   v1::SimilarGroupsResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.AnalysisService/GetSimilarGroups", req, [&](const Call& call) -> absl::Status {
    if (req->group().empty()) return absl::InvalidArgumentError("group: give the group to compare (e.g. G0016)");
    if (req->k() < 0 || req->k() > kMaxTopK)
      return absl::InvalidArgumentError(Cat("k: must be between 1 and ", kMaxTopK, ", got ", req->k()));
    TTP_ASSIGN_OR_RETURN(core::OverlapAnswer a,
                         core::OverlapGroups(app_, req->release(), {req->group()}, PathsOf(*req), call.limits));
    const ReleaseGraph& g = a.release->graph();
    const size_t k = req->k() == 0 ? kDefaultTopK : static_cast<size_t>(req->k());
    const NodeId group = a.groups[0];
    TTP_ASSIGN_OR_RETURN(auto similar, MostSimilarGroups(*a.usage, group, k));
    ToProto(g, group, resp->mutable_group());
    if (!a.resolved.empty()) ToProto(g, req->group(), a.resolved[0], resp->mutable_resolution());
    resp->set_techniques(static_cast<int32_t>(a.usage->uses(a.usage->IndexOf(group)).size()));
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
  return Serve(ctx, app_, "ttpgraph.v1.AnalysisService/GetOverlapLayer", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(std::vector<std::string> ids, SelectedGroupIds(req->threat()));
    TTP_ASSIGN_OR_RETURN(core::OverlapAnswer a, core::OverlapGroups(app_, req->release(), ids, PathsOf(*req), call.limits));
    if (a.groups.empty()) return absl::InvalidArgumentError(Cat("no active group in ", a.release->id().Name()));
    resp->set_layer_json(OverlapLayerJson(*a.usage, a.groups));
    resp->set_technique_entries(static_cast<int32_t>(TechniqueUseCounts(*a.usage, a.groups).size()));
    return absl::OkStatus();
  });
}

grpc::Status AnalysisServiceImpl::GetGap(grpc::ServerContext* ctx, const v1::GapRequest* req, v1::GapResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.AnalysisService/GetGap", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(core::GapQuery q, GapQueryOf(*req));
    TTP_ASSIGN_OR_RETURN(core::GapAnswer a, core::Gap(app_, OrgId(req->org_id()), q, call.limits));
    TTP_ASSIGN_OR_RETURN(PageWindow window, ComputePage(*req, a.report.gaps.size()));
    ToProto(a, req->page_token().empty(), window.begin, window.end, resp);
    resp->mutable_page()->set_next_page_token(window.next_page_token);
    resp->mutable_page()->set_total_size(static_cast<int32_t>(a.report.gaps.size()));
    return absl::OkStatus();
  });
}

grpc::Status AnalysisServiceImpl::GetGapLayer(grpc::ServerContext* ctx, const v1::GapRequest* req,
                                              v1::LayerResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.AnalysisService/GetGapLayer", req, [&](const Call& call) -> absl::Status {
    if (!req->page_token().empty() || req->page_size() != 0)
      return absl::InvalidArgumentError("page_size/page_token: a gap layer is not paged; leave them unset");
    TTP_ASSIGN_OR_RETURN(core::GapQuery q, GapQueryOf(*req));
    q.countermeasures = q.atomic_tests = false;
    TTP_ASSIGN_OR_RETURN(core::GapAnswer a, core::Gap(app_, OrgId(req->org_id()), q, call.limits));
    GapLayerOptions opts;
    opts.org_id = req->org_id();
    opts.paths = PathsText(q.paths);
    resp->set_layer_json(GapLayerJson(a.release->graph(), a.report, opts));
    resp->set_technique_entries(static_cast<int32_t>(a.report.gaps.size()));
    return absl::OkStatus();
  });
}

grpc::Status AnalysisServiceImpl::PlanMigration(grpc::ServerContext* ctx, const v1::MigrationRequest* req,
                                                v1::MigrationPlan* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.AnalysisService/PlanMigration", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(core::MigrationAnswer a, core::PlanMigration(app_, OrgId(req->org_id()), req->from_release(),
                                                                      req->to_release(), DetectionIds(*req), call.limits));
    TTP_ASSIGN_OR_RETURN(PageWindow window, ComputePage(*req, a.listed.size()));
    ToProto(a, window.begin, window.end, resp);
    resp->mutable_page()->set_next_page_token(window.next_page_token);
    resp->mutable_page()->set_total_size(static_cast<int32_t>(a.listed.size()));
    return absl::OkStatus();
  });
}

grpc::Status AnalysisServiceImpl::ApplyMigration(grpc::ServerContext* ctx, const v1::ApplyMigrationRequest* req,
                                                 v1::ApplyMigrationResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.AnalysisService/ApplyMigration", req, [&](const Call& call) -> absl::Status {
    if (req->expected_generation() < 0)
      return absl::InvalidArgumentError(Cat("expected_generation: ", req->expected_generation(),
                                            " is negative; give 0 or the plan's org_generation"));
    TTP_ASSIGN_OR_RETURN(core::AppliedMigration a,
                         core::ApplyMigration(app_, OrgId(req->org_id()), req->from_release(), req->to_release(),
                                              DetectionIds(*req), req->apply(), call.limits, &call.audit,
                                              req->expected_generation()));
    ToProto(a.plan, 0, a.plan.listed.size(), resp->mutable_plan());
    for (const std::string& id : a.written_ids) resp->add_written_ids(id);
    resp->set_applied(a.applied);
    resp->set_detections_written(a.applied ? static_cast<int32_t>(a.written_ids.size()) : 0);
    return absl::OkStatus();
  });
}

}  // namespace ttpgraph
