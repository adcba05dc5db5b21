// AnalysisService: version diff between releases, group overlap, and the
// organization-dependent gap and migration (see
// proto/ttpgraph/v1/analysis_service.proto). Each handler validates the
// request, makes one call on the application floor (server/core/analysis.h)
// and converts the answer (analysis_convert.h).
//
// Thread safety: safe for concurrent RPCs.
#pragma once

#include "server/core/application.h"
#include "ttpgraph/v1/analysis_service.grpc.pb.h"

namespace ttpgraph {

class AnalysisServiceImpl final : public v1::AnalysisService::Service {
 public:
  explicit AnalysisServiceImpl(core::Application& app) : app_(app) {}

  grpc::Status DiffReleases(grpc::ServerContext*, const v1::DiffReleasesRequest*, v1::DiffReleasesResponse*) override;
  grpc::Status GetDiffLayer(grpc::ServerContext*, const v1::DiffLayerRequest*, v1::LayerResponse*) override;
  grpc::Status GetOverlap(grpc::ServerContext*, const v1::OverlapRequest*, v1::OverlapResponse*) override;
  grpc::Status GetSimilarGroups(grpc::ServerContext*, const v1::SimilarGroupsRequest*,
                                v1::SimilarGroupsResponse*) override;
  grpc::Status GetOverlapLayer(grpc::ServerContext*, const v1::OverlapRequest*, v1::LayerResponse*) override;
  grpc::Status GetGap(grpc::ServerContext*, const v1::GapRequest*, v1::GapResponse*) override;
  grpc::Status GetGapLayer(grpc::ServerContext*, const v1::GapRequest*, v1::LayerResponse*) override;
  grpc::Status PlanMigration(grpc::ServerContext*, const v1::MigrationRequest*, v1::MigrationPlan*) override;
  grpc::Status ApplyMigration(grpc::ServerContext*, const v1::ApplyMigrationRequest*,
                              v1::ApplyMigrationResponse*) override;

 private:
  core::Application& app_;
};

}  // namespace ttpgraph
