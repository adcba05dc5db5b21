#include "server/core/releases.h"

#include <malloc.h>
#include <simdjson.h>

#include <chrono>
#include <system_error>
#include <thread>

#include "server/core/fetch.h"
#include "server/log.h"
#include "storage/import/bundle_parser.h"
#include "storage/import/decompress.h"
#include "storage/strings.h"

// gperftools' C API, present when ttpgraphd links tcmalloc (weak: absent in
// binaries on glibc malloc, such as the tests).
extern "C" void MallocExtension_ReleaseFreeMemory(void) __attribute__((weak));

namespace ttpgraph::core {
namespace {

void ReleaseFreeMemory() {
  if (MallocExtension_ReleaseFreeMemory) MallocExtension_ReleaseFreeMemory();
  else malloc_trim(0);
}

// Frees an import's buffers (the bundle text and ~25,000 objects, ~100 MB in
// ~75,000 allocations) and hands the memory back to the OS on a short-lived
// thread: ~20 ms that the response need not wait for.
void FreeInBackground(std::string text, std::vector<StoredObject> objects) {
  auto work = [text = std::move(text), objects = std::move(objects)]() mutable {
    text = std::string();
    objects = std::vector<StoredObject>();
    ReleaseFreeMemory();
  };
  try {
    std::thread(std::move(work)).detach();
  } catch (const std::system_error&) {
    work();
  }
}

std::string MsSince(std::chrono::steady_clock::time_point t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t).count() / 1000.0);
}

// A collection index entry's URL, resolved against the index's own location.
std::string ResolveAgainst(const std::string& base, const std::string& url) {
  if (Contains(url, "://") || StartsWith(url, "/")) return url;
  auto slash = base.rfind('/');
  return slash == std::string::npos ? url : base.substr(0, slash + 1) + url;
}

absl::StatusOr<ReleaseImport> ImportBundle(Application& app, std::string bytes, const ReleaseImportOptions& options,
                                           AuditEntry* audit);

// Errors start with "<source>: " unless `source` is empty (a streamed upload).
absl::StatusOr<ReleaseImport> ImportText(Application& app, std::string bytes, const ReleaseImportOptions& options,
                                         std::string_view source, AuditEntry* audit) {
  auto r = ImportBundle(app, std::move(bytes), options, audit);
  if (!r.ok() && !source.empty()) return absl::Status(r.status().code(), Cat(source, ": ", r.status().message()));
  return r;
}

absl::StatusOr<ReleaseImport> ImportBundle(Application& app, std::string bytes, const ReleaseImportOptions& options,
                                           AuditEntry* audit) {
  const ServerLimits& limits = app.limits();
  auto t0 = std::chrono::steady_clock::now();
  auto text = VerifyAndGunzip(std::move(bytes), options.sha256, "", limits.max_bundle_bytes);
  if (!text.ok()) return text.status();
  std::string gunzip_ms = MsSince(t0);
  auto t1 = std::chrono::steady_clock::now();
  BundleParseOptions po;
  po.domain = options.domain;
  po.version = options.version;
  po.max_depth = limits.max_json_depth;
  po.max_objects = limits.max_objects;
  po.buffer_capacity = text->capacity();
  auto bundle = ParseBundle(*text, po);
  if (!bundle.ok()) return bundle.status();
  std::string parse_ms = MsSince(t1);
  auto t2 = std::chrono::steady_clock::now();
  if (audit) audit->Affect(bundle->id.Name());
  auto put = app.store().PutRelease(*bundle, options.replace, audit);
  std::string store_ms = MsSince(t2);
  if (!put.ok()) return put.status();
  if (put->outcome == Store::PutOutcome::kReplaced) {
    app.releases().Evict(bundle->id);
    app.diffs().Drop(bundle->id);
  }
  ReleaseImport r;
  r.info = put->info;
  r.outcome = put->outcome;
  for (size_t i = 0; i < bundle->dangling_relationship_ids.size() && i < 100; ++i)
    r.dangling_relationship_ids.push_back(bundle->dangling_relationship_ids[i]);
  FreeInBackground(std::move(*text), std::move(bundle->objects));
  LogInfo("import", {{"release", bundle->id.Name()},
                     {"outcome", put->outcome == Store::PutOutcome::kCreated     ? "CREATED"
                                 : put->outcome == Store::PutOutcome::kUnchanged ? "UNCHANGED"
                                                                                 : "REPLACED"},
                     {"objects", std::to_string(put->info.object_count)},
                     {"new_objects", std::to_string(put->info.new_objects_stored)},
                     {"gunzip_ms", gunzip_ms}, {"parse_ms", parse_ms}, {"store_ms", store_ms}});
  return r;
}

