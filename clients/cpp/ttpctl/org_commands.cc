// ttpctl org / detection / inventory / coverage: an organization's detections,
// telemetry and coverage. Every command but `org create|list` needs --org ORG
// (or $TTPGRAPH_ORG).
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>

#include "clients/cpp/ttpctl/common.h"
#include "ttpgraph/v1/org_service.grpc.pb.h"

namespace ttpctl {
namespace {

// The OrgService stub on its own channel (the shared Client predates it).
class OrgClient : public ServiceStub<v1::OrgService> {
 public:
  explicit OrgClient(const Args& a) : ServiceStub(a, 256 << 20, 60, 64 << 20) {}
};

const char* StateName(v1::DetectionState s) {
  switch (s) {
    case v1::DISABLED: return "disabled";
    case v1::TESTING: return "testing";
    default: return "enabled";
  }
}

v1::DetectionState ParseState(const std::string& s) {
  if (s == "enabled") return v1::ENABLED;
  if (s == "disabled") return v1::DISABLED;
  if (s == "testing") return v1::TESTING;
  Die("unknown state '" + s + "' (enabled, disabled or testing)", 2);
}

void PrintOrgs(const google::protobuf::RepeatedPtrField<v1::Organization>& orgs) {
  std::vector<std::vector<std::string>> rows;
  for (auto& o : orgs)
    rows.push_back({o.org_id(), o.display_name(), o.release(), std::to_string(o.detection_count()),
                    std::to_string(o.inventory_count()), o.created_at()});
  PrintTable({"ORG", "NAME", "RELEASE", "DETECTIONS", "INVENTORY", "CREATED"}, rows);
}

int OrgCommand(Client&, const Args& a) {
  OrgClient c(a);
  if (a.positional.size() < 2) Die("org: create NAME, list, show [NAME], update, delete NAME", 2);
  const std::string& verb = a.positional[1];
  auto name = [&]() -> std::string {
    if (a.positional.size() >= 3) return a.positional[2];
    return Org(a);
  };
  if (verb == "create") {
    if (a.positional.size() < 3) Die("org create NAME [--display-name TEXT] [--release R]", 2);
    v1::CreateOrganizationRequest req;
    req.set_org_id(a.positional[2]);
    req.set_display_name(a.Get("--display-name"));
    req.set_release(a.Get("--release"));
    v1::Organization resp;
    Check(c.Call(&v1::OrgService::Stub::CreateOrganization, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    printf("created organization %s (maps against %s)\n", resp.org_id().c_str(), resp.release().c_str());
    return 0;
  }
  if (verb == "list") {
    v1::ListOrganizationsResponse all;
    Check(c.CallAllPages(&v1::OrgService::Stub::ListOrganizations, v1::ListOrganizationsRequest(), &all));
    if (JsonOutput()) return PrintJson(all), 0;
    PrintOrgs(all.organizations());
    return 0;
  }
  if (verb == "show") {
    v1::GetOrganizationRequest req;
    req.set_org_id(name());
    v1::Organization resp;
    Check(c.Call(&v1::OrgService::Stub::GetOrganization, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    google::protobuf::RepeatedPtrField<v1::Organization> one;
    *one.Add() = resp;
    PrintOrgs(one);
    return 0;
  }
  if (verb == "update") {
    v1::UpdateOrganizationRequest req;
    req.set_org_id(name());
    req.set_display_name(a.Get("--display-name"));
    req.set_release(a.Get("--release"));
    v1::Organization resp;
    Check(c.Call(&v1::OrgService::Stub::UpdateOrganization, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    printf("updated organization %s (maps against %s)\n", resp.org_id().c_str(), resp.release().c_str());
    return 0;
  }
  if (verb == "delete") {
    v1::DeleteOrganizationRequest req;
    req.set_org_id(name());
    v1::DeleteOrganizationResponse resp;
    Check(c.Call(&v1::OrgService::Stub::DeleteOrganization, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    printf("deleted organization %s and its %lld detections\n", resp.organization().org_id().c_str(),
           static_cast<long long>(resp.detections_deleted()));
    return 0;
  }
  Die("org: unknown command '" + verb + "'", 2);
}

// Files under a path: the file itself, or every regular file below a directory.
void CollectFiles(const std::string& path, std::vector<std::string>* out) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) Die("cannot read " + path);
  if (!S_ISDIR(st.st_mode)) {
    out->push_back(path);
    return;
  }
  DIR* d = opendir(path.c_str());
  if (!d) Die("cannot list " + path);
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (auto& n : names) CollectFiles(path + "/" + n, out);
}

int ImportDetections(OrgClient& c, const Args& a) {
  if (a.positional.size() < 3) Die("detection import PATH... [--format sigma|layer|csv] [--release R]", 2);
  v1::ImportDetectionsRequest first;
  first.set_org_id(Org(a));
  auto* h = first.mutable_header();
  std::string fmt = a.Get("--format");
  if (fmt == "sigma") h->set_format(v1::SIGMA);
  else if (fmt == "layer" || fmt == "navigator") h->set_format(v1::NAVIGATOR_LAYER);
  else if (fmt == "csv") h->set_format(v1::CSV);
  else if (!fmt.empty()) Die("unknown --format '" + fmt + "' (sigma, layer or csv)", 2);
  h->set_release(a.Get("--release"));
  h->set_dry_run(a.Has("--dry-run"));
  if (a.Has("--threshold")) h->set_layer_score_threshold(std::atof(a.Get("--threshold").c_str()));
  std::vector<std::string> files;
  for (size_t i = 2; i < a.positional.size(); ++i) CollectFiles(a.positional[i], &files);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  v1::ImportDetectionsResponse resp;
  auto writer = c.stub().ImportDetections(&ctx, &resp);
  bool ok = writer->Write(first);
  constexpr size_t kChunk = 1 << 20;
  for (size_t i = 0; ok && i < files.size(); ++i) {
    std::string bytes = ReadFileOrDie(files[i]);
    size_t sent = 0;
    do {
      v1::ImportDetectionsRequest msg;
      msg.set_org_id(first.org_id());
      msg.mutable_file()->set_path(files[i]);
      size_t n = std::min(kChunk, bytes.size() - sent);
      msg.mutable_file()->set_content(bytes.data() + sent, n);
      sent += n;
      if (!(ok = writer->Write(msg))) break;
    } while (sent < bytes.size());
    ProgressBar("importing detections", i + 1, files.size());
  }
  writer->WritesDone();
  Check(ttpgraph::FromGrpc(writer->Finish()));
  if (JsonOutput()) return PrintJson(resp), 0;
  if (a.Has("--verbose")) {
    std::vector<std::vector<std::string>> rows;
    for (auto& r : resp.rules())
      rows.push_back({r.id(), r.name(), v1::RuleReport::Outcome_Name(r.outcome()), StateName(r.state()),
                      JoinStrings(r.techniques()), JoinStrings(r.unresolved_techniques()), JoinStrings(r.notes(), "; ")});
    PrintTable({"ID", "NAME", "OUTCOME", "STATE", "TECHNIQUES", "UNKNOWN", "NOTES"}, rows);
  } else {
    for (auto& r : resp.rules())
      if (r.unresolved_techniques_size() || r.stale_techniques_size())
        for (auto& n : r.notes())
          if (n.find("stale") != std::string::npos || n.find("not a technique") != std::string::npos ||
              n.find("revoked") != std::string::npos)
            printf("%s: %s\n", r.path().c_str(), n.c_str());
  }
  printf("%s%d rules against %s: %d created, %d updated, %d unchanged; %d imported disabled, %d without a technique, "
         "%d with unknown technique IDs; %d files read, %d skipped\n",
         resp.dry_run() ? "dry run: " : "", resp.rules_size(), resp.release().c_str(), resp.created(), resp.updated(),
         resp.unchanged(), resp.disabled(), resp.no_technique(), resp.with_unresolved(), resp.files_read(),
         resp.files_skipped());
  return 0;
}

void PrintDetection(const v1::Detection& d) {
  printf("%s  %s\n", d.id().c_str(), d.name().c_str());
  printf("  format:     %s\n  state:      %s\n  release:    %s\n  techniques: %s\n", d.source_format().c_str(),
         StateName(d.state()), d.release().c_str(), JoinStrings(d.techniques()).c_str());
  if (d.unresolved_techniques_size()) printf("  unknown:    %s\n", JoinStrings(d.unresolved_techniques()).c_str());
  if (d.stale_techniques_size()) printf("  stale:      %s\n", JoinStrings(d.stale_techniques()).c_str());
  if (d.data_components_size()) printf("  telemetry:  %s\n", JoinStrings(d.data_components()).c_str());
  if (d.tags_size()) printf("  tags:       %s\n", JoinStrings(d.tags()).c_str());
  if (d.has_sigma())
    printf("  sigma:      status %s, logsource %s/%s/%s, %s\n", d.sigma().status().c_str(), d.sigma().category().c_str(),
           d.sigma().product().c_str(), d.sigma().service().c_str(), d.sigma().path().c_str());
  for (auto& n : d.notes()) printf("  note:       %s\n", n.c_str());
  printf("  updated:    %s\n", d.updated_at().c_str());
}

v1::Detection DetectionFromFlags(const Args& a, const std::string& id) {
  v1::Detection d;
  d.set_id(id);
  d.set_name(a.Get("--name"));
  d.set_source_format(a.Get("--source-format"));
  d.set_query(a.Get("--query"));
  for (auto& t : CommaList(a.Get("--techniques"))) d.add_techniques(t);
  for (auto& t : CommaList(a.Get("--data-components"))) d.add_data_components(t);
  for (auto& t : CommaList(a.Get("--tags"))) d.add_tags(t);
  if (a.Has("--state")) d.set_state(ParseState(a.Get("--state")));
  d.set_release(a.Get("--release"));
  d.set_description(a.Get("--description"));
  return d;
}

int DetectionCommand(Client&, const Args& a) {
  OrgClient c(a);
  if (a.positional.size() < 2) Die("detection: import, list, get, create, update, enable, disable or delete?", 2);
  const std::string& verb = a.positional[1];
  if (verb == "import") return ImportDetections(c, a);
  if (verb == "list") {
    v1::ListDetectionsRequest req;
    req.set_org_id(Org(a));
    req.set_technique(a.Get("--technique"));
    if (a.Has("--state")) req.set_state(ParseState(a.Get("--state")));
    req.set_source_format(a.Get("--source-format"));
    req.set_tag(a.Get("--tag"));
    req.set_omit_query(!a.Has("--with-query"));
    v1::ListDetectionsResponse all;
    Check(c.CallAllPages(&v1::OrgService::Stub::ListDetections, req, &all));
    if (JsonOutput()) return PrintJson(all), 0;
    std::vector<std::vector<std::string>> rows;
    for (auto& d : all.detections())
      rows.push_back({d.id(), d.name(), d.source_format(), StateName(d.state()), JoinStrings(d.techniques()),
                      d.release()});
    PrintTable({"ID", "NAME", "FORMAT", "STATE", "TECHNIQUES", "RELEASE"}, rows);
    return 0;
  }
  if (a.positional.size() < 3) Die("detection " + verb + " ID", 2);
  const std::string& id = a.positional[2];
  if (verb == "get" || verb == "show") {
    v1::GetDetectionRequest req;
    req.set_org_id(Org(a));
    req.set_id(id);
    v1::Detection d;
    Check(c.Call(&v1::OrgService::Stub::GetDetection, req, &d));
    if (JsonOutput()) return PrintJson(d), 0;
    PrintDetection(d);
    if (a.Has("--with-query") && !d.query().empty()) printf("\n%s\n", d.query().c_str());
    return 0;
  }
  if (verb == "delete") {
    v1::DeleteDetectionRequest req;
    req.set_org_id(Org(a));
    req.set_id(id);
    v1::DeleteDetectionResponse resp;
    Check(c.Call(&v1::OrgService::Stub::DeleteDetection, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    printf("deleted detection %s\n", id.c_str());
    return 0;
  }
  if (verb == "create") {
    v1::CreateDetectionRequest req;
    req.set_org_id(Org(a));
    *req.mutable_detection() = DetectionFromFlags(a, id);
    v1::Detection d;
    Check(c.Call(&v1::OrgService::Stub::CreateDetection, req, &d));
    if (JsonOutput()) return PrintJson(d), 0;
    PrintDetection(d);
    return 0;
  }
  if (verb == "update" || verb == "enable" || verb == "disable") {
    // Read-modify-write: flags given replace those fields, the rest stays.
    v1::GetDetectionRequest g;
    g.set_org_id(Org(a));
    g.set_id(id);
    v1::Detection cur;
    Check(c.Call(&v1::OrgService::Stub::GetDetection, g, &cur));
    v1::Detection upd = DetectionFromFlags(a, id);
    if (upd.name().empty()) upd.set_name(cur.name());
    if (upd.source_format().empty()) upd.set_source_format(cur.source_format());
    if (upd.query().empty()) upd.set_query(cur.query());
    if (!a.Has("--techniques")) *upd.mutable_techniques() = cur.techniques();
    if (!a.Has("--data-components")) *upd.mutable_data_components() = cur.data_components();
    if (!a.Has("--tags")) *upd.mutable_tags() = cur.tags();
    if (!a.Has("--state")) upd.set_state(cur.state());
    if (upd.release().empty()) upd.set_release(cur.release());
    if (upd.description().empty()) upd.set_description(cur.description());
    if (cur.has_sigma()) *upd.mutable_sigma() = cur.sigma();
    if (verb == "enable") upd.set_state(v1::ENABLED);
    if (verb == "disable") upd.set_state(v1::DISABLED);
    v1::UpdateDetectionRequest req;
    req.set_org_id(g.org_id());
    *req.mutable_detection() = upd;
    v1::Detection d;
    Check(c.Call(&v1::OrgService::Stub::UpdateDetection, req, &d));
    if (JsonOutput()) return PrintJson(d), 0;
    PrintDetection(d);
    return 0;
  }
  Die("detection: unknown command '" + verb + "'", 2);
}

void PrintInventory(const v1::Inventory& inv) {
  if (JsonOutput()) return PrintJson(inv);
  std::vector<std::vector<std::string>> rows;
  for (auto& e : inv.entries())
    rows.push_back({e.data_component().empty() ? "log source" : "data component",
                    e.data_component().empty() ? e.log_source_name() + (e.log_source_channel().empty() ? "" : " / " + e.log_source_channel())
                                               : e.data_component(),
                    e.resolved().empty() ? "(nothing in " + inv.release() + ")" : JoinStrings(e.resolved(), "; "),
                    e.source()});
  PrintTable({"KIND", "ENTRY", "DATA COMPONENTS (" + inv.release() + ")", "SOURCE"}, rows);
}

int InventoryCommand(Client&, const Args& a) {
  OrgClient c(a);
  if (a.positional.size() < 2) Die("inventory: set|add|remove ID_OR_NAME..., list, infer", 2);
  const std::string& verb = a.positional[1];
  if (verb == "list") {
    v1::GetInventoryRequest req;
    req.set_org_id(Org(a));
    req.set_release(a.Get("--release"));
    v1::Inventory inv;
    Check(c.Call(&v1::OrgService::Stub::GetInventory, req, &inv));
    PrintInventory(inv);
    return 0;
  }
  if (verb == "infer") {
    v1::InferInventoryRequest req;
    req.set_org_id(Org(a));
    req.set_release(a.Get("--release"));
    req.set_dry_run(a.Has("--dry-run"));
    req.set_replace(a.Has("--replace"));
    if (a.Has("--mapping")) req.set_mapping_csv(ReadFileOrDie(a.Get("--mapping")));
    v1::InferInventoryResponse resp;
    Check(c.Call(&v1::OrgService::Stub::InferInventory, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    printf("%d enabled Sigma rules considered; %s: %s\n", resp.rules_considered(),
           req.dry_run() ? "would add" : "added", resp.added().empty() ? "nothing" : JoinStrings(resp.added(), "; ").c_str());
    for (auto& u : resp.unmapped()) printf("  no mapping for logsource %s (%d rules)\n", u.logsource().c_str(), u.rules());
    PrintInventory(resp.inventory());
    return 0;
  }
  v1::UpdateInventoryRequest req;
  req.set_org_id(Org(a));
  req.set_release(a.Get("--release"));
  if (verb == "set") req.set_op(v1::UpdateInventoryRequest::SET);
  else if (verb == "add") req.set_op(v1::UpdateInventoryRequest::ADD);
  else if (verb == "remove") req.set_op(v1::UpdateInventoryRequest::REMOVE);
  else Die("inventory: unknown command '" + verb + "'", 2);
  for (size_t i = 2; i < a.positional.size(); ++i) req.add_entries()->set_data_component(a.positional[i]);
  if (a.Has("--log-source"))
    for (auto& ls : a.flags.at("--log-source")) {
      // NAME or NAME|CHANNEL
      auto* e = req.add_entries();
      auto bar = ls.find('|');
      e->set_log_source_name(ls.substr(0, bar));
      if (bar != std::string::npos) e->set_log_source_channel(ls.substr(bar + 1));
    }
  if (req.entries().empty() && verb != "set") Die("inventory " + verb + ": give ID_OR_NAME... or --log-source NAME[|CHANNEL]", 2);
  v1::Inventory inv;
  Check(c.Call(&v1::OrgService::Stub::UpdateInventory, req, &inv));
  PrintInventory(inv);
  return 0;
}

v1::RollupPolicy Rollup(const Args& a) {
  std::string r = a.Get("--rollup", "none");
  if (r == "none") return v1::ROLLUP_NONE;
  if (r == "any") return v1::ROLLUP_ANY;
  if (r == "all") return v1::ROLLUP_ALL;
  Die("unknown --rollup '" + r + "' (none, any or all)", 2);
}

void PrintTactics(const google::protobuf::RepeatedPtrField<v1::TacticCoverage>& tactics) {
  std::vector<std::vector<std::string>> rows;
  char buf[64];
  for (auto& t : tactics) {
    snprintf(buf, sizeof buf, "%.1f%%", t.detected_pct());
    std::string dp = buf;
    snprintf(buf, sizeof buf, "%.1f%%", t.logged_pct());
    rows.push_back({t.attack_id(), t.shortname(), std::to_string(t.techniques()), std::to_string(t.detected()), dp,
                    std::to_string(t.logged()), buf, std::to_string(t.blind())});
  }
  PrintTable({"TACTIC", "NAME", "TECHNIQUES", "DETECTED", "%", "LOGGED", "%", "BLIND"}, rows);
}

int CoverageCommand(Client&, const Args& a) {
  OrgClient c(a);
  const std::string verb = a.positional.size() >= 2 ? a.positional[1] : "";
  if (verb == "trend") {
    v1::CoverageTrendRequest req;
    req.set_org_id(Org(a));
    for (auto& r : CommaList(a.Get("--releases"))) req.add_releases(r);
    if (req.releases().empty()) Die("coverage trend --releases R1,R2,...", 2);
    req.set_tactic(a.Get("--tactic"));
    req.set_platform(a.Get("--platform"));
    req.set_rollup(Rollup(a));
    v1::CoverageTrendResponse resp;
    Check(c.Call(&v1::OrgService::Stub::GetCoverageTrend, req, &resp, 120));
    if (JsonOutput()) return PrintJson(resp), 0;
    std::vector<std::vector<std::string>> rows;
    char buf[32];
    for (auto& r : resp.rows()) {
      snprintf(buf, sizeof buf, "%.1f%%", r.detected_pct());
      rows.push_back({r.release(), std::to_string(r.total()), std::to_string(r.detected()), buf,
                      std::to_string(r.logged()), std::to_string(r.blind()), std::to_string(r.stale()),
                      std::to_string(r.carried())});
    }
    PrintTable({"RELEASE", "TECHNIQUES", "DETECTED", "%", "LOGGED", "BLIND", "STALE", "CARRIED"}, rows);
    return 0;
  }
  v1::CoverageRequest req;
  req.set_org_id(Org(a));
  req.set_release(a.Get("--release"));
  req.set_tactic(a.Get("--tactic"));
  req.set_platform(a.Get("--platform"));
  req.set_rollup(Rollup(a));
  req.set_include_countermeasures(a.Has("--countermeasures"));
  req.set_d3fend_version(a.Get("--d3fend"));
  req.set_include_atomic_tests(a.Has("--atomics"));
  if (verb == "layer") {
    v1::CoverageLayerResponse resp;
    Check(c.Call(&v1::OrgService::Stub::ExportCoverageLayer, req, &resp));
    if (a.Has("--output")) {
      FILE* f = fopen(a.Get("--output").c_str(), "wb");
      if (!f) Die("cannot write " + a.Get("--output"));
      fwrite(resp.layer_json().data(), 1, resp.layer_json().size(), f);
      fclose(f);
      fprintf(stderr, "wrote %s\n", a.Get("--output").c_str());
    } else {
      fwrite(resp.layer_json().data(), 1, resp.layer_json().size(), stdout);
      fputc('\n', stdout);
    }
    return 0;
  }
  if (!verb.empty()) Die("coverage: unknown command '" + verb + "' (layer, trend, or none)", 2);
  v1::CoverageResponse resp;
  Check(c.Call(&v1::OrgService::Stub::GetCoverage, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("%s on %s: %d techniques, %d detected, %d logged, %d blind (%d detections counted, %d ignored)\n\n",
         resp.org_id().c_str(), resp.release().c_str(), resp.total(), resp.detected(), resp.logged(), resp.blind(),
         resp.detections_counted(), resp.detections_ignored());
  PrintTactics(resp.tactics());
  if (req.include_countermeasures())
    printf("\n%d blind techniques have a D3FEND countermeasure (D3FEND %s)\n", resp.blind_with_countermeasure(),
           resp.d3fend_version().c_str());
  if (a.Has("--techniques")) {
    std::vector<std::vector<std::string>> rows;
    for (auto& t : resp.techniques())
      rows.push_back({t.attack_id(), t.name(), v1::CoverageStatus_Name(t.rollup_status()), std::to_string(t.detections_size()),
                      t.subtechniques() ? std::to_string(t.sub_detected()) + "/" + std::to_string(t.subtechniques()) : "",
                      JoinStrings(t.collected_components(), "; "), std::to_string(t.countermeasures_size()),
                      std::to_string(t.atomic_tests_size())});
    puts("");
    PrintTable({"TECHNIQUE", "NAME", "STATUS", "DETECTIONS", "SUBS DETECTED", "COLLECTED", "D3FEND", "ATOMICS"}, rows);
  }
  if (resp.stale_size()) printf("\n%d stale mappings (e.g. %s %s: %s)\n", resp.stale_size(), resp.stale(0).detection().c_str(),
                                resp.stale(0).technique().c_str(), resp.stale(0).reason().c_str());
  if (resp.carried_size()) printf("%d mappings carried through revoked-by chains\n", resp.carried_size());
  if (resp.cannot_fire_size())
    printf("%d enabled detections cannot fire: their telemetry is not collected (see --json cannot_fire)\n",
           resp.cannot_fire_size());
  return 0;
}

const Registration kOrg("org", OrgCommand,
                        "  org create NAME [--display-name T] [--release R] | org list | org show [NAME]\n"
                        "  org update [NAME] [--display-name T] [--release R] | org delete NAME\n",
                        {"--org", "--display-name"});
const Registration kDetection(
    "detection", DetectionCommand,
    "  --org ORG detection import PATH... [--format sigma|layer|csv] [--release R] [--threshold N] [--dry-run] [--verbose]\n"
    "  --org ORG detection list [--technique T] [--state S] [--source-format F] [--tag T]\n"
    "  --org ORG detection get|delete|enable|disable ID\n"
    "  --org ORG detection create|update ID --name N --techniques T1,T2 [--state S] [--data-components D1,D2]\n"
    "          [--source-format F] [--tags A,B] [--query Q]\n",
    {"--format", "--threshold", "--technique", "--state", "--source-format", "--tag", "--name", "--techniques",
     "--data-components", "--tags", "--query", "--description"});
const Registration kInventory("inventory", InventoryCommand,
                              "  --org ORG inventory set|add|remove ID_OR_NAME... [--log-source NAME[|CHANNEL]]...\n"
                              "  --org ORG inventory list [--release R] | inventory infer [--mapping CSV] [--replace] [--dry-run]\n",
                              {"--log-source", "--mapping"});
const Registration kCoverage("coverage", CoverageCommand,
                             "  --org ORG coverage [--release R] [--tactic T] [--platform P] [--rollup none|any|all] [--techniques]\n"
                             "                     [--countermeasures [--d3fend VERSION]] [--atomics]\n"
                             "  --org ORG coverage layer [--release R] [--output FILE] | coverage trend --releases R1,R2,...\n",
                             {"--rollup", "--releases", "--output", "--d3fend"});

}  // namespace
}  // namespace ttpctl
