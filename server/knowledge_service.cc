#include "server/knowledge_service.h"

#include <simdjson.h>

#include "graph/queries.h"
#include "server/arena_allocator.h"
#include "server/page_token.h"
#include "server/proto_convert.h"
#include "server/rpc_util.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

using GraphPtr = std::shared_ptr<const ReleaseGraph>;
const std::vector<std::string_view> kTechniqueTypes = {"attack-pattern"};
const std::vector<std::string_view> kGroupTypes = {"intrusion-set"};

// Pages `items`, converting each kept item with `emit`, and fills `page`.
template <typename Req, typename T, typename Emit>
absl::Status EmitPage(const Req& req, const std::vector<T>& items, v1::PageInfo* page, Emit emit) {
  auto window = ComputePage(req, items.size());
  if (!window.ok()) return window.status();
  for (size_t i = window->begin; i < window->end; ++i) emit(items[i]);
  page->set_next_page_token(window->next_page_token);
  page->set_total_size(static_cast<int32_t>(items.size()));
  return absl::OkStatus();
}

template <typename Req>
absl::Status EmitObjects(const Req& req, const ReleaseGraph& g, const std::vector<NodeId>& ids, v1::ObjectList* out) {
  return EmitPage(req, ids, out->mutable_page(), [&](NodeId n) { ToProto(g, n, out->add_objects()); });
}

}  // namespace

KnowledgeServiceImpl::KnowledgeServiceImpl(const Store* store, GraphCache* graphs) : store_(store), graphs_(graphs) {
  // Every call's messages on one arena (server/arena_allocator.h).
  static ArenaMessageAllocator<v1::GetObjectRequest, v1::GetObjectResponse> getObject;
  SetMessageAllocatorFor_GetObject(&getObject);
  static ArenaMessageAllocator<v1::ListTechniquesRequest, v1::ObjectList> listTechniques;
  SetMessageAllocatorFor_ListTechniques(&listTechniques);
  static ArenaMessageAllocator<v1::SearchObjectsRequest, v1::ObjectList> searchObjects;
  SetMessageAllocatorFor_SearchObjects(&searchObjects);
  static ArenaMessageAllocator<v1::ListTacticsRequest, v1::ObjectList> listTactics;
  SetMessageAllocatorFor_ListTactics(&listTactics);
  static ArenaMessageAllocator<v1::TechniqueRequest, v1::ObjectList> getTechniqueTactics;
  SetMessageAllocatorFor_GetTechniqueTactics(&getTechniqueTactics);
  static ArenaMessageAllocator<v1::TechniqueRequest, v1::SubtechniquesResponse> getSubtechniques;
  SetMessageAllocatorFor_GetSubtechniques(&getSubtechniques);
  static ArenaMessageAllocator<v1::GroupTechniquesRequest, v1::GroupTechniquesResponse> getGroupTechniques;
  SetMessageAllocatorFor_GetGroupTechniques(&getGroupTechniques);
  static ArenaMessageAllocator<v1::GroupRequest, v1::ObjectList> getGroupSoftware;
  SetMessageAllocatorFor_GetGroupSoftware(&getGroupSoftware);
  static ArenaMessageAllocator<v1::GroupRequest, v1::ObjectList> getGroupCampaigns;
  SetMessageAllocatorFor_GetGroupCampaigns(&getGroupCampaigns);
  static ArenaMessageAllocator<v1::TechniqueUsersRequest, v1::TechniqueUsersResponse> getTechniqueUsers;
  SetMessageAllocatorFor_GetTechniqueUsers(&getTechniqueUsers);
  static ArenaMessageAllocator<v1::TechniqueRequest, v1::MitigationsResponse> getTechniqueMitigations;
  SetMessageAllocatorFor_GetTechniqueMitigations(&getTechniqueMitigations);
  static ArenaMessageAllocator<v1::TechniqueRequest, v1::ProcedureExamplesResponse> getProcedureExamples;
  SetMessageAllocatorFor_GetProcedureExamples(&getProcedureExamples);
  static ArenaMessageAllocator<v1::TechniqueRequest, v1::DetectabilityResponse> getDetectability;
  SetMessageAllocatorFor_GetDetectability(&getDetectability);
}

