// Mixed-load benchmark (issue 11 "Mixed load"): the real ttpgraphd over
// loopback gRPC, driven by C++ client streams (so the client does not eat the
// cores the server needs). Prints each figure next to its target.
//
//   build/tests/mixed_load_bench --duration 600            # the figures of the note (10 minutes)
//   build/tests/mixed_load_bench --duration 30 --orgs 10 --ci  # ctest's bench.mixed_load (label bench;
//                                                              # fails on an error answer, not on speed)
//   build/tests/mixed_load_bench --scale --orgs 10000 --detections 500
//
// Mixed mode. Setup: enterprise-attack 17.1 and 18.1; --orgs organizations (100) on 18.1, each
// with the SigmaHQ rules (sigma-rules.tar.gz, 3,728 rules) plus 20 detections of its own.
// Load: --streams client streams (16), each on its own connection, each call drawn as
//   60% light reads: group techniques (25%), object lookup (20%), top-k similar groups (15%);
//   10% coverage, 5% gap (all groups), 5% detection reads (get);
//   20% detection create, update or delete (each stream writes its own ids);
// and, at a fixed rate, not a share: one Sigma re-import (into an organization in turn) and one
// release replace (17.1 alternating between its bundle and the bundle with one description
// edited) per minute. The first --warmup seconds (a fifth of the duration, at most 60) are not
// measured. Reported: throughput, p50 and p99 per method, errors (0 but for ABORTED), VmRSS after
// the warm-up and at the end, the data directory before and after a full compaction.
// Targets (2-core machine): >= 1,000 requests/s; read p99 <= 50 ms, <= 5 ms for light reads; no
// error; end RSS <= 1.1x the RSS after the warm-up.
//
// Scale mode (--scale): --orgs organizations (10,000) of --detections detections (500) each,
// on enterprise-attack 18.1; the store's size per organization at rest once 1,000 are written and
// at the end (linear: the two within 10%), then coverage of organizations drawn at random, each
// asked for the first time (target p99 <= 10 ms), and again.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "server/log.h"
#include "storage/import/decompress.h"
#include "storage/strings.h"
#include "tests/bench/bench_daemon.h"
#include "tests/bench/bench_util.h"

