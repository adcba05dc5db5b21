// Executive coverage report benchmark (issue 13): prints each figure next to
// its target.
//   - the report for 5,000 detections x all groups with a trend over three
//     releases, server-side (core::BuildCoverageReport + RenderReportHtml, the
//     work of one ReportService.GetCoverageReport but the stream): <= 100 ms
//   - HTML report of enterprise 18.1: <= 1.5 MB
//   - rendering (HTML, Markdown, JSON) from the model: <= 10 ms each
// Two organizations on enterprise 18.1, threat selection all groups, trend
// over 16.1, 17.1 and 18.1:
//   sigma  every SigmaHQ rule (3,984, mapped against 17.1), inventory inferred,
//          D3FEND and Atomic loaded: the next-release section 17.1 -> 18.1 too;
//   big    5,000 detections with 80-character names, two techniques each over
//          80% of the techniques, so each of those has ~18 and its tooltip
//          hits the cap of 10; mapped against 18.1 (no next release).
// Figures are medians over warm caches (the release graphs and their indexes,
// the organization's compiled coverage); the first report after the setup is
// printed for reading, as is the whole RPC through the loopback.
//
// Usage: bash deploy/build.sh report_bench && build/tests/report_bench
// (TTPGRAPH_SHARED_DATA as for tests).
#include <cstdio>
#include <string>
#include <vector>

#include "server/core/analysis.h"
#include "server/core/coverage.h"
#include "server/core/report.h"
#include "server/export/report_render.h"
#include "server/log.h"
#include "server/server.h"
#include "tests/bench/bench_util.h"
#include "tests/e2e/report_org.h"
#include "tests/testing/test_env.h"

using namespace ttpgraph;
using bench::Check;

namespace {

// 5,000 detections, as CSV, over the first 80% of `techniques` (the others
// stay gaps for the blind spots and recommendations).
std::string BigCsv(const std::vector<ReportTechnique>& techniques) {
  std::string csv = "id,name,techniques,state\n";
  const size_t n = techniques.size() * 4 / 5;
  for (size_t i = 0; i < 5000; ++i) {
    char name[96];
    snprintf(name, sizeof name, "Detection %04zu: suspicious process tree with encoded command line and network beacon",
             i);
    csv += Cat("det-", i, ",", std::string(name).substr(0, 80), ",", techniques[(i * 7) % n].id, ";",
               techniques[(i * 13 + 1) % n].id, ",enabled\n");
  }
  return csv;
}

// Measures the report of `org`; its model.
ReportModel Measure(bench::Reporter& report, testing::TestServer& server, const std::string& org) {
  core::Application& app = server.server().app();
  core::ReportQuery q;
  q.release = "enterprise-attack@18.1";
  q.trend_releases = {"enterprise-attack@16.1", "enterprise-attack@17.1"};  // and 18.1, the report's
  q.generated_at = "2026-12-03T09:00:00Z";
  auto t0 = bench::Clock::now();
  auto first = core::BuildCoverageReport(app, OrgId(org), q, QueryLimits{});
  Check(first.status(), "report");
  report.Info(org + ": first report after the setup (model only)", bench::Ms(bench::Clock::now() - t0), "ms");
  const ReportModel m = std::move(first->model);
  std::string html, md, json;
  const double model_ms = bench::MedianMs(21, [&] {
    Check(core::BuildCoverageReport(app, OrgId(org), q, QueryLimits{}).status(), "report");
  });
  const double report_ms = bench::MedianMs(21, [&] {
    auto a = core::BuildCoverageReport(app, OrgId(org), q, QueryLimits{});
    Check(a.status(), "report");
    html = RenderReportHtml(a->model);
  });
  // The parts, for reading: the use cases the report is made of.
  core::CoverageQuery cq;
  cq.release = q.release;
  const double coverage_ms = bench::MedianMs(11, [&] { Check(core::Coverage(app, OrgId(org), cq, QueryLimits{}).status(), "coverage"); });
  core::GapQuery gq;
  gq.release = q.release;
  const double gap_ms = bench::MedianMs(11, [&] { Check(core::Gap(app, OrgId(org), gq, QueryLimits{}).status(), "gap"); });
  std::vector<std::string> trend = q.trend_releases;
  trend.push_back(q.release);
  const double trend_ms = bench::MedianMs(11, [&] {
    Check(core::CoverageTrend(app, OrgId(org), trend, CoverageOptions{}, QueryLimits{}).status(), "trend");
  });
  double plan_ms = 0;
  if (m.next_release)
    plan_ms = bench::MedianMs(11, [&] {
      Check(core::PlanMigration(app, OrgId(org), m.next_release->from_release, m.next_release->target_release, {},
                                QueryLimits{})
                .status(),
            "plan");
    });
  const double html_ms = bench::MedianMs(21, [&] { html = RenderReportHtml(m); });
  const double md_ms = bench::MedianMs(21, [&] { md = RenderReportMarkdown(m); });
  const double json_ms = bench::MedianMs(21, [&] { json = RenderReportJson(m); });
  v1::CoverageReportRequest req;
  req.set_org_id(org);
  req.set_release(q.release);
  req.mutable_threat()->set_all_groups(true);
  for (const std::string& r : q.trend_releases) req.add_trend_releases(r);
  req.set_format(v1::REPORT_FORMAT_HTML);
  std::string streamed;
  const double rpc_ms =
      bench::MedianMs(11, [&] { Check(server.client().GetCoverageReport(req, &streamed), "GetCoverageReport"); });
  size_t detections = 0;
  for (const ReportTechnique& t : m.techniques) detections += t.detections.size();
  printf(
      "%s: %zu techniques, %zu technique-detection pairs, %zu blind spots, %zu recommendations, %zu trend points%s\n",
      org.c_str(), m.techniques.size(), detections, m.blind_spots.size(), m.telemetry.size(), m.trend.size(),
      m.next_release ? ", next release" : "");
  report.Target(org + ": report server-side: model + HTML (median of 21)", report_ms, "ms", 100);
  report.Info(org + ":   of which the model", model_ms, "ms");
  report.Info(org + ":     coverage alone", coverage_ms, "ms");
  report.Info(org + ":     gap (all groups) alone", gap_ms, "ms");
  report.Info(org + ":     trend (3 releases) alone", trend_ms, "ms");
  if (m.next_release) report.Info(org + ":     next release (PlanMigration) alone", plan_ms, "ms");
  report.Info(org + ": GetCoverageReport HTML over gRPC (median of 11)", rpc_ms, "ms");
  report.Target(org + ": HTML report size", streamed.size() / 1e6, "MB", 1.5);
  report.Info(org + ": Markdown report size", md.size() / 1e6, "MB");
  report.Info(org + ": JSON report size", json.size() / 1e6, "MB");
  report.Target(org + ": render HTML (median of 21)", html_ms, "ms", 10);
  report.Target(org + ": render Markdown (median of 21)", md_ms, "ms", 10);
  report.Target(org + ": render JSON (median of 21)", json_ms, "ms", 10);
  return m;
}

}  // namespace

