// OrgService: organizations, detections (CRUD and bulk import), telemetry
// inventory and coverage (see proto/ttpgraph/v1/org_service.proto).
//
// Every handler scopes its work to the request's org_id through OrgStore, so
// one organization can never reach another's data. Coverage runs on two
// caches: a DetectabilityIndex per release (built once beside the cached
// ReleaseGraph) and a decoded OrgView per organization with its
// CompiledCoverage per release, revalidated against the organization's
// `generation` on every call (one small KvGet), so a repeated coverage call
// only filters and serializes.
//
// Thread safety: safe for concurrent RPCs.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "graph/coverage.h"
#include "graph/detectability.h"
#include "server/graph_cache.h"
#include "server/server.h"
#include "storage/import/sigma_logsource_map.h"
#include "storage/org_store.h"
#include "ttpgraph/v1/org_service.grpc.pb.h"

namespace ttpgraph {

class DefenseCache;

class OrgServiceImpl final : public v1::OrgService::Service {
 public:
  // `defense` (may be null) joins D3FEND countermeasures and Atomic tests to
  // coverage on request; it must outlive the service.
  OrgServiceImpl(Store* store, GraphCache* graphs, const ServerLimits& limits, DefenseCache* defense = nullptr);

  grpc::Status CreateOrganization(grpc::ServerContext*, const v1::CreateOrganizationRequest*,
                                  v1::Organization*) override;
  grpc::Status GetOrganization(grpc::ServerContext*, const v1::GetOrganizationRequest*, v1::Organization*) override;
  grpc::Status UpdateOrganization(grpc::ServerContext*, const v1::UpdateOrganizationRequest*,
                                  v1::Organization*) override;
  grpc::Status ListOrganizations(grpc::ServerContext*, const v1::ListOrganizationsRequest*,
                                 v1::ListOrganizationsResponse*) override;
  grpc::Status DeleteOrganization(grpc::ServerContext*, const v1::DeleteOrganizationRequest*,
                                  v1::DeleteOrganizationResponse*) override;
  grpc::Status CreateDetection(grpc::ServerContext*, const v1::CreateDetectionRequest*, v1::Detection*) override;
  grpc::Status UpdateDetection(grpc::ServerContext*, const v1::UpdateDetectionRequest*, v1::Detection*) override;
  grpc::Status GetDetection(grpc::ServerContext*, const v1::GetDetectionRequest*, v1::Detection*) override;
  grpc::Status ListDetections(grpc::ServerContext*, const v1::ListDetectionsRequest*,
                              v1::ListDetectionsResponse*) override;
  grpc::Status DeleteDetection(grpc::ServerContext*, const v1::DeleteDetectionRequest*,
                               v1::DeleteDetectionResponse*) override;
  grpc::Status ImportDetections(grpc::ServerContext*, grpc::ServerReader<v1::ImportDetectionsRequest>*,
                                v1::ImportDetectionsResponse*) override;
  grpc::Status GetInventory(grpc::ServerContext*, const v1::GetInventoryRequest*, v1::Inventory*) override;
  grpc::Status UpdateInventory(grpc::ServerContext*, const v1::UpdateInventoryRequest*, v1::Inventory*) override;
  grpc::Status InferInventory(grpc::ServerContext*, const v1::InferInventoryRequest*,
                              v1::InferInventoryResponse*) override;
  grpc::Status GetCoverage(grpc::ServerContext*, const v1::CoverageRequest*, v1::CoverageResponse*) override;
  grpc::Status GetCoverageTrend(grpc::ServerContext*, const v1::CoverageTrendRequest*,
                                v1::CoverageTrendResponse*) override;
  grpc::Status ExportCoverageLayer(grpc::ServerContext*, const v1::CoverageRequest*,
                                   v1::CoverageLayerResponse*) override;

  // The handler bodies without gRPC (benchmarks measure "server-side" here).
  absl::Status Coverage(const v1::CoverageRequest& req, v1::CoverageResponse* resp);
  // Imports already-collected files (what ImportDetections does after reading
  // the stream).
  absl::Status Import(const std::string& org_id, const v1::ImportDetectionsHeader& header,
                      std::vector<v1::SourceFile> files, v1::ImportDetectionsResponse* resp);

  OrgStore& orgs() { return orgs_; }

 private:
  using GraphPtr = std::shared_ptr<const ReleaseGraph>;
  using IndexPtr = std::shared_ptr<const DetectabilityIndex>;
  using ViewPtr = std::shared_ptr<const OrgView>;
  using CompiledPtr = std::shared_ptr<const CompiledCoverage>;
  struct ReleaseView {
    GraphPtr graph;
    IndexPtr index;
  };
  struct CoverageRun {
    ReleaseView release;
    ViewPtr view;
    CompiledPtr compiled;
    CoverageReport report;
    Organization org;
  };

  absl::StatusOr<ReleaseView> GetRelease(const std::string& release);
  absl::StatusOr<ViewPtr> GetView(const OrgId& org, const Organization& record);
  // The view compiled against a release, cached beside the view (same generation).
  absl::StatusOr<CompiledPtr> GetCompiled(const OrgId& org, const Organization& record, const ViewPtr& view,
                                          const ReleaseView& release);
  absl::StatusOr<CoverageRun> RunCoverage(const std::string& org_id, const std::string& release,
                                          const CoverageOptions& options);
  const SigmaLogsourceMap* logsource_map() const { return map_ ? &*map_ : nullptr; }

  OrgStore orgs_;
  GraphCache* graphs_;
  DefenseCache* defense_ = nullptr;
  ServerLimits limits_;
  std::optional<SigmaLogsourceMap> map_;

  std::mutex mu_;
  std::map<std::string, ReleaseView> indexes_;  // by release name
  struct CachedView {
    int64_t generation = 0;
    uint64_t last_use = 0;
    ViewPtr view;
    // Compiled per release graph; few (the releases the organization asks about).
    std::vector<std::pair<GraphPtr, CompiledPtr>> compiled;
  };
  std::map<std::string, CachedView> views_;  // by org id
  uint64_t use_clock_ = 0;
};

}  // namespace ttpgraph
