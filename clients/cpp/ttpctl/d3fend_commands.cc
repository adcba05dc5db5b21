// ttpctl d3fend ... / atomic ... / technique countermeasures|atomics:
// D3FEND countermeasures and Atomic Red Team tests (DefenseService).
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <regex>

#include "clients/cpp/ttpctl/common.h"
#include "ttpgraph/v1/d3fend_service.grpc.pb.h"

namespace ttpctl {
namespace {

// The DefenseService stub on the same server as `Client`, with uploads.
class Defense : public ServiceStub<v1::DefenseService> {
 public:
  explicit Defense(const Args& a) : ServiceStub(a, 64 << 20, 30) {}
  // Streams `bytes` in 1 MiB chunks; `Header` is the first message's header.
  template <typename Req, typename Opts, typename Resp>
  absl::Status Upload(std::unique_ptr<grpc::ClientWriter<Req>> (v1::DefenseService::Stub::*method)(grpc::ClientContext*,
                                                                                                    Resp*),
                      const std::string& bytes, const Opts& header, Resp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
    auto writer = (stub().*method)(&ctx, resp);
    Req msg;
    *msg.mutable_header() = header;
    msg.mutable_header()->set_expected_bytes(static_cast<int64_t>(bytes.size()));
    constexpr size_t kChunk = 1 << 20;
    size_t sent = 0;
    do {
      size_t n = std::min(kChunk, bytes.size() - sent);
      msg.set_chunk(bytes.data() + sent, n);
      if (!writer->Write(msg)) break;
      sent += n;
      msg.clear_header();
    } while (sent < bytes.size());
    writer->WritesDone();
    return ttpgraph::FromGrpc(writer->Finish());
  }
};

std::string BaseName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// d3fend-protege-1.2.0.ttl.gz -> 1.2.0
std::string VersionFromName(const std::string& path) {
  static const std::regex re(R"((\d+(?:\.\d+)+)\.ttl(?:\.gz)?$)");
  std::smatch m;
  return std::regex_search(path, m, re) ? std::string(m[1]) : "";
}

std::string Path(const v1::ArtifactPath& p) {
  std::string off = p.offensive_artifact_label().empty() ? p.offensive_artifact() : p.offensive_artifact_label();
  std::string def = p.defensive_artifact_label().empty() ? p.defensive_artifact() : p.defensive_artifact_label();
  if (p.offensive_artifact() == p.defensive_artifact())
    return p.offensive_relation() + " " + off + " <- " + p.defensive_relation();
  return p.offensive_relation() + " " + off + " (a kind of " + def + ") <- " + p.defensive_relation();
}

std::string Paths(const google::protobuf::RepeatedPtrField<v1::ArtifactPath>& paths) {
  std::string out;
  for (auto& p : paths) out += (out.empty() ? "" : "; ") + Path(p);
  return out;
}

void PrintSummary(const v1::D3fendImportSummary& s) {
  printf("%d D3FEND techniques, %d ATT&CK techniques (%d with a countermeasure), %d pairs, %d artifact paths\n",
         s.d3fend_techniques(), s.attack_techniques(), s.mapped_attack_techniques(), s.pairs(), s.paths());
  std::vector<std::vector<std::string>> rows;
  for (auto& t : s.tactics())
    rows.push_back({t.tactic(), std::to_string(t.techniques()), std::to_string(t.countered_attack_techniques())});
  PrintTable({"TACTIC", "D3FEND TECHNIQUES", "ATT&CK TECHNIQUES COUNTERED"}, rows);
}

int D3fendCommand(Client&, const Args& a) {
  if (a.positional.size() < 2) Die("d3fend: import, versions, delete, counters, tree or tactics?", 2);
  Defense d(a);
  const std::string& verb = a.positional[1];
  if (verb == "import") {
    if (a.positional.size() < 3) Die("d3fend import: give the ontology file (Turtle, plain or .gz)", 2);
    const std::string& path = a.positional[2];
    v1::D3fendImportOptions opts;
    opts.set_version(a.Get("--version", VersionFromName(path)));
    if (opts.version().empty()) Die("d3fend import: give --version (it cannot be read from '" + path + "')", 2);
    opts.set_replace(a.Has("--replace"));
    opts.set_sha256(a.Get("--sha256"));
    opts.set_source_name(BaseName(path));
    v1::ImportD3fendResponse resp;
    if (a.Has("--server-side")) {
      v1::ImportD3fendFromRequest req;
      req.set_path(path);
      *req.mutable_options() = opts;
      Check(d.Call(&v1::DefenseService::Stub::ImportD3fendFrom, req, &resp, 600));
    } else {
      Check(d.Upload(&v1::DefenseService::Stub::ImportD3fend, ReadFileOrDie(path), opts, &resp));
    }
    if (JsonOutput()) return PrintJson(resp), 0;
    printf("D3FEND %s: %s (sha256 %s, %lld triples)\n", resp.version().version().c_str(),
           v1::ImportD3fendResponse::Outcome_Name(resp.outcome()).c_str(),
           resp.version().content_sha256().substr(0, 12).c_str(),
           static_cast<long long>(resp.version().triple_count()));
    PrintSummary(resp.summary());
    return 0;
  }
  if (verb == "versions") {
    v1::ListD3fendVersionsResponse resp;
    Check(d.CallAllPages(&v1::DefenseService::Stub::ListD3fendVersions, v1::ListD3fendVersionsRequest(), &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    std::vector<std::vector<std::string>> rows;
    for (auto& v : resp.versions())
      rows.push_back({v.version(), std::to_string(v.triple_count()), std::to_string(v.class_count()),
                      v.content_sha256().substr(0, 12), v.imported_at()});
    PrintTable({"VERSION", "TRIPLES", "CLASSES", "SHA256", "IMPORTED"}, rows);
    return 0;
  }
  if (verb == "delete") {
    if (a.positional.size() < 3) Die("d3fend delete: give the VERSION", 2);
    v1::DeleteD3fendVersionRequest req;
    req.set_version(a.positional[2]);
    v1::DeleteD3fendVersionResponse resp;
    Check(d.Call(&v1::DefenseService::Stub::DeleteD3fendVersion, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    printf("deleted D3FEND %s\n", resp.version().version().c_str());
    return 0;
  }
  if (verb == "counters") {
    if (a.positional.size() < 3) Die("d3fend counters: give a D3FEND ID such as D3-EAL", 2);
    v1::GetCounteredTechniquesRequest req;
    req.set_d3fend_id(a.positional[2]);
    req.set_d3fend_version(a.Get("--d3fend"));
    v1::GetCounteredTechniquesResponse resp;
    Check(d.CallAllPages(&v1::DefenseService::Stub::GetCounteredTechniques, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    const auto& t = resp.technique();
    printf("%s %s (%s), D3FEND %s: counters %d ATT&CK techniques\n", t.d3fend_id().c_str(), t.label().c_str(),
           t.tactic().c_str(), resp.d3fend_version().c_str(), resp.techniques_size());
    std::vector<std::vector<std::string>> rows;
    for (auto& c : resp.techniques())
      rows.push_back({c.attack_id(), c.label() + (c.deprecated() ? " (deprecated)" : ""), Paths(c.paths())});
    PrintTable({"ATT&CK", "NAME", "THROUGH"}, rows);
    return 0;
  }
  if (verb == "tree") {
    v1::GetD3fendTreeRequest req;
    req.set_d3fend_version(a.Get("--d3fend"));
    req.set_tactic(a.Get("--tactic"));
    v1::GetD3fendTreeResponse resp;
    Check(d.CallAllPages(&v1::DefenseService::Stub::GetD3fendTree, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    std::string tactic;
    for (auto& t : resp.techniques()) {
      if (t.tactic() != tactic) printf("%s%s\n", tactic.empty() ? "" : "\n", (tactic = t.tactic()).c_str());
      printf("%s%-8s %s\n", std::string(2 + 2 * t.depth(), ' ').c_str(), t.d3fend_id().c_str(), t.label().c_str());
    }
    return 0;
  }
  if (verb == "tactics") {
    v1::GetD3fendTacticCountsRequest req;
    req.set_d3fend_version(a.Get("--d3fend"));
    v1::GetD3fendTacticCountsResponse resp;
    Check(d.Call(&v1::DefenseService::Stub::GetD3fendTacticCounts, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    printf("D3FEND %s: ", resp.d3fend_version().c_str());
    PrintSummary(resp.summary());
    return 0;
  }
  Die("d3fend: unknown command '" + verb + "'", 2);
}

int PrintAtomicTests(Defense& d, const Args& a, const std::string& technique) {
  v1::GetAtomicTestsRequest req;
  req.set_technique(technique);
  req.set_release(a.Get("--release"));
  req.set_index(a.Get("--index"));
  req.set_include_subtechniques(a.Has("--subtechniques"));
  v1::GetAtomicTestsResponse resp;
  Check(d.CallAllPages(&v1::DefenseService::Stub::GetAtomicTests, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  if (resp.has_revoked_by())
    printf("%s is revoked in %s: showing %s\n", technique.c_str(), req.release().c_str(), resp.attack_id().c_str());
  printf("%s: %d atomic test(s) in index %s\n", resp.attack_id().c_str(), resp.tests_size(), resp.index().c_str());
  std::vector<std::vector<std::string>> rows;
  for (auto& t : resp.tests())
    rows.push_back({t.technique_id(), std::to_string(t.test_number()), t.name(), t.guid(), t.executor(),
                    JoinStrings(t.tactics())});
  if (!rows.empty()) PrintTable({"TECHNIQUE", "#", "TEST", "GUID", "EXECUTOR", "TACTICS"}, rows);
  return 0;
}

int AtomicCommand(Client&, const Args& a) {
  if (a.positional.size() < 2) Die("atomic: import, list, tests or validatable?", 2);
  Defense d(a);
  const std::string& verb = a.positional[1];
  if (verb == "import") {
    if (a.positional.size() < 3) Die("atomic import: give the CSV index (index.csv)", 2);
    const std::string& path = a.positional[2];
    v1::AtomicImportOptions opts;
    opts.set_name(a.Get("--name"));
    opts.set_replace(a.Has("--replace"));
    opts.set_sha256(a.Get("--sha256"));
    opts.set_source_name(BaseName(path));
    v1::ImportAtomicIndexResponse resp;
    if (a.Has("--server-side")) {
      v1::ImportAtomicIndexFromRequest req;
      req.set_path(path);
      *req.mutable_options() = opts;
      Check(d.Call(&v1::DefenseService::Stub::ImportAtomicIndexFrom, req, &resp, 600));
    } else {
      Check(d.Upload(&v1::DefenseService::Stub::ImportAtomicIndex, ReadFileOrDie(path), opts, &resp));
    }
    if (JsonOutput()) return PrintJson(resp), 0;
    printf("atomic index %s: %s: %lld tests (%lld rows), %d techniques\n", resp.index().name().c_str(),
           v1::ImportAtomicIndexResponse::Outcome_Name(resp.outcome()).c_str(),
           static_cast<long long>(resp.index().test_count()), static_cast<long long>(resp.index().row_count()),
           resp.index().technique_count());
    return 0;
  }
  if (verb == "list") {
    v1::ListAtomicIndexesResponse resp;
    Check(d.CallAllPages(&v1::DefenseService::Stub::ListAtomicIndexes, v1::ListAtomicIndexesRequest(), &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    std::vector<std::vector<std::string>> rows;
    for (auto& i : resp.indexes())
      rows.push_back({i.name(), std::to_string(i.test_count()), std::to_string(i.row_count()),
                      std::to_string(i.technique_count()), i.content_sha256().substr(0, 12), i.imported_at()});
    PrintTable({"NAME", "TESTS", "ROWS", "TECHNIQUES", "SHA256", "IMPORTED"}, rows);
    return 0;
  }
  if (verb == "tests") {
    if (a.positional.size() < 3) Die("atomic tests: give a TECH_ID", 2);
    return PrintAtomicTests(d, a, a.positional[2]);
  }
  if (verb == "validatable") {
    v1::ListValidatableTechniquesRequest req;
    for (size_t i = 2; i < a.positional.size(); ++i) req.add_techniques(a.positional[i]);
    req.set_release(a.Get("--release"));
    req.set_index(a.Get("--index"));
    req.set_include_subtechniques(a.Has("--subtechniques"));
    v1::ListValidatableTechniquesResponse resp;
    Check(d.CallAllPages(&v1::DefenseService::Stub::ListValidatableTechniques, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    std::vector<std::vector<std::string>> rows;
    for (auto& v : resp.techniques())
      rows.push_back({v.technique(), v.attack_id(), std::to_string(v.test_count()), JoinStrings(v.executors())});
    PrintTable({"ASKED", "ATT&CK", "TESTS", "EXECUTORS"}, rows);
    printf("%d with an atomic test", resp.with_tests_count());
    if (resp.without_tests_size()) printf("; without: %s", JoinStrings(resp.without_tests()).c_str());
    printf("\n");
    return 0;
  }
  Die("atomic: unknown command '" + verb + "'", 2);
}

}  // namespace

// `technique countermeasures|atomics TECH_ID`, delegated from knowledge_commands.cc.
int DefenseTechniqueCommand(Client&, const Args& a) {
  const std::string& verb = a.positional[1];
  const std::string& technique = a.positional[2];
  Defense d(a);
  if (verb == "atomics") return PrintAtomicTests(d, a, technique);
  v1::GetCountermeasuresRequest req;
  req.set_technique(technique);
  req.set_release(a.Get("--release"));
  req.set_d3fend_version(a.Get("--d3fend"));
  v1::GetCountermeasuresResponse resp;
  Check(d.CallAllPages(&v1::DefenseService::Stub::GetCountermeasures, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  if (resp.has_revoked_by())
    printf("%s is revoked in %s: showing %s\n", technique.c_str(), req.release().c_str(), resp.attack_id().c_str());
  printf("%s %s, D3FEND %s: %s\n", resp.attack_id().c_str(), resp.label().c_str(), resp.d3fend_version().c_str(),
         resp.status_detail().c_str());
  std::vector<std::vector<std::string>> rows;
  for (auto& c : resp.countermeasures())
    rows.push_back({c.technique().tactic(), c.technique().d3fend_id(), c.technique().label(), Paths(c.paths()),
                    c.via_attack_id()});
  if (!rows.empty()) PrintTable({"TACTIC", "D3FEND", "COUNTERMEASURE", "THROUGH", "VIA REVOKED"}, rows);
  return 0;
}

static const Registration kD3fend("d3fend", D3fendCommand,
    "  d3fend import PATH [--version V] [--replace] [--sha256 HEX] [--server-side]\n"
    "  d3fend versions | delete VERSION\n"
    "  d3fend counters D3FEND_ID [--d3fend V]\n"
    "  d3fend tree [--tactic Model|Harden|Detect|Isolate|Deceive|Evict|Restore] [--d3fend V]\n"
    "  d3fend tactics [--d3fend V]\n"
    "  technique countermeasures TECH_ID [--release R] [--d3fend V]\n",
    {"--version", "--sha256", "--d3fend", "--tactic", "--release"});
static const Registration kAtomic("atomic", AtomicCommand,
    "  atomic import PATH [--name N] [--replace] [--server-side]\n"
    "  atomic list | tests TECH_ID [--release R] [--index N] [--subtechniques]\n"
    "  atomic validatable [TECH_ID...] [--release R] [--index N] [--subtechniques]\n"
    "  technique atomics TECH_ID [--release R] [--index N] [--subtechniques]\n",
    {"--name", "--index", "--release"});

}  // namespace ttpctl