int main() {
  SetQuietLogs(true);
  bench::Reporter report({/*label_width=*/58, /*precision=*/3, /*unit_width=*/3});
  testing::TestServer server;
  auto t0 = bench::Clock::now();
  Check(testing::SetUpSigmaOrg(server.client(), {"16.1", "17.1", "18.1"}, "sigma", "17.1"), "sigma org");
  printf("set up (3 releases, SigmaHQ, D3FEND, Atomic): %.1f s\n", bench::Ms(bench::Clock::now() - t0) / 1000);
  const ReportModel sigma = Measure(report, server, "sigma");

  // The big organization: 5,000 detections through a CSV import.
  {
    v1::CreateOrganizationRequest create;
    create.set_org_id("big");
    create.set_release("enterprise-attack@18.1");
    v1::Organization o;
    Check(server.client().Call(&v1::OrgService::Stub::CreateOrganization, create, &o), "create big");
    grpc::ClientContext ctx;
    v1::ImportDetectionsResponse resp;
    v1::ImportDetectionsRequest msg;
    msg.set_org_id("big");
    msg.mutable_file()->set_path("big.csv");
    msg.mutable_file()->set_content(BigCsv(sigma.techniques));
    server.client().Prepare(&ctx, msg);
    auto w = server.client().orgs().ImportDetections(&ctx, &resp);
    w->Write(msg);
    w->WritesDone();
    Check(FromGrpc(w->Finish()), "import big");
    v1::UpdateInventoryRequest inv;
    inv.set_org_id("big");
    inv.set_op(v1::UpdateInventoryRequest::OP_SET);
    for (const char* dc : {"DC0032", "DC0067", "DC0002"}) inv.add_entries()->set_data_component(dc);
    v1::Inventory stored;
    Check(server.client().Call(&v1::OrgService::Stub::UpdateInventory, inv, &stored), "inventory");
  }
  Measure(report, server, "big");
  return report.failures() ? 1 : 0;
}
