// ttpctl object / tactic / technique / group: questions about one release.
#include <map>
#include <regex>

#include "clients/cpp/ttpctl/common.h"

namespace ttpctl {

// D3FEND countermeasures and Atomic tests of a technique (d3fend_commands.cc).
int DefenseTechniqueCommand(Client& c, const Args& a);

namespace {

int ObjectCommand(Client& c, const Args& a) {
  if (a.positional.size() < 3) Die("object: show ID or search TEXT", 2);
  const std::string& verb = a.positional[1];
  if (verb == "show") {
    v1::GetObjectRequest req;
    req.set_release(a.Release());
    req.set_id(a.positional[2]);
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
  if (verb == "search") {
    v1::SearchObjectsRequest req;
    req.set_release(a.Release());
    req.set_query(a.positional[2]);
    if (a.Has("--type"))
      for (auto& t : a.flags.at("--type")) req.add_types(t);
    req.set_include_revoked(a.Has("--include-revoked"));
    req.set_include_deprecated(a.Has("--include-deprecated"));
    v1::ObjectList resp;
    Check(c.CallAllPages(&v1::KnowledgeService::Stub::SearchObjects, req, &resp));
    PrintObjects(resp);
    return 0;
  }
  Die("object: unknown command '" + verb + "'", 2);
}

int TechniqueCommand(Client& c, const Args& a) {
  if (a.positional.size() < 2) Die("technique: list or a query on TECH_ID", 2);
  const std::string& verb = a.positional[1];
  if (verb == "list") {
    v1::ListTechniquesRequest req;
    req.set_release(a.Release());
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
  if (a.positional.size() < 3) Die("technique " + verb + ": give a TECH_ID", 2);
  if (verb == "countermeasures" || verb == "atomics") return DefenseTechniqueCommand(c, a);
  v1::TechniqueRequest req;
  req.set_release(a.Release());
  req.set_technique(a.positional[2]);
  if (verb == "groups" || verb == "software" || verb == "campaigns" || verb == "users") {
    v1::TechniqueUsersRequest ureq;
    ureq.set_release(req.release());
    ureq.set_technique(req.technique());
    ureq.set_user_type(verb == "groups"     ? v1::TechniqueUsersRequest::GROUPS
                       : verb == "software" ? v1::TechniqueUsersRequest::SOFTWARE
                       : verb == "campaigns" ? v1::TechniqueUsersRequest::CAMPAIGNS
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
  if (verb == "tactics") {
    v1::ObjectList resp;
    Check(c.CallAllPages(&v1::KnowledgeService::Stub::GetTechniqueTactics, req, &resp));
    PrintObjects(resp);
    return 0;
  }
  Die("technique: unknown command '" + verb + "'", 2);
}

int GroupCommand(Client& c, const Args& a) {
  if (a.positional.size() < 3) Die("group: techniques|software|campaigns GROUP_ID", 2);
  const std::string& verb = a.positional[1];
  if (verb == "techniques") {
    v1::GroupTechniquesRequest req;
    req.set_release(a.Release());
    req.set_group(a.positional[2]);
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
  v1::GroupRequest req;
  req.set_release(a.Release());
  req.set_group(a.positional[2]);
  v1::ObjectList resp;
  if (verb == "software") Check(c.CallAllPages(&v1::KnowledgeService::Stub::GetGroupSoftware, req, &resp));
  else if (verb == "campaigns") Check(c.CallAllPages(&v1::KnowledgeService::Stub::GetGroupCampaigns, req, &resp));
  else Die("group: unknown command '" + verb + "'", 2);
  PrintObjects(resp);
  return 0;
}

int TacticCommand(Client& c, const Args& a) {
  v1::ListTacticsRequest req;
  req.set_release(a.Release());
  v1::ObjectList resp;
  Check(c.CallAllPages(&v1::KnowledgeService::Stub::ListTactics, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& t : resp.objects()) rows.push_back({t.attack_id(), t.name(), JoinStrings(t.aliases())});
  PrintTable({"ID", "NAME", ""}, rows);
  return 0;
}

}  // namespace

static const Registration kObject("object", ObjectCommand,
    "  object show ID --release R [--type STIX_TYPE]\n"
    "  object search TEXT --release R [--type STIX_TYPE]... [--include-revoked] [--include-deprecated]\n",
    {"--release", "--type"});
static const Registration kTactic("tactic", TacticCommand, "  tactic list --release R\n", {"--release"});
static const Registration kTechnique("technique", TechniqueCommand,
    "  technique list --release R [--tactic SHORTNAME] [--platform P] [--search TEXT] [--no-subtechniques]\n"
    "                 [--include-revoked] [--include-deprecated]\n"
    "  technique groups|software|campaigns|users|mitigations|detectability|subtechniques|tactics|procedures TECH_ID\n"
    "                 --release R\n",
    {"--release", "--tactic", "--platform", "--search"});
static const Registration kGroup("group", GroupCommand,
    "  group techniques GROUP_ID --release R [--no-direct] [--no-software] [--no-campaigns]\n"
    "  group software|campaigns GROUP_ID --release R\n",
    {"--release"});

}  // namespace ttpctl
