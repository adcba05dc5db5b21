// ReportService: the executive coverage report (core/report.h builds it,
// server/export/report_render.h renders it), streamed to the client in
// chunks of at most kReportChunkBytes, the metadata in the first message.
#pragma once

#include <cstddef>

#include "server/core/application.h"
#include "ttpgraph/v1/report_service.grpc.pb.h"

namespace ttpgraph {

inline constexpr size_t kReportChunkBytes = 64 << 10;

class ReportServiceImpl final : public v1::ReportService::Service {
 public:
  explicit ReportServiceImpl(core::Application& app) : app_(app) {}
  grpc::Status GetCoverageReport(grpc::ServerContext*, const v1::CoverageReportRequest*,
                                 grpc::ServerWriter<v1::CoverageReportChunk>*) override;

 private:
  core::Application& app_;
};

}  // namespace ttpgraph
