#include "server/org_service.h"

#include "server/core/coverage.h"
#include "server/core/detection_import.h"
#include "absl/time/clock.h"
#include "server/core/org_transfer.h"
#include "server/core/organizations.h"
#include "server/export/navigator_layer.h"
#include "server/org_convert.h"
#include "server/org_document.h"
#include "server/page_token.h"
#include "server/rpc_util.h"
#include "server/token_convert.h"
#include "server/upload.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {


absl::StatusOr<core::CoverageQuery> QueryOf(const v1::CoverageRequest& req) {
  core::CoverageQuery q;
  q.release = req.release();
  TTP_ASSIGN_OR_RETURN(RollupPolicy rollup, FromProto(req.rollup()));
  q.options = CoverageOptions{req.tactic(), req.platform(), rollup};
  q.countermeasures = req.include_countermeasures();
  q.d3fend_version = req.d3fend_version();
  q.atomic_tests = req.include_atomic_tests();
  q.atomic_index = req.atomic_index();
  return q;
}

}  // namespace

// ---- organizations -------------------------------------------------------------

grpc::Status OrgServiceImpl::CreateOrganization(grpc::ServerContext* ctx, const v1::CreateOrganizationRequest* req,
                                                v1::Organization* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/CreateOrganization", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Organization o, core::CreateOrganization(app_, OrgId(req->org_id()), req->display_name(),
                                                                  req->release(), &call.audit));
    ToProto(o, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::GetOrganization(grpc::ServerContext* ctx, const v1::GetOrganizationRequest* req,
                                             v1::Organization* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/GetOrganization", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Organization o, core::GetOrganization(app_, OrgId(req->org_id())));
    ToProto(o, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::UpdateOrganization(grpc::ServerContext* ctx, const v1::UpdateOrganizationRequest* req,
                                                v1::Organization* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/UpdateOrganization", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Organization o, core::UpdateOrganization(app_, OrgId(req->org_id()), req->display_name(),
                                                                  req->release(), &call.audit));
    ToProto(o, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::ListOrganizations(grpc::ServerContext* ctx, const v1::ListOrganizationsRequest* req,
                                               v1::ListOrganizationsResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/ListOrganizations", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto orgs, core::ListOrganizations(app_, req->org_id()));
    return EmitPage(*req, orgs, resp->mutable_page(),
                    [&](const Organization& o) { ToProto(o, resp->add_organizations()); });
  });
}

grpc::Status OrgServiceImpl::DeleteOrganization(grpc::ServerContext* ctx, const v1::DeleteOrganizationRequest* req,
                                                v1::DeleteOrganizationResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/DeleteOrganization", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(OrgStore::DeleteOrgResult r, core::DeleteOrganization(app_, OrgId(req->org_id()), &call.audit));
    ToProto(r.org, resp->mutable_organization());
    resp->set_detections_deleted(r.detections_deleted);
    return absl::OkStatus();
  });
}

// ---- detections ----------------------------------------------------------------

