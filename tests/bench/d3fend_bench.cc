// Benchmark of issue 5 (D3FEND countermeasures, Atomic Red Team tests) on the
// real data. Prints each figure next to its target (median of several runs).
//
//   build/tests/d3fend_bench [--data ../shared/data] [--runs 7] [--calls 2000]
//
// Figures:
//  - import + inference of D3FEND 1.2.0 (32k triples) as the server does it:
//    gunzip + serd parse + fact extraction + inference + store write (a fresh
//    store each run, so the write is real); and each stage alone;
//  - load from the store + inference (what a restarted server pays on first use);
//  - the whole ImportD3fend RPC (client streaming the .gz) on an in-process server;
//  - GetCountermeasures over gRPC (in-process server, loopback): p50 and p99
//    over a sample of techniques, without and with an ATT&CK release (18.1,
//    revoked-by resolution); GetAtomicTests p50.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "graph/d3fend_mapping.h"
#include "storage/d3fend_store.h"
#include "storage/import/decompress.h"
#include "storage/import/turtle_d3fend.h"
#include "storage/store.h"
#include "tests/bench/bench_util.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/d3fend_service.grpc.pb.h"

namespace {

using ttpgraph::bench::Clock;
using ttpgraph::bench::Ms;
using ttpgraph::bench::Percentile;

void Die(const std::string& what) {
  fprintf(stderr, "d3fend_bench: %s\n", what.c_str());
  exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 7, calls = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--data")) setenv("TTPGRAPH_SHARED_DATA", argv[i + 1], 1);
    else if (!strcmp(argv[i], "--runs")) runs = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--calls")) calls = atoi(argv[i + 1]);
  }
  using namespace ttpgraph;
  bench::Reporter report({/*label_width=*/64, /*precision=*/3, /*unit_width=*/3});
  const std::string gz = testing::ReadFile(testing::SharedData("d3fend/d3fend-protege-1.2.0.ttl.gz"));
  printf("D3FEND 1.2.0: %zu bytes gzip; %d runs, %d calls\n", gz.size(), runs, calls);

  // ---- import + inference, library level, fresh store each run ----------------
  int64_t triples = 0;
  size_t pairs = 0;
  double full = bench::MedianMs(runs, [&] {
    testing::TempDir dir;
    StoreOptions so;
    so.path = dir.path() + "/db";
    auto store = Store::Open(so);
    if (!store.ok()) Die(std::string(store.status().message()));
    auto start = Clock::now();  // opening RocksDB is not part of an import
    auto text = MaybeGunzip(gz, 64 << 20);
    auto onto = ParseD3fendTurtle(*text, "d3fend-protege-1.2.0.ttl");
    if (!onto.ok()) Die(std::string(onto.status().message()));
    auto index = D3fendIndex::Build(*onto, "1.2.0");
    if (!index.ok()) Die(std::string(index.status().message()));
    D3fendStore d3f(store->get());
    auto put = d3f.Put("1.2.0", *onto, false);
    if (!put.ok()) Die(std::string(put.status().message()));
    (void)start;
    triples = onto->triple_count;
    pairs = (*index)->links().size();
  });
  printf("  (%lld triples, %zu ATT&CK-D3FEND pairs)\n", static_cast<long long>(triples), pairs);
  // The median above includes opening and closing a fresh RocksDB; measure the
  // stages separately to report the import itself.
  std::string text = *MaybeGunzip(gz, 64 << 20);
  double t_gunzip = bench::MedianMs(runs, [&] { (void)MaybeGunzip(gz, 64 << 20); });
  D3fendOntology onto;
  double t_parse = bench::MedianMs(runs, [&] { onto = *ParseD3fendTurtle(text, "d3fend.ttl"); });
  double t_infer = bench::MedianMs(runs, [&] { (void)D3fendIndex::Build(onto, "1.2.0"); });
  testing::TempDir dir;
  StoreOptions so;
  so.path = dir.path() + "/db";
  auto store = Store::Open(so);
  if (!store.ok()) Die(std::string(store.status().message()));
  D3fendStore d3f(store->get());
  int version = 0;
  double t_write = bench::MedianMs(runs, [&] { (void)d3f.Put("1.2." + std::to_string(version++), onto, false); });
  report.Info("  gunzip", t_gunzip, "ms");
  report.Info("  serd parse + fact extraction", t_parse, "ms");
  report.Info("  inference (closures, match, tree)", t_infer, "ms");
  report.Info("  store write (one KvWrite batch)", t_write, "ms");
  report.Target("import + inference of D3FEND 1.2.0 (gunzip+parse+infer+write)",
                (t_gunzip + t_parse + t_infer + t_write) / 1000.0, "s", 0.5);
  report.Info("same, including opening a fresh RocksDB", full / 1000.0, "s");
  double t_load = bench::MedianMs(runs, [&] {
    auto o = d3f.Load("1.2.0");
    (void)D3fendIndex::Build(*o, "1.2.0");
  });
  report.Info("load from the store + inference (first use after restart)", t_load, "ms");

