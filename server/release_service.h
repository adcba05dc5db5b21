// ReleaseService: imports, lists and deletes ATT&CK releases.
#pragma once

#include "server/graph_cache.h"
#include "server/server.h"
#include "storage/store.h"
#include "ttpgraph/v1/release_service.grpc.pb.h"

namespace ttpgraph {

class ReleaseServiceImpl final : public v1::ReleaseService::Service {
 public:
  ReleaseServiceImpl(Store* store, GraphCache* graphs, const ServerLimits& limits)
      : store_(store), graphs_(graphs), limits_(limits) {}

  grpc::Status ImportRelease(grpc::ServerContext* ctx, grpc::ServerReader<v1::ImportReleaseRequest>* reader,
                             v1::ImportReleaseResponse* resp) override;
  grpc::Status ImportReleaseFrom(grpc::ServerContext* ctx, const v1::ImportReleaseFromRequest* req,
                                 v1::ImportReleaseFromResponse* resp) override;
  grpc::Status ListReleases(grpc::ServerContext* ctx, const v1::ListReleasesRequest* req,
                            v1::ListReleasesResponse* resp) override;
  grpc::Status GetRelease(grpc::ServerContext* ctx, const v1::GetReleaseRequest* req, v1::Release* resp) override;
  grpc::Status DeleteRelease(grpc::ServerContext* ctx, const v1::DeleteReleaseRequest* req,
                             v1::DeleteReleaseResponse* resp) override;

  // Gunzips, parses, validates and stores one bundle (all or nothing).
  absl::Status ImportBytes(std::string bytes, const v1::ImportOptions& options, v1::ImportReleaseResponse* resp);

 private:
  absl::Status ImportCollectionIndex(const v1::ImportReleaseFromRequest& req, v1::ImportReleaseFromResponse* resp);

  Store* store_;
  GraphCache* graphs_;
  ServerLimits limits_;
};

}  // namespace ttpgraph
