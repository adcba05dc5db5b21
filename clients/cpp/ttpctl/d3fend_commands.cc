// ttpctl d3fend ... / atomic ... / technique countermeasures|atomics:
// D3FEND countermeasures and Atomic Red Team tests (DefenseService).
#include <regex>

#include "clients/cpp/ttpctl/common.h"

namespace ttpctl {
namespace {

using Defense = v1::DefenseService::Stub;

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

int D3fendImport(Client& c, const Args& a) {
  const std::string& path = a.operands[0];
  v1::D3fendImportOptions opts;
  opts.set_version(a.Has("--d3fend") ? a.Get("--d3fend") : VersionFromName(path));
  if (opts.version().empty()) UsageError(a, "give --d3fend VERSION (it cannot be read from '" + path + "')");
  opts.set_replace(a.Has("--replace"));
  opts.set_sha256(a.Get("--sha256"));
  opts.set_source_name(BaseName(path));
  v1::ImportD3fendResponse resp;
  if (a.Has("--server-side")) {
    v1::ImportD3fendFromRequest req;
    req.set_path(path);
    *req.mutable_options() = opts;
    Check(c.Call(&Defense::ImportD3fendFrom, req, &resp));
  } else {
    Check(c.ImportD3fend(ReadFileOrDie(path), opts, &resp));
  }
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("D3FEND %s: %s (sha256 %s, %lld triples)\n", resp.version().version().c_str(),
         EnumLabel(resp.outcome()).c_str(), resp.version().content_sha256().substr(0, 12).c_str(),
         static_cast<long long>(resp.version().triple_count()));
  PrintSummary(resp.summary());
  return 0;
}

int D3fendVersions(Client& c, const Args&) {
  v1::ListD3fendVersionsResponse resp;
  Check(c.CallAllPages(&Defense::ListD3fendVersions, v1::ListD3fendVersionsRequest(), &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& v : resp.versions())
    rows.push_back({v.version(), std::to_string(v.triple_count()), std::to_string(v.class_count()),
                    v.content_sha256().substr(0, 12), v.imported_at()});
  PrintTable({"VERSION", "TRIPLES", "CLASSES", "SHA256", "IMPORTED"}, rows);
  return 0;
}

int D3fendDelete(Client& c, const Args& a) {
  Confirm(a, "delete D3FEND " + a.operands[0]);
  v1::DeleteD3fendVersionRequest req;
  req.set_version(a.operands[0]);
  v1::DeleteD3fendVersionResponse resp;
  Check(c.Call(&Defense::DeleteD3fendVersion, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("deleted D3FEND %s\n", resp.version().version().c_str());
  return 0;
}

int D3fendCounters(Client& c, const Args& a) {
  v1::GetCounteredTechniquesRequest req;
  req.set_d3fend_id(a.operands[0]);
  req.set_d3fend_version(a.Get("--d3fend"));
  v1::GetCounteredTechniquesResponse resp;
  Check(c.CallAllPages(&Defense::GetCounteredTechniques, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  const auto& t = resp.technique();
  printf("%s %s (%s), D3FEND %s: counters %d ATT&CK techniques\n", t.d3fend_id().c_str(), t.label().c_str(),
         t.tactic().c_str(), resp.d3fend_version().c_str(), resp.techniques_size());
  std::vector<std::vector<std::string>> rows;
  for (auto& x : resp.techniques())
    rows.push_back({x.attack_id(), x.label() + (x.deprecated() ? " (deprecated)" : ""), Paths(x.paths())});
  PrintTable({"ATT&CK", "NAME", "THROUGH"}, rows);
  return 0;
}

int D3fendTree(Client& c, const Args& a) {
  v1::GetD3fendTreeRequest req;
  req.set_d3fend_version(a.Get("--d3fend"));
  req.set_tactic(a.Get("--tactic"));
  v1::GetD3fendTreeResponse resp;
  Check(c.CallAllPages(&Defense::GetD3fendTree, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::string tactic;
  for (auto& t : resp.techniques()) {
    if (t.tactic() != tactic) printf("%s%s\n", tactic.empty() ? "" : "\n", (tactic = t.tactic()).c_str());
    printf("%s%-8s %s\n", std::string(2 + 2 * t.depth(), ' ').c_str(), t.d3fend_id().c_str(), t.label().c_str());
  }
  return 0;
}

int D3fendTactics(Client& c, const Args& a) {
  v1::GetD3fendTacticCountsRequest req;
  req.set_d3fend_version(a.Get("--d3fend"));
  v1::GetD3fendTacticCountsResponse resp;
  Check(c.Call(&Defense::GetD3fendTacticCounts, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("D3FEND %s: ", resp.d3fend_version().c_str());
  PrintSummary(resp.summary());
  return 0;
}

// `atomic tests TECH_ID` and `technique atomics TECH_ID`.
int AtomicTests(Client& c, const Args& a) {
  const std::string& technique = a.operands[0];
  v1::GetAtomicTestsRequest req;
  req.set_technique(technique);
  req.set_release(a.Get("--release"));
  req.set_index(a.Get("--index"));
  req.set_include_subtechniques(a.Has("--subtechniques"));
  v1::GetAtomicTestsResponse resp;
  Check(c.CallAllPages(&Defense::GetAtomicTests, req, &resp));
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

int AtomicImport(Client& c, const Args& a) {
  const std::string& path = a.operands[0];
  v1::AtomicImportOptions opts;
  opts.set_name(a.Get("--index"));
  opts.set_replace(a.Has("--replace"));
  opts.set_sha256(a.Get("--sha256"));
  opts.set_source_name(BaseName(path));
  v1::ImportAtomicIndexResponse resp;
  if (a.Has("--server-side")) {
    v1::ImportAtomicIndexFromRequest req;
    req.set_path(path);
    *req.mutable_options() = opts;
    Check(c.Call(&Defense::ImportAtomicIndexFrom, req, &resp));
  } else {
    Check(c.ImportAtomicIndex(ReadFileOrDie(path), opts, &resp));
  }
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("atomic index %s: %s: %lld tests (%lld rows), %d techniques\n", resp.index().name().c_str(),
         EnumLabel(resp.outcome()).c_str(), static_cast<long long>(resp.index().test_count()),
         static_cast<long long>(resp.index().row_count()), resp.index().technique_count());
  return 0;
}

int AtomicList(Client& c, const Args&) {
  v1::ListAtomicIndexesResponse resp;
  Check(c.CallAllPages(&Defense::ListAtomicIndexes, v1::ListAtomicIndexesRequest(), &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& i : resp.indexes())
    rows.push_back({i.name(), std::to_string(i.test_count()), std::to_string(i.row_count()),
                    std::to_string(i.technique_count()), i.content_sha256().substr(0, 12), i.imported_at()});
  PrintTable({"NAME", "TESTS", "ROWS", "TECHNIQUES", "SHA256", "IMPORTED"}, rows);
  return 0;
}

int AtomicValidatable(Client& c, const Args& a) {
  v1::ListValidatableTechniquesRequest req;
  for (const std::string& t : a.operands) req.add_techniques(t);
  req.set_release(a.Get("--release"));
  req.set_index(a.Get("--index"));
  req.set_include_subtechniques(a.Has("--subtechniques"));
  v1::ListValidatableTechniquesResponse resp;
  Check(c.CallAllPages(&Defense::ListValidatableTechniques, req, &resp));
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

int TechniqueCountermeasures(Client& c, const Args& a) {
  const std::string& technique = a.operands[0];
  v1::GetCountermeasuresRequest req;
  req.set_technique(technique);
  req.set_release(a.Get("--release"));
  req.set_d3fend_version(a.Get("--d3fend"));
  v1::GetCountermeasuresResponse resp;
  Check(c.CallAllPages(&Defense::GetCountermeasures, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  if (resp.has_revoked_by())
    printf("%s is revoked in %s: showing %s\n", technique.c_str(), req.release().c_str(), resp.attack_id().c_str());
  printf("%s %s, D3FEND %s: %s\n", resp.attack_id().c_str(), resp.label().c_str(), resp.d3fend_version().c_str(),
         resp.status_detail().c_str());
  std::vector<std::vector<std::string>> rows;
  for (auto& x : resp.countermeasures())
    rows.push_back({x.technique().tactic(), x.technique().d3fend_id(), x.technique().label(), Paths(x.paths()),
                    x.via_attack_id()});
  if (!rows.empty()) PrintTable({"TACTIC", "D3FEND", "COUNTERMEASURE", "THROUGH", "VIA REVOKED"}, rows);
  return 0;
}

}  // namespace

void AddDefenseCommands(CommandTable& t) {
  const Flag d3fend_import_version = D3fendFlag().Alias("--version").Default("", "from the file name (d3fend-protege-1.2.0.ttl.gz)");
  t.Add("d3fend import", D3fendImport)
      .Operands("PATH", 1, 1)
      .Summary("Imports the D3FEND ontology (Turtle, plain or .gz) and infers its ATT&CK mapping.")
      .Flags({d3fend_import_version, ReplaceFlag(), Sha256Flag(), ServerSideFlag()})
      .Example("ttpctl d3fend import ../shared/data/d3fend/d3fend-protege-1.2.0.ttl.gz");
  t.Add("d3fend versions", D3fendVersions).Summary("Lists the imported D3FEND versions.").Example("ttpctl d3fend versions");
  t.Add("d3fend delete", D3fendDelete)
      .Operands("VERSION", 1, 1)
      .Summary("Deletes a D3FEND version; asks first.")
      .Flags({YesFlag()})
      .Example("ttpctl d3fend delete 1.2.0 --yes");
  t.Add("d3fend counters", D3fendCounters)
      .Operands("D3FEND_ID", 1, 1)
      .Summary("Lists the ATT&CK techniques a D3FEND technique counters, and through which artifacts.")
      .Flags({D3fendFlag()})
      .Example("ttpctl d3fend counters D3-EAL");
  t.Add("d3fend tree", D3fendTree)
      .Summary("The D3FEND techniques by tactic, as a tree.")
      .Flags({Value("--tactic", FlagType::kString, "TACTIC", "only this D3FEND tactic")
                  .Choices({"Model", "Harden", "Detect", "Isolate", "Deceive", "Evict", "Restore"}),
              D3fendFlag()})
      .Example("ttpctl d3fend tree --tactic Detect");
  t.Add("d3fend tactics", D3fendTactics)
      .Summary("Counts of D3FEND techniques and countered ATT&CK techniques per tactic.")
      .Flags({D3fendFlag()})
      .Example("ttpctl d3fend tactics");
  t.Add("technique countermeasures", TechniqueCountermeasures)
      .Operands("TECH_ID", 1, 1)
      .Summary("Lists the D3FEND countermeasures of an ATT&CK technique.")
      .Flags({LookupReleaseFlag(), D3fendFlag()})
      .Example("ttpctl technique countermeasures T1059 --release enterprise-attack@18.1 --d3fend 1.2.0");

  const std::vector<Flag> atomic_flags = {LookupReleaseFlag(), AtomicIndexFlag(),
                                          Switch("--subtechniques", "include the tests of its sub-techniques")};
  t.Add("atomic import", AtomicImport)
      .Operands("PATH", 1, 1)
      .Summary("Imports an Atomic Red Team CSV index (index.csv).")
      .Flags({AtomicIndexFlag().Alias("--name"), ReplaceFlag(), Sha256Flag(), ServerSideFlag()})
      .Example("ttpctl atomic import ../shared/data/atomic/index.csv");
  t.Add("atomic list", AtomicList).Summary("Lists the imported Atomic Red Team indexes.").Example("ttpctl atomic list");
  t.Add("atomic tests", AtomicTests)
      .Operands("TECH_ID", 1, 1)
      .Summary("Lists the Atomic Red Team tests of a technique.")
      .Flags(atomic_flags)
      .Example("ttpctl atomic tests T1059.001");
  t.Add("atomic validatable", AtomicValidatable)
      .Operands("[TECH_ID...]", 0, -1)
      .Summary("Which techniques (all indexed ones when none is given) have an atomic test.")
      .Flags(atomic_flags)
      .Example("ttpctl atomic validatable T1059.001 T1003 T1486");
  t.Add("technique atomics", AtomicTests)
      .Operands("TECH_ID", 1, 1)
      .Summary("Lists the Atomic Red Team tests of a technique (the same as `atomic tests`).")
      .Flags(atomic_flags)
      .Example("ttpctl technique atomics T1059.001");
}

}  // namespace ttpctl
