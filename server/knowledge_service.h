// KnowledgeService: read-only questions about one release (see the proto).
#pragma once

#include "server/async_unary.h"
#include "server/graph_cache.h"
#include "server/group_answers.h"
#include "storage/store.h"
#include "ttpgraph/v1/knowledge_service.grpc.pb.h"

namespace ttpgraph {

// Served on the async API from AsyncQueues' threads: a query runs on the
// thread that received it (server/README.md). GetGroupTechniques is a raw
// method answered from encoded entries (GroupAnswerCache).
class KnowledgeServiceImpl final {
 public:
  using AsyncService = v1::KnowledgeService::WithRawMethod_GetGroupTechniques<v1::KnowledgeService::AsyncService>;

  KnowledgeServiceImpl(const Store* store, GraphCache* graphs);

  // For ServerBuilder::RegisterService.
  grpc::Service* service() { return &service_; }
  // Arms every method on `queues`; after the server is built.
  void Serve(AsyncQueues* queues);

 private:
  absl::Status GetObject(const v1::GetObjectRequest& req, v1::GetObjectResponse* resp);
  absl::Status ListTechniques(const v1::ListTechniquesRequest& req, v1::ObjectList* resp);
  absl::Status SearchObjects(const v1::SearchObjectsRequest& req, v1::ObjectList* resp);
  absl::Status ListTactics(const v1::ListTacticsRequest& req, v1::ObjectList* resp);
  absl::Status GetTechniqueTactics(const v1::TechniqueRequest& req, v1::ObjectList* resp);
  absl::Status GetSubtechniques(const v1::TechniqueRequest& req, v1::SubtechniquesResponse* resp);
  absl::Status GetGroupTechniques(const grpc::ByteBuffer& req, grpc::ByteBuffer* resp);
  absl::Status GetGroupSoftware(const v1::GroupRequest& req, v1::ObjectList* resp);
  absl::Status GetGroupCampaigns(const v1::GroupRequest& req, v1::ObjectList* resp);
  absl::Status GetTechniqueUsers(const v1::TechniqueUsersRequest& req, v1::TechniqueUsersResponse* resp);
  absl::Status GetTechniqueMitigations(const v1::TechniqueRequest& req, v1::MitigationsResponse* resp);
  absl::Status GetProcedureExamples(const v1::TechniqueRequest& req, v1::ProcedureExamplesResponse* resp);
  absl::Status GetDetectability(const v1::TechniqueRequest& req, v1::DetectabilityResponse* resp);

  AsyncService service_;
  const Store* store_;
  GraphCache* graphs_;
  GroupAnswerCache group_answers_;
};

}  // namespace ttpgraph
