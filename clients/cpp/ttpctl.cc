// ttpctl: the ttpgraph command-line client.
//
//   ttpctl [--server HOST:PORT] [--json] COMMAND ...
//
// --server defaults to $TTPGRAPH_SERVER, else 127.0.0.1:50051. With --json,
// exactly one JSON document goes to stdout; otherwise readable tables. Any
// error prints the server's message and exits non-zero.
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "clients/cpp/ttpgraph_client.h"

namespace {

using ttpgraph::Client;
namespace v1 = ttpgraph::v1;

constexpr const char* kUsage = R"(usage: ttpctl [--server HOST:PORT] [--json] COMMAND ...

releases:
  release import PATH_OR_URL... [--domain D] [--version V] [--replace] [--sha256 HEX] [--server-side]
  release import --index URL_OR_PATH [--collection DOMAIN] [--versions V1,V2] [--replace]
  release list [--domain D]
  release show RELEASE
  release delete RELEASE
queries (RELEASE is DOMAIN@VERSION or DOMAIN@latest; default enterprise-attack@latest):
  object show ID --release R [--type STIX_TYPE]
  object search TEXT --release R [--type STIX_TYPE]... [--include-revoked] [--include-deprecated]
  tactic list --release R
  technique list --release R [--tactic SHORTNAME] [--platform P] [--search TEXT] [--no-subtechniques]
                 [--include-revoked] [--include-deprecated]
  technique groups|software|campaigns|users|mitigations|detectability|subtechniques|tactics|procedures TECH_ID --release R
  group techniques GROUP_ID --release R [--no-direct] [--no-software] [--no-campaigns]
  group software|campaigns GROUP_ID --release R
)";

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> flags;  // flag -> values ("" for switches)
  bool Has(const std::string& f) const { return flags.count(f) > 0; }
  std::string Get(const std::string& f, const std::string& def = "") const {
    auto it = flags.find(f);
    return it == flags.end() || it->second.empty() ? def : it->second.back();
  }
};

const std::vector<std::string> kValueFlags = {"--server", "--release", "--domain", "--version", "--type", "--tactic",
                                              "--platform", "--search", "--sha256", "--index", "--collection",
                                              "--versions"};

[[noreturn]] void Die(const std::string& msg, int code = 1) {
  fprintf(stderr, "ttpctl: %s\n", msg.c_str());
  exit(code);
}

void Check(const absl::Status& s) {
  if (!s.ok()) Die(std::string(absl::StatusCodeToString(s.code())) + ": " + std::string(s.message()));
}

bool g_json = false;

void PrintJson(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.preserve_proto_field_names = true;
  o.always_print_primitive_fields = true;
  std::string out;
  auto s = google::protobuf::util::MessageToJsonString(m, &out, o);
  if (!s.ok()) Die("cannot print JSON: " + std::string(s.message()));
  fwrite(out.data(), 1, out.size(), stdout);
}

// A plain table: columns padded to their widest cell.
void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (auto& r : rows)
    for (size_t c = 0; c < r.size() && c < width.size(); ++c) width[c] = std::max(width[c], std::min<size_t>(r[c].size(), 60));
  auto line = [&](const std::vector<std::string>& r) {
    std::string out;
    for (size_t c = 0; c < r.size(); ++c) {
      std::string cell = r[c].size() > 60 ? r[c].substr(0, 57) + "..." : r[c];
      out += cell;
      if (c + 1 < r.size()) out += std::string(width[c] - cell.size() + 2, ' ');
    }
    puts(out.c_str());
  };
  line(header);
  for (auto& r : rows) line(r);
  if (rows.empty()) puts("(none)");
}

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}
std::string Ids(const google::protobuf::RepeatedPtrField<v1::AttackObject>& v) {
  std::string out;
  for (auto& o : v) out += (out.empty() ? "" : ", ") + (o.attack_id().empty() ? o.stix_id() : o.attack_id());
  return out;
}
std::string Status(const v1::AttackObject& o) {
  return o.revoked() ? "revoked" : o.deprecated() ? "deprecated" : "active";
}

