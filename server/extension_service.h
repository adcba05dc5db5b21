// ExtensionService: custom extensions (issue 12). A thin adapter: validate,
// convert, one call on the application floor (server/core/extensions.h),
// convert back. Who may call what is the policy table's (core/identity.cc).
#pragma once

#include "server/core/application.h"
#include "ttpgraph/v1/extension_service.grpc.pb.h"

namespace ttpgraph {

class ExtensionServiceImpl final : public v1::ExtensionService::Service {
 public:
  explicit ExtensionServiceImpl(core::Application& app) : app_(app) {}
  grpc::Status CreateExtension(grpc::ServerContext*, const v1::CreateExtensionRequest*, v1::Extension*) override;
  grpc::Status ListExtensions(grpc::ServerContext*, const v1::ListExtensionsRequest*,
                              v1::ListExtensionsResponse*) override;
  grpc::Status GetExtension(grpc::ServerContext*, const v1::GetExtensionRequest*, v1::GetExtensionResponse*) override;
  grpc::Status DeleteExtension(grpc::ServerContext*, const v1::DeleteExtensionRequest*, v1::Extension*) override;
  grpc::Status ImportExtensionObjects(grpc::ServerContext*, const v1::ImportExtensionObjectsRequest*,
                                      v1::ImportExtensionObjectsResponse*) override;
  grpc::Status SetExtensionField(grpc::ServerContext*, const v1::SetExtensionFieldRequest*,
                                 v1::SetExtensionFieldResponse*) override;
  grpc::Status GetExtensionHistory(grpc::ServerContext*, const v1::GetExtensionHistoryRequest*,
                                   v1::GetExtensionHistoryResponse*) override;
  grpc::Status ExportExtension(grpc::ServerContext*, const v1::ExportExtensionRequest*,
                               v1::ExportExtensionResponse*) override;

 private:
  core::Application& app_;
};

}  // namespace ttpgraph
