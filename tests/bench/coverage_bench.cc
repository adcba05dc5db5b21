// Coverage benchmark (issue 3): prints each figure next to its target.
//   - import all SigmaHQ rules (sigma-rules.tar.gz) into one organization: <= 2 s
//   - coverage of an organization with 5,000 detections on enterprise 18.1:
//     <= 10 ms server-side, <= 30 ms through gRPC
//   - 1,000 organizations x 500 detections stored: coverage for any one still
//     <= 10 ms, and the store grows linearly
// Usage: coverage_bench [--orgs N] (default 1000) [--only import|coverage|orgs]
// (one part, for profiling); TTPGRAPH_SHARED_DATA as for tests.
// Wall times are the figures judged; CPU time (this process: client, server
// and workers) is printed beside each so a run on a loaded machine can be read.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "server/core/coverage.h"
#include "server/org_convert.h"
#include "storage/strings.h"
#include "tests/bench/bench_util.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/org_service.grpc.pb.h"

using namespace ttpgraph;
using bench::Check;
using bench::Clock;
using bench::CpuMs;
using bench::Median;

static double Ms(Clock::time_point a, Clock::time_point b) { return bench::Ms(b - a); }

int main(int argc, char** argv) {
  int n_orgs = 1000;
  std::string only;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!strcmp(argv[i], "--orgs")) n_orgs = atoi(argv[i + 1]);
    if (!strcmp(argv[i], "--only")) only = argv[i + 1];
  }
  auto part = [&](const char* name) { return only.empty() || only == name; };
  // Each figure with the CPU time this process spent on it beside.
  bench::Reporter report({/*label_width=*/66, /*precision=*/2, /*unit_width=*/3});
  auto Report = [&](const std::string& what, double value, const char* unit, double target, double cpu) {
    char note[64];
    snprintf(note, sizeof note, " (cpu %.2f %s)", cpu, unit);
    report.Target(what, value, unit, target, /*lower_is_better=*/true, note);
  };
  testing::TestServer server;
  Check(testing::ImportFile(server.client(), testing::SharedData("attack/enterprise-attack-18.1.json.gz"),
                            "enterprise-attack", "18.1"),
        "import 18.1");
  core::Application& app = server.server().app();
  // The GetCoverage handler's body without gRPC: the application call and the conversion.
  auto coverage = [&](const v1::CoverageRequest& req, v1::CoverageResponse* resp) -> absl::Status {
    core::CoverageQuery q;
    q.release = req.release();
    auto a = core::Coverage(app, OrgId(req.org_id()), q, QueryLimits{});
    if (!a.ok()) return a.status();
    ToProto(*a, req.rollup(), req.omit_techniques(), resp);
    return absl::OkStatus();
  };
  auto channel = server.channel();
  auto stub = v1::OrgService::NewStub(channel);
  auto create_org = [&](const std::string& id) {
    Organization init;
    init.release = "enterprise-attack@18.1";
    Check(app.orgs().CreateOrg(OrgId(id), init).status(), "create org");
  };

  // 1. SigmaHQ import through gRPC (stream + parse + map + one batch write).
  const std::string tarball = testing::ReadFile(testing::SharedData("sigma/sigma-rules.tar.gz"));
  create_org("sigma");
  if (part("import")) {
    // Warm the release caches (graph + detectability index) first: they are built once per release.
    v1::CoverageRequest warm;
    warm.set_org_id("sigma");
    v1::CoverageResponse r;
    Check(coverage(warm, &r), "warm");
    auto t0 = Clock::now();
    double cpu0 = CpuMs();
    grpc::ClientContext ctx;
    v1::ImportDetectionsResponse imp;
    auto w = stub->ImportDetections(&ctx, &imp);
    v1::ImportDetectionsRequest msg;
    msg.set_org_id("sigma");
    msg.mutable_file()->set_path("sigma-rules.tar.gz");
    msg.mutable_file()->set_content(tarball);
    w->Write(msg);
    w->WritesDone();
    Check(FromGrpc(w->Finish()), "sigma import");
    double import_ms = Ms(t0, Clock::now());
    double import_cpu = CpuMs() - cpu0;
    printf("imported %d Sigma rules (%d created, %d disabled)\n", imp.rules_size(), imp.created(), imp.disabled());
    Report("import all SigmaHQ rules into one org (gRPC, end to end)", import_ms / 1000, "s", 2, import_cpu / 1000);
  }

  // 2. One organization with 5,000 detections.
  auto ctx = app.releases().Get(std::string("enterprise-attack@18.1"));
  Check(ctx.status(), "graph");
  const ReleaseGraph& g = (*ctx)->graph();
  std::vector<std::string> techniques;
  for (NodeId t : g.techniques())
    if (g.node(t).active() && g.node(t).in_domain) techniques.push_back(g.node(t).attack_id);
  auto make_detections = [&](int n, int salt) {
    std::vector<Detection> ds;
    ds.reserve(n);
    for (int i = 0; i < n; ++i) {
      Detection d;
      d.id = Cat("det-", i);
      d.name = Cat("Detection ", i, " of set ", salt);
      d.source_format = i % 3 == 0 ? "sigma" : "splunk";
      d.techniques = {techniques[(i * 7 + salt) % techniques.size()], techniques[(i * 13 + salt) % techniques.size()]};
      d.data_components = {i % 2 ? "DC0032" : "DC0064"};
      d.state = i % 10 == 9 ? DetectionState::kDisabled : DetectionState::kEnabled;
      d.release = "enterprise-attack@18.1";
      d.query = Cat("index=main sourcetype=xmlwineventlog EventCode=", 4000 + i % 700, " | stats count by host");
      ds.push_back(std::move(d));
    }
    return ds;
  };
  if (part("coverage")) {
    create_org("big");
    Check(app.orgs().PutDetections(OrgId("big"), make_detections(5000, 1), false).status(), "5000 detections");
    Check(app.orgs().UpdateInventory(OrgId("big"), OrgStore::InventoryOp::kSet,
                                      {InventoryEntry{"DC0032"}, InventoryEntry{"DC0067"}}).status(), "inventory");
    v1::CoverageRequest req;
    req.set_org_id("big");
    {
      v1::CoverageResponse r;
      auto c0 = Clock::now();
      Check(coverage(req, &r), "coverage cold");
      printf("5,000 detections: %d detected, %d logged, %d blind; first (cold view) call %.2f ms\n", r.detected(),
             r.logged(), r.blind(), Ms(c0, Clock::now()));
    }
    std::vector<double> server_ms, grpc_ms, server_cpu, grpc_cpu;
    for (int i = 0; i < 50; ++i) {
      v1::CoverageResponse r;
      auto a = Clock::now();
      double c0 = CpuMs(CLOCK_THREAD_CPUTIME_ID);
      Check(coverage(req, &r), "coverage");
      server_ms.push_back(Ms(a, Clock::now()));
      server_cpu.push_back(CpuMs(CLOCK_THREAD_CPUTIME_ID) - c0);
    }
    for (int i = 0; i < 50; ++i) {
      grpc::ClientContext c;
      v1::CoverageResponse r;
      auto a = Clock::now();
      double c0 = CpuMs();
      Check(FromGrpc(stub->GetCoverage(&c, req, &r)), "coverage grpc");
      grpc_ms.push_back(Ms(a, Clock::now()));
      grpc_cpu.push_back(CpuMs() - c0);
    }
    Report("coverage, 5,000 detections, enterprise 18.1, server-side (median)", Median(server_ms), "ms", 10,
           Median(server_cpu));
    Report("coverage, 5,000 detections, enterprise 18.1, through gRPC (median)", Median(grpc_ms), "ms", 30,
           Median(grpc_cpu));
  }

  // 3. Many organizations.
  if (!part("orgs")) return 0;
  const int64_t base = server.server().store()->DiskUsageBytes();
  std::vector<std::pair<int, int64_t>> growth;
  auto m0 = Clock::now();
  for (int o = 0; o < n_orgs; ++o) {
    std::string id = Cat("org-", o);
    create_org(id);
    Check(app.orgs().PutDetections(OrgId(id), make_detections(500, o), false).status(), "500 detections");
    if ((o + 1) % std::max(1, n_orgs / 4) == 0) growth.emplace_back(o + 1, server.server().store()->DiskUsageBytes() - base);
  }
  printf("stored %d orgs x 500 detections in %.1f s\n", n_orgs, Ms(m0, Clock::now()) / 1000);
  for (auto& [n, bytes] : growth)
    printf("  %5d orgs: store grew %8.1f MB = %6.1f KB per org\n", n, bytes / 1048576.0, bytes / 1024.0 / n);
  if (growth.size() >= 2) {
    double first = double(growth.front().second) / growth.front().first;
    double last = double(growth.back().second) / growth.back().first;
    printf("  per-org growth ratio last/first quarter: %.2f (1.0 = linear)\n", last / first);
  }
  std::vector<double> cold, warm, cold_cpu, warm_cpu;
  for (int i = 0; i < 20; ++i) {
    v1::CoverageRequest r1;
    r1.set_org_id(Cat("org-", (i * 97) % n_orgs));
    v1::CoverageResponse r;
    auto a = Clock::now();
    double c0 = CpuMs(CLOCK_THREAD_CPUTIME_ID);
    Check(coverage(r1, &r), "coverage many");
    cold.push_back(Ms(a, Clock::now()));
    cold_cpu.push_back(CpuMs(CLOCK_THREAD_CPUTIME_ID) - c0);
    a = Clock::now();
    c0 = CpuMs(CLOCK_THREAD_CPUTIME_ID);
    v1::CoverageResponse r2;
    Check(coverage(r1, &r2), "coverage many warm");
    warm.push_back(Ms(a, Clock::now()));
    warm_cpu.push_back(CpuMs(CLOCK_THREAD_CPUTIME_ID) - c0);
  }
  Report(Cat("coverage of one of ", n_orgs, " orgs x 500, first call (median)"), Median(cold), "ms", 10,
         Median(cold_cpu));
  Report(Cat("coverage of one of ", n_orgs, " orgs x 500, repeated (median)"), Median(warm), "ms", 10,
         Median(warm_cpu));
  return 0;
}
