// Benchmark of the analyses of issue 4: version diff, group overlap and the
// organization gap, on the real enterprise releases. Prints each figure next
// to its target (median of several runs).
//
//   build/tests/analysis_bench [--data ../shared/data] [--runs 7]
//
// Figures:
//  - diff 17.1 -> 18.1 with relationship diffs, as the server computes it:
//    DiffContentKeys + Store::GetObjects of the changed objects + DiffReleases
//    (graphs already built, as the release registry keeps them); and the DiffReleases
//    call alone; and through the in-process gRPC service (first page, cold cache);
//  - all-pairs overlap over every active enterprise 18.1 group: index build +
//    matrix (cold), and the matrix alone (index cached, as the server keeps it);
//  - top-k similar (k = 10) on the cached index: median and worst over every group;
//  - gap of an organization with 5,000 detections (enterprise 18.1 techniques,
//    some disabled, three collected data components) against every active
//    group: the GetGap handler body without gRPC (core::Gap: organization
//    record read, cached OrgView and compiled coverage, usage and
//    detectability indexes of the release; gap ranking, greedy
//    recommendations; then the response of the first page); and its pure part
//    (ComputeCoverage + ComputeGaps).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "graph/coverage.h"
#include "graph/diff.h"
#include "graph/gaps.h"
#include "graph/overlap.h"
#include "server/analysis_convert.h"
#include "server/core/analysis.h"
#include "server/page_token.h"
#include "storage/import/bundle_parser.h"
#include "storage/import/decompress.h"
#include "storage/store.h"
#include "storage/strings.h"
#include "tests/bench/bench_util.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/analysis_service.grpc.pb.h"

using ttpgraph::bench::Check;
using ttpgraph::bench::Clock;
using ttpgraph::bench::Ms;

