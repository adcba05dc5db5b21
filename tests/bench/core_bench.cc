// Benchmark of the knowledge core (issue 2) on enterprise 18.1, against the
// real ttpgraphd binary over loopback gRPC. Prints each figure next to its
// target.
//
//   build/tests/core_bench [--ttpgraphd build/ttpgraphd] [--data ../shared/data] [--seconds 3]
//
// Figures: import from a local file end to end; bundle parse alone; graph
// build on first use; restart with six enterprise releases -> first answer;
// techniques-used-by-group latency (p50, p99) and throughput with 8 client
// streams; server RSS with six releases and their graphs; RocksDB directory
// size for six releases vs one; identity (issue 10): the token check alone,
// and group techniques over TLS with a token next to plaintext with a token;
// operations (issue 15): the same with the metrics on (--http-listen).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "clients/cpp/ttpgraph_client.h"
#include "graph/release_graph.h"
#include "server/core/identity.h"
#include "server/log.h"
#include "storage/import/bundle_parser.h"
#include "storage/import/decompress.h"
#include "storage/store.h"
#include "tests/bench/bench_daemon.h"
#include "tests/bench/bench_util.h"
#include "tests/testing/test_env.h"
#include "tests/testing/test_pki.h"

namespace {

namespace bench = ttpgraph::bench;
using bench::Clock;
namespace v1 = ttpgraph::v1;

using bench::Ms;
bench::Reporter report({/*label_width=*/58, /*precision=*/2, /*unit_width=*/5});

using bench::Daemon;
using bench::DirBytes;
using bench::FreePort;

// The size of a data directory at rest: the compaction after an import
// compresses the imported files in the background; a stop interrupts it and
// the next open resumes it, here until it is done.
int64_t SettledBytes(const std::string& dir) {
  {
    ttpgraph::StoreOptions o;
    o.path = dir;
    auto store = ttpgraph::Store::Open(o);
    if (!store.ok()) {
      fprintf(stderr, "open %s: %s\n", dir.c_str(), store.status().ToString().c_str());
      exit(2);
    }
    (*store)->WaitForCompaction();
  }
  return DirBytes(dir);
}

}  // namespace

