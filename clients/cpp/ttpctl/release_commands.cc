// ttpctl release ...: import, list, show and delete ATT&CK releases.
#include <map>
#include <regex>

#include "absl/strings/str_join.h"
#include "clients/cpp/ttpctl/common.h"

namespace ttpctl {
namespace {

// enterprise-attack-18.1.json.gz -> (enterprise-attack, 18.1)
bool DomainVersionFromName(const std::string& path, std::string* domain, std::string* version) {
  static const std::regex re(R"(((?:enterprise|mobile|ics)-attack)-(\d+(?:\.\d+)*)\.json(?:\.gz)?$)");
  std::smatch m;
  if (!std::regex_search(path, m, re)) return false;
  *domain = m[1];
  *version = m[2];
  return true;
}

void PrintImportResults(const v1::ImportReleaseFromResponse& all) {
  if (JsonOutput()) return PrintJson(all);
  std::vector<std::vector<std::string>> rows;
  for (auto& r : all.results())
    rows.push_back({r.release().name(), EnumLabel(r.outcome()),
                    std::to_string(r.release().object_count()), std::to_string(r.release().new_objects_stored()),
                    std::to_string(r.release().dangling_relationships())});
  PrintTable({"RELEASE", "OUTCOME", "OBJECTS", "NEW STORED", "DANGLING"}, rows);
  std::vector<std::vector<std::string>> moved;
  for (auto& r : all.results())
    for (auto& o : r.reidentified())
      moved.push_back({r.release().name(), std::to_string(o.index()), o.type(), o.old_id(), o.new_id()});
  if (!moved.empty()) {
    printf("\n%zu object%s re-identified (--lenient: their ids were taken by objects of different content):\n",
           moved.size(), moved.size() == 1 ? "" : "s");
    PrintTable({"RELEASE", "INDEX", "TYPE", "OLD ID", "NEW ID"}, moved);
    printf("\n");
  }
  for (auto& r : all.results()) {
    std::string counts;
    for (auto& [type, n] : std::map<std::string, int64_t>(r.release().counts_by_type().begin(),
                                                          r.release().counts_by_type().end()))
      counts += (counts.empty() ? "" : ", ") + type + "=" + std::to_string(n);
    printf("%s: %s\n", r.release().name().c_str(), counts.c_str());
  }
}

int ReleaseImport(Client& c, const Args& a) {
  if (a.operands.empty() && !a.Has("--index")) UsageError(a, "give at least one PATH or URL, or --index");
  v1::ImportOptions base;
  base.set_domain(a.Get("--domain"));
  base.set_version(a.Get("--version"));
  base.set_replace(a.Has("--replace"));
  base.set_sha256(a.Get("--sha256"));
  base.set_source_name(a.Get("--source-name"));
  base.set_kill_chain(a.Get("--kill-chain"));
  base.set_lenient(a.Has("--lenient"));
  v1::ImportReleaseFromResponse all;
  if (a.Has("--index")) {
    v1::ImportReleaseFromRequest req;
    req.set_collection_index(a.Get("--index"));
    *req.mutable_options() = base;
    req.mutable_options()->clear_domain();
    req.mutable_options()->clear_version();
    req.set_collection(a.Get("--collection"));
    for (const std::string& v : a.List("--versions")) req.add_versions(v);
    Check(c.ImportFrom(req, &all));
  }
  for (const std::string& src : a.operands) {
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
    std::string label = BaseName(src);
    auto status = c.ImportBundle(bytes, opts, all.add_results(),
                                 [&](size_t done, size_t total) { ProgressBar(label, done, total); });
    if (!status.ok()) Check(absl::Status(status.code(), src + ": " + std::string(status.message())));
  }
  PrintImportResults(all);
  return 0;
}

int ReleaseList(Client& c, const Args& a) {
  v1::ListReleasesRequest req;
  req.set_domain(a.Get("--domain"));
  v1::ListReleasesResponse resp;
  Check(c.CallAllPages(&v1::ReleaseService::Stub::ListReleases, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& r : resp.releases())
    rows.push_back({r.name(), r.spec_version(), std::to_string(r.object_count()),
                    std::to_string(r.counts_by_type().count("attack-pattern") ? r.counts_by_type().at("attack-pattern") : 0),
                    r.imported_at(), r.content_sha256().substr(0, 12),
                    r.source_sha256().empty() ? "-" : r.source_sha256().substr(0, 12)});
  PrintTable({"RELEASE", "STIX", "OBJECTS", "TECHNIQUES", "IMPORTED", "SHA256", "SOURCE SHA256"}, rows);
  if (resp.has_sync()) {  // the server syncs from a collection index (ttpgraphd --sync-index)
    const v1::SyncStatus& sync = resp.sync();
    std::string domains = absl::StrJoin(sync.domains(), ",");
    std::string last = absl::StrJoin(sync.last_imported(), ", ");
    printf("\nsync:         %s every %s%s\n", sync.index().c_str(), sync.interval().c_str(),
           domains.empty() ? "" : (" (" + domains + ")").c_str());
    printf("last pass:    %s\n", sync.last_attempt().empty() ? "none yet" : sync.last_attempt().c_str());
    printf("last success: %s\n", sync.last_success().empty() ? "never" : sync.last_success().c_str());
    printf("imported:     %lld since start%s\n", static_cast<long long>(sync.releases_imported()),
           last.empty() ? "" : (" (last pass: " + last + ")").c_str());
    if (!sync.last_error().empty()) printf("last error:   %s\n", sync.last_error().c_str());
  }
  return 0;
}

int ReleaseShow(Client& c, const Args& a) {
  v1::GetReleaseRequest req;
  req.set_release(a.operands[0]);
  v1::Release resp;
  Check(c.Call(&v1::ReleaseService::Stub::GetRelease, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("release:   %s\nstix:      %s\nobjects:   %lld\ndangling:  %lld\nimported:  %s\nsha256:    %s\nsource:    %s\n",
         resp.name().c_str(), resp.spec_version().c_str(), static_cast<long long>(resp.object_count()),
         static_cast<long long>(resp.dangling_relationships()), resp.imported_at().c_str(),
         resp.content_sha256().c_str(), resp.source_sha256().empty() ? "-" : resp.source_sha256().c_str());
  for (auto& [type, n] : std::map<std::string, int64_t>(resp.counts_by_type().begin(), resp.counts_by_type().end()))
    printf("  %-28s %lld\n", type.c_str(), static_cast<long long>(n));
  return 0;
}

int ReleaseDelete(Client& c, const Args& a) {
  Confirm(a, "delete release " + a.operands[0] + (a.Has("--force") ? " even if organizations map to it" : ""));
  v1::DeleteReleaseRequest req;
  req.set_release(a.operands[0]);
  req.set_force(a.Has("--force"));
  v1::DeleteReleaseResponse resp;
  Check(c.Call(&v1::ReleaseService::Stub::DeleteRelease, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("deleted %s (%lld objects freed)\n", resp.release().name().c_str(),
         static_cast<long long>(resp.objects_freed()));
  return 0;
}

}  // namespace

void AddReleaseCommands(CommandTable& t) {
  const Flag domain = Value("--domain", FlagType::kString, "DOMAIN",
                            "the domain: enterprise-attack, mobile-attack, ics-attack, or a framework's (atlas)");
  t.Add("release import", ReleaseImport)
      .Operands("PATH_OR_URL...", 0, -1)
      .Summary("Imports ATT&CK STIX bundles (files, URLs the server fetches, or a collection index).")
      .Details(
          "Each PATH is uploaded (plain JSON or gzip, STIX 2.0 or 2.1); a URL (https://...) or, with\n"
          "--server-side, a PATH is read by the server itself. Domain and version come from the bundle's\n"
          "x-mitre-collection or from the file name (enterprise-attack-18.1.json.gz); --domain and\n"
          "--version name them otherwise. Re-importing the identical bundle is a no-op (UNCHANGED).\n"
          "Another framework in ATT&CK's shape (ATLAS, a Workbench framework) imports as a domain of its\n"
          "own: its source name (the external references its IDs are under) and kill-chain name come\n"
          "from its x-mitre-matrix, or --source-name and --kill-chain; its domain from --domain or the\n"
          "matrix's external_id. A bundle reusing an id for objects of different content is refused,\n"
          "naming the first; --lenient imports it, gives each such object an id derived from its\n"
          "content and lists them.\n"
          "A progress bar shows on stderr when it is a terminal.")
      .Flags({domain,
              Value("--version", FlagType::kString, "VERSION", "the ATT&CK version of the bundle (18.1)"),
              ReplaceFlag(), Sha256Flag(), ServerSideFlag(),
              Value("--source-name", FlagType::kString, "NAME",
                    "the framework's external-reference source name (mitre-atlas)").Default("", "its x-mitre-matrix's, or MITRE's"),
              Value("--kill-chain", FlagType::kString, "NAME", "the framework's kill-chain name").Default("", "the source name"),
              Switch("--lenient", "re-identify objects whose id an object of different content took, and list them"),
              Value("--index", FlagType::kString, "URL_OR_PATH", "import from a collection index (attack-stix-data index.json)"),
              Value("--collection", FlagType::kString, "DOMAIN", "with --index: only this collection").Default("", "every collection"),
              Value("--versions", FlagType::kList, "V1,V2", "with --index: only these versions").Default("", "every version")})
      .Example("ttpctl release import ../shared/data/attack/enterprise-attack-18.1.json.gz")
      .Example("ttpctl release import bundle.json --domain mobile-attack --version 18.1")
      .Example("ttpctl release import atlas.json --domain atlas --source-name mitre-atlas --version 4.9 --lenient")
      .Example("ttpctl release import --index https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/index.json "
               "--collection enterprise-attack --versions 17.1,18.1");
  t.Add("release list", ReleaseList)
      .Summary("Lists the imported releases.")
      .Flags({domain})
      .Example("ttpctl release list --domain enterprise-attack");
  t.Add("release show", ReleaseShow)
      .Operands("RELEASE", 1, 1)
      .Summary("Shows one release: object counts by type, digest, import time.")
      .Example("ttpctl release show enterprise-attack@18.1");
  t.Add("release delete", ReleaseDelete)
      .Operands("RELEASE", 1, 1)
      .Summary("Deletes a release (objects other releases share stay); asks first.")
      .Details(
          "Refused (FAILED_PRECONDITION, naming them) while organizations map to the release, unless\n"
          "--force: their coverage then answers NOT_FOUND until `org update --release` maps them elsewhere.")
      .Flags({YesFlag(), Switch("--force", "delete even while organizations map to the release")})
      .Example("ttpctl release delete ics-attack@18.1 --yes");
}

}  // namespace ttpctl
