// DefenseService: D3FEND countermeasures and Atomic Red Team tests (see
// proto/ttpgraph/v1/d3fend_service.proto). Each handler converts the request,
// makes one call on the application floor (server/core/defense.h) and
// converts the answer (defense_convert.h); the indexes themselves live in the
// application's DefenseCatalog (graph/defense_catalog.h).
//
// Thread safety: safe for concurrent RPCs.
#pragma once

#include "server/core/application.h"
#include "ttpgraph/v1/d3fend_service.grpc.pb.h"

namespace ttpgraph {

class DefenseServiceImpl final : public v1::DefenseService::Service {
 public:
  explicit DefenseServiceImpl(core::Application& app) : app_(app) {}

  grpc::Status ImportD3fend(grpc::ServerContext*, grpc::ServerReader<v1::ImportD3fendRequest>*,
                            v1::ImportD3fendResponse*) override;
  grpc::Status ImportD3fendFrom(grpc::ServerContext*, const v1::ImportD3fendFromRequest*,
                                v1::ImportD3fendResponse*) override;
  grpc::Status ListD3fendVersions(grpc::ServerContext*, const v1::ListD3fendVersionsRequest*,
                                  v1::ListD3fendVersionsResponse*) override;
  grpc::Status DeleteD3fendVersion(grpc::ServerContext*, const v1::DeleteD3fendVersionRequest*,
                                   v1::DeleteD3fendVersionResponse*) override;
  grpc::Status GetCountermeasures(grpc::ServerContext*, const v1::GetCountermeasuresRequest*,
                                  v1::GetCountermeasuresResponse*) override;
  grpc::Status GetCounteredTechniques(grpc::ServerContext*, const v1::GetCounteredTechniquesRequest*,
                                      v1::GetCounteredTechniquesResponse*) override;
  grpc::Status GetD3fendTree(grpc::ServerContext*, const v1::GetD3fendTreeRequest*,
                             v1::GetD3fendTreeResponse*) override;
  grpc::Status GetD3fendTacticCounts(grpc::ServerContext*, const v1::GetD3fendTacticCountsRequest*,
                                     v1::GetD3fendTacticCountsResponse*) override;
  grpc::Status ImportAtomicIndex(grpc::ServerContext*, grpc::ServerReader<v1::ImportAtomicIndexRequest>*,
                                 v1::ImportAtomicIndexResponse*) override;
  grpc::Status ImportAtomicIndexFrom(grpc::ServerContext*, const v1::ImportAtomicIndexFromRequest*,
                                     v1::ImportAtomicIndexResponse*) override;
  grpc::Status ListAtomicIndexes(grpc::ServerContext*, const v1::ListAtomicIndexesRequest*,
                                 v1::ListAtomicIndexesResponse*) override;
  grpc::Status GetAtomicTests(grpc::ServerContext*, const v1::GetAtomicTestsRequest*,
                              v1::GetAtomicTestsResponse*) override;
  grpc::Status ListValidatableTechniques(grpc::ServerContext*, const v1::ListValidatableTechniquesRequest*,
                                         v1::ListValidatableTechniquesResponse*) override;

 private:
  core::Application& app_;
};

}  // namespace ttpgraph
