#include "server/knowledge_service.h"

#include <simdjson.h>

#include "graph/queries.h"
#include "server/group_answers.h"
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

KnowledgeServiceImpl::KnowledgeServiceImpl(const Store* store, GraphCache* graphs) : store_(store), graphs_(graphs) {}

void KnowledgeServiceImpl::Serve(AsyncQueues* queues) {
  AsyncService* s = &service_;
#define TTP_HANDLE(Method)                                                                     \
  queues->Handle(s, &AsyncService::Request##Method, #Method,               \
                 [this](const auto& req, auto* resp) { return Method(req, resp); })
  TTP_HANDLE(GetObject);
  TTP_HANDLE(ListTechniques);
  TTP_HANDLE(SearchObjects);
  TTP_HANDLE(ListTactics);
  TTP_HANDLE(GetTechniqueTactics);
  TTP_HANDLE(GetSubtechniques);
  TTP_HANDLE(GetGroupTechniques);
  TTP_HANDLE(GetGroupSoftware);
  TTP_HANDLE(GetGroupCampaigns);
  TTP_HANDLE(GetTechniqueUsers);
  TTP_HANDLE(GetTechniqueMitigations);
  TTP_HANDLE(GetProcedureExamples);
  TTP_HANDLE(GetDetectability);
#undef TTP_HANDLE
}

absl::Status KnowledgeServiceImpl::GetObject(const v1::GetObjectRequest& req, v1::GetObjectResponse* resp) {
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req.release()));
  TTP_ASSIGN_OR_RETURN(NodeId n, ResolveObject(*g, req.id(), req.type()));
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
}

absl::Status KnowledgeServiceImpl::ListTechniques(const v1::ListTechniquesRequest& req, v1::ObjectList* resp) {
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req.release()));
  TechniqueFilter f;
  f.tactic = req.tactic();
  f.platform = req.platform();
  f.include_subtechniques = !req.exclude_subtechniques();
  f.include_revoked = req.include_revoked();
  f.include_deprecated = req.include_deprecated();
  f.query = req.query();
  TTP_ASSIGN_OR_RETURN(auto ids, ttpgraph::ListTechniques(*g, f));
  return EmitObjects(req, *g, ids, resp);
}

absl::Status KnowledgeServiceImpl::SearchObjects(const v1::SearchObjectsRequest& req, v1::ObjectList* resp) {
  if (req.query().empty()) return absl::InvalidArgumentError("query must not be empty");
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req.release()));
  std::vector<std::string> types(req.types().begin(), req.types().end());
  auto ids = ttpgraph::SearchObjects(*g, req.query(), types, req.include_revoked(), req.include_deprecated());
  return EmitObjects(req, *g, ids, resp);
}

absl::Status KnowledgeServiceImpl::ListTactics(const v1::ListTacticsRequest& req, v1::ObjectList* resp) {
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req.release()));
  std::vector<NodeId> ids;
  for (NodeId t : g->tactics())
    if (g->node(t).active() && g->node(t).in_domain) ids.push_back(t);
  return EmitObjects(req, *g, ids, resp);
}

absl::Status KnowledgeServiceImpl::GetTechniqueTactics(const v1::TechniqueRequest& req, v1::ObjectList* resp) {
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req.release()));
  TTP_ASSIGN_OR_RETURN(NodeId t, ResolveTyped(*g, req.technique(), kTechniqueTypes, "technique"));
  return EmitObjects(req, *g, TechniqueTactics(*g, t), resp);
}

absl::Status KnowledgeServiceImpl::GetSubtechniques(const v1::TechniqueRequest& req, v1::SubtechniquesResponse* resp) {
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req.release()));
  TTP_ASSIGN_OR_RETURN(NodeId t, ResolveTyped(*g, req.technique(), kTechniqueTypes, "technique"));
  ToProto(*g, t, resp->mutable_technique());
  if (NodeId p = g->ParentOf(t); p != kNoNode) ToProto(*g, p, resp->mutable_parent());
  auto subs = Subtechniques(*g, t);
  return EmitPage(req, subs, resp->mutable_page(), [&](NodeId s) { ToProto(*g, s, resp->add_subtechniques()); });
}

