// ttpctl object / tactic / technique / group: questions about one release.
#include "clients/cpp/ttpctl/common.h"

namespace ttpctl {
namespace {

// The last word of the command: "technique groups" -> "groups".
std::string Verb(const Args& a) { return a.Name().substr(a.Name().rfind(' ') + 1); }

int ObjectShow(Client& c, const Args& a) {
  v1::GetObjectRequest req;
  req.set_release(a.Get("--release"));
  req.set_id(a.operands[0]);
  req.set_type(a.Get("--type"));
  v1::GetObjectResponse resp;
  Check(c.Call(&v1::KnowledgeService::Stub::GetObject, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  const auto& o = resp.object();
  printf("%s  %s\n", o.attack_id().c_str(), o.name().c_str());
  printf("  type:      %s\n  stix id:   %s\n  status:    %s%s\n  version:   %s\n  modified:  %s\n", o.type().c_str(),
         o.stix_id().c_str(), StatusWord(o).c_str(), o.in_domain() ? "" : " (outside this domain)", o.version().c_str(),
         o.modified().c_str());
  if (o.tactics_size()) printf("  tactics:   %s\n", JoinStrings(o.tactics()).c_str());
  if (o.platforms_size()) printf("  platforms: %s\n", JoinStrings(o.platforms()).c_str());
  if (o.aliases_size()) printf("  aliases:   %s\n", JoinStrings(o.aliases()).c_str());
  if (resp.has_parent()) printf("  parent:    %s %s\n", resp.parent().attack_id().c_str(), resp.parent().name().c_str());
  if (resp.has_revoked_by()) {
    printf("  revoked by: %s", Ids(resp.revoked_by().hops()).c_str());
    printf("%s\n", resp.revoked_by().cycle() ? " (cycle)" : "");
  }
  if (!o.url().empty()) printf("  url:       %s\n", o.url().c_str());
  if (!o.description().empty()) printf("\n%s\n", o.description().c_str());
  return 0;
}

int ObjectSearch(Client& c, const Args& a) {
  if (a.operands.empty() == !a.Has("--search")) UsageError(a, "give the TEXT to search for (as TEXT or --search TEXT)");
  v1::SearchObjectsRequest req;
  req.set_release(a.Get("--release"));
  req.set_query(a.operands.empty() ? a.Get("--search") : a.operands[0]);
  for (auto& t : a.List("--type")) req.add_types(t);
  req.set_include_revoked(a.Has("--include-revoked"));
  req.set_include_deprecated(a.Has("--include-deprecated"));
  v1::ObjectList resp;
  Check(c.CallAllPages(&v1::KnowledgeService::Stub::SearchObjects, req, &resp));
  PrintObjects(resp);
  return 0;
}

int TechniqueList(Client& c, const Args& a) {
  v1::ListTechniquesRequest req;
  req.set_release(a.Get("--release"));
  req.set_tactic(a.Get("--tactic"));
  req.set_platform(a.Get("--platform"));
  req.set_query(a.Get("--search"));
  req.set_exclude_subtechniques(a.Has("--no-subtechniques"));
  req.set_include_revoked(a.Has("--include-revoked"));
  req.set_include_deprecated(a.Has("--include-deprecated"));
  v1::ObjectList resp;
  Check(c.CallAllPages(&v1::KnowledgeService::Stub::ListTechniques, req, &resp));
  PrintObjects(resp);
  return 0;
}

int TechniqueUsers(Client& c, const Args& a) {
  const std::string verb = Verb(a);
  v1::TechniqueUsersRequest ureq;
  ureq.set_release(a.Get("--release"));
  ureq.set_technique(a.operands[0]);
  ureq.set_user_type(verb == "groups"     ? v1::TechniqueUsersRequest::USER_TYPE_GROUPS
                     : verb == "software" ? v1::TechniqueUsersRequest::USER_TYPE_SOFTWARE
                     : verb == "campaigns" ? v1::TechniqueUsersRequest::USER_TYPE_CAMPAIGNS
                                           : v1::TechniqueUsersRequest::USER_TYPE_UNSPECIFIED);
  v1::TechniqueUsersResponse resp;
  Check(c.CallAllPages(&v1::KnowledgeService::Stub::GetTechniqueUsers, ureq, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& u : resp.users())
    rows.push_back({u.user().attack_id(), u.user().name(), u.user().type(), u.direct() ? "yes" : "",
                    Ids(u.via_software()), Ids(u.via_campaigns())});
  PrintTable({"ID", "NAME", "TYPE", "DIRECT", "VIA SOFTWARE", "VIA CAMPAIGNS"}, rows);
  return 0;
}

// The questions on one technique that take a TechniqueRequest.
int TechniqueQuery(Client& c, const Args& a) {
  const std::string verb = Verb(a);
  v1::TechniqueRequest req;
  req.set_release(a.Get("--release"));
  req.set_technique(a.operands[0]);
  if (verb == "mitigations") {
    v1::MitigationsResponse resp;
    Check(c.CallAllPages(&v1::KnowledgeService::Stub::GetTechniqueMitigations, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    std::vector<std::vector<std::string>> rows;
    for (auto& m : resp.mitigations()) rows.push_back({m.mitigation().attack_id(), m.mitigation().name(), m.description()});
    PrintTable({"ID", "NAME", "HOW"}, rows);
    return 0;
  }
  if (verb == "procedures") {
    v1::ProcedureExamplesResponse resp;
    Check(c.CallAllPages(&v1::KnowledgeService::Stub::GetProcedureExamples, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    std::vector<std::vector<std::string>> rows;
    for (auto& p : resp.examples()) rows.push_back({p.user().attack_id(), p.user().name(), p.description()});
    PrintTable({"ID", "NAME", "PROCEDURE"}, rows);
    return 0;
  }
  if (verb == "detectability") {
    v1::DetectabilityResponse resp;
    Check(c.CallAllPages(&v1::KnowledgeService::Stub::GetDetectability, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    std::vector<std::vector<std::string>> rows;
    for (auto& d : resp.data_components()) {
      std::string ls;
      for (auto& l : d.log_sources()) ls += (ls.empty() ? "" : "; ") + l.name() + (l.channel().empty() ? "" : " " + l.channel());
      rows.push_back({d.data_component().attack_id(), d.data_component().name(),
                      d.via_detects_relationship() ? "detects" : JoinStrings(d.detection_strategies()), ls});
    }
    PrintTable({"ID", "DATA COMPONENT", "VIA", "LOG SOURCES"}, rows);
    return 0;
  }
  if (verb == "subtechniques") {
    v1::SubtechniquesResponse resp;
    Check(c.CallAllPages(&v1::KnowledgeService::Stub::GetSubtechniques, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    if (resp.has_parent()) printf("parent: %s %s\n", resp.parent().attack_id().c_str(), resp.parent().name().c_str());
    v1::ObjectList list;
    *list.mutable_objects() = resp.subtechniques();
    PrintObjects(list);
    return 0;
  }
  v1::ObjectList resp;  // tactics
  Check(c.CallAllPages(&v1::KnowledgeService::Stub::GetTechniqueTactics, req, &resp));
  PrintObjects(resp);
  return 0;
}

int GroupTechniques(Client& c, const Args& a) {
  v1::GroupTechniquesRequest req;
  req.set_release(a.Get("--release"));
  req.set_group(a.operands[0]);
  req.set_exclude_direct(a.Has("--no-direct"));
  req.set_exclude_software(a.Has("--no-software"));
  req.set_exclude_campaigns(a.Has("--no-campaigns"));
  // The table shows IDs and names only; --json hands over every field.
  if (JsonOutput()) req.set_view(v1::OBJECT_VIEW_FULL);
  v1::GroupTechniquesResponse resp;
  Check(c.CallAllPages(&v1::KnowledgeService::Stub::GetGroupTechniques, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("%s %s: %d techniques\n", resp.group().attack_id().c_str(), resp.group().name().c_str(),
         resp.techniques_size());
  std::vector<std::vector<std::string>> rows;
  for (auto& t : resp.techniques())
    rows.push_back({t.technique().attack_id(), t.technique().name(), t.direct() ? "yes" : "", Ids(t.via_software()),
                    Ids(t.via_campaigns())});
  PrintTable({"ID", "NAME", "DIRECT", "VIA SOFTWARE", "VIA CAMPAIGNS"}, rows);
  return 0;
}

int GroupObjects(Client& c, const Args& a) {
  v1::GroupRequest req;
  req.set_release(a.Get("--release"));
  req.set_group(a.operands[0]);
  v1::ObjectList resp;
  Check(c.CallAllPages(Verb(a) == "software" ? &v1::KnowledgeService::Stub::GetGroupSoftware
                                             : &v1::KnowledgeService::Stub::GetGroupCampaigns,
                       req, &resp));
  PrintObjects(resp);
  return 0;
}

int TacticList(Client& c, const Args& a) {
  v1::ListTacticsRequest req;
  req.set_release(a.Get("--release"));
  v1::ObjectList resp;
  Check(c.CallAllPages(&v1::KnowledgeService::Stub::ListTactics, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& t : resp.objects()) rows.push_back({t.attack_id(), t.name(), JoinStrings(t.aliases())});
  PrintTable({"ID", "NAME", ""}, rows);
  return 0;
}

}  // namespace

void AddKnowledgeCommands(CommandTable& t) {
  t.Add("object show", ObjectShow)
      .Operands("ID", 1, 1)
      .Summary("Shows one object by ATT&CK ID or STIX id; a revoked one with its revoked-by chain.")
      .Flags({ReleaseFlag(),
              Value("--type", FlagType::kString, "STIX_TYPE", "the object's STIX type, when an ATT&CK ID names several "
                                                               "(T1003: a technique and an old mitigation)")})
      .Example("ttpctl object show T1059.001 --release enterprise-attack@18.1")
      .Example("ttpctl object show T1003 --type attack-pattern");
  t.Add("object search", ObjectSearch)
      .Operands("[TEXT]", 0, 1)
      .Summary("Finds objects whose name, alias or ATT&CK ID contains TEXT.")
      .Flags({ReleaseFlag(), SearchFlag("the text to find (the same as the TEXT operand)"),
              Value("--type", FlagType::kList, "STIX_TYPE", "only these STIX types").Default("", "every ATT&CK type"),
              IncludeRevokedFlag(), IncludeDeprecatedFlag()})
      .Example("ttpctl object search cozy --release enterprise-attack@18.1")
      .Example("ttpctl object search --search powershell --type attack-pattern,malware");
  t.Add("technique list", TechniqueList)
      .Summary("Lists a release's techniques (active ones unless asked).")
      .Flags({ReleaseFlag(), TacticFlag(), PlatformFlag(),
              SearchFlag("only techniques whose name or alias contains TEXT"),
              Switch("--no-subtechniques", "leave out sub-techniques"), IncludeRevokedFlag(), IncludeDeprecatedFlag()})
      .Example("ttpctl technique list --release enterprise-attack@18.1 --tactic execution --platform Linux")
      .Example("ttpctl technique list --search powershell --no-subtechniques");
  const std::vector<std::pair<std::string, std::string>> users = {
      {"groups", "Lists the groups that use a technique (directly, via software, via campaigns)."},
      {"software", "Lists the software that uses a technique."},
      {"campaigns", "Lists the campaigns that use a technique."},
      {"users", "Lists every group, software and campaign that uses a technique."}};
  for (auto& [verb, summary] : users)
    t.Add("technique " + verb, TechniqueUsers)
        .Operands("TECH_ID", 1, 1)
        .Summary(summary)
        .Flags({ReleaseFlag()})
        .Example("ttpctl technique " + verb + " T1059.001 --release enterprise-attack@18.1");
  const std::vector<std::pair<std::string, std::string>> queries = {
      {"mitigations", "Lists the mitigations of a technique."},
      {"procedures", "Lists the procedure examples of a technique."},
      {"detectability", "Lists the data components (and ATT&CK 18 log sources) that can see a technique."},
      {"subtechniques", "Lists a technique's sub-techniques, or a sub-technique's parent."},
      {"tactics", "Lists a technique's tactics in matrix order."}};
  for (auto& [verb, summary] : queries)
    t.Add("technique " + verb, TechniqueQuery)
        .Operands("TECH_ID", 1, 1)
        .Summary(summary)
        .Flags({ReleaseFlag()})
        .Example("ttpctl technique " + verb + " T1059 --release enterprise-attack@18.1");
  t.Add("tactic list", TacticList)
      .Summary("Lists a release's tactics in matrix order.")
      .Flags({ReleaseFlag()})
      .Example("ttpctl tactic list --release mobile-attack@latest");
  std::vector<Flag> group_flags = UsagePathFlags();
  group_flags.insert(group_flags.begin(), ReleaseFlag());
  t.Add("group techniques", GroupTechniques)
      .Operands("GROUP_ID", 1, 1)
      .Summary("Lists the techniques a group uses, each with its provenance (direct, software, campaigns).")
      .Flags(group_flags)
      .Example("ttpctl group techniques G0016 --release enterprise-attack@18.1")
      .Example("ttpctl group techniques G0016 --no-software");
  t.Add("group software", GroupObjects)
      .Operands("GROUP_ID", 1, 1)
      .Summary("Lists the software a group uses.")
      .Flags({ReleaseFlag()})
      .Example("ttpctl group software G0016");
  t.Add("group campaigns", GroupObjects)
      .Operands("GROUP_ID", 1, 1)
      .Summary("Lists the campaigns attributed to a group.")
      .Flags({ReleaseFlag()})
      .Example("ttpctl group campaigns G0016");
}

}  // namespace ttpctl
