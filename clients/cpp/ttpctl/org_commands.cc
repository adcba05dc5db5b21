// ttpctl org / detection / inventory / coverage: an organization's detections,
// telemetry and coverage. Every command but `org create|list` works on one
// organization: --org ORG (or $TTPGRAPH_ORG); `org delete` only on the one
// named on its command line.
#include "clients/cpp/ttpctl/common.h"

namespace ttpctl {
namespace {

using Org = v1::OrgService::Stub;

const char* StateName(v1::DetectionState s) {
  switch (s) {
    case v1::DETECTION_STATE_DISABLED: return "disabled";
    case v1::DETECTION_STATE_TESTING: return "testing";
    default: return "enabled";
  }
}

// One of the --state choices.
v1::DetectionState ParseState(const std::string& s) {
  return s == "disabled" ? v1::DETECTION_STATE_DISABLED : s == "testing" ? v1::DETECTION_STATE_TESTING : v1::DETECTION_STATE_ENABLED;
}

void PrintOrgs(const google::protobuf::RepeatedPtrField<v1::Organization>& orgs) {
  std::vector<std::vector<std::string>> rows;
  for (auto& o : orgs)
    rows.push_back({o.org_id(), o.display_name(), o.release(), std::to_string(o.detection_count()),
                    std::to_string(o.inventory_count()), o.created_at()});
  PrintTable({"ORG", "NAME", "RELEASE", "DETECTIONS", "INVENTORY", "CREATED"}, rows);
}

// `org show|update [NAME]`: NAME, else --org, else $TTPGRAPH_ORG.
std::string NamedOrg(const Args& a) { return a.operands.empty() ? a.Org() : a.operands[0]; }

void PrintOrg(const v1::Organization& o, const char* verb) {
  if (JsonOutput()) return PrintJson(o);
  printf("%s organization %s (maps against %s)\n", verb, o.org_id().c_str(), o.release().c_str());
}

int OrgCreate(Client& c, const Args& a) {
  v1::CreateOrganizationRequest req;
  req.set_org_id(a.operands[0]);
  req.set_display_name(a.Get("--display-name"));
  req.set_release(a.Get("--release"));
  v1::Organization resp;
  Check(c.Call(&Org::CreateOrganization, req, &resp));
  PrintOrg(resp, "created");
  return 0;
}

int OrgList(Client& c, const Args&) {
  v1::ListOrganizationsResponse all;
  Check(c.CallAllPages(&Org::ListOrganizations, v1::ListOrganizationsRequest(), &all));
  if (JsonOutput()) return PrintJson(all), 0;
  PrintOrgs(all.organizations());
  return 0;
}

int OrgShow(Client& c, const Args& a) {
  v1::GetOrganizationRequest req;
  req.set_org_id(NamedOrg(a));
  v1::Organization resp;
  Check(c.Call(&Org::GetOrganization, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  google::protobuf::RepeatedPtrField<v1::Organization> one;
  *one.Add() = resp;
  PrintOrgs(one);
  return 0;
}

int OrgExport(Client& c, const Args& a) {
  v1::ExportOrganizationRequest req;
  req.set_org_id(NamedOrg(a));
  v1::ExportOrganizationResponse resp;
  Check(c.Call(&Org::ExportOrganization, req, &resp));
  WriteDocument(a, resp.document());  // the document is JSON already (--json changes nothing)
  return 0;
}

int OrgImport(Client& c, const Args& a) {
  const std::string document = ReadFileOrDie(a.operands[0]);
  v1::ImportOrganizationResponse resp;
  auto s = c.ImportOrganization(document, &resp);
  if (!s.ok()) Check(absl::Status(s.code(), a.operands[0] + ": " + std::string(s.message())));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("imported organization %s: %lld detections, %lld inventory entries (maps against %s)\n",
         resp.organization().org_id().c_str(), static_cast<long long>(resp.detections()),
         static_cast<long long>(resp.inventory_entries()), resp.organization().release().c_str());
  if (resp.tokens_not_created_size() > 0)
    fprintf(stderr, "ttpctl: the document lists %d token(s) of the organization; tokens do not travel (no secrets are "
                    "exported): issue new ones with `ttpctl token create --org %s`\n",
            resp.tokens_not_created_size(), resp.organization().org_id().c_str());
  return 0;
}

int OrgUpdate(Client& c, const Args& a) {
  v1::UpdateOrganizationRequest req;
  req.set_org_id(NamedOrg(a));
  req.set_display_name(a.Get("--display-name"));
  req.set_release(a.Get("--release"));
  v1::Organization resp;
  Check(c.Call(&Org::UpdateOrganization, req, &resp));
  PrintOrg(resp, "updated");
  return 0;
}

// Only the organization named on the command line: never $TTPGRAPH_ORG.
int OrgDelete(Client& c, const Args& a) {
  std::string org = a.operands.empty() ? a.Get("--org") : a.operands[0];
  if (org.empty()) UsageError(a, "give the organization to delete: org delete NAME ($TTPGRAPH_ORG is not used here)");
  if (!a.operands.empty() && a.Has("--org") && a.Get("--org") != org)
    UsageError(a, "NAME '" + org + "' and --org '" + a.Get("--org") + "' differ");
  Confirm(a, "delete organization " + org + " with all its detections and inventory");
  v1::DeleteOrganizationRequest req;
  req.set_org_id(org);
  v1::DeleteOrganizationResponse resp;
  Check(c.Call(&Org::DeleteOrganization, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("deleted organization %s and its %lld detections\n", resp.organization().org_id().c_str(),
         static_cast<long long>(resp.detections_deleted()));
  return 0;
}

int DetectionImport(Client& c, const Args& a) {
  v1::ImportDetectionsHeader h;
  std::string fmt = a.Get("--format");
  h.set_format(fmt == "sigma" ? v1::IMPORT_FORMAT_SIGMA
               : fmt == "layer" || fmt == "navigator" ? v1::IMPORT_FORMAT_NAVIGATOR_LAYER
               : fmt == "csv" ? v1::IMPORT_FORMAT_CSV
                              : h.format());
  h.set_release(a.Get("--release"));
  h.set_dry_run(a.Has("--dry-run"));
  h.set_layer_score_threshold(a.Number("--threshold"));
  h.set_skip_logsource_mapping(a.Has("--no-logsource-mapping"));
  v1::ImportDetectionsResponse resp;
  Check(c.ImportDetections(a.Org(), h, a.operands, &resp,
                           [](size_t done, size_t total) { ProgressBar("importing detections", done, total); }));
  if (JsonOutput()) return PrintJson(resp), 0;
  if (a.Has("--verbose")) {
    std::vector<std::vector<std::string>> rows;
    for (auto& r : resp.rules())
      rows.push_back({r.id(), r.name(), EnumLabel(r.outcome()), StateName(r.state()),
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
  for (auto& t : a.List("--techniques")) d.add_techniques(t);
  for (auto& t : a.List("--data-components")) d.add_data_components(t);
  for (auto& t : a.List("--tags")) d.add_tags(t);
  if (a.Has("--state")) d.set_state(ParseState(a.Get("--state")));
  d.set_release(a.Get("--release"));
  d.set_description(a.Get("--description"));
  return d;
}

int DetectionList(Client& c, const Args& a) {
  v1::ListDetectionsRequest req;
  req.set_org_id(a.Org());
  req.set_technique(a.Get("--technique"));
  if (a.Has("--state")) req.set_state(ParseState(a.Get("--state")));
  req.set_source_format(a.Get("--source-format"));
  req.set_tag(a.Get("--tag"));
  req.set_omit_query(!a.Has("--with-query"));
  v1::ListDetectionsResponse all;
  Check(c.CallAllPages(&Org::ListDetections, req, &all));
  if (JsonOutput()) return PrintJson(all), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& d : all.detections())
    rows.push_back({d.id(), d.name(), d.source_format(), StateName(d.state()), JoinStrings(d.techniques()), d.release()});
  PrintTable({"ID", "NAME", "FORMAT", "STATE", "TECHNIQUES", "RELEASE"}, rows);
  return 0;
}

v1::Detection GetDetection(Client& c, const Args& a) {
  v1::GetDetectionRequest req;
  req.set_org_id(a.Org());
  req.set_id(a.operands[0]);
  v1::Detection d;
  Check(c.Call(&Org::GetDetection, req, &d));
  return d;
}

int DetectionGet(Client& c, const Args& a) {
  v1::Detection d = GetDetection(c, a);
  if (JsonOutput()) return PrintJson(d), 0;
  PrintDetection(d);
  if (a.Has("--with-query") && !d.query().empty()) printf("\n%s\n", d.query().c_str());
  return 0;
}

int DetectionDelete(Client& c, const Args& a) {
  v1::DeleteDetectionRequest req;
  req.set_org_id(a.Org());
  req.set_id(a.operands[0]);
  v1::DeleteDetectionResponse resp;
  Check(c.Call(&Org::DeleteDetection, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("deleted detection %s\n", a.operands[0].c_str());
  return 0;
}

int DetectionCreate(Client& c, const Args& a) {
  v1::CreateDetectionRequest req;
  req.set_org_id(a.Org());
  *req.mutable_detection() = DetectionFromFlags(a, a.operands[0]);
  v1::Detection d;
  Check(c.Call(&Org::CreateDetection, req, &d));
  if (JsonOutput()) return PrintJson(d), 0;
  PrintDetection(d);
  return 0;
}

// update, enable, disable: read-modify-write; the flags given replace those
// fields, the rest stays.
int DetectionUpdate(Client& c, const Args& a) {
  v1::Detection cur = GetDetection(c, a);
  v1::Detection upd = DetectionFromFlags(a, a.operands[0]);
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
  if (a.Name() == "detection enable") upd.set_state(v1::DETECTION_STATE_ENABLED);
  if (a.Name() == "detection disable") upd.set_state(v1::DETECTION_STATE_DISABLED);
  v1::UpdateDetectionRequest req;
  req.set_org_id(a.Org());
  *req.mutable_detection() = upd;
  v1::Detection d;
  Check(c.Call(&Org::UpdateDetection, req, &d));
  if (JsonOutput()) return PrintJson(d), 0;
  PrintDetection(d);
  return 0;
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

int InventoryList(Client& c, const Args& a) {
  v1::GetInventoryRequest req;
  req.set_org_id(a.Org());
  req.set_release(a.Get("--release"));
  v1::Inventory inv;
  Check(c.Call(&Org::GetInventory, req, &inv));
  PrintInventory(inv);
  return 0;
}

int InventoryInfer(Client& c, const Args& a) {
  v1::InferInventoryRequest req;
  req.set_org_id(a.Org());
  req.set_release(a.Get("--release"));
  req.set_dry_run(a.Has("--dry-run"));
  req.set_replace(a.Has("--replace"));
  if (a.Has("--mapping")) req.set_mapping_csv(ReadFileOrDie(a.Get("--mapping")));
  v1::InferInventoryResponse resp;
  Check(c.Call(&Org::InferInventory, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("%d enabled Sigma rules considered; %s: %s\n", resp.rules_considered(), req.dry_run() ? "would add" : "added",
         resp.added().empty() ? "nothing" : JoinStrings(resp.added(), "; ").c_str());
  for (auto& u : resp.unmapped()) printf("  no mapping for logsource %s (%d rules)\n", u.logsource().c_str(), u.rules());
  PrintInventory(resp.inventory());
  return 0;
}

// inventory set|add|remove
int InventoryUpdate(Client& c, const Args& a) {
  const std::string verb = a.Name().substr(a.Name().rfind(' ') + 1);
  v1::UpdateInventoryRequest req;
  req.set_org_id(a.Org());
  req.set_release(a.Get("--release"));
  req.set_op(verb == "set"   ? v1::UpdateInventoryRequest::OP_SET
             : verb == "add" ? v1::UpdateInventoryRequest::OP_ADD
                             : v1::UpdateInventoryRequest::OP_REMOVE);
  for (const std::string& entry : a.operands) req.add_entries()->set_data_component(entry);
  for (const std::string& ls : a.List("--log-source")) {
    // NAME or NAME|CHANNEL
    auto* e = req.add_entries();
    auto bar = ls.find('|');
    e->set_log_source_name(ls.substr(0, bar));
    if (bar != std::string::npos) e->set_log_source_channel(ls.substr(bar + 1));
  }
  if (req.entries().empty() && verb != "set") UsageError(a, "give ID_OR_NAME... or --log-source NAME[|CHANNEL]");
  v1::Inventory inv;
  Check(c.Call(&Org::UpdateInventory, req, &inv));
  PrintInventory(inv);
  return 0;
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

int CoverageTrend(Client& c, const Args& a) {
  v1::CoverageTrendRequest req;
  req.set_org_id(a.Org());
  for (auto& r : a.List("--releases")) req.add_releases(r);
  if (req.releases().empty()) UsageError(a, "--releases R1,R2,... is required");
  req.set_tactic(a.Get("--tactic"));
  req.set_platform(a.Get("--platform"));
  req.set_rollup(RollupFromFlags(a));
  v1::CoverageTrendResponse resp;
  Check(c.Call(&Org::GetCoverageTrend, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  char buf[32];
  for (auto& r : resp.rows()) {
    snprintf(buf, sizeof buf, "%.1f%%", r.detected_pct());
    rows.push_back({r.release(), std::to_string(r.total()), std::to_string(r.detected()), buf, std::to_string(r.logged()),
                    std::to_string(r.blind()), std::to_string(r.stale()), std::to_string(r.carried())});
  }
  PrintTable({"RELEASE", "TECHNIQUES", "DETECTED", "%", "LOGGED", "BLIND", "STALE", "CARRIED"}, rows);
  return 0;
}

v1::CoverageRequest CoverageRequestFrom(const Args& a) {
  v1::CoverageRequest req;
  req.set_org_id(a.Org());
  req.set_release(a.Get("--release"));
  req.set_tactic(a.Get("--tactic"));
  req.set_platform(a.Get("--platform"));
  req.set_rollup(RollupFromFlags(a));
  req.set_include_countermeasures(a.Has("--countermeasures"));
  req.set_d3fend_version(a.Get("--d3fend"));
  req.set_include_atomic_tests(a.Has("--atomics"));
  req.set_atomic_index(a.Get("--index"));
  return req;
}

int CoverageLayer(Client& c, const Args& a) {
  v1::CoverageLayerResponse resp;
  Check(c.Call(&Org::ExportCoverageLayer, CoverageRequestFrom(a), &resp));
  WriteDocument(a, resp.layer_json());
  return 0;
}

int Coverage(Client& c, const Args& a) {
  v1::CoverageRequest req = CoverageRequestFrom(a);
  v1::CoverageResponse resp;
  Check(c.Call(&Org::GetCoverage, req, &resp));
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
      rows.push_back({t.attack_id(), t.name(), EnumLabel(t.rollup_status()), std::to_string(t.detections_size()),
                      t.subtechniques() ? std::to_string(t.sub_detected()) + "/" + std::to_string(t.subtechniques()) : "",
                      Labels(t.collected_components()), std::to_string(t.countermeasures_size()),
                      std::to_string(t.atomic_tests_size())});
    puts("");
    PrintTable({"TECHNIQUE", "NAME", "STATUS", "DETECTIONS", "SUBS DETECTED", "COLLECTED", "D3FEND", "ATOMICS"}, rows);
  }
  if (resp.stale_size())
    printf("\n%d stale mappings (e.g. %s %s: %s)\n", resp.stale_size(), resp.stale(0).detection().c_str(),
           resp.stale(0).technique().c_str(), resp.stale(0).reason().c_str());
  if (resp.carried_size()) printf("%d mappings carried through revoked-by chains\n", resp.carried_size());
  if (resp.cannot_fire_size())
    printf("%d enabled detections cannot fire: their telemetry is not collected (see --json cannot_fire)\n",
           resp.cannot_fire_size());
  return 0;
}

}  // namespace

void AddOrgCommands(CommandTable& t) {
  Flag mapping_release = ReleaseFlag();
  mapping_release.help = "the release the organization maps its detections against";
  const Flag display_name = Value("--display-name", FlagType::kString, "TEXT", "a readable name");
  t.Add("org create", OrgCreate)
      .Operands("NAME", 1, 1)
      .Summary("Creates an organization (tenant): lowercase letters, digits, '.', '_' and '-'.")
      .Flags({display_name, mapping_release})
      .Example("ttpctl org create acme --release enterprise-attack@18.1");
  t.Add("org list", OrgList).Summary("Lists the organizations.").Example("ttpctl org list");
  t.Add("org show", OrgShow)
      .Operands("[NAME]", 0, 1)
      .Summary("Shows an organization: NAME, else --org, else $TTPGRAPH_ORG.")
      .Flags({OrgFlag()})
      .Example("ttpctl org show acme");
  t.Add("org export", OrgExport)
      .Operands("[NAME]", 0, 1)
      .Summary("Writes an organization as one portable JSON document (admin only): NAME, else --org.")
      .Details(
          "The document (format \"ttpgraph.organization\", version 1) holds the organization, every\n"
          "detection with its rule text, the telemetry inventory and its tokens' metadata (never a\n"
          "secret). `org import` creates the organization from it on another server or shard.")
      .Flags({OrgFlag(), OutputFlag()})
      .Example("ttpctl --org acme org export > acme.json");
  t.Add("org import", OrgImport)
      .Operands("FILE", 1, 1)
      .Summary("Creates an organization from a document of `org export` (admin only), in one write.")
      .Details(
          "Refused, with nothing written, when the organization exists (ALREADY_EXISTS), when a release it\n"
          "or a detection maps to is not on this server (NOT_FOUND), or when the document is malformed or\n"
          "of another version (INVALID_ARGUMENT). Tokens are not created: issue new ones.")
      .Example("ttpctl --server shard-2:50051 org import acme.json");
  mapping_release.default_value.clear();
  mapping_release.default_help = "unchanged";
  t.Add("org update", OrgUpdate)
      .Operands("[NAME]", 0, 1)
      .Summary("Changes an organization's display name or release: NAME, else --org, else $TTPGRAPH_ORG.")
      .Flags({OrgFlag(), display_name, mapping_release})
      .Example("ttpctl org update acme --release enterprise-attack@18.1");
  Flag delete_org = OrgFlag();
  delete_org.default_help = "none: $TTPGRAPH_ORG is never used to delete";
  t.Add("org delete", OrgDelete)
      .Operands("NAME", 0, 1)
      .Summary("Deletes an organization with its detections and inventory; asks first.")
      .Details("Only the organization named on the command line (NAME or --org) is deleted, never\n"
               "$TTPGRAPH_ORG. On a terminal ttpctl asks first; elsewhere --yes is required.")
      .Flags({YesFlag(), delete_org})
      .Example("ttpctl org delete scratch --yes");

  const Flag state = Value("--state", FlagType::kString, "STATE", "the detection state").Choices({"enabled", "disabled", "testing"});
  const Flag source_format = Value("--source-format", FlagType::kString, "FORMAT", "the rule language (sigma, splunk, kql, eql, yara-l, other)");
  const Flag with_query = Switch("--with-query", "include the rule text");
  t.Add("detection import", DetectionImport)
      .Operands("PATH...", 1, -1)
      .Summary("Imports detections: Sigma .yml files, directories or .tar.gz, Navigator layers (.json), CSV.")
      .Details("Every file under each PATH is streamed to the server, which imports them in one write:\n"
               "all of them or, on any error, none. Re-importing updates changed rules.")
      .Flags({OrgFlag(), OrgReleaseFlag(),
              Value("--format", FlagType::kString, "FORMAT", "the file format").Default("", "from each file").Choices({"sigma", "layer", "navigator", "csv"}),
              Value("--threshold", FlagType::kNumber, "SCORE", "layers: techniques scored above SCORE become detections").Default("0"),
              DryRunFlag("report what would be imported; write nothing"),
              Switch("--no-logsource-mapping", "do not derive data components from Sigma logsources"),
              Switch("--verbose", "print one line per rule")})
      .Example("ttpctl --org acme detection import ../shared/data/sigma/sigma-rules.tar.gz")
      .Example("ttpctl --org acme detection import ../shared/data/sigma/sample --dry-run --verbose");
  t.Add("detection list", DetectionList)
      .Summary("Lists the organization's detections.")
      .Flags({OrgFlag(), Value("--technique", FlagType::kString, "TECH_ID", "only detections of this technique"), state,
              source_format, Value("--tag", FlagType::kString, "TAG", "only detections with this tag"), with_query})
      .Example("ttpctl --org acme detection list --technique T1059.001 --state enabled");
  t.Add("detection get", DetectionGet)
      .Alias("detection show")
      .Operands("ID", 1, 1)
      .Summary("Shows one detection.")
      .Flags({OrgFlag(), with_query})
      .Example("ttpctl --org acme detection get my-rule --with-query");
  t.Add("detection delete", DetectionDelete)
      .Operands("ID", 1, 1)
      .Summary("Deletes one detection.")
      .Flags({OrgFlag()})
      .Example("ttpctl --org acme detection delete my-rule");
  std::vector<Flag> fields = {OrgFlag(),
                              Value("--name", FlagType::kString, "NAME", "the detection's name"),
                              Value("--techniques", FlagType::kList, "T1,T2", "the ATT&CK techniques it fires on"),
                              state,
                              Value("--data-components", FlagType::kList, "DC1,DC2", "the data components it reads"),
                              source_format,
                              Value("--tags", FlagType::kList, "A,B", "free tags"),
                              Value("--query", FlagType::kString, "TEXT", "the rule text"),
                              Value("--description", FlagType::kString, "TEXT", "a description"),
                              OrgReleaseFlag()};
  fields.back().help = "the release its techniques are mapped against";
  t.Add("detection create", DetectionCreate)
      .Operands("ID", 1, 1)
      .Summary("Creates a detection.")
      .Flags(fields)
      .Example("ttpctl --org acme detection create my-rule --name 'Encoded PowerShell' --techniques T1059.001 --state testing");
  t.Add("detection update", DetectionUpdate)
      .Operands("ID", 1, 1)
      .Summary("Changes a detection: the flags given replace those fields, the others stay.")
      .Flags(fields)
      .Example("ttpctl --org acme detection update my-rule --techniques T1059.001,T1027");
  t.Add("detection enable", DetectionUpdate)
      .Operands("ID", 1, 1)
      .Summary("Enables a detection.")
      .Flags({OrgFlag()})
      .Example("ttpctl --org acme detection enable my-rule");
  t.Add("detection disable", DetectionUpdate)
      .Operands("ID", 1, 1)
      .Summary("Disables a detection.")
      .Flags({OrgFlag()})
      .Example("ttpctl --org acme detection disable my-rule");

  const Flag log_source = Value("--log-source", FlagType::kRepeated, "NAME[|CHANNEL]",
                                "a log source, e.g. 'WinEventLog:Security|EventCode=4688'");
  const std::vector<std::pair<std::string, std::string>> updates = {
      {"set", "Replaces the telemetry inventory with these data components and log sources."},
      {"add", "Adds data components (ID or name) and log sources to the telemetry inventory."},
      {"remove", "Removes data components and log sources from the telemetry inventory."}};
  for (auto& [verb, summary] : updates)
    t.Add("inventory " + verb, InventoryUpdate)
        .Operands("[ID_OR_NAME...]", 0, -1)
        .Summary(summary)
        .Flags({OrgFlag(), log_source, OrgReleaseFlag()})
        .Example("ttpctl --org acme inventory " + verb + " DC0032 --log-source 'WinEventLog:Security|EventCode=4688'");
  t.Add("inventory list", InventoryList)
      .Summary("Lists the telemetry inventory, resolved in a release.")
      .Flags({OrgFlag(), OrgReleaseFlag()})
      .Example("ttpctl --org acme inventory list --release enterprise-attack@17.1");
  t.Add("inventory infer", InventoryInfer)
      .Summary("Adds the data components the enabled Sigma rules' logsources imply.")
      .Flags({OrgFlag(), OrgReleaseFlag(),
              Value("--mapping", FlagType::kString, "CSV", "the logsource mapping table").Default("", "data/sigma_logsource_map.csv, built in"),
              Switch("--replace", "replace the inventory instead of adding to it"),
              DryRunFlag("report what would be added; change nothing")})
      .Example("ttpctl --org acme inventory infer --dry-run");

  const Flag rollup = Value("--rollup", FlagType::kString, "POLICY", "how sub-techniques roll up into their parent")
                          .Default("none")
                          .Choices({"none", "any", "all"});
  std::vector<Flag> coverage_flags = {OrgFlag(), OrgReleaseFlag(), TacticFlag(), PlatformFlag(), rollup,
                                      Switch("--countermeasures", "join the D3FEND countermeasures of each technique"),
                                      D3fendFlag(), Switch("--atomics", "join the Atomic Red Team tests of each technique"),
                                      AtomicIndexFlag()};
  std::vector<Flag> report_flags = coverage_flags;
  report_flags.push_back(Switch("--techniques", "print one line per technique after the tactic table"));
  t.Add("coverage", Coverage)
      .Summary("Coverage of the organization: DETECTED, LOGGED or BLIND per technique, by tactic.")
      .Flags(report_flags)
      .Example("ttpctl --org acme coverage --release enterprise-attack@18.1 --tactic execution --rollup any")
      .Example("ttpctl --org acme coverage --countermeasures --atomics --techniques");
  coverage_flags.push_back(OutputFlag());
  t.Add("coverage layer", CoverageLayer)
      .Summary("Coverage as an ATT&CK Navigator layer (format 4.5).")
      .Flags(coverage_flags)
      .Example("ttpctl --org acme coverage layer --output acme-layer.json");
  t.Add("coverage trend", CoverageTrend)
      .Summary("Coverage across releases, comparing like with like.")
      .Flags({OrgFlag(),
              [] {
                Flag f = Value("--releases", FlagType::kList, "R1,R2", "the releases to compare");
                f.release = true;
                return f;
              }(),
              TacticFlag(), PlatformFlag(), rollup})
      .Example("ttpctl --org acme coverage trend --releases enterprise-attack@17.1,enterprise-attack@18.1");
}

}  // namespace ttpctl