// Raw method: answers from GroupAnswerCache's encoded entries (group_answers.h).
absl::Status KnowledgeServiceImpl::GetGroupTechniques(const grpc::ByteBuffer& request, grpc::ByteBuffer* resp) {
  v1::GroupTechniquesRequest req;
  grpc::ByteBuffer in = request;  // Deserialize consumes its buffer; this copy shares the slices
  if (!grpc::SerializationTraits<v1::GroupTechniquesRequest>::Deserialize(&in, &req).ok())
    return absl::InvalidArgumentError("the request is not a GroupTechniquesRequest");
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req.release()));
  TTP_ASSIGN_OR_RETURN(NodeId group, ResolveTyped(*g, req.group(), kGroupTypes, "group"));
  UsagePaths paths{!req.exclude_direct(), !req.exclude_software(), !req.exclude_campaigns()};
  if (absl::Status s = CheckUsagePaths(paths); !s.ok()) return s;
  if (!v1::ObjectView_IsValid(req.view()))
    return absl::InvalidArgumentError(Cat("unknown view ", static_cast<int>(req.view()), ": OBJECT_VIEW_BASIC or OBJECT_VIEW_FULL"));
  std::shared_ptr<const GroupAnswer> answer =
      group_answers_.Get(g, group, paths, req.view() == v1::OBJECT_VIEW_FULL);
  TTP_ASSIGN_OR_RETURN(PageWindow window, ComputePage(req, answer->entries.size()));
  *resp = EncodeGroupTechniquesPage(*answer, window);
  return absl::OkStatus();
}

absl::Status KnowledgeServiceImpl::GetGroupSoftware(const v1::GroupRequest& req, v1::ObjectList* resp) {
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req.release()));
  TTP_ASSIGN_OR_RETURN(NodeId group, ResolveTyped(*g, req.group(), kGroupTypes, "group"));
  return EmitObjects(req, *g, GroupSoftware(*g, group), resp);
}

absl::Status KnowledgeServiceImpl::GetGroupCampaigns(const v1::GroupRequest& req, v1::ObjectList* resp) {
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req.release()));
  TTP_ASSIGN_OR_RETURN(NodeId group, ResolveTyped(*g, req.group(), kGroupTypes, "group"));
  return EmitObjects(req, *g, GroupCampaigns(*g, group), resp);
}

absl::Status KnowledgeServiceImpl::GetTechniqueUsers(const v1::TechniqueUsersRequest& req, v1::TechniqueUsersResponse* resp) {
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req.release()));
  TTP_ASSIGN_OR_RETURN(NodeId t, ResolveTyped(*g, req.technique(), kTechniqueTypes, "technique"));
  UserKind kind = req.user_type() == v1::TechniqueUsersRequest::GROUPS      ? UserKind::kGroups
                  : req.user_type() == v1::TechniqueUsersRequest::SOFTWARE  ? UserKind::kSoftware
                  : req.user_type() == v1::TechniqueUsersRequest::CAMPAIGNS ? UserKind::kCampaigns
                                                                             : UserKind::kAll;
  ToProto(*g, t, resp->mutable_technique());
  auto users = TechniqueUsers(*g, t, kind);
  return EmitPage(req, users, resp->mutable_page(), [&](const TechniqueUser& u) {
    auto* out = resp->add_users();
    ToProto(*g, u.user, out->mutable_user());
    out->set_direct(u.direct);
    for (NodeId s : u.via_software) ToProtoRef(*g, s, out->add_via_software());
    for (NodeId c : u.via_campaigns) ToProtoRef(*g, c, out->add_via_campaigns());
  });
}

absl::Status KnowledgeServiceImpl::GetTechniqueMitigations(const v1::TechniqueRequest& req, v1::MitigationsResponse* resp) {
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req.release()));
  TTP_ASSIGN_OR_RETURN(NodeId t, ResolveTyped(*g, req.technique(), kTechniqueTypes, "technique"));
  ToProto(*g, t, resp->mutable_technique());
  auto items = Mitigations(*g, t);
  return EmitPage(req, items, resp->mutable_page(), [&](const RelatedVia& m) {
    auto* out = resp->add_mitigations();
    ToProto(*g, m.object, out->mutable_mitigation());
    out->set_description(g->node(m.relationship).description);
  });
}

absl::Status KnowledgeServiceImpl::GetProcedureExamples(const v1::TechniqueRequest& req, v1::ProcedureExamplesResponse* resp) {
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req.release()));
  TTP_ASSIGN_OR_RETURN(NodeId t, ResolveTyped(*g, req.technique(), kTechniqueTypes, "technique"));
  ToProto(*g, t, resp->mutable_technique());
  auto items = ProcedureExamples(*g, t);
  return EmitPage(req, items, resp->mutable_page(), [&](const RelatedVia& p) {
    auto* out = resp->add_examples();
    ToProto(*g, p.object, out->mutable_user());
    out->set_description(g->node(p.relationship).description);
  });
}

absl::Status KnowledgeServiceImpl::GetDetectability(const v1::TechniqueRequest& req, v1::DetectabilityResponse* resp) {
  TTP_ASSIGN_OR_RETURN(GraphPtr g, graphs_->Get(req.release()));
  TTP_ASSIGN_OR_RETURN(NodeId t, ResolveTyped(*g, req.technique(), kTechniqueTypes, "technique"));
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
  return EmitPage(req, d.components, resp->mutable_page(), [&](const DetectingComponent& c) {
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
}

}  // namespace ttpgraph