void PrintObjects(const v1::ObjectList& list) {
  if (g_json) return PrintJson(list);
  std::vector<std::vector<std::string>> rows;
  for (auto& o : list.objects()) rows.push_back({o.attack_id(), o.name(), o.type(), Join(o.tactics()), Status(o)});
  PrintTable({"ID", "NAME", "TYPE", "TACTICS", "STATUS"}, rows);
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// enterprise-attack-18.1.json.gz -> (enterprise-attack, 18.1)
bool DomainVersionFromName(const std::string& path, std::string* domain, std::string* version) {
  static const std::regex re(R"(((?:enterprise|mobile|ics)-attack)-(\d+(?:\.\d+)*)\.json(?:\.gz)?$)");
  std::smatch m;
  if (!std::regex_search(path, m, re)) return false;
  *domain = m[1];
  *version = m[2];
  return true;
}

void ProgressBar(const std::string& label, size_t done, size_t total) {
  if (!isatty(STDERR_FILENO) || total == 0) return;
  int pct = static_cast<int>(done * 100 / total);
  int filled = pct * 30 / 100;
  fprintf(stderr, "\r%-40.40s [%s%s] %3d%% %6.1f MB", label.c_str(), std::string(filled, '#').c_str(),
          std::string(30 - filled, ' ').c_str(), pct, done / 1048576.0);
  if (done == total) fprintf(stderr, "\n");
}

void PrintImportResults(const v1::ImportReleaseFromResponse& all) {
  if (g_json) return PrintJson(all);
  std::vector<std::vector<std::string>> rows;
  for (auto& r : all.results())
    rows.push_back({r.release().name(), v1::ImportReleaseResponse::Outcome_Name(r.outcome()),
                    std::to_string(r.release().object_count()), std::to_string(r.release().new_objects_stored()),
                    std::to_string(r.release().dangling_relationships())});
  PrintTable({"RELEASE", "OUTCOME", "OBJECTS", "NEW STORED", "DANGLING"}, rows);
  for (auto& r : all.results()) {
    std::string counts;
    for (auto& [type, n] : std::map<std::string, int64_t>(r.release().counts_by_type().begin(),
                                                          r.release().counts_by_type().end()))
      counts += (counts.empty() ? "" : ", ") + type + "=" + std::to_string(n);
    printf("%s: %s\n", r.release().name().c_str(), counts.c_str());
  }
}

int ReleaseCommand(Client& c, const Args& a) {
  if (a.positional.size() < 2) Die("release: import, list, show or delete?", 2);
  const std::string& verb = a.positional[1];
  if (verb == "import") {
    v1::ImportOptions base;
    base.set_domain(a.Get("--domain"));
    base.set_version(a.Get("--version"));
    base.set_replace(a.Has("--replace"));
    base.set_sha256(a.Get("--sha256"));
    v1::ImportReleaseFromResponse all;
    if (a.Has("--index")) {
      v1::ImportReleaseFromRequest req;
      req.set_collection_index(a.Get("--index"));
      *req.mutable_options() = base;
      req.mutable_options()->clear_domain();
      req.mutable_options()->clear_version();
      req.set_collection(a.Get("--collection"));
      std::stringstream vs(a.Get("--versions"));
      for (std::string v; std::getline(vs, v, ',');)
        if (!v.empty()) req.add_versions(v);
      Check(c.ImportFrom(req, &all));
    }
    if (a.positional.size() < 3 && !a.Has("--index")) Die("release import: give at least one PATH or URL", 2);
    for (size_t i = 2; i < a.positional.size(); ++i) {
      const std::string& src = a.positional[i];
      v1::ImportOptions opts = base;
      std::string d, v;
      if (DomainVersionFromName(src, &d, &v)) {
        if (opts.domain().empty()) opts.set_domain(d);
        if (opts.version().empty()) opts.set_version(v);
      }
      if (src.find("://") != std::string::npos || a.Has("--server-side")) {
        v1::ImportReleaseFromRequest req;
        if (src.find("://") != std::string::npos) req.set_url(src);
        else req.set_path(src);
        *req.mutable_options() = opts;
        v1::ImportReleaseFromResponse resp;
        Check(c.ImportFrom(req, &resp));
        all.MergeFrom(resp);
        continue;
      }
      std::string bytes = ReadFileOrDie(src);
      std::string label = src.substr(src.rfind('/') == std::string::npos ? 0 : src.rfind('/') + 1);
      auto status = c.ImportBundle(bytes, opts, all.add_results(),
                                   [&](size_t done, size_t total) { ProgressBar(label, done, total); });
      if (!status.ok()) Check(absl::Status(status.code(), src + ": " + std::string(status.message())));
    }
    PrintImportResults(all);
    return 0;
  }
  if (verb == "list") {
    v1::ListReleasesRequest req;
    req.set_domain(a.Get("--domain"));
    v1::ListReleasesResponse resp;
    Check(c.CallAllPages(&v1::ReleaseService::Stub::ListReleases, req, &resp));
    if (g_json) return PrintJson(resp), 0;
    std::vector<std::vector<std::string>> rows;
    for (auto& r : resp.releases())
      rows.push_back({r.name(), r.spec_version(), std::to_string(r.object_count()),
                      std::to_string(r.counts_by_type().count("attack-pattern") ? r.counts_by_type().at("attack-pattern") : 0),
                      r.imported_at(), r.content_sha256().substr(0, 12)});
    PrintTable({"RELEASE", "STIX", "OBJECTS", "TECHNIQUES", "IMPORTED", "SHA256"}, rows);
    return 0;
  }
  if (a.positional.size() < 3) Die("release " + verb + ": give a RELEASE (DOMAIN@VERSION)", 2);
  if (verb == "show") {
    v1::GetReleaseRequest req;
    req.set_release(a.positional[2]);
    v1::Release resp;
    Check(c.Call(&v1::ReleaseService::Stub::GetRelease, req, &resp));
    if (g_json) return PrintJson(resp), 0;
    printf("release:   %s\nstix:      %s\nobjects:   %lld\ndangling:  %lld\nimported:  %s\nsha256:    %s\n",
           resp.name().c_str(), resp.spec_version().c_str(), static_cast<long long>(resp.object_count()),
           static_cast<long long>(resp.dangling_relationships()), resp.imported_at().c_str(),
           resp.content_sha256().c_str());
    for (auto& [type, n] : std::map<std::string, int64_t>(resp.counts_by_type().begin(), resp.counts_by_type().end()))
      printf("  %-28s %lld\n", type.c_str(), static_cast<long long>(n));
    return 0;
  }
  if (verb == "delete") {
    v1::DeleteReleaseRequest req;
    req.set_release(a.positional[2]);
    v1::DeleteReleaseResponse resp;
    Check(c.Call(&v1::ReleaseService::Stub::DeleteRelease, req, &resp));
    if (g_json) return PrintJson(resp), 0;
    printf("deleted %s (%lld objects freed)\n", resp.release().name().c_str(),
           static_cast<long long>(resp.objects_freed()));
    return 0;
  }
  Die("release: unknown command '" + verb + "'", 2);
}

std::string ReleaseOf(const Args& a) { return a.Get("--release", "enterprise-attack@latest"); }

int ObjectCommand(Client& c, const Args& a) {
  if (a.positional.size() < 3) Die("object: show ID or search TEXT", 2);
  const std::string& verb = a.positional[1];
  if (verb == "show") {
    v1::GetObjectRequest req;
    req.set_release(ReleaseOf(a));
    req.set_id(a.positional[2]);
    req.set_type(a.Get("--type"));
    v1::GetObjectResponse resp;
    Check(c.Call(&v1::KnowledgeService::Stub::GetObject, req, &resp));
    if (g_json) return PrintJson(resp), 0;
    const auto& o = resp.object();
    printf("%s  %s\n", o.attack_id().c_str(), o.name().c_str());
    printf("  type:      %s\n  stix id:   %s\n  status:    %s%s\n  version:   %s\n  modified:  %s\n", o.type().c_str(),
           o.stix_id().c_str(), Status(o).c_str(), o.in_domain() ? "" : " (outside this domain)", o.version().c_str(),
           o.modified().c_str());
    if (o.tactics_size()) printf("  tactics:   %s\n", Join(o.tactics()).c_str());
    if (o.platforms_size()) printf("  platforms: %s\n", Join(o.platforms()).c_str());
    if (o.aliases_size()) printf("  aliases:   %s\n", Join(o.aliases()).c_str());
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
    req.set_release(ReleaseOf(a));
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
    req.set_release(ReleaseOf(a));
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
  v1::TechniqueRequest req;
  req.set_release(ReleaseOf(a));
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
    if (g_json) return PrintJson(resp), 0;
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
    if (g_json) return PrintJson(resp), 0;
    std::vector<std::vector<std::string>> rows;
    for (auto& m : resp.mitigations()) rows.push_back({m.mitigation().attack_id(), m.mitigation().name(), m.description()});
    PrintTable({"ID", "NAME", "HOW"}, rows);
    return 0;
  }
  if (verb == "procedures") {
    v1::ProcedureExamplesResponse resp;
    Check(c.CallAllPages(&v1::KnowledgeService::Stub::GetProcedureExamples, req, &resp));
    if (g_json) return PrintJson(resp), 0;
    std::vector<std::vector<std::string>> rows;
    for (auto& p : resp.examples()) rows.push_back({p.user().attack_id(), p.user().name(), p.description()});
    PrintTable({"ID", "NAME", "PROCEDURE"}, rows);
    return 0;
  }
  if (verb == "detectability") {
    v1::DetectabilityResponse resp;
    Check(c.CallAllPages(&v1::KnowledgeService::Stub::GetDetectability, req, &resp));
    if (g_json) return PrintJson(resp), 0;
    std::vector<std::vector<std::string>> rows;
    for (auto& d : resp.data_components()) {
      std::string ls;
      for (auto& l : d.log_sources()) ls += (ls.empty() ? "" : "; ") + l.name() + (l.channel().empty() ? "" : " " + l.channel());
      rows.push_back({d.data_component().attack_id(), d.data_component().name(),
                      d.via_detects_relationship() ? "detects" : Join(d.detection_strategies()), ls});
    }
    PrintTable({"ID", "DATA COMPONENT", "VIA", "LOG SOURCES"}, rows);
    return 0;
  }
  if (verb == "subtechniques") {
    v1::SubtechniquesResponse resp;
    Check(c.CallAllPages(&v1::KnowledgeService::Stub::GetSubtechniques, req, &resp));
    if (g_json) return PrintJson(resp), 0;
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
    req.set_release(ReleaseOf(a));
    req.set_group(a.positional[2]);
    req.set_exclude_direct(a.Has("--no-direct"));
    req.set_exclude_software(a.Has("--no-software"));
    req.set_exclude_campaigns(a.Has("--no-campaigns"));
    v1::GroupTechniquesResponse resp;
    Check(c.CallAllPages(&v1::KnowledgeService::Stub::GetGroupTechniques, req, &resp));
    if (g_json) return PrintJson(resp), 0;
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
  req.set_release(ReleaseOf(a));
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
  req.set_release(ReleaseOf(a));
  v1::ObjectList resp;
  Check(c.CallAllPages(&v1::KnowledgeService::Stub::ListTactics, req, &resp));
  if (g_json) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& t : resp.objects()) rows.push_back({t.attack_id(), t.name(), Join(t.aliases())});
  PrintTable({"ID", "NAME", ""}, rows);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--help" || s == "-h") {
      fputs(kUsage, stdout);
      return 0;
    }
    if (s.rfind("--", 0) == 0) {
      auto eq = s.find('=');
      std::string name = s.substr(0, eq);
      bool takes_value = std::find(kValueFlags.begin(), kValueFlags.end(), name) != kValueFlags.end();
      if (eq != std::string::npos) a.flags[name].push_back(s.substr(eq + 1));
      else if (takes_value) {
        if (i + 1 >= argc) Die(name + " needs a value", 2);
        a.flags[name].push_back(argv[++i]);
      } else {
        a.flags[name];
      }
    } else {
      a.positional.push_back(s);
    }
  }
  if (a.positional.empty()) {
    fputs(kUsage, stderr);
    return 2;
  }
  g_json = a.Has("--json");
  const char* env = getenv("TTPGRAPH_SERVER");
  Client client(a.Get("--server", env && *env ? env : "127.0.0.1:50051"));
  const std::string& cmd = a.positional[0];
  if (cmd == "release") return ReleaseCommand(client, a);
  if (cmd == "object") return ObjectCommand(client, a);
  if (cmd == "technique") return TechniqueCommand(client, a);
  if (cmd == "group") return GroupCommand(client, a);
  if (cmd == "tactic") return TacticCommand(client, a);
  fputs(kUsage, stderr);
  Die("unknown command '" + cmd + "'", 2);
}
