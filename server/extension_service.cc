#include "server/extension_service.h"

#include "server/core/extensions.h"
#include "server/extension_convert.h"
#include "server/page_token.h"
#include "server/rpc_util.h"
#include "storage/strings.h"

namespace ttpgraph {

grpc::Status ExtensionServiceImpl::CreateExtension(grpc::ServerContext* ctx, const v1::CreateExtensionRequest* req,
                                                   v1::Extension* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.ExtensionService/CreateExtension", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Extension e, core::CreateExtension(app_, OrgId(req->org_id()),
                                                            {req->name(), req->release(), req->prefix(),
                                                             req->description()},
                                                            &call.audit));
    ToProto(e, resp);
    return absl::OkStatus();
  });
}

grpc::Status ExtensionServiceImpl::ListExtensions(grpc::ServerContext* ctx, const v1::ListExtensionsRequest* req,
                                                  v1::ListExtensionsResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.ExtensionService/ListExtensions", req, [&](const Call&) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto exts, core::ListExtensions(app_, OrgId(req->org_id())));
    return EmitPage(*req, exts, resp->mutable_page(), [&](const Extension& e) { ToProto(e, resp->add_extensions()); });
  });
}

grpc::Status ExtensionServiceImpl::GetExtension(grpc::ServerContext* ctx, const v1::GetExtensionRequest* req,
                                                v1::GetExtensionResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.ExtensionService/GetExtension", req, [&](const Call&) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(core::ExtensionDetail d, core::GetExtension(app_, OrgId(req->org_id()), req->name()));
    ToProto(d.extension, resp->mutable_extension());
    for (auto& o : d.objects) ToProto(o, req->include_json(), resp->add_objects());
    return absl::OkStatus();
  });
}

grpc::Status ExtensionServiceImpl::DeleteExtension(grpc::ServerContext* ctx, const v1::DeleteExtensionRequest* req,
                                                   v1::Extension* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.ExtensionService/DeleteExtension", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Extension e, core::DeleteExtension(app_, OrgId(req->org_id()), req->name(), &call.audit));
    ToProto(e, resp);
    return absl::OkStatus();
  });
}

grpc::Status ExtensionServiceImpl::ImportExtensionObjects(grpc::ServerContext* ctx,
                                                          const v1::ImportExtensionObjectsRequest* req,
                                                          v1::ImportExtensionObjectsResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.ExtensionService/ImportExtensionObjects", req,
               [&](const Call& call) -> absl::Status {
                 std::vector<core::ExtensionFile> files;
                 for (int i = 0; i < req->files_size(); ++i) {
                   const auto& f = req->files(i);
                   files.push_back({f.name().empty() ? Cat("files[", i, "]") : f.name(), f.content()});
                 }
                 TTP_ASSIGN_OR_RETURN(core::ExtensionImport r,
                                      core::ImportExtension(app_, OrgId(req->org_id()), req->name(), std::move(files),
                                                            &call.audit));
                 ToProto(r.extension, resp->mutable_extension());
                 resp->set_added(static_cast<int32_t>(r.added));
                 resp->set_edited(static_cast<int32_t>(r.edited));
                 resp->set_unchanged(static_cast<int32_t>(r.unchanged));
                 for (auto& [stix, id] : r.assigned_ids) {
                   auto* a = resp->add_assigned_ids();
                   a->set_stix_id(stix);
                   a->set_attack_id(id);
                 }
                 return absl::OkStatus();
               });
}

grpc::Status ExtensionServiceImpl::SetExtensionField(grpc::ServerContext* ctx, const v1::SetExtensionFieldRequest* req,
                                                     v1::SetExtensionFieldResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.ExtensionService/SetExtensionField", req, [&](const Call& call) -> absl::Status {
    if (req->object_id().empty()) return absl::InvalidArgumentError("object_id: required (ATT&CK ID or STIX id)");
    std::optional<std::string> value;
    if (!req->unset()) value = req->value();
    TTP_ASSIGN_OR_RETURN(core::ExtensionObjectInfo o,
                         core::SetExtensionField(app_, OrgId(req->org_id()), req->name(), req->object_id(),
                                                 req->field(), value, &call.audit));
    TTP_ASSIGN_OR_RETURN(Extension e, app_.extensions().Get(OrgId(req->org_id()), req->name()));
    ToProto(e, resp->mutable_extension());
    ToProto(o, false, resp->mutable_object());
    return absl::OkStatus();
  });
}

grpc::Status ExtensionServiceImpl::GetExtensionHistory(grpc::ServerContext* ctx,
                                                       const v1::GetExtensionHistoryRequest* req,
                                                       v1::GetExtensionHistoryResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.ExtensionService/GetExtensionHistory", req, [&](const Call&) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto changes,
                         core::ExtensionHistory(app_, OrgId(req->org_id()), req->name(), req->object_id()));
    return EmitPage(*req, changes, resp->mutable_page(),
                    [&](const ExtensionObjectChange& c) { ToProto(c, resp->add_changes()); });
  });
}

grpc::Status ExtensionServiceImpl::ExportExtension(grpc::ServerContext* ctx, const v1::ExportExtensionRequest* req,
                                                   v1::ExportExtensionResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.ExtensionService/ExportExtension", req, [&](const Call&) -> absl::Status {
    const OrgId org(req->org_id());
    std::string doc;
    if (req->collection_index()) {
      TTP_ASSIGN_OR_RETURN(doc, core::ExtensionCollectionIndex(app_, org, req->name(), req->url()));
      resp->set_file_name(Cat(org.str(), "-index.json"));
    } else {
      TTP_ASSIGN_OR_RETURN(doc, core::ExportExtension(app_, org, req->name(), {req->merged()}));
      resp->set_file_name(Cat(org.str(), "-", req->name(), req->merged() ? "-merged" : "", ".json"));
    }
    resp->set_content_type("application/json");
    resp->set_document(std::move(doc));
    return absl::OkStatus();
  });
}

}  // namespace ttpgraph
