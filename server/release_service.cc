#include "server/release_service.h"

#include "server/core/releases.h"
#include "server/page_token.h"
#include "server/release_convert.h"
#include "server/rpc_util.h"
#include "server/upload.h"

namespace ttpgraph {


grpc::Status ReleaseServiceImpl::ImportRelease(grpc::ServerContext* ctx,
                                               grpc::ServerReader<v1::ImportReleaseRequest>* reader,
                                               v1::ImportReleaseResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.ReleaseService/ImportRelease", kStream, [&](const Call& call) -> absl::Status {
    v1::ImportOptions options;
    std::string bytes;
    if (auto s = ReadChunkedUpload(ctx, reader, app_.limits().max_upload_bytes, &options, &bytes); !s.ok()) return s;
    TTP_ASSIGN_OR_RETURN(core::ReleaseImport r, core::ImportRelease(app_, std::move(bytes), FromProto(options), call.limits, &call.audit));
    ToProto(r, resp);
    return absl::OkStatus();
  });
}

grpc::Status ReleaseServiceImpl::ImportReleaseFrom(grpc::ServerContext* ctx, const v1::ImportReleaseFromRequest* req,
                                                   v1::ImportReleaseFromResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.ReleaseService/ImportReleaseFrom", req, [&](const Call& call) -> absl::Status {
    if (req->source_case() == v1::ImportReleaseFromRequest::SOURCE_NOT_SET)
      return absl::InvalidArgumentError("give a source: path, url or collection_index");
    TTP_ASSIGN_OR_RETURN(auto results, core::ImportReleaseFrom(app_, FromProto(*req), FromProto(req->options()), call.limits, &call.audit));
    for (const core::ReleaseImport& r : results) ToProto(r, resp->add_results());
    return absl::OkStatus();
  });
}

grpc::Status ReleaseServiceImpl::ListReleases(grpc::ServerContext* ctx, const v1::ListReleasesRequest* req,
                                              v1::ListReleasesResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.ReleaseService/ListReleases", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto releases, core::ListReleases(app_, req->domain()));
    if (const core::ReleaseSync* sync = app_.sync()) ToProto(sync->options(), sync->status(), resp->mutable_sync());
    return EmitPage(*req, releases, resp->mutable_page(),
                    [&](const ReleaseInfo& r) { ToProto(r, resp->add_releases()); });
  });
}

grpc::Status ReleaseServiceImpl::GetRelease(grpc::ServerContext* ctx, const v1::GetReleaseRequest* req,
                                            v1::Release* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.ReleaseService/GetRelease", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(ReleaseInfo info, core::GetRelease(app_, req->release()));
    ToProto(info, resp);
    return absl::OkStatus();
  });
}

grpc::Status ReleaseServiceImpl::DeleteRelease(grpc::ServerContext* ctx, const v1::DeleteReleaseRequest* req,
                                               v1::DeleteReleaseResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.ReleaseService/DeleteRelease", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Store::DeleteResult deleted,
                         core::DeleteRelease(app_, req->release(), req->force(), &call.audit));
    ToProto(deleted.info, resp->mutable_release());
    resp->set_objects_freed(deleted.objects_freed);
    return absl::OkStatus();
  });
}

}  // namespace ttpgraph
