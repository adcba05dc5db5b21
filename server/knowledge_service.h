// KnowledgeService: read-only questions about one release (see the proto).
// Each handler converts the request, makes one call on the application floor
// (server/core/knowledge.h) and converts the answer.
#pragma once

#include "server/async_unary.h"
#include "server/core/application.h"
#include "ttpgraph/v1/knowledge_service.grpc.pb.h"

namespace ttpgraph {

// Served on the async API from AsyncQueues' threads: a query runs on the
// thread that received it (server/README.md). GetGroupTechniques is a raw
// method answered from encoded entries (group_answers.h).
class KnowledgeServiceImpl final {
 public:
  using AsyncService = v1::KnowledgeService::WithRawMethod_GetGroupTechniques<v1::KnowledgeService::AsyncService>;

  explicit KnowledgeServiceImpl(core::Application& app) : app_(app) {}

  // For ServerBuilder::RegisterService.
  grpc::Service* service() { return &service_; }
  // Arms every method on `queues`; after the server is built.
  void Serve(AsyncQueues* queues);

 private:
  using Limits = QueryLimits;
  absl::Status GetObject(const v1::GetObjectRequest& req, const Limits& l, v1::GetObjectResponse* resp);
  absl::Status ListTechniques(const v1::ListTechniquesRequest& req, const Limits& l, v1::ObjectList* resp);
  absl::Status SearchObjects(const v1::SearchObjectsRequest& req, const Limits& l, v1::ObjectList* resp);
  absl::Status ListTactics(const v1::ListTacticsRequest& req, const Limits& l, v1::ObjectList* resp);
  absl::Status GetTechniqueTactics(const v1::TechniqueRequest& req, const Limits& l, v1::ObjectList* resp);
  absl::Status GetSubtechniques(const v1::TechniqueRequest& req, const Limits& l, v1::SubtechniquesResponse* resp);
  absl::Status GetGroupTechniques(const grpc::ByteBuffer& req, const Limits& l, grpc::ByteBuffer* resp);
  absl::Status GetGroupSoftware(const v1::GroupRequest& req, const Limits& l, v1::ObjectList* resp);
  absl::Status GetGroupCampaigns(const v1::GroupRequest& req, const Limits& l, v1::ObjectList* resp);
  absl::Status GetTechniqueUsers(const v1::TechniqueUsersRequest& req, const Limits& l,
                                 v1::TechniqueUsersResponse* resp);
  absl::Status GetTechniqueMitigations(const v1::TechniqueRequest& req, const Limits& l,
                                       v1::MitigationsResponse* resp);
  absl::Status GetProcedureExamples(const v1::TechniqueRequest& req, const Limits& l,
                                    v1::ProcedureExamplesResponse* resp);
  absl::Status GetDetectability(const v1::TechniqueRequest& req, const Limits& l, v1::DetectabilityResponse* resp);

  AsyncService service_;
  core::Application& app_;
};

}  // namespace ttpgraph