grpc::ServerUnaryReactor* KnowledgeServiceImpl::GetObject(grpc::CallbackServerContext* ctx, const v1::GetObjectRequest* req,
                                             v1::GetObjectResponse* resp) {
  return ServeUnary(ctx, "GetObject", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req->release()));
    TTP_ASSIGN_OR_RETURN(NodeId n, ResolveObject(*g, req->id(), req->type()));
    ToProto(*g, n, resp->mutable_object());
    if (g->node(n).revoked) ToProto(*g, FollowRevokedBy(*g, n, QueryLimits{}), resp->mutable_revoked_by());
    if (NodeId p = g->ParentOf(n); p != kNoNode) ToProto(*g, p, resp->mutable_parent());
    TTP_ASSIGN_OR_RETURN(auto json, store_->GetObjects({g->node(n).object_key}));
    resp->set_stix_json(json[0]);
    simdjson::dom::parser parser;
    std::string_view description;
    if (parser.parse(json[0])["description"].get_string().get(description) == simdjson::SUCCESS)
      resp->mutable_object()->set_description(std::string(description));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* KnowledgeServiceImpl::ListTechniques(grpc::CallbackServerContext* ctx, const v1::ListTechniquesRequest* req,
                                                  v1::ObjectList* resp) {
  return ServeUnary(ctx, "ListTechniques", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req->release()));
    TechniqueFilter f;
    f.tactic = req->tactic();
    f.platform = req->platform();
    f.include_subtechniques = !req->exclude_subtechniques();
    f.include_revoked = req->include_revoked();
    f.include_deprecated = req->include_deprecated();
    f.query = req->query();
    TTP_ASSIGN_OR_RETURN(auto ids, ttpgraph::ListTechniques(*g, f));
    return EmitObjects(*req, *g, ids, resp);
  });
}

grpc::ServerUnaryReactor* KnowledgeServiceImpl::SearchObjects(grpc::CallbackServerContext* ctx, const v1::SearchObjectsRequest* req,
                                                 v1::ObjectList* resp) {
  return ServeUnary(ctx, "SearchObjects", [&]() -> absl::Status {
    if (req->query().empty()) return absl::InvalidArgumentError("query must not be empty");
    TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req->release()));
    std::vector<std::string> types(req->types().begin(), req->types().end());
    auto ids = ttpgraph::SearchObjects(*g, req->query(), types, req->include_revoked(), req->include_deprecated());
    return EmitObjects(*req, *g, ids, resp);
  });
}

grpc::ServerUnaryReactor* KnowledgeServiceImpl::ListTactics(grpc::CallbackServerContext* ctx, const v1::ListTacticsRequest* req,
                                               v1::ObjectList* resp) {
  return ServeUnary(ctx, "ListTactics", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req->release()));
    std::vector<NodeId> ids;
    for (NodeId t : g->tactics())
      if (g->node(t).active() && g->node(t).in_domain) ids.push_back(t);
    return EmitObjects(*req, *g, ids, resp);
  });
}

grpc::ServerUnaryReactor* KnowledgeServiceImpl::GetTechniqueTactics(grpc::CallbackServerContext* ctx, const v1::TechniqueRequest* req,
                                                       v1::ObjectList* resp) {
  return ServeUnary(ctx, "GetTechniqueTactics", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req->release()));
    TTP_ASSIGN_OR_RETURN(NodeId t, ResolveTyped(*g, req->technique(), kTechniqueTypes, "technique"));
    return EmitObjects(*req, *g, TechniqueTactics(*g, t), resp);
  });
}

grpc::ServerUnaryReactor* KnowledgeServiceImpl::GetSubtechniques(grpc::CallbackServerContext* ctx, const v1::TechniqueRequest* req,
                                                    v1::SubtechniquesResponse* resp) {
  return ServeUnary(ctx, "GetSubtechniques", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req->release()));
    TTP_ASSIGN_OR_RETURN(NodeId t, ResolveTyped(*g, req->technique(), kTechniqueTypes, "technique"));
    ToProto(*g, t, resp->mutable_technique());
    if (NodeId p = g->ParentOf(t); p != kNoNode) ToProto(*g, p, resp->mutable_parent());
    auto subs = Subtechniques(*g, t);
    return EmitPage(*req, subs, resp->mutable_page(), [&](NodeId s) { ToProto(*g, s, resp->add_subtechniques()); });
  });
}