grpc::Status OrgServiceImpl::CreateDetection(grpc::ServerContext* ctx, const v1::CreateDetectionRequest* req,
                                             v1::Detection* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/CreateDetection", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Detection d, core::PutDetection(app_, OrgId(req->org_id()), FromProto(req->detection()),
                                                         OrgStore::PutMode::kCreate, call.limits, &call.audit));
    ToProto(d, true, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::UpdateDetection(grpc::ServerContext* ctx, const v1::UpdateDetectionRequest* req,
                                             v1::Detection* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/UpdateDetection", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Detection d, core::PutDetection(app_, OrgId(req->org_id()), FromProto(req->detection()),
                                                         OrgStore::PutMode::kUpdate, call.limits, &call.audit));
    ToProto(d, true, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::GetDetection(grpc::ServerContext* ctx, const v1::GetDetectionRequest* req,
                                          v1::Detection* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/GetDetection", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Detection d, core::GetDetection(app_, OrgId(req->org_id()), req->id()));
    ToProto(d, true, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::ListDetections(grpc::ServerContext* ctx, const v1::ListDetectionsRequest* req,
                                            v1::ListDetectionsResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/ListDetections", req, [&](const Call& call) -> absl::Status {
    core::DetectionFilter f;
    f.technique = req->technique();
    if (req->state() != v1::DETECTION_STATE_UNSPECIFIED) f.state = FromProto(req->state());
    f.source_format = req->source_format();
    f.tag = req->tag();
    TTP_ASSIGN_OR_RETURN(auto kept, core::ListDetections(app_, OrgId(req->org_id()), f));
    return EmitPage(*req, kept, resp->mutable_page(),
                    [&](const Detection& d) { ToProto(d, !req->omit_query(), resp->add_detections()); });
  });
}

grpc::Status OrgServiceImpl::DeleteDetection(grpc::ServerContext* ctx, const v1::DeleteDetectionRequest* req,
                                             v1::DeleteDetectionResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/DeleteDetection", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Detection d, core::DeleteDetection(app_, OrgId(req->org_id()), req->id(), &call.audit));
    ToProto(d, false, resp->mutable_detection());
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::ImportDetections(grpc::ServerContext* ctx,
                                              grpc::ServerReader<v1::ImportDetectionsRequest>* reader,
                                              v1::ImportDetectionsResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/ImportDetections", kStream, [&](const Call& call) -> absl::Status {
    // The first message carries org_id and header; every message may carry
    // (a chunk of) a file: consecutive chunks of one path are joined.
    v1::ImportDetectionsRequest msg;
    std::string org_id;
    v1::ImportDetectionsHeader header;
    core::DetectionUpload upload(app_.limits());
    bool first = true;
    while (reader->Read(&msg)) {
      if (first) {
        org_id = msg.org_id();
        header = msg.header();
        if (auto s = call.AuthorizeOrg(&org_id); !s.ok()) return s;
        // Refuse an unknown organization before reading the rest of the upload.
        if (auto o = app_.orgs().GetOrg(OrgId(org_id)); !o.ok()) return o.status();
        first = false;
      } else if (!msg.org_id().empty() && msg.org_id() != org_id) {
        return absl::InvalidArgumentError(Cat("org_id changed within the import stream (", org_id, " then ",
                                              msg.org_id(), ")"));
      }
      const size_t message_bytes = msg.ByteSizeLong();
      if (auto s = upload.Add(message_bytes, std::move(*msg.mutable_file()->mutable_path()),
                              std::move(*msg.mutable_file()->mutable_content()));
          !s.ok())
        return s;
    }
    if (first) return absl::InvalidArgumentError("empty import stream: the first message must carry org_id and header");
    TTP_ASSIGN_OR_RETURN(core::DetectionImportReport r,
                         core::ImportDetections(app_, OrgId(org_id), FromProto(header), upload.Take(), call.limits,
                                                &call.audit));
    ToProto(r, resp);
    return absl::OkStatus();
  });
}

// ---- inventory -----------------------------------------------------------------