int main(int argc, char** argv) {
  std::string bin = "build/ttpgraphd";
  std::string data = ttpgraph::testing::SharedData("");
  double seconds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--ttpgraphd") bin = argv[i + 1];
    else if (a == "--data") data = argv[i + 1];
    else if (a == "--seconds") seconds = std::stod(argv[i + 1]);
  }
  if (const char* env = getenv("TTPGRAPHD")) bin = env;
  const std::string attack = data + "/attack/";
  const std::vector<std::string> six = {"14.1", "15.1", "16.1", "17.1", "18.0", "18.1"};
  auto bundle_path = [&](const std::string& v) { return attack + "enterprise-attack-" + v + ".json.gz"; };
  ttpgraph::SetQuietLogs(true);
  printf("core benchmark: enterprise-attack 18.1, ttpgraphd = %s\n\n", bin.c_str());

  std::vector<std::string> groups;  // ATT&CK IDs of 18.1's groups

  // ---- Parse alone and graph build, in process. ----
  {
    std::string raw = ttpgraph::testing::ReadFile(bundle_path("18.1"));
    auto text = ttpgraph::MaybeGunzip(raw, 1u << 30);
    ttpgraph::BundleParseOptions po;
    po.domain = "enterprise-attack";
    po.version = "18.1";
    po.buffer_capacity = text->capacity();
    double best_parse = 1e9;
    absl::StatusOr<ttpgraph::ParsedBundle> bundle;
    for (int rep = 0; rep < 3; ++rep) {
      auto t = Clock::now();
      bundle = ttpgraph::ParseBundle(*text, po);
      best_parse = std::min(best_parse, Ms(Clock::now() - t));
    }
    printf("%-58s %10.2f ms    (no target; part of the import below)\n", "parse + validate 18.1 (gunzipped, best of 3)",
           best_parse);
    ttpgraph::testing::TempDir dir;
    auto store = ttpgraph::Store::Open(ttpgraph::StoreOptions{dir.path()});
    if (auto put = (*store)->PutRelease(*bundle, false); !put.ok()) {
      fprintf(stderr, "storing 18.1: %s\n", put.status().ToString().c_str());
      exit(2);
    }
    double best_build = 1e9;
    for (int rep = 0; rep < 3; ++rep) {
      auto t = Clock::now();
      auto records = (*store)->LoadReleaseRecords(bundle->id);
      auto g = ttpgraph::ReleaseGraph::Build(bundle->id, std::move(*records));
      best_build = std::min(best_build, Ms(Clock::now() - t));
      if (rep == 0)  // every group of the release, for the query figures below
        for (auto& n : (*g)->nodes())
          if (n.type == "intrusion-set" && n.active() && n.in_domain) groups.push_back(n.attack_id);
    }
    report.Target("graph build on first use (read records + build, best of 3)", best_build, "ms", 150);
  }

  // ---- Import end to end through a real server. ----
  ttpgraph::testing::TempDir dir;
  const std::string db = dir.path() + "/db";
  Daemon d;
  d.Start(bin, db, FreePort());
  auto client_ptr = d.Connect();
  ttpgraph::Client& client = *client_ptr;
  auto import = [&](const std::string& v) {
    auto t = Clock::now();
    std::string bytes = ttpgraph::testing::ReadFile(bundle_path(v));
    v1::ImportOptions o;
    o.set_domain("enterprise-attack");
    o.set_version(v);
    v1::ImportReleaseResponse resp;
    auto s = client.ImportBundle(bytes, o, &resp);
    if (!s.ok()) {
      fprintf(stderr, "import %s failed: %s\n", v.c_str(), s.ToString().c_str());
      exit(2);
    }
    return Ms(Clock::now() - t);
  };
  report.Target("import 18.1 from a local file, end to end (gRPC stream)", import("18.1"), "ms", 500);

  v1::GroupTechniquesRequest g16;
  g16.set_release("enterprise-attack@18.1");
  g16.set_group("G0016");
  {
    auto t = Clock::now();
    v1::GroupTechniquesResponse resp;
    (void)client.Call(&v1::KnowledgeService::Stub::GetGroupTechniques, g16, &resp);
    report.Target("first query after import (graph built on first use)", Ms(Clock::now() - t), "ms", 150);
  }

  // Techniques of random groups (default page: up to 100 techniques, default view), one call at a time.
  auto group_latencies = [&](ttpgraph::Client& c) {
    std::vector<double> lat;
    std::mt19937 rng(7);
    for (int i = 0; i < 3000; ++i) {
      v1::GroupTechniquesRequest req = g16;
      req.set_group(groups[rng() % groups.size()]);
      v1::GroupTechniquesResponse resp;
      auto t = Clock::now();
      (void)c.Call(&v1::KnowledgeService::Stub::GetGroupTechniques, req, &resp);
      lat.push_back(Ms(Clock::now() - t));
    }
    return lat;
  };
  // Answers per second with 8 client threads, each keeping one call in flight,
  // on one channel (8 HTTP/2 streams on one connection) or on a channel each.
  auto group_throughput = [&](const Daemon& server, bool shared) {
    std::atomic<long> done{0};
    std::atomic<bool> stop{false};
    auto one = server.Connect();
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&, t] {
        std::unique_ptr<ttpgraph::Client> own;
        if (!shared) own = server.Connect(t);  // distinct arguments: a connection of its own
        ttpgraph::Client& c = shared ? *one : *own;
        std::mt19937 rng(t);
        while (!stop) {
          v1::GroupTechniquesRequest req = g16;
          req.set_group(groups[rng() % groups.size()]);
          v1::GroupTechniquesResponse resp;
          if (c.Call(&v1::KnowledgeService::Stub::GetGroupTechniques, req, &resp).ok()) ++done;
        }
      });
    auto t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& th : threads) th.join();
    return done / (Ms(Clock::now() - t0) / 1000);
  };

  // ---- Latency and throughput of techniques used by a group. ----
  {
    std::vector<double> lat = group_latencies(client);
    std::vector<double> base;  // the floor: a tiny query of the same service on the same channel
    for (int i = 0; i < 1000; ++i) {
      v1::TechniqueRequest req;
      req.set_release("enterprise-attack@18.1");
      req.set_technique("T1003");
      v1::ObjectList resp;
      auto t = Clock::now();
      (void)client.Call(&v1::KnowledgeService::Stub::GetTechniqueTactics, req, &resp);
      base.push_back(Ms(Clock::now() - t));
    }
    std::vector<double> big;  // the largest answer: all 249 techniques of G0016 in one page
    for (int i = 0; i < 300; ++i) {
      v1::GroupTechniquesRequest req = g16;
      req.set_page_size(1000);
      v1::GroupTechniquesResponse resp;
      auto t = Clock::now();
      (void)client.Call(&v1::KnowledgeService::Stub::GetGroupTechniques, req, &resp);
      big.push_back(Ms(Clock::now() - t));
    }
    printf("(loopback gRPC floor on this machine now: GetTechniqueTactics p50 %.3f ms; G0016 all 249 techniques in one page p50 %.3f ms)\n",
           bench::Median(base), bench::Median(big));
    report.Target("group techniques over loopback gRPC, p50", bench::Median(lat), "ms", 0.3);
    report.Target("group techniques over loopback gRPC, p99", bench::Percentile(lat, 0.99), "ms", 2);
  }
  // Throughput: 8 client threads, each keeping one call in flight, on one
  // channel (8 concurrent HTTP/2 streams on one connection, as gRPC clients
  // share channels) and on a channel each (8 connections). The clients run
  // on the same 2 cores as the server.
  // The clients run on the same 2 cores as the server.
  for (bool shared : {true, false})
    report.Target(shared ? "group techniques throughput, 8 streams on one channel" : "group techniques throughput, 8 streams on 8 channels",
                  group_throughput(d, shared), "q/s", 5000, /*lower_is_better=*/false);

  // ---- Six releases: RSS, restart, disk. ----
  for (auto& v : six)
    if (v != "18.1") import(v);
  for (auto& v : six) {
    v1::GroupTechniquesRequest req = g16;
    req.set_release("enterprise-attack@" + v);
    v1::GroupTechniquesResponse resp;
    (void)client.Call(&v1::KnowledgeService::Stub::GetGroupTechniques, req, &resp);
  }
  report.Target("server RSS, six enterprise releases imported, graphs built", d.RssKb() / 1024.0, "MB", 400);
  d.Stop();

  {
    const int port = FreePort();
    auto t = Clock::now();
    d.Start(bin, db, port);
    auto c2 = d.Connect();
    v1::GroupTechniquesResponse first;
    auto s = c2->Call(&v1::KnowledgeService::Stub::GetGroupTechniques, g16, &first);
    if (!s.ok()) {
      fprintf(stderr, "first answer after restart failed: %s\n", s.ToString().c_str());
      exit(2);
    }
    report.Target("restart with six releases -> first answer", Ms(Clock::now() - t), "ms", 500);
    d.Stop();
  }
  // ---- Identity: the token check alone; TLS + token next to plaintext + token. ----
  // There is no unauthenticated mode to compare with (every RPC needs a
  // token); the token check alone is the difference.
  {
    ttpgraph::testing::TempDir tdir;
    ttpgraph::StoreOptions so;
    so.path = tdir.path() + "/db";
    auto store = ttpgraph::Store::Open(so);
    ttpgraph::TokenStore tokens(store->get());
    auto editor = tokens.Create(ttpgraph::Role::kEditor, "acme", 0, "bench");
    ttpgraph::core::Authenticator auth(&tokens);
    if (!editor.ok() || !auth.Load().ok()) exit(2);
    const std::string header = "Bearer " + editor->bearer;
    const int n = 200000;
    auto t = Clock::now();
    for (int i = 0; i < n; ++i)
      if (!auth.Authenticate(header).ok()) exit(2);
    report.Target("token check alone (SHA-256 of the secret + in-memory lookup)", Ms(Clock::now() - t) * 1000 / n, "us", 2);
  }
  {
    auto measure = [&](std::vector<std::string> flags, const std::string& ca) {
      d.ca = ca;
      d.Start(bin, db, FreePort(), std::move(flags));
      auto c = d.Connect();
      (void)group_latencies(*c);  // warm: graph built, connection up
      std::pair<double, double> r = {bench::Median(group_latencies(*c)), group_throughput(d, true)};
      d.Stop();
      return r;
    };
    ttpgraph::testing::TempDir pki_dir;
    auto pki = ttpgraph::testing::MakeTestPki(pki_dir.path());
    if (!pki.ok()) {
      fprintf(stderr, "certificates: %s\n", pki.status().ToString().c_str());
      exit(2);
    }
    auto [plain_p50, plain_qps] = measure({}, "");
    auto [tls_p50, tls_qps] = measure({"--tls-cert", pki->server_cert, "--tls-key", pki->server_key}, pki->ca);
    d.ca.clear();
    printf("(group techniques: plaintext + token p50 %.3f ms, %.0f q/s; TLS + token p50 %.3f ms, %.0f q/s)\n", plain_p50,
           plain_qps, tls_p50, tls_qps);
    report.Target("group techniques p50, TLS + token / plaintext + token", tls_p50 / plain_p50, "x", 1.25);
    report.Target("throughput 8 streams, TLS + token / plaintext + token", tls_qps / plain_qps, "x", 0.8,
                  /*lower_is_better=*/false);
    // Operations (issue 15): every call counted in the Prometheus metrics (--http-listen).
    auto [metrics_p50, metrics_qps] = measure({"--http-listen", "127.0.0.1:0"}, "");
    printf("(group techniques with metrics: p50 %.3f ms, %.0f q/s)\n", metrics_p50, metrics_qps);
    report.Target("group techniques p50, with metrics / without", metrics_p50 / plain_p50, "x", 1.1);
    report.Target("throughput 8 streams, with metrics / without", metrics_qps / plain_qps, "x", 0.9,
                  /*lower_is_better=*/false);
  }

  const int64_t six_bytes = SettledBytes(db);
  ttpgraph::testing::TempDir one_dir;
  {
    Daemon one;
    one.Start(bin, one_dir.path() + "/db", FreePort());
    auto c1p = one.Connect();
    ttpgraph::Client& c1 = *c1p;
    v1::ImportOptions o;
    o.set_domain("enterprise-attack");
    o.set_version("18.1");
    v1::ImportReleaseResponse resp;
    (void)c1.ImportBundle(ttpgraph::testing::ReadFile(bundle_path("18.1")), o, &resp);
    one.Stop();
  }
  const int64_t one_bytes = SettledBytes(one_dir.path() + "/db");
  printf("RocksDB directory: six releases %.1f MB, 18.1 alone %.1f MB\n", six_bytes / 1048576.0, one_bytes / 1048576.0);
  report.Target("RocksDB size, six releases / one release", static_cast<double>(six_bytes) / one_bytes, "x", 2);

  printf("\n%d passed, %d failed\n", report.reports() - report.failures(), report.failures());
  return report.failures() == 0 ? 0 : 1;
}