  // ---- over gRPC ----------------------------------------------------------------
  testing::TestServer server;
  auto stub = v1::DefenseService::NewStub(server.channel());
  auto import_rpc = [&](const std::string& v) {
    grpc::ClientContext ctx;
    v1::ImportD3fendResponse resp;
    auto writer = stub->ImportD3fend(&ctx, &resp);
    v1::ImportD3fendRequest msg;
    msg.mutable_header()->set_version(v);
    for (size_t off = 0; off < gz.size(); off += 1 << 20) {
      msg.set_chunk(gz.substr(off, 1 << 20));
      writer->Write(msg);
      msg.clear_header();
    }
    writer->WritesDone();
    auto s = writer->Finish();
    if (!s.ok()) Die(s.error_message());
  };
  int rpc_version = 0;
  double t_rpc = bench::MedianMs(runs, [&] { import_rpc("2.0." + std::to_string(rpc_version++)); });
  report.Target("ImportD3fend RPC, 1.2.0 .gz streamed (new version each run)", t_rpc / 1000.0, "s", 0.5);
  import_rpc("9.9.9");  // the newest: what queries use

  auto st = testing::ImportFile(server.client(), testing::SharedData("attack/enterprise-attack-18.1.json.gz"),
                                "enterprise-attack", "18.1");
  if (!st.ok()) Die(std::string(st.message()));
  const std::vector<std::string> sample = {"T1059", "T1059.001", "T1003", "T1003.001", "T1055", "T1021", "T1566.001",
                                           "T1486", "T1071", "T1078", "T1110", "T1204.002", "T1547.001", "T1190",
                                           "T1086", "T1027", "T1105", "T1053.005", "T1083", "T1218.011"};
  auto measure = [&](const std::string& release) {
    std::vector<double> lat;
    for (int i = 0; i < calls + 100; ++i) {
      v1::GetCountermeasuresRequest req;
      req.set_technique(sample[i % sample.size()]);
      req.set_release(release);
      v1::GetCountermeasuresResponse resp;
      grpc::ClientContext ctx;
      auto start = Clock::now();
      auto s = stub->GetCountermeasures(&ctx, req, &resp);
      double ms = Ms(Clock::now() - start);
      if (!s.ok()) Die(req.technique() + ": " + s.error_message());
      if (i >= 100) lat.push_back(ms);  // first 100: warm-up (index and graph caches)
    }
    return lat;
  };
  auto plain = measure("");
  report.Target("GetCountermeasures over gRPC, p50", Percentile(plain, 0.5), "ms", 0.5);
  report.Info("GetCountermeasures over gRPC, p99", Percentile(plain, 0.99), "ms");
  auto with_release = measure("enterprise-attack@18.1");
  report.Target("GetCountermeasures --release 18.1 (revoked-by) over gRPC, p50", Percentile(with_release, 0.5), "ms",
                0.5);
  report.Info("GetCountermeasures --release 18.1 over gRPC, p99", Percentile(with_release, 0.99), "ms");

  // ---- Atomic ----------------------------------------------------------------------
  {
    grpc::ClientContext ctx;
    v1::ImportAtomicIndexResponse resp;
    auto writer = stub->ImportAtomicIndex(&ctx, &resp);
    v1::ImportAtomicIndexRequest msg;
    msg.set_chunk(testing::ReadFile(testing::SharedData("atomic/index.csv")));
    auto start = Clock::now();
    writer->Write(msg);
    writer->WritesDone();
    auto s = writer->Finish();
    if (!s.ok()) Die(s.error_message());
    report.Info("ImportAtomicIndex RPC, index.csv (2321 rows)", Ms(Clock::now() - start), "ms");
  }
  std::vector<double> lat;
  for (int i = 0; i < calls; ++i) {
    v1::GetAtomicTestsRequest req;
    req.set_technique(sample[i % sample.size()]);
    v1::GetAtomicTestsResponse resp;
    grpc::ClientContext ctx;
    auto start = Clock::now();
    auto s = stub->GetAtomicTests(&ctx, req, &resp);
    lat.push_back(Ms(Clock::now() - start));
    if (!s.ok()) Die(s.error_message());
  }
  report.Info("GetAtomicTests over gRPC, p50", Percentile(lat, 0.5), "ms");
  printf("%s\n", report.failures() ? "SOME TARGETS MISSED" : "all targets met");
  return report.failures() ? 1 : 0;
}
