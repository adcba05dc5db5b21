// ttpctl diff / overlap / gap / migrate: version diff between releases, group
// overlap, an organization's gaps and the migration of its detections
// (AnalysisService).
#include <algorithm>
#include <map>

#include "clients/cpp/ttpctl/common.h"

namespace ttpctl {
namespace {

using Stub = v1::AnalysisService::Stub;

std::string Fixed(double v, int digits = 3) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}
void WriteLayer(const Args& a, const v1::LayerResponse& resp) {
  WriteDocument(a, resp.layer_json());
  fprintf(stderr, "ttpctl: layer with %d technique entries\n", resp.technique_entries());
}

std::string Pct(int part, int whole) { return whole ? Fixed(100.0 * part / whole, 1) + "%" : "-"; }

void PrintPlan(const v1::MigrationPlan& p) {
  printf("Detections %s -> %s: %d in scope, %d already on %s, %d of another domain; %d would be rewritten\n",
         p.from_release().c_str(), p.to_release().c_str(), p.detections_in_scope(), p.detections_at_target(),
         p.to_release().c_str(), p.detections_other_domain(), p.detections_changed());
  printf("Mappings: UNCHANGED %d, AUTO %d, REVIEW %d, ORPHANED %d, UNKNOWN %d, AT_TARGET %d\n\n", p.unchanged(),
         p.auto_migrated(), p.needs_review(), p.orphaned(), p.unknown(), p.at_target());
  std::vector<std::vector<std::string>> rows;
  for (const v1::CoverageTotals* t : {&p.coverage_before(), &p.coverage_after()})
    rows.push_back({t == &p.coverage_before() ? "before" : "after", t->release(), std::to_string(t->techniques()),
                    std::to_string(t->detected()) + " (" + Pct(t->detected(), t->techniques()) + ")",
                    std::to_string(t->logged()), std::to_string(t->blind()), std::to_string(t->stale_mappings())});
  PrintTable({"COVERAGE", "RELEASE", "TECHNIQUES", "DETECTED", "LOGGED", "BLIND", "STALE MAPPINGS"}, rows);
  if (p.lost_detected_size()) printf("no longer DETECTED: %s\n", Ids(p.lost_detected()).c_str());
  if (p.gained_detected_size()) printf("newly DETECTED: %s\n", Ids(p.gained_detected()).c_str());
  rows.clear();
  for (auto& d : p.detections())
    for (auto& m : d.mappings()) {
      if (m.action() == v1::MappingMigration::ACTION_UNCHANGED) continue;
      std::string why;
      for (auto& r : m.reasons()) why += (why.empty() ? "" : "; ") + r;
      rows.push_back({d.detection_id(), d.name(), m.technique(), EnumLabel(m.action()),
                      m.has_target() ? Id(m.target()) : "", why});
    }
  printf("\nMappings to migrate or review (%zu)\n", rows.size());
  PrintTable({"DETECTION", "NAME", "TECHNIQUE", "ACTION", "TARGET", "WHY"}, rows);
}

std::string DeltaText(const v1::ObjectDelta& d) {
  std::string out;
  if (d.gained_size()) out += "+" + std::to_string(d.gained_size()) + " " + Ids(d.gained());
  if (d.lost_size()) out += std::string(out.empty() ? "" : "  ") + "-" + std::to_string(d.lost_size()) + " " + Ids(d.lost());
  return out;
}

int DiffLayer(Client& c, const Args& a) {
  v1::DiffLayerRequest req;
  req.set_from_release(a.Required("--from"));
  req.set_to_release(a.Required("--to"));
  req.set_include_unchanged(a.Has("--include-unchanged"));
  v1::LayerResponse resp;
  Check(c.Call(&Stub::GetDiffLayer, req, &resp));
  WriteLayer(a, resp);
  return 0;
}

int Diff(Client& c, const Args& a) {
  const std::string from = a.Required("--from"), to = a.Required("--to");
  v1::DiffReleasesRequest req;
  req.set_from_release(from);
  req.set_to_release(to);
  for (auto& t : a.List("--type")) req.add_object_types(t);
  for (auto& t : a.List("--category")) req.add_categories(t);
  v1::DiffReleasesResponse resp;
  Check(c.CallAllPages(&Stub::DiffReleases, req, &resp));
  v1::MigrationPlan impact;
  const bool with_org = a.Has("--org");  // named on the command line: $TTPGRAPH_ORG does not add an impact
  if (with_org) {
    v1::MigrationRequest mreq;
    mreq.set_org_id(a.Get("--org"));
    mreq.set_from_release(from);
    mreq.set_to_release(to);
    Check(c.CallAllPages(&Stub::PlanMigration, mreq, &impact));
  }
  if (JsonOutput()) {
    if (!with_org) return PrintJson(resp), 0;
    printf("{\"diff\": %s, \"impact\": %s}\n", ToJson(resp).c_str(), ToJson(impact).c_str());
    return 0;
  }

  printf("ATT&CK changes %s -> %s (mitreattack-python diff_stix categories)\n\n", resp.from_release().c_str(),
         resp.to_release().c_str());
  std::vector<std::string> header = {"TYPE"};
  static const char* kShort[] = {"ADDED", "MAJOR", "MINOR", "OTHER", "PATCH", "REVOKED", "DEPRECATED", "DELETED", "UNCHANGED"};
  for (const char* s : kShort) header.push_back(s);
  std::vector<std::vector<std::string>> rows;
  for (auto& s : resp.summary()) {
    std::vector<std::string> row = {s.object_type()};
    for (auto& cc : s.counts()) row.push_back(std::to_string(cc.count()));
    rows.push_back(row);
  }
  PrintTable(header, rows);

  if (!a.Has("--summary")) {
    printf("\nChanges (%d)\n", resp.changes_size());
    rows.clear();
    for (auto& ch : resp.changes()) {
      std::string version = ch.old_version() == ch.new_version() ? ch.new_version()
                            : ch.old_version().empty()          ? ch.new_version()
                                                                 : ch.old_version() + " -> " + ch.new_version();
      std::string detail = JoinStrings(ch.changed_fields());
      if (ch.has_revoked_by()) detail = "revoked by " + Id(ch.revoked_by().final());
      rows.push_back({ch.object_type(), ch.category(), Id(ch.object()), ch.object().name(), version, detail});
    }
    PrintTable({"TYPE", "CATEGORY", "ID", "NAME", "VERSION", "CHANGED"}, rows);
  }

  printf("\n'detects' relationships: %s has %d from data components, %d from detection strategies; "
         "%s has %d and %d\n",
         resp.from_release().c_str(), resp.from_detects().from_data_components(),
         resp.from_detects().from_detection_strategies(), resp.to_release().c_str(),
         resp.to_detects().from_data_components(), resp.to_detects().from_detection_strategies());

  printf("\nGroups: techniques and software gained/lost (direct uses) (%d)\n", resp.groups_size());
  rows.clear();
  for (auto& g : resp.groups())
    rows.push_back({Id(g.group()), g.group().name(), DeltaText(g.techniques()), DeltaText(g.software())});
  PrintTable({"ID", "NAME", "TECHNIQUES", "SOFTWARE"}, rows);

  printf("\nCampaigns (%d)\n", resp.campaigns_size());
  rows.clear();
  for (auto& g : resp.campaigns())
    rows.push_back({Id(g.campaign()), g.campaign().name(), DeltaText(g.techniques()), DeltaText(g.attributed_groups())});
  PrintTable({"ID", "NAME", "TECHNIQUES", "ATTRIBUTED TO"}, rows);

  int mit = 0, strat = 0, dc = 0;
  for (auto& t : resp.techniques()) {
    mit += t.mitigations().gained_size() || t.mitigations().lost_size();
    strat += t.detection_strategies().gained_size() || t.detection_strategies().lost_size();
    dc += t.data_components().gained_size() || t.data_components().lost_size();
  }
  printf("\nTechniques with relationship changes: %d (mitigations %d, detection strategies %d, data components %d)\n",
         resp.techniques_size(), mit, strat, dc);
  if (a.Has("--relationships")) {
    rows.clear();
    for (auto& t : resp.techniques())
      rows.push_back({Id(t.technique()), t.technique().name(), DeltaText(t.mitigations()),
                      DeltaText(t.detection_strategies()), DeltaText(t.data_components())});
    PrintTable({"ID", "NAME", "MITIGATIONS", "STRATEGIES", "DATA COMPONENTS"}, rows);
  }

  printf("\nTactic moves (%d techniques changed tactics)\n", resp.tactic_changes_size());
  rows.clear();
  for (auto& m : resp.tactic_moves()) rows.push_back({m.from_tactic(), m.to_tactic(), std::to_string(m.techniques())});
  PrintTable({"FROM TACTIC", "TO TACTIC", "TECHNIQUES"}, rows);
  for (auto& t : resp.removed_tactics())
    printf("tactic %s removed%s%s\n", t.tactic().tactics_size() ? t.tactic().tactics(0).c_str() : Id(t.tactic()).c_str(),
           t.destinations_size() > 1 ? ", split into " : t.destinations_size() ? ", moved to " : "",
           JoinStrings(t.destinations()).c_str());
  if (resp.added_tactics_size()) printf("tactics added: %s\n", JoinStrings(resp.added_tactics()).c_str());

  printf("\nSub-technique parent changes (%d)\n", resp.parent_changes_size());
  rows.clear();
  for (auto& p : resp.parent_changes())
    rows.push_back({Id(p.technique()), p.technique().name(), p.has_old_parent() ? Id(p.old_parent()) : "-",
                    p.has_new_parent() ? Id(p.new_parent()) : "-"});
  PrintTable({"ID", "NAME", "OLD PARENT", "NEW PARENT"}, rows);

  std::map<std::string, int> by_migration;
  rows.clear();
  for (auto& f : resp.technique_fates()) {
    by_migration[f.migration()]++;
    if (f.migration() == "AUTO" && f.kind() == v1::TechniqueFate::KIND_SAME) continue;
    std::vector<std::string> why;
    if (f.kind() == v1::TechniqueFate::KIND_MAJOR_CHANGE) why.push_back("major change");
    if (f.tactic_moved()) why.push_back("tactic moved");
    if (f.parent_changed()) why.push_back("parent changed");
    if (f.split()) why.push_back("split into " + Ids(f.split_into()));
    if (f.merged_with_size()) why.push_back("merged with " + Ids(f.merged_with()));
    if (f.chain_cycle()) why.push_back("revoked-by cycle");
    std::string why_text;
    for (auto& w : why) why_text += (why_text.empty() ? "" : "; ") + w;
    rows.push_back({Id(f.technique()), f.technique().name(), EnumLabel(f.kind()),
                    f.has_successor() ? Id(f.successor()) : "", f.migration(), why_text});
  }
  printf("\nTechnique fates for detections mapped to %s: AUTO %d, REVIEW %d, ORPHANED %d\n", resp.from_release().c_str(),
         by_migration["AUTO"], by_migration["REVIEW"], by_migration["ORPHANED"]);
  PrintTable({"ID", "NAME", "FATE", "SUCCESSOR", "MIGRATION", "WHY"}, rows);
  if (with_org) {
    printf("\nImpact on the detections of %s\n", impact.org_id().c_str());
    PrintPlan(impact);
  }
  return 0;
}

v1::OverlapRequest OverlapRequestFrom(const Args& a) {
  v1::OverlapRequest req;
  req.set_release(a.Get("--release"));
  const std::vector<std::string> groups = a.List("--groups");  // none: every group
  if (groups.empty()) req.mutable_threat()->set_all_groups(true);
  for (auto& g : groups) req.mutable_threat()->mutable_groups()->add_ids(g);
  req.set_exclude_direct(a.Has("--no-direct"));
  req.set_exclude_software(a.Has("--no-software"));
  req.set_exclude_campaigns(a.Has("--no-campaigns"));
  return req;
}

int OverlapLayer(Client& c, const Args& a) {
  v1::LayerResponse resp;
  Check(c.Call(&Stub::GetOverlapLayer, OverlapRequestFrom(a), &resp));
  WriteLayer(a, resp);
  return 0;
}

int Overlap(Client& c, const Args& a) {
  if (a.Has("--top-k") || a.Has("--group")) {
    if (a.Has("--groups")) UsageError(a, "give --groups (pairwise overlap) or --group with --top-k (most similar groups), not both");
    v1::SimilarGroupsRequest req;
    req.set_release(a.Get("--release"));
    req.set_group(a.Required("--group"));
    req.set_k(a.Int("--top-k"));
    req.set_exclude_direct(a.Has("--no-direct"));
    req.set_exclude_software(a.Has("--no-software"));
    req.set_exclude_campaigns(a.Has("--no-campaigns"));
    v1::SimilarGroupsResponse resp;
    Check(c.Call(&Stub::GetSimilarGroups, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    printf("Groups most similar to %s %s (%d techniques)\n", Id(resp.group()).c_str(), resp.group().name().c_str(),
           resp.techniques());
    std::vector<std::vector<std::string>> rows;
    int rank = 0;
    for (auto& s : resp.similar())
      rows.push_back({std::to_string(++rank), Id(s.group()), s.group().name(), std::to_string(s.shared()),
                      std::to_string(s.only_target()), std::to_string(s.only_other()), Fixed(s.jaccard())});
    PrintTable({"#", "ID", "NAME", "SHARED", "ONLY " + Id(resp.group()), "ONLY OTHER", "JACCARD"}, rows);
    return 0;
  }
  v1::OverlapResponse resp;
  Check(c.CallAllPages(&Stub::GetOverlap, OverlapRequestFrom(a), &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& g : resp.groups()) rows.push_back({Id(g.group()), g.group().name(), std::to_string(g.techniques())});
  PrintTable({"GROUP", "NAME", "TECHNIQUES"}, rows);
  std::vector<const v1::GroupOverlap*> pairs;
  for (auto& p : resp.pairs()) pairs.push_back(&p);
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](auto* x, auto* y) { return x->jaccard() != y->jaccard() ? x->jaccard() > y->jaccard() : x->shared() > y->shared(); });
  printf("\nPairs by Jaccard index (%zu)\n", pairs.size());
  rows.clear();
  for (auto* p : pairs)
    rows.push_back({Id(p->a()), Id(p->b()), std::to_string(p->shared()), std::to_string(p->only_a()),
                    std::to_string(p->only_b()), Fixed(p->jaccard())});
  PrintTable({"A", "B", "SHARED", "ONLY A", "ONLY B", "JACCARD"}, rows);
  return 0;
}

v1::GapRequest GapRequestFrom(const Args& a) {
  v1::GapRequest req;
  req.set_org_id(a.Org());
  req.set_release(a.Get("--release"));
  if (a.Has("--groups-where")) {
    if (a.Has("--groups") || a.Has("--all-groups"))
      UsageError(a, "give one threat: --groups, --all-groups or --groups-where");
    const std::string where = a.Get("--groups-where");
    const size_t eq = where.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == where.size())
      UsageError(a, "--groups-where takes FIELD=VALUE[,VALUE...], e.g. x_acme_sector=finance");
    auto* selector = req.mutable_threat()->mutable_custom_property();
    selector->set_property(where.substr(0, eq));
    for (const std::string& v : CommaList(where.substr(eq + 1))) selector->add_values(v);
  } else {
    ThreatFromFlags(a, req.mutable_threat());
  }
  req.set_exclude_direct(a.Has("--no-direct"));
  req.set_exclude_software(a.Has("--no-software"));
  req.set_exclude_campaigns(a.Has("--no-campaigns"));
  req.set_min_groups(a.Int("--min-groups"));
  req.set_max_recommendations(a.Int("--recommendations"));
  req.set_include_countermeasures(a.Has("--countermeasures"));
  req.set_d3fend_version(a.Get("--d3fend"));
  req.set_include_atomic_tests(a.Has("--atomics"));
  req.set_atomic_index(a.Get("--index"));
  return req;
}

int GapLayer(Client& c, const Args& a) {
  v1::LayerResponse resp;
  Check(c.Call(&Stub::GetGapLayer, GapRequestFrom(a), &resp));
  WriteLayer(a, resp);
  return 0;
}

int Gap(Client& c, const Args& a) {
  v1::GapResponse resp;
  Check(c.CallAllPages(&Stub::GetGap, GapRequestFrom(a), &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  const int limit = a.Int("--limit");
  printf("Gaps of %s on %s against %d group%s: %d techniques used, %d DETECTED, %d LOGGED, %d BLIND "
         "(%d of them with no telemetry in ATT&CK)\n\n",
         resp.org_id().c_str(), resp.release().c_str(), resp.groups_size(), resp.groups_size() == 1 ? "" : "s",
         resp.techniques_used(), resp.detected(), resp.logged(), resp.blind(), resp.blind_without_telemetry());
  if (a.Has("--groups-where")) printf("Groups (%s): %s\n", a.Get("--groups-where").c_str(), Ids(resp.groups()).c_str());
  if (resp.custom_groups_size() > 0) {
    std::string custom;
    for (auto& g : resp.custom_groups()) custom += (custom.empty() ? "" : ", ") + Id(g) + " " + g.name();
    printf("Custom groups that match too, not counted (the gap is over the release's groups): %s\n", custom.c_str());
  }
  if (a.Has("--groups-where") || resp.custom_groups_size() > 0) printf("\n");
  std::vector<std::vector<std::string>> rows;
  for (auto& g : resp.gaps()) {
    if (limit > 0 && g.rank() > limit) break;
    std::vector<std::string> row = {std::to_string(g.rank()), Id(g.technique()), g.technique().name(),
                                    EnumLabel(g.status()), std::to_string(g.groups_size()),
                                    Ids(g.groups()), std::to_string(g.software_size() + g.campaigns_size()),
                                    Ids(g.data_components())};
    if (a.Has("--countermeasures")) {
      std::string cms;
      for (auto& cm : g.countermeasures()) cms += (cms.empty() ? "" : ", ") + cm.d3fend_id();
      row.push_back(cms.empty() ? g.countermeasure_status() : cms);
    }
    if (a.Has("--atomics")) row.push_back(std::to_string(g.atomic_tests_size()));
    rows.push_back(row);
  }
  std::vector<std::string> header = {"#", "TECHNIQUE", "NAME", "STATUS", "GROUPS", "USED BY", "SW+CAMP",
                                     "LOGGED BY COLLECTING"};
  if (a.Has("--countermeasures")) header.push_back("D3FEND");
  if (a.Has("--atomics")) header.push_back("ATOMICS");
  PrintTable(header, rows);
  if (limit > 0 && resp.gaps_size() > limit)
    printf("... %d more (--limit 0 for all, --json for everything)\n", resp.gaps_size() - limit);
  printf("\nTelemetry recommendations (greedy: each line counts the BLIND gaps it adds)\n");
  rows.clear();
  for (auto& r : resp.recommendations())
    rows.push_back({"collect " + Id(r.data_component()) + " " + r.data_component().name(),
                    "+" + std::to_string(r.gaps_added()), std::to_string(r.cumulative())});
  PrintTable({"DATA COMPONENT", "GAPS BECOME LOGGED", "CUMULATIVE"}, rows);
  return 0;
}

int Migrate(Client& c, const Args& a) {
  v1::ApplyMigrationRequest req;
  req.set_org_id(a.Org());
  req.set_from_release(a.Required("--from"));
  req.set_to_release(a.Required("--to"));
  for (auto& d : a.List("--detections")) req.add_detection_ids(d);
  req.set_apply(a.Has("--apply"));
  if (a.Has("--generation")) req.set_expected_generation(a.Int("--generation"));
  v1::ApplyMigrationResponse resp;
  Check(c.Call(&Stub::ApplyMigration, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  PrintPlan(resp.plan());
  if (resp.applied())
    printf("\nApplied: %d detection%s rewritten in one write.\n", resp.detections_written(),
           resp.detections_written() == 1 ? "" : "s");
  else if (req.apply())
    printf("\nNothing to apply: the detections are already migrated.\n");
  else
    printf("\nDry run: %d detection%s would be rewritten; add --apply to write (--apply --generation %lld applies\n"
           "exactly this plan: ABORTED if a detection changes first).\n",
           resp.written_ids_size(), resp.written_ids_size() == 1 ? "" : "s",
           static_cast<long long>(resp.plan().org_generation()));
  return 0;
}

}  // namespace

void AddAnalysisCommands(CommandTable& t) {
  auto release_flag = [](const char* name, const std::string& help) {
    Flag f = Value(name, FlagType::kString, "RELEASE", help);
    f.release = true;
    return f;
  };
  const Flag from = release_flag("--from", "the older release"), to = release_flag("--to", "the newer release");
  t.Add("diff", Diff)
      .Summary("What changed between two releases of a domain (MITRE's changelog categories and relationship diffs).")
      .Details("With --org, adds the impact on that organization's detections (its migration plan). The\n"
               "organization must be named here: $TTPGRAPH_ORG does not add an impact.")
      .Flags({from, to,
              Value("--org", FlagType::kString, "ORG", "add the impact on ORG's detections").Default("", "no impact"),
              Value("--type", FlagType::kList, "TYPE", "only these object types (techniques, software, groups, campaigns, "
                                                      "assets, mitigations, datasources, datacomponents, detectionstrategies, analytics)"),
              Value("--category", FlagType::kList, "CATEGORY", "only these categories (additions, major_version_changes, "
                                                              "minor_version_changes, other_version_changes, patches, revocations, "
                                                              "deprecations, deletions)")
                  .Default("", "all but unchanged"),
              Switch("--summary", "leave out the list of changed objects"),
              Switch("--relationships", "list each technique's mitigation, strategy and data component changes")})
      .Example("ttpctl diff --from enterprise-attack@17.1 --to enterprise-attack@18.1 --summary")
      .Example("ttpctl diff --from 17.1 --to 18.1 --type techniques --category revocations,deprecations")
      .Example("ttpctl diff --from enterprise-attack@17.1 --to enterprise-attack@18.1 --org acme");
  t.Add("diff layer", DiffLayer)
      .Summary("The diff as an ATT&CK Navigator layer.")
      .Flags({from, to, Switch("--include-unchanged", "list unchanged techniques too"), OutputFlag()})
      .Example("ttpctl diff layer --from 17.1 --to 18.1 --output diff-layer.json");
  std::vector<Flag> overlap_flags = {ReleaseFlag(), GroupsFlag("the groups to compare").Default("", "every active group")};
  for (Flag& f : UsagePathFlags()) overlap_flags.push_back(f);
  std::vector<Flag> pairwise = overlap_flags;
  pairwise.push_back(Value("--group", FlagType::kString, "GROUP_ID", "list the groups most similar to this one"));
  pairwise.push_back(Value("--top-k", FlagType::kInt, "K", "with --group: how many similar groups").Default("10"));
  t.Add("overlap", Overlap)
      .Summary("Technique overlap of groups: pairwise shared counts and Jaccard, or one group's most similar groups.")
      .Flags(pairwise)
      .Example("ttpctl overlap --release enterprise-attack@18.1 --groups G0016,G0007,G0032")
      .Example("ttpctl overlap --release enterprise-attack@18.1 --group G0016 --top-k 5");
  overlap_flags.push_back(OutputFlag());
  t.Add("overlap layer", OverlapLayer)
      .Summary("Group overlap as an ATT&CK Navigator layer.")
      .Flags(overlap_flags)
      .Example("ttpctl overlap layer --release enterprise-attack@18.1 --groups G0016,G0007 --output overlap-layer.json");
  std::vector<Flag> gap_flags = {OrgFlag(), OrgReleaseFlag(), GroupsFlag("the threat: these groups"),
                                 Switch("--all-groups", "the threat: every active group"),
                                 Value("--groups-where", FlagType::kString, "FIELD=VALUE[,VALUE]",
                                       "the threat: the release's groups whose FIELD, as the organization's "
                                       "extensions give it, holds one of the values")};
  for (Flag& f : UsagePathFlags()) gap_flags.push_back(f);
  gap_flags.push_back(Value("--min-groups", FlagType::kInt, "N", "only gaps used by at least N of the groups").Default("0", "1"));
  gap_flags.push_back(Value("--recommendations", FlagType::kInt, "N", "how many telemetry recommendations").Default("0", "10"));
  gap_flags.push_back(Switch("--countermeasures", "join the D3FEND countermeasures of each gap"));
  gap_flags.push_back(D3fendFlag());
  gap_flags.push_back(Switch("--atomics", "join the Atomic Red Team tests of each gap"));
  gap_flags.push_back(AtomicIndexFlag());
  std::vector<Flag> gap_report = gap_flags;
  gap_report.push_back(Value("--limit", FlagType::kInt, "N", "print the first N gaps (0: all)").Default("50"));
  t.Add("gap", Gap)
      .Summary("The techniques the chosen groups use that the organization does not detect, ranked.")
      .Details("Ranked by how many of the groups use each technique; ends with the data components that\n"
               "would turn the most BLIND gaps into LOGGED, chosen greedily.")
      .Flags(gap_report)
      .Example("ttpctl --org acme gap --release enterprise-attack@18.1 --groups G0016,G0007")
      .Example("ttpctl --org acme gap --all-groups --no-software --min-groups 3 --countermeasures --atomics")
      .Example("ttpctl --org acme gap --groups-where x_acme_sector=finance");
  gap_flags.push_back(OutputFlag());
  t.Add("gap layer", GapLayer)
      .Summary("The gaps as an ATT&CK Navigator layer.")
      .Flags(gap_flags)
      .Example("ttpctl --org acme gap layer --all-groups --output gap-layer.json");
  t.Add("migrate", Migrate)
      .Summary("Plans (dry run) or applies the migration of the organization's detections to a newer release.")
      .Details("Re-maps only what needs no judgement (a revoked technique whose revoked-by chain ends in one\n"
               "active technique); splits, merges, tactic moves and major changes are listed for review.")
      .Flags({OrgFlag(), from, to, Value("--detections", FlagType::kList, "ID1,ID2", "only these detections").Default("", "all"),
              Switch("--apply", "write the migration (one atomic write); without it, a dry run"),
              Value("--generation", FlagType::kInt, "N",
                    "apply only if the organization is still at generation N (the dry run prints it); "
                    "ABORTED otherwise")
                  .Default("", "not checked")})
      .Example("ttpctl --org acme migrate --from enterprise-attack@17.1 --to enterprise-attack@18.1")
      .Example("ttpctl --org acme migrate --from 17.1 --to 18.1 --apply");
}

}  // namespace ttpctl