grpc::ServerUnaryReactor* KnowledgeServiceImpl::GetGroupTechniques(grpc::CallbackServerContext* ctx,
                                                      const v1::GroupTechniquesRequest* req,
                                                      v1::GroupTechniquesResponse* resp) {
  return ServeUnary(ctx, "GetGroupTechniques", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req->release()));
    TTP_ASSIGN_OR_RETURN(NodeId group, ResolveTyped(*g, req->group(), kGroupTypes, "group"));
    UsagePaths paths{!req->exclude_direct(), !req->exclude_software(), !req->exclude_campaigns()};
    if (!paths.direct && !paths.software && !paths.campaigns)
      return absl::InvalidArgumentError("all three usage paths are excluded: keep at least one");
    ToProto(*g, group, resp->mutable_group());
    auto used = TechniquesUsedByGroup(*g, group, paths);
    resp->mutable_techniques()->Reserve(static_cast<int>(std::min<size_t>(used.size(), kMaxPageSize)));
    return EmitPage(*req, used, resp->mutable_page(), [&](const GroupTechnique& gt) {
      auto* out = resp->add_techniques();
      ToProto(*g, gt.technique, out->mutable_technique());
      out->set_direct(gt.direct);
      out->mutable_via_software()->Reserve(static_cast<int>(gt.via_software.size()));
      for (NodeId s : gt.via_software) ToProtoRef(*g, s, out->add_via_software());
      for (NodeId c : gt.via_campaigns) ToProtoRef(*g, c, out->add_via_campaigns());
    });
  });
}

grpc::ServerUnaryReactor* KnowledgeServiceImpl::GetGroupSoftware(grpc::CallbackServerContext* ctx, const v1::GroupRequest* req,
                                                    v1::ObjectList* resp) {
  return ServeUnary(ctx, "GetGroupSoftware", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req->release()));
    TTP_ASSIGN_OR_RETURN(NodeId group, ResolveTyped(*g, req->group(), kGroupTypes, "group"));
    return EmitObjects(*req, *g, GroupSoftware(*g, group), resp);
  });
}

grpc::ServerUnaryReactor* KnowledgeServiceImpl::GetGroupCampaigns(grpc::CallbackServerContext* ctx, const v1::GroupRequest* req,
                                                     v1::ObjectList* resp) {
  return ServeUnary(ctx, "GetGroupCampaigns", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req->release()));
    TTP_ASSIGN_OR_RETURN(NodeId group, ResolveTyped(*g, req->group(), kGroupTypes, "group"));
    return EmitObjects(*req, *g, GroupCampaigns(*g, group), resp);
  });
}

grpc::ServerUnaryReactor* KnowledgeServiceImpl::GetTechniqueUsers(grpc::CallbackServerContext* ctx, const v1::TechniqueUsersRequest* req,
                                                     v1::TechniqueUsersResponse* resp) {
  return ServeUnary(ctx, "GetTechniqueUsers", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req->release()));
    TTP_ASSIGN_OR_RETURN(NodeId t, ResolveTyped(*g, req->technique(), kTechniqueTypes, "technique"));
    UserKind kind = req->user_type() == v1::TechniqueUsersRequest::GROUPS      ? UserKind::kGroups
                    : req->user_type() == v1::TechniqueUsersRequest::SOFTWARE  ? UserKind::kSoftware
                    : req->user_type() == v1::TechniqueUsersRequest::CAMPAIGNS ? UserKind::kCampaigns
                                                                               : UserKind::kAll;
    ToProto(*g, t, resp->mutable_technique());
    auto users = TechniqueUsers(*g, t, kind);
    return EmitPage(*req, users, resp->mutable_page(), [&](const TechniqueUser& u) {
      auto* out = resp->add_users();
      ToProto(*g, u.user, out->mutable_user());
      out->set_direct(u.direct);
      for (NodeId s : u.via_software) ToProtoRef(*g, s, out->add_via_software());
      for (NodeId c : u.via_campaigns) ToProtoRef(*g, c, out->add_via_campaigns());
    });
  });
}