absl::StatusOr<std::vector<ReleaseImport>> ImportCollectionIndex(Application& app, const ReleaseSource& source,
                                                                 const ReleaseImportOptions& options,
                                                                 AuditEntry* audit) {
  const std::string& index_src = source.collection_index;
  auto text = ReadSource(index_src, 16 << 20);
  if (!text.ok()) return text.status();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(*text).get(root) != simdjson::SUCCESS)
    return absl::InvalidArgumentError(Cat("collection index ", index_src, " is not valid JSON"));
  simdjson::dom::array collections;
  if (root["collections"].get_array().get(collections) != simdjson::SUCCESS)
    return absl::InvalidArgumentError(Cat("collection index ", index_src, " has no \"collections\" array"));

  struct Job {
    std::string url, domain, version;
  };
  std::vector<Job> jobs;
  std::vector<std::string> available;
  for (auto c : collections) {
    std::string_view name;
    if (c["name"].get_string().get(name) != simdjson::SUCCESS) continue;
    std::string domain = name.find("Enterprise") != std::string_view::npos ? "enterprise-attack"
                         : name.find("Mobile") != std::string_view::npos   ? "mobile-attack"
                         : name.find("ICS") != std::string_view::npos      ? "ics-attack"
                                                                           : "";
    if (domain.empty()) continue;
    if (!source.collection.empty() && source.collection != name && source.collection != domain) continue;
    simdjson::dom::array versions;
    if (c["versions"].get_array().get(versions) != simdjson::SUCCESS) continue;
    for (auto v : versions) {
      std::string_view version, url;
      if (v["version"].get_string().get(version) != simdjson::SUCCESS || v["url"].get_string().get(url) != simdjson::SUCCESS)
        continue;
      available.push_back(Cat(domain, "@", version));
      bool wanted = source.versions.empty();
      for (auto& w : source.versions) {
        auto a = Version::Parse(w), b = Version::Parse(version);
        if (a.ok() && b.ok() && *a == *b) wanted = true;
      }
      if (wanted) jobs.push_back({ResolveAgainst(index_src, std::string(url)), domain, std::string(version)});
    }
  }
  if (jobs.empty())
    return absl::NotFoundError(Cat("the collection index lists none of the requested versions; it has: ",
                                   available.empty() ? std::string("nothing") : Join(available, ", ")));
  if (!options.sha256.empty() && jobs.size() != 1)
    return absl::InvalidArgumentError("a sha256 can only be checked when one version is imported");
  std::vector<ReleaseImport> out;
  for (auto& job : jobs) {
    const std::string name = Cat(job.domain, "@", job.version);
    auto bytes = ReadSource(job.url, app.limits().max_upload_bytes);
    if (!bytes.ok()) return absl::Status(bytes.status().code(), Cat(name, ": ", bytes.status().message()));
    ReleaseImportOptions o = options;
    o.domain = job.domain;
    o.version = job.version;
    auto r = ImportText(app, std::move(*bytes), o, Cat(name, " (", job.url, ")"), audit);
    if (!r.ok()) return r.status();
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace

absl::StatusOr<ReleaseImport> ImportRelease(Application& app, std::string bytes, const ReleaseImportOptions& options,
                                            const QueryLimits& limits, AuditEntry* audit) {
  if (absl::Status s = limits.Check("receiving the bundle"); !s.ok()) return s;
  return ImportText(app, std::move(bytes), options, "", audit);
}

absl::StatusOr<std::vector<ReleaseImport>> ImportReleaseFrom(Application& app, const ReleaseSource& source,
                                                             const ReleaseImportOptions& options,
                                                             const QueryLimits& limits, AuditEntry* audit) {
  if (absl::Status s = limits.Check("starting the import"); !s.ok()) return s;
  const int given = !source.path.empty() + !source.url.empty() + !source.collection_index.empty();
  if (given != 1) return absl::InvalidArgumentError("give exactly one source: path, url or collection_index");
  if (!source.collection_index.empty()) return ImportCollectionIndex(app, source, options, audit);
  const std::string& src = source.path.empty() ? source.url : source.path;
  if (!source.url.empty() && !Contains(src, "://"))
    return absl::InvalidArgumentError(Cat("url '", src, "' has no scheme (https://...)"));
  auto bytes = source.path.empty() ? FetchUrl(src, app.limits().max_upload_bytes)
                                   : ReadLocalFile(src, app.limits().max_upload_bytes);
  if (!bytes.ok()) return bytes.status();
  auto r = ImportText(app, std::move(*bytes), options, src, audit);
  if (!r.ok()) return r.status();
  return std::vector<ReleaseImport>{std::move(*r)};
}

absl::StatusOr<std::vector<ReleaseInfo>> ListReleases(Application& app, std::string_view domain) {
  if (!domain.empty() && !IsKnownDomain(domain))
    return absl::InvalidArgumentError(Cat("unknown domain '", domain, "'"));
  auto all = app.store().ListReleases();
  if (!all.ok()) return all.status();
  std::vector<ReleaseInfo> out;
  for (auto& r : *all)
    if (domain.empty() || r.id.domain == domain) out.push_back(std::move(r));
  return out;
}

absl::StatusOr<ReleaseInfo> GetRelease(Application& app, std::string_view release) {
  auto ref = ReleaseRef::Parse(release);
  if (!ref.ok()) return ref.status();
  auto id = app.store().Resolve(*ref);
  if (!id.ok()) return id.status();
  return app.store().GetRelease(*id);
}

absl::StatusOr<Store::DeleteResult> DeleteRelease(Application& app, std::string_view release, AuditEntry* audit) {
  auto ref = ReleaseRef::Parse(release);
  if (!ref.ok()) return ref.status();
  if (ref->latest) return absl::InvalidArgumentError("name the exact version to delete, not @latest");
  if (audit) audit->Affect(ReleaseId{ref->domain, ref->version}.Name());
  auto deleted = app.store().DeleteRelease(ReleaseId{ref->domain, ref->version}, audit);
  if (!deleted.ok()) return deleted.status();
  app.releases().Evict(deleted->info.id);
  app.diffs().Drop(deleted->info.id);
  return deleted;
}

}  // namespace ttpgraph::core
