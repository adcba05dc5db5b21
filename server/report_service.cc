#include "server/report_service.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "server/analysis_convert.h"
#include "server/core/report.h"
#include "server/export/report_render.h"
#include "server/org_convert.h"
#include "server/rpc_util.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

struct Format {
  std::string (*render)(const ReportModel&);
  const char* content_type;
  const char* extension;
};

const Format* FormatOf(v1::ReportFormat f) {
  static const Format kHtml{RenderReportHtml, "text/html; charset=utf-8", "html"};
  static const Format kMarkdown{RenderReportMarkdown, "text/markdown; charset=utf-8", "md"};
  static const Format kJson{RenderReportJson, "application/json", "json"};
  switch (f) {
    case v1::REPORT_FORMAT_HTML: return &kHtml;
    case v1::REPORT_FORMAT_MARKDOWN: return &kMarkdown;
    case v1::REPORT_FORMAT_JSON: return &kJson;
    default: return nullptr;
  }
}

}  // namespace

grpc::Status ReportServiceImpl::GetCoverageReport(grpc::ServerContext* ctx, const v1::CoverageReportRequest* req,
                                                  grpc::ServerWriter<v1::CoverageReportChunk>* writer) {
  return Serve(ctx, app_, "ttpgraph.v1.ReportService/GetCoverageReport", req, [&](const Call& call) -> absl::Status {
    const Format* format = FormatOf(req->format());
    if (!format) {
      const std::string& name = v1::ReportFormat_Name(req->format());
      return absl::InvalidArgumentError(Cat("format: choose REPORT_FORMAT_HTML, REPORT_FORMAT_MARKDOWN or "
                                            "REPORT_FORMAT_JSON (got ",
                                            name.empty() ? std::to_string(req->format()) : name, ")"));
    }
    core::ReportQuery q;
    TTP_ASSIGN_OR_RETURN(q.group_ids, SelectedGroupIds(req->threat()));
    q.release = req->release();
    TTP_ASSIGN_OR_RETURN(q.rollup, FromProto(req->rollup()));
    q.trend_releases.assign(req->trend_releases().begin(), req->trend_releases().end());
    q.d3fend_version = req->d3fend_version();
    q.atomic_index = req->atomic_index();
    q.generated_at = FormatRfc3339(absl::ToUnixMillis(absl::Now()));
    TTP_ASSIGN_OR_RETURN(core::CoverageReportAnswer a, core::BuildCoverageReport(app_, OrgId(req->org_id()), q, call.limits));
    const std::string doc = format->render(a.model);
    v1::CoverageReportChunk chunk;
    auto* meta = chunk.mutable_metadata();
    meta->set_content_type(format->content_type);
    meta->set_total_bytes(static_cast<int64_t>(doc.size()));
    std::string release_file = a.release;
    std::replace(release_file.begin(), release_file.end(), '@', '-');
    meta->set_file_name(Cat(a.model.header.organization_id, "-coverage-report-", release_file, ".", format->extension));
    meta->set_release(a.release);
    meta->set_generated_at(q.generated_at);
    size_t at = 0;
    do {  // an empty document still gets its metadata
      const size_t n = std::min(kReportChunkBytes, doc.size() - at);
      chunk.set_data(doc.substr(at, n));
      if (!writer->Write(chunk)) return absl::CancelledError("the client went away while the report was streamed");
      chunk.clear_metadata();
      at += n;
    } while (at < doc.size());
    return absl::OkStatus();
  });
}

}  // namespace ttpgraph