grpc::ServerUnaryReactor* KnowledgeServiceImpl::GetTechniqueMitigations(grpc::CallbackServerContext* ctx, const v1::TechniqueRequest* req,
                                                           v1::MitigationsResponse* resp) {
  return ServeUnary(ctx, "GetTechniqueMitigations", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req->release()));
    TTP_ASSIGN_OR_RETURN(NodeId t, ResolveTyped(*g, req->technique(), kTechniqueTypes, "technique"));
    ToProto(*g, t, resp->mutable_technique());
    auto items = Mitigations(*g, t);
    return EmitPage(*req, items, resp->mutable_page(), [&](const RelatedVia& m) {
      auto* out = resp->add_mitigations();
      ToProto(*g, m.object, out->mutable_mitigation());
      out->set_description(g->node(m.relationship).description);
    });
  });
}

grpc::ServerUnaryReactor* KnowledgeServiceImpl::GetProcedureExamples(grpc::CallbackServerContext* ctx, const v1::TechniqueRequest* req,
                                                        v1::ProcedureExamplesResponse* resp) {
  return ServeUnary(ctx, "GetProcedureExamples", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req->release()));
    TTP_ASSIGN_OR_RETURN(NodeId t, ResolveTyped(*g, req->technique(), kTechniqueTypes, "technique"));
    ToProto(*g, t, resp->mutable_technique());
    auto items = ProcedureExamples(*g, t);
    return EmitPage(*req, items, resp->mutable_page(), [&](const RelatedVia& p) {
      auto* out = resp->add_examples();
      ToProto(*g, p.object, out->mutable_user());
      out->set_description(g->node(p.relationship).description);
    });
  });
}

grpc::ServerUnaryReactor* KnowledgeServiceImpl::GetDetectability(grpc::CallbackServerContext* ctx, const v1::TechniqueRequest* req,
                                                    v1::DetectabilityResponse* resp) {
  return ServeUnary(ctx, "GetDetectability", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req->release()));
    TTP_ASSIGN_OR_RETURN(NodeId t, ResolveTyped(*g, req->technique(), kTechniqueTypes, "technique"));
    ToProto(*g, t, resp->mutable_technique());
    Detectability d = TechniqueDetectability(*g, t);
    auto id_of = [&](NodeId n) { return g->node(n).attack_id.empty() ? g->node(n).stix_id : g->node(n).attack_id; };
    for (NodeId s : d.strategies) {
      auto* sp = resp->add_detection_strategies();
      ToProto(*g, s, sp->mutable_strategy());
      for (NodeId a : StrategyAnalytics(*g, s)) {
        auto* ap = sp->add_analytics();
        ToProto(*g, a, ap->mutable_analytic());
        for (auto& p : g->node(a).platforms) ap->add_platforms(p);
        for (auto& ls : g->node(a).log_sources) {
          auto* lr = ap->add_log_source_references();
          if (ls.data_component != kNoNode) ToProtoRef(*g, ls.data_component, lr->mutable_data_component());
          lr->mutable_log_source()->set_name(ls.name);
          lr->mutable_log_source()->set_channel(ls.channel);
        }
      }
    }
    return EmitPage(*req, d.components, resp->mutable_page(), [&](const DetectingComponent& c) {
      auto* out = resp->add_data_components();
      ToProto(*g, c.data_component, out->mutable_data_component());
      out->set_data_source(g->node(c.data_component).data_source);
      out->set_via_detects_relationship(c.via_detects_relationship);
      for (NodeId s : c.strategies) out->add_detection_strategies(id_of(s));
      for (NodeId a : c.analytics) out->add_analytics(id_of(a));
      for (auto& ls : c.log_sources) {
        auto* l = out->add_log_sources();
        l->set_name(ls.name);
        l->set_channel(ls.channel);
      }
    });
  });
}

}  // namespace ttpgraph