grpc::Status OrgServiceImpl::GetInventory(grpc::ServerContext* ctx, const v1::GetInventoryRequest* req,
                                          v1::Inventory* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/GetInventory", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(core::InventoryAnswer a, core::GetInventory(app_, OrgId(req->org_id()), req->release()));
    ToProto(a, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::UpdateInventory(grpc::ServerContext* ctx, const v1::UpdateInventoryRequest* req,
                                             v1::Inventory* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/UpdateInventory", req, [&](const Call& call) -> absl::Status {
    OrgStore::InventoryOp op;
    switch (req->op()) {
      case v1::UpdateInventoryRequest::OP_SET: op = OrgStore::InventoryOp::kSet; break;
      case v1::UpdateInventoryRequest::OP_ADD: op = OrgStore::InventoryOp::kAdd; break;
      case v1::UpdateInventoryRequest::OP_REMOVE: op = OrgStore::InventoryOp::kRemove; break;
      default: return absl::InvalidArgumentError("op is required: SET, ADD or REMOVE");
    }
    std::vector<InventoryEntry> entries;
    for (const v1::InventoryEntry& e : req->entries()) entries.push_back(FromProto(e));
    TTP_ASSIGN_OR_RETURN(core::InventoryAnswer a, core::UpdateInventory(app_, OrgId(req->org_id()), req->release(), op,
                                                                        std::move(entries), &call.audit));
    ToProto(a, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::InferInventory(grpc::ServerContext* ctx, const v1::InferInventoryRequest* req,
                                            v1::InferInventoryResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/InferInventory", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(core::InferredInventory a,
                         core::InferInventory(app_, OrgId(req->org_id()), req->release(), req->dry_run(),
                                              req->replace(), req->mapping_csv(), &call.audit));
    const ReleaseGraph& g = a.inventory.release->graph();
    resp->set_rules_considered(a.rules_considered);
    for (auto& [logsource, rules] : a.unmapped) {
      auto* u = resp->add_unmapped();
      u->set_logsource(logsource);
      u->set_rules(rules);
    }
    for (NodeId dc : a.added) resp->add_added(ComponentLabel(g, dc));
    ToProto(a.inventory, resp->mutable_inventory());
    return absl::OkStatus();
  });
}

// ---- coverage ------------------------------------------------------------------

grpc::Status OrgServiceImpl::GetCoverage(grpc::ServerContext* ctx, const v1::CoverageRequest* req,
                                         v1::CoverageResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/GetCoverage", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(core::CoverageQuery q, QueryOf(*req));
    TTP_ASSIGN_OR_RETURN(core::CoverageAnswer a, core::Coverage(app_, OrgId(req->org_id()), q, call.limits));
    ToProto(a, ToProto(q.options.rollup), req->omit_techniques(), resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::GetCoverageTrend(grpc::ServerContext* ctx, const v1::CoverageTrendRequest* req,
                                              v1::CoverageTrendResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/GetCoverageTrend", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(RollupPolicy rollup, FromProto(req->rollup()));
    CoverageOptions options{req->tactic(), req->platform(), rollup};
    std::vector<std::string> releases(req->releases().begin(), req->releases().end());
    TTP_ASSIGN_OR_RETURN(auto rows, core::CoverageTrend(app_, OrgId(req->org_id()), releases, options, call.limits));
    resp->set_org_id(req->org_id());
    for (const core::CoverageAnswer& a : rows) ToProto(a, resp->add_rows());
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::ExportCoverageLayer(grpc::ServerContext* ctx, const v1::CoverageRequest* req,
                                                 v1::CoverageLayerResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/ExportCoverageLayer", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(core::CoverageQuery q, QueryOf(*req));
    q.countermeasures = q.atomic_tests = false;
    TTP_ASSIGN_OR_RETURN(core::CoverageAnswer a, core::Coverage(app_, OrgId(req->org_id()), q, call.limits));
    CoverageLayerOptions lo;
    lo.platform = req->platform();
    const ReleaseGraph& g = a.release->graph();
    resp->set_layer_json(CoverageLayerJson(g, a.report, *a.org.view, lo));
    resp->set_file_name(Cat(a.org.org.id, "-coverage-", g.id().domain, "-", g.id().version.ToString(), ".json"));
    return absl::OkStatus();
  });
}

// ---- moving an organization ------------------------------------------------------

grpc::Status OrgServiceImpl::ExportOrganization(grpc::ServerContext* ctx, const v1::ExportOrganizationRequest* req,
                                                v1::ExportOrganizationResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/ExportOrganization", req, [&](const Call&) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(core::OrgDocument doc, core::ExportOrganization(app_, OrgId(req->org_id())));
    resp->set_document(OrgDocumentToJson(doc, absl::Now()));
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::ImportOrganization(grpc::ServerContext* ctx,
                                                grpc::ServerReader<v1::ImportOrganizationRequest>* reader,
                                                v1::ImportOrganizationResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.OrgService/ImportOrganization", kStream, [&](const Call& call) -> absl::Status {
    v1::ImportOrganizationHeader header;
    std::string json;
    if (auto s = ReadChunkedUpload(ctx, reader, app_.limits().max_import_bytes, &header, &json); !s.ok()) return s;
    TTP_ASSIGN_OR_RETURN(core::OrgDocument doc, OrgDocumentFromJson(json));
    json = std::string();
    // Routed by a proxy: the document's organization is the one named.
    if (!call.routing_org.empty() && call.routing_org != doc.org.id)
      return absl::InvalidArgumentError(Cat("x-ttpgraph-org metadata '", call.routing_org,
                                            "' does not match the document's organization '", doc.org.id, "'"));
    std::vector<Token> tokens = doc.tokens;
    TTP_ASSIGN_OR_RETURN(Organization o, core::ImportOrganization(app_, std::move(doc), call.limits, &call.audit));
    ToProto(o, resp->mutable_organization());
    resp->set_detections(o.detection_count);
    resp->set_inventory_entries(o.inventory_count);
    for (const Token& t : tokens) ToProto(t, resp->add_tokens_not_created());
    return absl::OkStatus();
  });
}

}  // namespace ttpgraph
