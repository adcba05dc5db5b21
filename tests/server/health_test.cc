// The standard gRPC services the server carries beside its own: health
// (Check of the server and of each service, Watch until shutdown) and
// reflection (the list of services).
#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace ttpgraph {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class HealthTest : public ::testing::Test {
 protected:
  Client& client() { return server_.client(); }
  testing::TestServer server_;
};

std::string ToBytes(const grpc::ByteBuffer& bb) {
  std::vector<grpc::Slice> slices;
  bb.Dump(&slices);
  std::string out;
  for (auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}
grpc::ByteBuffer FromBytes(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}
bool Await(grpc::CompletionQueue* cq, void* want) {
  void* tag = nullptr;
  bool ok = false;
  EXPECT_TRUE(cq->Next(&tag, &ok));
  EXPECT_EQ(tag, want);
  return ok;
}

TEST_F(HealthTest, HealthOfEachServiceAndWatchUntilShutdown) {
  auto check = [&](const std::string& service, health::HealthCheckResponse* resp) {
    health::HealthCheckRequest req;
    req.set_service(service);
    return client().Call(&health::Health::Stub::Check, req, resp);
  };
  for (const char* service : {"", "ttpgraph.v1.KnowledgeService", "ttpgraph.v1.OrgService"}) {
    health::HealthCheckResponse resp;
    ASSERT_TRUE(check(service, &resp).ok()) << service;
    EXPECT_EQ(resp.status(), health::HealthCheckResponse::SERVING) << service;
  }
  health::HealthCheckResponse resp;
  absl::Status unknown = check("no.such.Service", &resp);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("no.such.Service"));

  auto watch = [&](const std::string& service, grpc::ClientContext* ctx) {
    health::HealthCheckRequest req;
    req.set_service(service);
    client().Prepare(ctx, req);
    return client().health().Watch(ctx, req);
  };
  grpc::ClientContext unknown_ctx;
  auto unknown_watch = watch("no.such.Service", &unknown_ctx);
  ASSERT_TRUE(unknown_watch->Read(&resp));
  EXPECT_EQ(resp.status(), health::HealthCheckResponse::SERVICE_UNKNOWN);
  unknown_ctx.TryCancel();
  (void)unknown_watch->Finish();

  grpc::ClientContext ctx;
  auto stream = watch("ttpgraph.v1.KnowledgeService", &ctx);
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_EQ(resp.status(), health::HealthCheckResponse::SERVING);
  // Shutting down sends NOT_SERVING and ends the stream, without waiting out the grace period.
  auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] { server_.server().Shutdown(absl::Seconds(20)); });
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_EQ(resp.status(), health::HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(stream->Read(&resp));
  EXPECT_TRUE(stream->Finish().ok());
  stopper.join();
  // A bound, not a value: the time a shutdown takes is not fixed, only that it does not wait
  // out the 20 s grace period for the open Watch stream.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

// The service names in a ServerReflectionResponse (reflection.proto, v1alpha):
// list_services_response = 6 { repeated service = 1 { name = 1 } }. Decoded
// with protobuf's UnknownFieldSet: the reflection protos are not installed.
std::vector<std::string> ListedServices(const std::string& response) {
  std::vector<std::string> names;
  google::protobuf::UnknownFieldSet top, list, service;
  if (!top.ParseFromString(response)) return {"<not a protobuf message>"};
  for (int i = 0; i < top.field_count(); ++i) {
    if (top.field(i).number() != 6 || !list.ParseFromString(top.field(i).length_delimited())) continue;
    for (int j = 0; j < list.field_count(); ++j) {
      service.Clear();
      if (list.field(j).number() != 1 || !service.ParseFromString(list.field(j).length_delimited())) continue;
      for (int k = 0; k < service.field_count(); ++k)
        if (service.field(k).number() == 1) names.push_back(service.field(k).length_delimited());
    }
  }
  return names;
}

TEST_F(HealthTest, ReflectionListsTheServices) {
  auto channel = grpc::CreateChannel(server_.address(), grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto call = stub.PrepareCall(&ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  ASSERT_NE(call, nullptr);
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(Await(&cq, reinterpret_cast<void*>(1)));
  call->Write(FromBytes(std::string("\x3a\x00", 2)), reinterpret_cast<void*>(2));  // list_services: ""
  ASSERT_TRUE(Await(&cq, reinterpret_cast<void*>(2)));
  call->WritesDone(reinterpret_cast<void*>(3));
  ASSERT_TRUE(Await(&cq, reinterpret_cast<void*>(3)));
  std::string all;
  for (int i = 0; i < 10; ++i) {
    grpc::ByteBuffer response;
    call->Read(&response, reinterpret_cast<void*>(4));
    if (!Await(&cq, reinterpret_cast<void*>(4))) break;
    all += ToBytes(response);
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  Await(&cq, reinterpret_cast<void*>(5));
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(ListedServices(all),
              UnorderedElementsAre("grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection",
                                   "ttpgraph.v1.AnalysisService", "ttpgraph.v1.DefenseService",
                                   "ttpgraph.v1.KnowledgeService", "ttpgraph.v1.OrgService",
                                   "ttpgraph.v1.ReleaseService", "ttpgraph.v1.ReportService",
                                   "ttpgraph.v1.TokenService", "ttpgraph.v1.AuditService",
                                   "ttpgraph.v1.BackupService", "ttpgraph.v1.ExtensionService"));
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
}

}  // namespace
}  // namespace ttpgraph
