// KnowledgeService: read-only questions about one release (see the proto).
#pragma once

#include "server/graph_cache.h"
#include "storage/store.h"
#include "ttpgraph/v1/knowledge_service.grpc.pb.h"

namespace ttpgraph {

// Callback API: handlers run inline on gRPC's threads, with no hop to a
// worker pool (see server/README.md).
class KnowledgeServiceImpl final : public v1::KnowledgeService::CallbackService {
 public:
  KnowledgeServiceImpl(const Store* store, GraphCache* graphs);

  grpc::ServerUnaryReactor* GetObject(grpc::CallbackServerContext*, const v1::GetObjectRequest*, v1::GetObjectResponse*) override;
  grpc::ServerUnaryReactor* ListTechniques(grpc::CallbackServerContext*, const v1::ListTechniquesRequest*, v1::ObjectList*) override;
  grpc::ServerUnaryReactor* SearchObjects(grpc::CallbackServerContext*, const v1::SearchObjectsRequest*, v1::ObjectList*) override;
  grpc::ServerUnaryReactor* ListTactics(grpc::CallbackServerContext*, const v1::ListTacticsRequest*, v1::ObjectList*) override;
  grpc::ServerUnaryReactor* GetTechniqueTactics(grpc::CallbackServerContext*, const v1::TechniqueRequest*, v1::ObjectList*) override;
  grpc::ServerUnaryReactor* GetSubtechniques(grpc::CallbackServerContext*, const v1::TechniqueRequest*,
                                v1::SubtechniquesResponse*) override;
  grpc::ServerUnaryReactor* GetGroupTechniques(grpc::CallbackServerContext*, const v1::GroupTechniquesRequest*,
                                  v1::GroupTechniquesResponse*) override;
  grpc::ServerUnaryReactor* GetGroupSoftware(grpc::CallbackServerContext*, const v1::GroupRequest*, v1::ObjectList*) override;
  grpc::ServerUnaryReactor* GetGroupCampaigns(grpc::CallbackServerContext*, const v1::GroupRequest*, v1::ObjectList*) override;
  grpc::ServerUnaryReactor* GetTechniqueUsers(grpc::CallbackServerContext*, const v1::TechniqueUsersRequest*,
                                 v1::TechniqueUsersResponse*) override;
  grpc::ServerUnaryReactor* GetTechniqueMitigations(grpc::CallbackServerContext*, const v1::TechniqueRequest*,
                                       v1::MitigationsResponse*) override;
  grpc::ServerUnaryReactor* GetProcedureExamples(grpc::CallbackServerContext*, const v1::TechniqueRequest*,
                                    v1::ProcedureExamplesResponse*) override;
  grpc::ServerUnaryReactor* GetDetectability(grpc::CallbackServerContext*, const v1::TechniqueRequest*,
                                v1::DetectabilityResponse*) override;

 private:
  const Store* store_;
  GraphCache* graphs_;
};

}  // namespace ttpgraph
