// Executive coverage report benchmark (issue 13): prints each figure next to
// its target.
//   - HTML report of enterprise 18.1: <= 1.5 MB
//   - rendering it (HTML, Markdown, JSON) from the model: a small part of the
//     report's 100 ms server-side budget, <= 10 ms each
// Two organizations on enterprise 18.1, threat selection all groups, trend
// over 16.1, 17.1 and 18.1:
//   sigma  every SigmaHQ rule (3,984, mapped against 17.1), inventory inferred,
//          D3FEND and Atomic loaded: the next-release section 17.1 -> 18.1 too;
//   big    5,000 detections with 80-character names, two techniques each over
//          80% of the techniques, so each of those has ~18 and its tooltip
//          hits the cap of 10.
// The models are filled from the RPC answers (tests/e2e/report_from_rpc.h);
// that part is printed for reading, not judged: the ReportService computes
// the same results in-process.
//
// Usage: bash deploy/build.sh report_bench && build/tests/report_bench
// (TTPGRAPH_SHARED_DATA as for tests).
#include <cstdio>
#include <string>
#include <vector>

#include "server/export/report_render.h"
#include "server/log.h"
#include "tests/bench/bench_util.h"
#include "tests/e2e/report_from_rpc.h"
#include "tests/testing/test_env.h"

using namespace ttpgraph;
using bench::Check;

namespace {

// 5,000 detections, as CSV, over the first 80% of the techniques of
// `coverage` (the others stay gaps for the blind spots and recommendations).
std::string BigCsv(const v1::CoverageResponse& coverage) {
  std::string csv = "id,name,techniques,state\n";
  const int n = coverage.techniques_size() * 4 / 5;
  for (int i = 0; i < 5000; ++i) {
    char name[96];
    snprintf(name, sizeof name, "Detection %04d: suspicious process tree with encoded command line and network beacon",
             i);
    csv += Cat("det-", i, ",", std::string(name).substr(0, 80), ",", coverage.techniques((i * 7) % n).attack_id(), ";",
               coverage.techniques((i * 13 + 1) % n).attack_id(), ",enabled\n");
  }
  return csv;
}

// Fills the model of req.org_id from the RPCs, then renders it; the model.
testing::LiveReport Measure(bench::Reporter& report, Client& client, const testing::LiveReportRequest& req) {
  testing::LiveReport live;
  auto t0 = bench::Clock::now();
  Check(testing::BuildLiveReport(client, req, &live), "model");
  const std::string& org = req.org_id;
  report.Info(org + ": model from the RPCs (not judged)", bench::Ms(bench::Clock::now() - t0), "ms");
  const ReportModel& m = live.model;
  std::string html, md, json;
  const double html_ms = bench::MedianMs(21, [&] { html = RenderReportHtml(m); });
  const double md_ms = bench::MedianMs(21, [&] { md = RenderReportMarkdown(m); });
  const double json_ms = bench::MedianMs(21, [&] { json = RenderReportJson(m); });
  size_t detections = 0;
  for (const ReportTechnique& t : m.techniques) detections += t.detections.size();
  printf(
      "%s: %zu techniques, %zu technique-detection pairs, %zu blind spots, %zu recommendations, %zu trend points%s\n",
      org.c_str(), m.techniques.size(), detections, m.blind_spots.size(), m.telemetry.size(), m.trend.size(),
      m.next_release ? ", next release" : "");
  report.Target(org + ": HTML report size", html.size() / 1e6, "MB", 1.5);
  report.Info(org + ": Markdown report size", md.size() / 1e6, "MB");
  report.Info(org + ": JSON report size", json.size() / 1e6, "MB");
  report.Target(org + ": render HTML (median of 21)", html_ms, "ms", 10);
  report.Target(org + ": render Markdown (median of 21)", md_ms, "ms", 10);
  report.Target(org + ": render JSON (median of 21)", json_ms, "ms", 10);
  return live;
}

}  // namespace

int main() {
  SetQuietLogs(true);
  bench::Reporter report({/*label_width=*/52, /*precision=*/3, /*unit_width=*/3});
  testing::TestServer server;
  auto t0 = bench::Clock::now();
  Check(testing::SetUpSigmaOrg(server.client(), {"16.1", "17.1", "18.1"}, "sigma", "17.1"), "sigma org");
  printf("set up (3 releases, SigmaHQ, D3FEND, Atomic): %.1f s\n", bench::Ms(bench::Clock::now() - t0) / 1000);

  testing::LiveReportRequest req;
  req.release = "enterprise-attack@18.1";
  req.trend_releases = {"enterprise-attack@16.1", "enterprise-attack@17.1", "enterprise-attack@18.1"};
  req.org_id = "sigma";
  req.with_d3fend = req.with_atomic = true;
  const testing::LiveReport sigma = Measure(report, server.client(), req);

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
    msg.mutable_file()->set_content(BigCsv(sigma.coverage));
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
  req.org_id = "big";
  req.with_d3fend = req.with_atomic = false;
  Measure(report, server.client(), req);
  return report.failures() ? 1 : 0;
}
