// KnowledgeService: read-only questions about one release (see the proto).
#pragma once

#include "server/graph_cache.h"
#include "storage/store.h"
#include "ttpgraph/v1/knowledge_service.grpc.pb.h"

namespace ttpgraph {

class KnowledgeServiceImpl final : public v1::KnowledgeService::Service {
 public:
  KnowledgeServiceImpl(const Store* store, GraphCache* graphs) : store_(store), graphs_(graphs) {}

  grpc::Status GetObject(grpc::ServerContext*, const v1::GetObjectRequest*, v1::GetObjectResponse*) override;
  grpc::Status ListTechniques(grpc::ServerContext*, const v1::ListTechniquesRequest*, v1::ObjectList*) override;
  grpc::Status SearchObjects(grpc::ServerContext*, const v1::SearchObjectsRequest*, v1::ObjectList*) override;
  grpc::Status ListTactics(grpc::ServerContext*, const v1::ListTacticsRequest*, v1::ObjectList*) override;
  grpc::Status GetTechniqueTactics(grpc::ServerContext*, const v1::TechniqueRequest*, v1::ObjectList*) override;
  grpc::Status GetSubtechniques(grpc::ServerContext*, const v1::TechniqueRequest*,
                                v1::SubtechniquesResponse*) override;
  grpc::Status GetGroupTechniques(grpc::ServerContext*, const v1::GroupTechniquesRequest*,
                                  v1::GroupTechniquesResponse*) override;
  grpc::Status GetGroupSoftware(grpc::ServerContext*, const v1::GroupRequest*, v1::ObjectList*) override;
  grpc::Status GetGroupCampaigns(grpc::ServerContext*, const v1::GroupRequest*, v1::ObjectList*) override;
  grpc::Status GetTechniqueUsers(grpc::ServerContext*, const v1::TechniqueUsersRequest*,
                                 v1::TechniqueUsersResponse*) override;
  grpc::Status GetTechniqueMitigations(grpc::ServerContext*, const v1::TechniqueRequest*,
                                       v1::MitigationsResponse*) override;
  grpc::Status GetProcedureExamples(grpc::ServerContext*, const v1::TechniqueRequest*,
                                    v1::ProcedureExamplesResponse*) override;
  grpc::Status GetDetectability(grpc::ServerContext*, const v1::TechniqueRequest*,
                                v1::DetectabilityResponse*) override;

 private:
  const Store* store_;
  GraphCache* graphs_;
};

}  // namespace ttpgraph
