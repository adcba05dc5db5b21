// OrgService: organizations, detections (CRUD and bulk import), telemetry
// inventory and coverage (see proto/ttpgraph/v1/org_service.proto). Each
// handler converts the request (org_convert.h), makes one call on the
// application floor (server/core/organizations.h, detection_import.h,
// coverage.h) and converts the answer. Every call is scoped to the request's
// org_id there.
//
// Thread safety: safe for concurrent RPCs.
#pragma once

#include "server/core/application.h"
#include "ttpgraph/v1/org_service.grpc.pb.h"

namespace ttpgraph {

class OrgServiceImpl final : public v1::OrgService::Service {
 public:
  explicit OrgServiceImpl(core::Application& app) : app_(app) {}

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
  grpc::Status ExportOrganization(grpc::ServerContext*, const v1::ExportOrganizationRequest*,
                                  v1::ExportOrganizationResponse*) override;
  grpc::Status ImportOrganization(grpc::ServerContext*, grpc::ServerReader<v1::ImportOrganizationRequest>*,
                                  v1::ImportOrganizationResponse*) override;

 private:
  core::Application& app_;
};

}  // namespace ttpgraph