namespace {

namespace bench = ttpgraph::bench;
namespace v1 = ttpgraph::v1;
using bench::Clock;
using bench::Ms;
using ttpgraph::Cat;
using KStub = v1::KnowledgeService::Stub;
using AStub = v1::AnalysisService::Stub;
using OStub = v1::OrgService::Stub;

bench::Reporter report({/*label_width=*/56, /*precision=*/2, /*unit_width=*/5});

void Must(const absl::Status& s, const std::string& what) { bench::Check(s, what.c_str()); }

struct Flags {
  std::string bin = "build/ttpgraphd";
  std::string data = ttpgraph::testing::SharedData("");
  double duration = 60, warmup = -1;
  int orgs = -1, streams = 16, detections = 500;
  bool scale = false;
  bool ci = false;  // exit status: error answers only, not the speed targets
};

// Latencies (ms) and errors of one method, per stream, merged at the end.
struct Tally {
  std::map<std::string, std::vector<double>> ms;
  std::map<std::string, int> errors;  // "method CODE"
  int aborted = 0;
  void Merge(const Tally& o) {
    for (auto& [m, v] : o.ms) ms[m].insert(ms[m].end(), v.begin(), v.end());
    for (auto& [e, n] : o.errors) errors[e] += n;
    aborted += o.aborted;
  }
};

std::vector<std::string> TechniqueIds(ttpgraph::Client& c, const std::string& release) {
  v1::ListTechniquesRequest req;
  req.set_release(release);
  v1::ObjectList list;
  Must(c.CallAllPages(&KStub::ListTechniques, req, &list), "list techniques");
  std::vector<std::string> out;
  for (auto& o : list.objects()) out.push_back(o.attack_id());
  return out;
}

// Groups of 18.1 whose techniques and similar groups answer (a fixed list of well-known ones).
std::vector<std::string> Groups(ttpgraph::Client& c) {
  std::vector<std::string> out;
  for (const char* g : {"G0007", "G0016", "G0032", "G0034", "G0035", "G0045", "G0046", "G0049", "G0050", "G0059",
                        "G0069", "G0082", "G0087", "G0094", "G0096", "G0102", "G0125", "G1017"}) {
    v1::GroupTechniquesRequest req;
    req.set_release("enterprise-attack@18.1");
    req.set_group(g);
    v1::GroupTechniquesResponse resp;
    if (c.Call(&KStub::GetGroupTechniques, req, &resp).ok()) out.push_back(g);
  }
  if (out.size() < 5) {
    fprintf(stderr, "only %zu of the benchmark's groups answer on 18.1\n", out.size());
    exit(2);
  }
  return out;
}

v1::Detection OwnDetection(const std::string& id, const std::vector<std::string>& techniques, std::mt19937& rng) {
  v1::Detection d;
  d.set_id(id);
  d.set_name("bench rule " + id);
  d.set_source_format("kql");
  d.set_query("DeviceProcessEvents | where FileName == 'x.exe'");
  for (int i = 0; i < 2; ++i) d.add_techniques(techniques[rng() % techniques.size()]);
  return d;
}

std::string OrgName(int i) { return Cat("org-", i); }


int Mixed(const Flags& f) {
  const int orgs = f.orgs > 0 ? f.orgs : 100;
  const double warmup = f.warmup >= 0 ? f.warmup : std::min(60.0, f.duration / 5);
  const std::string attack = f.data + "/attack/";
  const std::string sigma = f.data + "/sigma/sigma-rules.tar.gz";
  printf("mixed load: %d organizations, %d streams, %.0f s measured after %.0f s of warm-up, ttpgraphd = %s\n\n",
         orgs, f.streams, f.duration, warmup, f.bin.c_str());
  ttpgraph::testing::TempDir dir;
  const std::string db = dir.path() + "/db";
  bench::Daemon d;
  d.Start(f.bin, db, bench::FreePort());
  auto admin = d.Connect();

  // ---- setup ----
  auto setup_start = Clock::now();
  const std::string raw171 = ttpgraph::testing::ReadFile(attack + "enterprise-attack-17.1.json.gz");
  for (const char* v : {"17.1", "18.1"}) {
    v1::ImportOptions o;  // ../shared's bundles carry no x-mitre-collection
    o.set_domain("enterprise-attack");
    o.set_version(v);
    v1::ImportReleaseResponse r;
    Must(admin->ImportBundle(ttpgraph::testing::ReadFile(attack + "enterprise-attack-" + v + ".json.gz"), o, &r),
         Cat("import ", v));
  }
  // 17.1 with one description edited: the release replace alternates between the two.
  std::string edited;
  {
    auto text = ttpgraph::MaybeGunzip(raw171, size_t{1} << 30);
    Must(text.status(), "gunzip 17.1");
    edited = std::move(*text);
    size_t at = edited.find("\"description\": \"");
    if (at == std::string::npos) at = edited.find("\"description\":\"");
    if (at == std::string::npos) Must(absl::InternalError("no description in 17.1"), "edit 17.1");
    at = edited.find('"', edited.find(':', at)) + 1;
    edited.insert(at, "Edited by the mixed-load benchmark. ");
  }
  const std::vector<std::string> techniques = TechniqueIds(*admin, "enterprise-attack@18.1");
  // Lookups draw from 17.1 or 18.1: only techniques in both answer in both.
  std::vector<std::string> shared_techniques;
  {
    std::vector<std::string> old = TechniqueIds(*admin, "enterprise-attack@17.1");
    std::sort(old.begin(), old.end());
    for (const std::string& t : techniques)
      if (std::binary_search(old.begin(), old.end(), t)) shared_techniques.push_back(t);
  }
  const std::vector<std::string> groups = Groups(*admin);
  std::mt19937 setup_rng(7);
  for (int i = 0; i < orgs; ++i) {
    v1::CreateOrganizationRequest req;
    req.set_org_id(OrgName(i));
    req.set_release("enterprise-attack@18.1");
    v1::Organization o;
    Must(admin->Call(&OStub::CreateOrganization, req, &o), "create organization");
    v1::ImportDetectionsHeader h;
    h.set_format(v1::IMPORT_FORMAT_SIGMA);
    v1::ImportDetectionsResponse r;
    Must(admin->ImportDetections(OrgName(i), h, {sigma}, &r), "Sigma import");
    for (int k = 0; k < 20; ++k) {  // the organization's own edits
      v1::CreateDetectionRequest c;
      c.set_org_id(OrgName(i));
      *c.mutable_detection() = OwnDetection(Cat("own-", k), techniques, setup_rng);
      v1::Detection out;
      Must(admin->Call(&OStub::CreateDetection, c, &out), "create detection");
    }
  }
  printf("%-56s %10.2f s     (no target)\n", "setup (2 releases, organizations, Sigma rules)", Ms(Clock::now() - setup_start) / 1e3);

  // ---- load ----
  std::atomic<bool> measuring{false}, stop{false};
  std::atomic<int64_t> measured_calls{0};
  std::vector<Tally> tallies(f.streams + 1);
  auto timed = [&](Tally& t, const std::string& method, auto&& call) {
    auto start = Clock::now();
    absl::Status s = call();
    double ms = Ms(Clock::now() - start);
    if (!measuring) return;
    ++measured_calls;
    if (s.ok()) t.ms[method].push_back(ms);
    else if (absl::IsAborted(s)) ++t.aborted;
    else if (t.errors[Cat(method, " ", absl::StatusCodeToString(s.code()))]++ == 0)
      fprintf(stderr, "%s: %s\n", method.c_str(), s.ToString().c_str());
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < f.streams; ++t) {
    threads.emplace_back([&, t] {
      auto c = d.Connect(t);
      std::mt19937 rng(100 + t);
      Tally& tally = tallies[t];
      std::map<int, std::vector<std::string>> own;  // org -> this stream's detection ids there
      int next_id = 0;
      while (!stop) {
        const int draw = static_cast<int>(rng() % 100);
        const std::string release = rng() % 4 == 0 ? "enterprise-attack@17.1" : "enterprise-attack@18.1";
        const int org = static_cast<int>(rng() % orgs);
        if (draw < 25) {
          v1::GroupTechniquesRequest req;
          req.set_release(release);
          req.set_group(groups[rng() % groups.size()]);
          v1::GroupTechniquesResponse resp;
          timed(tally, "GetGroupTechniques", [&] { return c->Call(&KStub::GetGroupTechniques, req, &resp); });
        } else if (draw < 45) {
          v1::GetObjectRequest req;
          req.set_release(release);
          req.set_id(shared_techniques[rng() % shared_techniques.size()]);
          req.set_type("attack-pattern");
          v1::GetObjectResponse resp;
          timed(tally, "GetObject", [&] { return c->Call(&KStub::GetObject, req, &resp); });
        } else if (draw < 60) {
          v1::SimilarGroupsRequest req;
          req.set_release(release);
          req.set_group(groups[rng() % groups.size()]);
          req.set_k(10);
          v1::SimilarGroupsResponse resp;
          timed(tally, "GetSimilarGroups", [&] { return c->Call(&AStub::GetSimilarGroups, req, &resp); });
        } else if (draw < 70) {
          v1::CoverageRequest req;
          req.set_org_id(OrgName(org));
          req.set_omit_techniques(rng() % 2 == 0);
          v1::CoverageResponse resp;
          timed(tally, "GetCoverage", [&] { return c->Call(&OStub::GetCoverage, req, &resp); });
        } else if (draw < 75) {
          v1::GapRequest req;
          req.set_org_id(OrgName(org));
          req.mutable_threat()->set_all_groups(true);
          v1::GapResponse resp;
          timed(tally, "GetGap", [&] { return c->Call(&AStub::GetGap, req, &resp); });
        } else if (draw < 80) {
          v1::GetDetectionRequest req;
          req.set_org_id(OrgName(org));
          req.set_id(Cat("own-", rng() % 20));
          v1::Detection resp;
          timed(tally, "GetDetection", [&] { return c->Call(&OStub::GetDetection, req, &resp); });
        } else {
          std::vector<std::string>& mine = own[org];
          const int op = mine.empty() ? 0 : static_cast<int>(rng() % 3);
          if (op == 0) {
            v1::CreateDetectionRequest req;
            req.set_org_id(OrgName(org));
            *req.mutable_detection() = OwnDetection(Cat("s", t, "-", next_id++), techniques, rng);
            v1::Detection resp;
            timed(tally, "CreateDetection", [&] { return c->Call(&OStub::CreateDetection, req, &resp); });
            mine.push_back(req.detection().id());
          } else if (op == 1) {
            v1::UpdateDetectionRequest req;
            req.set_org_id(OrgName(org));
            *req.mutable_detection() = OwnDetection(mine[rng() % mine.size()], techniques, rng);
            v1::Detection resp;
            timed(tally, "UpdateDetection", [&] { return c->Call(&OStub::UpdateDetection, req, &resp); });
          } else {
            const size_t k = rng() % mine.size();
            v1::DeleteDetectionRequest req;
            req.set_org_id(OrgName(org));
            req.set_id(mine[k]);
            v1::DeleteDetectionResponse resp;
            timed(tally, "DeleteDetection", [&] { return c->Call(&OStub::DeleteDetection, req, &resp); });
            mine.erase(mine.begin() + static_cast<long>(k));
          }
        }
      }
    });
  }
  // Heavy writes at a fixed rate: a Sigma re-import at 0:00 of each minute, a release replace at 0:30.
  threads.emplace_back([&] {
    auto c = d.Connect(f.streams);
    Tally& tally = tallies[f.streams];
    auto start = Clock::now();
    int sigma_done = 0, replace_done = 0;
    while (!stop) {
      const double s = Ms(Clock::now() - start) / 1e3;
      if (s >= 60.0 * sigma_done) {
        v1::ImportDetectionsHeader h;
        h.set_format(v1::IMPORT_FORMAT_SIGMA);
        v1::ImportDetectionsResponse r;
        timed(tally, "ImportDetections (Sigma)",
              [&] { return c->ImportDetections(OrgName(sigma_done % orgs), h, {sigma}, &r); });
        ++sigma_done;
      } else if (s >= 60.0 * replace_done + 30) {
        v1::ImportOptions o;
        o.set_domain("enterprise-attack");
        o.set_version("17.1");
        o.set_replace(true);
        v1::ImportReleaseResponse r;
        const std::string& bytes = replace_done % 2 == 0 ? edited : raw171;
        timed(tally, "ImportRelease (replace 17.1)", [&] { return c->ImportBundle(bytes, o, &r); });
        ++replace_done;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  });

  std::this_thread::sleep_for(std::chrono::duration<double>(warmup));
  const long rss_warm = d.RssKb();
  measuring = true;
  auto measure_start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(f.duration));
  measuring = false;
  const double measured_s = Ms(Clock::now() - measure_start) / 1e3;
  const long rss_end = d.RssKb();
  stop = true;
  for (auto& t : threads) t.join();
  Tally all;
  for (auto& t : tallies) all.Merge(t);

  printf("\n");
  report.Target("throughput", static_cast<double>(measured_calls) / measured_s, "req/s", 1000, false);
  const std::map<std::string, double> targets = {
      {"GetGroupTechniques", 5}, {"GetObject", 5}, {"GetSimilarGroups", 5}, {"GetDetection", 5},
      {"GetCoverage", 50},       {"GetGap", 50}};
  for (auto& [method, v] : all.ms) {
    if (v.empty()) continue;
    report.Info(Cat(method, " p50 (", v.size(), " calls)"), bench::Percentile(v, 0.5), "ms");
    auto t = targets.find(method);
    if (t != targets.end()) report.Target(Cat(method, " p99"), bench::Percentile(v, 0.99), "ms", t->second);
    else report.Info(Cat(method, " p99"), bench::Percentile(v, 0.99), "ms");
  }
  int errors = 0;
  for (auto& [e, n] : all.errors) {
    printf("  error x%d: %s\n", n, e.c_str());
    errors += n;
  }
  report.Target("errors (ABORTED aside)", errors, "calls", 0);
  report.Info("ABORTED (expected, retried by a client)", all.aborted, "calls");
  report.Info("VmRSS after the warm-up", rss_warm / 1024.0, "MiB");
  report.Target("VmRSS at the end", rss_end / 1024.0, "MiB", 1.1 * rss_warm / 1024.0, true, "  (1.1x warm-up)");
  d.Stop();
  // Not with --ci: compactions run at the lowest CPU priority, and on a CI machine busy with
  // other tests the full compaction below waited minutes (ctest's timeout).
  if (f.ci) return errors == 0 && measured_calls > 0 ? 0 : 1;
  auto [before, after] = bench::CompactedBytes(db);
  report.Info("RocksDB directory at the end", before / 1048576.0, "MiB");
  report.Info("RocksDB directory after a full compaction", after / 1048576.0, "MiB");
  return report.failures() ? 1 : 0;
}

int Scale(const Flags& f) {
  const int orgs = f.orgs > 0 ? f.orgs : 10000;
  printf("scale: %d organizations x %d detections, enterprise-attack 18.1, ttpgraphd = %s\n\n", orgs, f.detections,
         f.bin.c_str());
  ttpgraph::testing::TempDir dir;
  const std::string db = dir.path() + "/db";
  bench::Daemon d;
  d.Start(f.bin, db, bench::FreePort());
  auto c = d.Connect();
  {
    v1::ImportOptions o;
    o.set_domain("enterprise-attack");
    o.set_version("18.1");
    v1::ImportReleaseResponse r;
    Must(c->ImportBundle(ttpgraph::testing::ReadFile(f.data + "/attack/enterprise-attack-18.1.json.gz"), o, &r),
         "import 18.1");
  }
  const std::vector<std::string> techniques = TechniqueIds(*c, "enterprise-attack@18.1");
  std::mt19937 rng(11);
  const std::string csv_path = dir.path() + "/detections.csv";
  auto base = [&] {  // the store with the release alone, at rest
    d.Stop();
    auto [live, compacted] = bench::CompactedBytes(db);
    d.Start(f.bin, db, bench::FreePort());
    c = d.Connect();
    return compacted;
  };
  const int64_t release_bytes = base();
  std::vector<std::pair<int, int64_t>> sizes;
  auto start = Clock::now();
  for (int i = 0; i < orgs; ++i) {
    v1::CreateOrganizationRequest req;
    req.set_org_id(OrgName(i));
    req.set_release("enterprise-attack@18.1");
    v1::Organization o;
    Must(c->Call(&OStub::CreateOrganization, req, &o), "create organization");
    std::string csv = "id,name,techniques\n";
    for (int k = 0; k < f.detections; ++k)
      csv += Cat("det-", k, ",Rule ", k, " of ", OrgName(i), ",", techniques[rng() % techniques.size()], " ",
                 techniques[rng() % techniques.size()], "\n");
    {
      std::ofstream out(csv_path, std::ios::trunc);
      out << csv;
    }
    v1::ImportDetectionsHeader h;
    h.set_format(v1::IMPORT_FORMAT_CSV);
    v1::ImportDetectionsResponse r;
    Must(c->ImportDetections(OrgName(i), h, {csv_path}, &r), "detection import");
    if (i + 1 == std::min(orgs, 1000) || i + 1 == orgs) {
      d.Stop();
      auto [live, compacted] = bench::CompactedBytes(db);
      sizes.emplace_back(i + 1, compacted - release_bytes);
      d.Start(f.bin, db, bench::FreePort());
      c = d.Connect();
      printf("%-56s %10.2f s     (no target)\n", Cat("setup of ", i + 1, " organizations").c_str(),
             Ms(Clock::now() - start) / 1e3);
    }
  }
  for (auto& [n, bytes] : sizes)
    report.Info(Cat("store per organization at ", n, " (", f.detections, " detections)"), bytes / 1024.0 / n, "KiB");
  if (sizes.size() == 2) {
    const double a = static_cast<double>(sizes[0].second) / sizes[0].first;
    const double b = static_cast<double>(sizes[1].second) / sizes[1].first;
    report.Target(Cat("per-organization size at ", sizes[1].first, " / at ", sizes[0].first), b / a, "x", 1.1);
  }
  std::vector<double> first, again;
  std::vector<int> drawn;
  for (int k = 0; k < std::min(orgs, 300); ++k) drawn.push_back(static_cast<int>(rng() % orgs));
  for (std::vector<double>* into : {&first, &again})
    for (int i : drawn) {
      v1::CoverageRequest req;
      req.set_org_id(OrgName(i));
      req.set_omit_techniques(true);
      v1::CoverageResponse resp;
      auto t = Clock::now();
      Must(c->Call(&OStub::GetCoverage, req, &resp), "coverage");
      into->push_back(Ms(Clock::now() - t));
    }
  report.Info("coverage of an organization, first call, p50", bench::Percentile(first, 0.5), "ms");
  report.Target("coverage of an organization, first call, p99", bench::Percentile(first, 0.99), "ms", 10);
  report.Info("coverage of an organization, again, p50", bench::Percentile(again, 0.5), "ms");
  report.Target("coverage of an organization, again, p99", bench::Percentile(again, 0.99), "ms", 10);
  d.Stop();
  return report.failures() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  if (const char* env = getenv("TTPGRAPHD")) f.bin = env;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        fprintf(stderr, "%s wants a value\n", a.c_str());
        exit(2);
      }
      return argv[++i];
    };
    if (a == "--ttpgraphd") f.bin = next();
    else if (a == "--data") f.data = next();
    else if (a == "--duration") f.duration = std::stod(next());
    else if (a == "--warmup") f.warmup = std::stod(next());
    else if (a == "--orgs") f.orgs = std::stoi(next());
    else if (a == "--streams") f.streams = std::stoi(next());
    else if (a == "--detections") f.detections = std::stoi(next());
    else if (a == "--scale") f.scale = true;
    else if (a == "--ci") f.ci = true;
    else {
      fprintf(stderr,
              "usage: mixed_load_bench [--duration S] [--warmup S] [--orgs N] [--streams N] [--ttpgraphd BIN] "
              "[--data DIR]\n       mixed_load_bench --scale [--orgs N] [--detections N]\n");
      return 2;
    }
  }
  ttpgraph::SetQuietLogs(true);
  return f.scale ? Scale(f) : Mixed(f);
}