int main(int argc, char** argv) {
  std::string data;
  int runs = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--data") data = argv[i + 1];
    else if (a == "--runs") runs = std::max(1, atoi(argv[i + 1]));
  }
  if (!data.empty()) setenv("TTPGRAPH_SHARED_DATA", data.c_str(), 1);
  using namespace ttpgraph;
  bench::Reporter report({/*label_width=*/64, /*precision=*/3, /*unit_width=*/3});

  testing::TempDir dir;
  StoreOptions so;
  so.path = dir.path() + "/db";
  so.sync_writes = false;
  auto store = Store::Open(so);
  Check(store.status(), "open store");
  for (const char* v : {"17.1", "18.1"}) {
    auto text = MaybeGunzip(testing::ReadFile(testing::SharedData(std::string("attack/enterprise-attack-") + v +
                                                                 ".json.gz")),
                            size_t{1} << 30);
    Check(text.status(), "gunzip");
    BundleParseOptions opts;
    opts.domain = "enterprise-attack";
    opts.version = v;
    auto bundle = ParseBundle(*text, opts);
    Check(bundle.status(), "parse");
    Check((*store)->PutRelease(*bundle, false).status(), "import");
  }
  core::Application app(store->get(), core::ServerLimits{});
  auto from_ctx = app.releases().Get("enterprise-attack@17.1");
  auto to_ctx = app.releases().Get("enterprise-attack@18.1");
  Check(from_ctx.status(), "graph 17.1");
  Check(to_ctx.status(), "graph 18.1");
  const std::shared_ptr<const ReleaseGraph>* from = &(*from_ctx)->graph_ptr();
  const std::shared_ptr<const ReleaseGraph>* to = &(*to_ctx)->graph_ptr();

  // As the server diffs: with the releases' group-usage indexes, which the
  // registry keeps for gap and overlap (built here once, outside the timing).
  auto from_usage = (*from_ctx)->Usage(UsagePaths{}, QueryLimits{});
  auto to_usage = (*to_ctx)->Usage(UsagePaths{}, QueryLimits{});
  Check(from_usage.status(), "usage 17.1");
  Check(to_usage.status(), "usage 18.1");

  printf("analysis benchmark: enterprise 17.1 -> 18.1 diff, enterprise 18.1 overlap; median of %d runs\n\n", runs);

  // ---- diff ------------------------------------------------------------------
  size_t changes = 0, keys_loaded = 0;
  double full = bench::MedianMs(runs, [&] {
    std::vector<std::string> keys = DiffContentKeys(**from, **to);
    auto json = (*store)->GetObjects(keys);
    Check(json.status(), "get objects");
    DiffContent content;
    content.reserve(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) content.emplace(std::move(keys[i]), std::move((*json)[i]));
    keys_loaded = content.size();
    auto r = DiffReleases(**from, **to, content, QueryLimits{}, UsagePaths{}, from_usage->get(), to_usage->get());
    Check(r.status(), "diff");
    changes = r->changes.size() + r->groups.size() + r->techniques.size();
  });
  report.Target("diff 17.1 -> 18.1 incl. relationship diffs (load changed JSON + diff)", full / 1000, "s", 0.3);
  std::vector<std::string> keys = DiffContentKeys(**from, **to);
  auto json = (*store)->GetObjects(keys);
  DiffContent content;
  for (size_t i = 0; i < keys.size(); ++i) content.emplace(keys[i], (*json)[i]);
  double pure =
      bench::MedianMs(runs, [&] {
        Check(DiffReleases(**from, **to, content, QueryLimits{}, UsagePaths{}, from_usage->get(), to_usage->get()).status(),
              "diff");
      });
  report.Info("  of which DiffReleases alone (pure, content in memory)", pure / 1000, "s");
  report.Info("  changed objects whose JSON is loaded", static_cast<double>(keys_loaded), "");
  report.Info("  changelog entries + group/technique relationship diffs", static_cast<double>(changes), "");

  // ---- overlap ---------------------------------------------------------------
  auto groups = ResolveGroups(**to, {});
  Check(groups.status(), "groups");
  size_t pairs = 0;
  double cold = bench::MedianMs(runs, [&] {
    auto index = GroupUsageIndex::Build(**to, UsagePaths{}, QueryLimits{});
    Check(index.status(), "index");
    auto m = ComputeOverlap(*index, *groups, QueryLimits{});
    Check(m.status(), "overlap");
    pairs = m->pairs.size();
  });
  char label[128];
  snprintf(label, sizeof label, "all-pairs overlap, %zu active groups, %zu pairs (index + matrix)", groups->size(),
           pairs);
  report.Target(label, cold, "ms", 50);
  auto index = GroupUsageIndex::Build(**to, UsagePaths{}, QueryLimits{});
  Check(index.status(), "index");
  double warm =
      bench::MedianMs(runs, [&] { Check(ComputeOverlap(*index, *groups, QueryLimits{}).status(), "overlap"); });
  report.Target("all-pairs overlap, matrix alone (index cached per release+paths)", warm, "ms", 50);
  double direct_cold = bench::MedianMs(runs, [&] {
    auto idx = GroupUsageIndex::Build(**to, UsagePaths{true, false, true}, QueryLimits{});
    Check(ComputeOverlap(*idx, *groups, QueryLimits{}).status(), "overlap");
  });
  report.Target("all-pairs overlap --no-software (index + matrix)", direct_cold, "ms", 50);

  // ---- top-k -----------------------------------------------------------------
  std::vector<double> per_group;
  for (NodeId g : *groups) {
    auto s = Clock::now();
    auto top = MostSimilarGroups(*index, g, 10);
    per_group.push_back(Ms(Clock::now() - s));
    Check(top.status(), "top-k");
  }
  std::sort(per_group.begin(), per_group.end());
  report.Target("top-10 similar groups, median over every group (index cached)", per_group[per_group.size() / 2],
                "ms", 2);
  report.Target("top-10 similar groups, worst over every group (index cached)", per_group.back(), "ms", 2);
  report.Info("top-10 similar with a cold index (index build + query)", cold - warm, "ms");

  // ---- gap -------------------------------------------------------------------
  OrgStore& orgs = app.orgs();
  Organization init;
  init.release = "enterprise-attack@18.1";
  Check(orgs.CreateOrg(OrgId("bench"), init).status(), "create org");
  std::vector<NodeId> techs;
  for (NodeId t : (*to)->techniques())
    if ((*to)->node(t).active() && (*to)->node(t).in_domain) techs.push_back(t);
  std::vector<Detection> ds;
  for (int i = 0; i < 5000; ++i) {
    Detection d;
    d.id = Cat("rule-", i);
    d.name = Cat("Benchmark rule ", i);
    d.release = "enterprise-attack@18.1";
    // Spread over half of the techniques (about what SigmaHQ covers), a few rules on two.
    d.techniques.push_back((*to)->node(techs[(i * 7) % (techs.size() / 2)]).attack_id);
    if (i % 50 == 0) d.techniques.push_back((*to)->node(techs[(i * 13) % techs.size()]).attack_id);
    d.state = i % 10 == 9 ? DetectionState::kDisabled : DetectionState::kEnabled;
    ds.push_back(std::move(d));
  }
  Check(orgs.PutDetections(OrgId("bench"), std::move(ds), false).status(), "put detections");
  std::vector<InventoryEntry> inv(3);
  inv[0].data_component = "Process Creation";
  inv[1].data_component = "Network Traffic Content";
  inv[2].data_component = "File Creation";
  Check(orgs.UpdateInventory(OrgId("bench"), OrgStore::InventoryOp::kSet, inv).status(), "inventory");

  v1::GapRequest greq;
  greq.set_org_id("bench");
  greq.set_release("enterprise-attack@18.1");
  greq.mutable_threat()->set_all_groups(true);
  // The GetGap handler's body without gRPC: the application call, the page, the conversion.
  auto gap = [&](const v1::GapRequest& req, v1::GapResponse* resp) -> absl::Status {
    core::GapQuery q;
    q.release = req.release();
    auto a = core::Gap(app, OrgId(req.org_id()), q, QueryLimits{});
    if (!a.ok()) return a.status();
    auto window = ComputePage(req, a->report.gaps.size());
    if (!window.ok()) return window.status();
    ToProto(*a, req.page_token().empty(), window->begin, window->end, resp);
    resp->mutable_page()->set_total_size(static_cast<int32_t>(a->report.gaps.size()));
    return absl::OkStatus();
  };
  v1::GapResponse gresp;
  auto first = Clock::now();
  Check(gap(greq, &gresp), "gap");
  double gap_cold = Ms(Clock::now() - first);
  double gap_warm = bench::MedianMs(runs, [&] {
    v1::GapResponse r;
    Check(gap(greq, &r), "gap");
  });
  snprintf(label, sizeof label, "gap, 5000 detections, all %d groups (GetGap handler, caches warm)",
           gresp.groups_size());
  report.Target(label, gap_warm, "ms", 20);
  report.Info("  first gap call (builds OrgView, usage and detectability indexes)", gap_cold, "ms");
  v1::GapRequest small = greq;
  small.set_page_size(1);
  double gap_small = bench::MedianMs(runs, [&] {
    v1::GapResponse r;
    Check(gap(small, &r), "gap");
  });
  report.Info("  the same with page_size 1 (response building excluded)", gap_small, "ms");
  report.Info("  gaps found (LOGGED + BLIND)", static_cast<double>(gresp.page().total_size()), "");
  report.Info("  techniques used by the groups", gresp.techniques_used(), "");
  report.Info("  of them DETECTED", gresp.detected(), "");
  auto dindex = DetectabilityIndex::Build(**to);
  auto usage = GroupUsageIndex::Build(**to, UsagePaths{}, QueryLimits{});
  Check(usage.status(), "usage index");
  auto all_ds = orgs.ListDetections(OrgId("bench"));
  Check(all_ds.status(), "list");
  OrgView view = MakeOrgView("bench", *all_ds, inv);
  double gap_pure = bench::MedianMs(runs, [&] {
    auto cov = ComputeCoverage(**to, *dindex, view, CoverageOptions{}, QueryLimits{});
    Check(cov.status(), "coverage");
    Check(ComputeGaps(**to, *dindex, *usage, *cov, usage->groups(), GapOptions{}, QueryLimits{}).status(), "gaps");
  });
  report.Info("  of which ComputeCoverage + ComputeGaps (pure)", gap_pure, "ms");

  printf("\n%s\n", report.failures() ? "SOME TARGETS MISSED" : "all targets met");
  return report.failures() ? 1 : 0;
}
