// ReleaseService: imports, lists and deletes ATT&CK releases
// (server/core/releases.h does the work).
#pragma once

#include "server/core/application.h"
#include "ttpgraph/v1/release_service.grpc.pb.h"

namespace ttpgraph {

class ReleaseServiceImpl final : public v1::ReleaseService::Service {
 public:
  explicit ReleaseServiceImpl(core::Application& app) : app_(app) {}

  grpc::Status ImportRelease(grpc::ServerContext* ctx, grpc::ServerReader<v1::ImportReleaseRequest>* reader,
                             v1::ImportReleaseResponse* resp) override;
  grpc::Status ImportReleaseFrom(grpc::ServerContext* ctx, const v1::ImportReleaseFromRequest* req,
                                 v1::ImportReleaseFromResponse* resp) override;
  grpc::Status ListReleases(grpc::ServerContext* ctx, const v1::ListReleasesRequest* req,
                            v1::ListReleasesResponse* resp) override;
  grpc::Status GetRelease(grpc::ServerContext* ctx, const v1::GetReleaseRequest* req, v1::Release* resp) override;
  grpc::Status DeleteRelease(grpc::ServerContext* ctx, const v1::DeleteReleaseRequest* req,
                             v1::DeleteReleaseResponse* resp) override;

 private:
  core::Application& app_;
};

}  // namespace ttpgraph
