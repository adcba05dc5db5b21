// ttpctl release ...: import, list, show and delete ATT&CK releases.
#include <map>
#include <regex>

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
      for (const std::string& v : CommaList(a.Get("--versions"))) req.add_versions(v);
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
    if (JsonOutput()) return PrintJson(resp), 0;
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
    if (JsonOutput()) return PrintJson(resp), 0;
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
    if (JsonOutput()) return PrintJson(resp), 0;
    printf("deleted %s (%lld objects freed)\n", resp.release().name().c_str(),
           static_cast<long long>(resp.objects_freed()));
    return 0;
  }
  Die("release: unknown command '" + verb + "'", 2);
}

}  // namespace

static const Registration kRelease("release", ReleaseCommand,
    "  release import PATH_OR_URL... [--domain D] [--version V] [--replace] [--sha256 HEX] [--server-side]\n"
    "  release import --index URL_OR_PATH [--collection DOMAIN] [--versions V1,V2] [--replace]\n"
    "  release list [--domain D]\n"
    "  release show RELEASE\n"
    "  release delete RELEASE\n",
    {"--domain", "--version", "--sha256", "--index", "--collection", "--versions"});

}  // namespace ttpctl
