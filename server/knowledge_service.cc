#include "server/knowledge_service.h"

#include "server/group_answers.h"
#include "server/knowledge_convert.h"
#include "server/page_token.h"
#include "server/rpc_util.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

template <typename Req>
absl::Status EmitObjects(const Req& req, const ReleaseGraph& g, const std::vector<NodeId>& ids, v1::ObjectList* out) {
  return EmitPage(req, ids, out->mutable_page(), [&](NodeId n) { ToProto(g, n, out->add_objects()); });
}

// A list about one object (technique or group) asked by `asked`.
template <typename Req>
absl::Status EmitSubjectList(const Req& req, std::string_view asked, const core::SubjectList& a, v1::ObjectList* out) {
  SetResolution(a.subject, asked, out);
  return EmitObjects(req, a.subject.graph(), a.nodes, out);
}

UsagePaths PathsOf(const v1::GroupTechniquesRequest& req) {
  return UsagePaths{!req.exclude_direct(), !req.exclude_software(), !req.exclude_campaigns()};
}

}  // namespace

void KnowledgeServiceImpl::Serve(AsyncQueues* queues) {
  AsyncService* s = &service_;
#define TTP_HANDLE(Method)                                              \
  queues->Handle(s, &AsyncService::Request##Method, "ttpgraph.v1.KnowledgeService/" #Method, \
                 [this](const auto& req, const QueryLimits& l, auto* resp) { return Method(req, l, resp); })
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

absl::Status KnowledgeServiceImpl::GetObject(const v1::GetObjectRequest& req, const Limits& l,
                                             v1::GetObjectResponse* resp) {
  TTP_ASSIGN_OR_RETURN(core::ObjectAnswer a, core::GetObject(app_, req.release(), req.id(), req.type(), l));
  const ReleaseGraph& g = a.release->graph();
  ToProto(g, a.node, resp->mutable_object());
  if (g.node(a.node).revoked) ToProto(g, a.revoked_by, resp->mutable_revoked_by());
  if (a.parent != kNoNode) ToProto(g, a.parent, resp->mutable_parent());
  resp->set_stix_json(std::move(a.stix_json));
  if (!a.description.empty()) resp->mutable_object()->set_description(std::move(a.description));
  return absl::OkStatus();
}

absl::Status KnowledgeServiceImpl::ListTechniques(const v1::ListTechniquesRequest& req, const Limits&,
                                                  v1::ObjectList* resp) {
  TechniqueFilter f;
  f.tactic = req.tactic();
  f.platform = req.platform();
  f.include_subtechniques = !req.exclude_subtechniques();
  f.include_revoked = req.include_revoked();
  f.include_deprecated = req.include_deprecated();
  f.query = req.query();
  TTP_ASSIGN_OR_RETURN(core::NodeList a, core::ListTechniques(app_, req.release(), f));
  return EmitObjects(req, a.release->graph(), a.nodes, resp);
}

absl::Status KnowledgeServiceImpl::SearchObjects(const v1::SearchObjectsRequest& req, const Limits&,
                                                 v1::ObjectList* resp) {
  std::vector<std::string> types(req.types().begin(), req.types().end());
  TTP_ASSIGN_OR_RETURN(core::NodeList a, core::SearchObjects(app_, req.release(), req.query(), types,
                                                             req.include_revoked(), req.include_deprecated()));
  return EmitObjects(req, a.release->graph(), a.nodes, resp);
}

absl::Status KnowledgeServiceImpl::ListTactics(const v1::ListTacticsRequest& req, const Limits&, v1::ObjectList* resp) {
  TTP_ASSIGN_OR_RETURN(core::NodeList a, core::ListTactics(app_, req.release()));
  return EmitObjects(req, a.release->graph(), a.nodes, resp);
}

absl::Status KnowledgeServiceImpl::GetTechniqueTactics(const v1::TechniqueRequest& req, const Limits& l,
                                                       v1::ObjectList* resp) {
  TTP_ASSIGN_OR_RETURN(core::SubjectList a, core::TechniqueTactics(app_, req.release(), req.technique(), l));
  return EmitSubjectList(req, req.technique(), a, resp);
}

absl::Status KnowledgeServiceImpl::GetSubtechniques(const v1::TechniqueRequest& req, const Limits& l,
                                                    v1::SubtechniquesResponse* resp) {
  TTP_ASSIGN_OR_RETURN(core::SubjectList a, core::Subtechniques(app_, req.release(), req.technique(), l));
  const ReleaseGraph& g = a.subject.graph();
  ToProto(g, a.subject.node(), resp->mutable_technique());
  if (NodeId p = g.ParentOf(a.subject.node()); p != kNoNode) ToProto(g, p, resp->mutable_parent());
  SetResolution(a.subject, req.technique(), resp);
  return EmitPage(req, a.nodes, resp->mutable_page(), [&](NodeId s) { ToProto(g, s, resp->add_subtechniques()); });
}

// Raw method: answers from encoded entries kept with the release (group_answers.h).
absl::Status KnowledgeServiceImpl::GetGroupTechniques(const grpc::ByteBuffer& request, const Limits& l,
                                                      grpc::ByteBuffer* resp) {
  v1::GroupTechniquesRequest req;
  grpc::ByteBuffer in = request;  // Deserialize consumes its buffer; this copy shares the slices
  if (!grpc::SerializationTraits<v1::GroupTechniquesRequest>::Deserialize(&in, &req).ok())
    return absl::InvalidArgumentError("the request is not a GroupTechniquesRequest");
  if (!v1::ObjectView_IsValid(req.view()))
    return absl::InvalidArgumentError(
        Cat("unknown view ", static_cast<int>(req.view()), ": OBJECT_VIEW_BASIC or OBJECT_VIEW_FULL"));
  TTP_ASSIGN_OR_RETURN(core::GroupTechniquesAnswer a,
                       core::GroupTechniques(app_, req.release(), req.group(), PathsOf(req), l));
  std::shared_ptr<const GroupAnswer> encoded = EncodedGroupAnswer(a, req.view() == v1::OBJECT_VIEW_FULL);
  TTP_ASSIGN_OR_RETURN(PageWindow window, ComputePage(req, encoded->entries.size()));
  std::string resolution;
  if (a.subject.revoked()) {
    v1::Resolution r;
    ToProto(a.subject.graph(), req.group(), a.subject.object, &r);
    resolution = r.SerializeAsString();
  }
  *resp = EncodeGroupTechniquesPage(*encoded, window, resolution);
  return absl::OkStatus();
}

absl::Status KnowledgeServiceImpl::GetGroupSoftware(const v1::GroupRequest& req, const Limits& l,
                                                    v1::ObjectList* resp) {
  TTP_ASSIGN_OR_RETURN(core::SubjectList a, core::GroupSoftware(app_, req.release(), req.group(), l));
  return EmitSubjectList(req, req.group(), a, resp);
}

absl::Status KnowledgeServiceImpl::GetGroupCampaigns(const v1::GroupRequest& req, const Limits& l,
                                                     v1::ObjectList* resp) {
  TTP_ASSIGN_OR_RETURN(core::SubjectList a, core::GroupCampaigns(app_, req.release(), req.group(), l));
  return EmitSubjectList(req, req.group(), a, resp);
}

absl::Status KnowledgeServiceImpl::GetTechniqueUsers(const v1::TechniqueUsersRequest& req, const Limits& l,
                                                     v1::TechniqueUsersResponse* resp) {
  UserKind kind = req.user_type() == v1::TechniqueUsersRequest::USER_TYPE_GROUPS      ? UserKind::kGroups
                  : req.user_type() == v1::TechniqueUsersRequest::USER_TYPE_SOFTWARE  ? UserKind::kSoftware
                  : req.user_type() == v1::TechniqueUsersRequest::USER_TYPE_CAMPAIGNS ? UserKind::kCampaigns
                                                                             : UserKind::kAll;
  TTP_ASSIGN_OR_RETURN(core::TechniqueUsersAnswer a, core::TechniqueUsers(app_, req.release(), req.technique(), kind, l));
  const ReleaseGraph& g = a.subject.graph();
  ToProto(g, a.subject.node(), resp->mutable_technique());
  SetResolution(a.subject, req.technique(), resp);
  return EmitPage(req, a.users, resp->mutable_page(), [&](const TechniqueUser& u) {
    auto* out = resp->add_users();
    ToProto(g, u.user, out->mutable_user());
    out->set_direct(u.direct);
    for (NodeId s : u.via_software) ToProtoRef(g, s, out->add_via_software());
    for (NodeId c : u.via_campaigns) ToProtoRef(g, c, out->add_via_campaigns());
  });
}

absl::Status KnowledgeServiceImpl::GetTechniqueMitigations(const v1::TechniqueRequest& req, const Limits& l,
                                                           v1::MitigationsResponse* resp) {
  TTP_ASSIGN_OR_RETURN(core::RelatedAnswer a, core::Mitigations(app_, req.release(), req.technique(), l));
  const ReleaseGraph& g = a.subject.graph();
  ToProto(g, a.subject.node(), resp->mutable_technique());
  SetResolution(a.subject, req.technique(), resp);
  return EmitPage(req, a.items, resp->mutable_page(), [&](const RelatedVia& m) {
    auto* out = resp->add_mitigations();
    ToProto(g, m.object, out->mutable_mitigation());
    out->set_description(g.node(m.relationship).description);
  });
}

absl::Status KnowledgeServiceImpl::GetProcedureExamples(const v1::TechniqueRequest& req, const Limits& l,
                                                        v1::ProcedureExamplesResponse* resp) {
  TTP_ASSIGN_OR_RETURN(core::RelatedAnswer a, core::ProcedureExamples(app_, req.release(), req.technique(), l));
  const ReleaseGraph& g = a.subject.graph();
  ToProto(g, a.subject.node(), resp->mutable_technique());
  SetResolution(a.subject, req.technique(), resp);
  return EmitPage(req, a.items, resp->mutable_page(), [&](const RelatedVia& p) {
    auto* out = resp->add_examples();
    ToProto(g, p.object, out->mutable_user());
    out->set_description(g.node(p.relationship).description);
  });
}

absl::Status KnowledgeServiceImpl::GetDetectability(const v1::TechniqueRequest& req, const Limits& l,
                                                    v1::DetectabilityResponse* resp) {
  TTP_ASSIGN_OR_RETURN(core::DetectabilityAnswer a, core::TechniqueDetectability(app_, req.release(), req.technique(), l));
  const ReleaseGraph& g = a.subject.graph();
  ToProto(g, a.subject.node(), resp->mutable_technique());
  SetResolution(a.subject, req.technique(), resp);
  auto id_of = [&](NodeId n) { return g.node(n).attack_id.empty() ? g.node(n).stix_id : g.node(n).attack_id; };
  for (NodeId s : a.detectability.strategies) {
    auto* sp = resp->add_detection_strategies();
    ToProto(g, s, sp->mutable_strategy());
    for (NodeId an : StrategyAnalytics(g, s)) {
      auto* ap = sp->add_analytics();
      ToProto(g, an, ap->mutable_analytic());
      for (auto& p : g.node(an).platforms) ap->add_platforms(p);
      for (auto& ls : g.node(an).log_sources) {
        auto* lr = ap->add_log_source_references();
        if (ls.data_component != kNoNode) ToProtoRef(g, ls.data_component, lr->mutable_data_component());
        lr->mutable_log_source()->set_name(ls.name);
        lr->mutable_log_source()->set_channel(ls.channel);
      }
    }
  }
  return EmitPage(req, a.detectability.components, resp->mutable_page(), [&](const DetectingComponent& c) {
    auto* out = resp->add_data_components();
    ToProto(g, c.data_component, out->mutable_data_component());
    out->set_data_source(g.node(c.data_component).data_source);
    out->set_via_detects_relationship(c.via_detects_relationship);
    for (NodeId s : c.strategies) out->add_detection_strategies(id_of(s));
    for (NodeId an : c.analytics) out->add_analytics(id_of(an));
    for (auto& ls : c.log_sources) {
      auto* lo = out->add_log_sources();
      lo->set_name(ls.name);
      lo->set_channel(ls.channel);
    }
  });
}

}  // namespace ttpgraph
