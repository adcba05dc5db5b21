#include "server/core/releases.h"

#include <chrono>
#include <system_error>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "server/core/fetch.h"
#include "server/log.h"
#include "storage/import/bundle_parser.h"
#include "storage/import/collection_index.h"
#include "storage/import/decompress.h"
#include "storage/import/sha256.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

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

// Serializes "is there room for one more release?" with the write that adds
// it, so concurrent imports cannot pass max_releases together. (The store
// serializes its writes anyway.)
absl::Mutex release_count_mu;

absl::StatusOr<Store::PutResult> PutWithinLimit(Application& app, const ParsedBundle& bundle, bool replace,
                                                const AuditEntry* audit) {
  absl::MutexLock lock(&release_count_mu);
  auto existing = app.store().GetRelease(bundle.id);
  if (absl::IsNotFound(existing.status())) {
    auto all = app.store().ListReleases();
    if (!all.ok()) return all.status();
    if (all->size() >= app.limits().max_releases)
      return absl::ResourceExhaustedError(Cat("the server already holds ", all->size(), " releases, its limit (max_releases, "
                                              "--max-releases); delete one first; nothing was written"));
  } else if (!existing.ok()) {
    return existing.status();
  }
  return app.store().PutRelease(bundle, replace, audit);
}

absl::StatusOr<ReleaseImport> ImportBundle(Application& app, std::string bytes, const ReleaseImportOptions& options,
                                           AuditEntry* audit) {
  const ServerLimits& limits = app.limits();
  auto t0 = std::chrono::steady_clock::now();
  // The digest of the bytes as sent is kept with the release (release list
  // shows it), so a client whose answer was lost can tell whether its import
  // committed; ~5 ms for a gzip bundle, ~30 ms for a plain one.
  const std::string source_sha256 = Sha256Hex(bytes);
  if (!options.sha256.empty() && ToLower(options.sha256) != source_sha256)
    return absl::InvalidArgumentError(Cat("sha256 mismatch: the content's digest is not ", options.sha256));
  auto text = VerifyAndGunzip(std::move(bytes), "", "",
                              GunzipLimits{limits.max_bundle_bytes, limits.max_inflation_ratio});
  if (!text.ok()) return text.status();
  std::string gunzip_ms = MsSince(t0);
  auto t1 = std::chrono::steady_clock::now();
  BundleParseOptions po;
  po.domain = options.domain;
  po.version = options.version;
  po.source_name = options.source_name;
  po.kill_chain = options.kill_chain;
  po.lenient = options.lenient;
  po.max_depth = limits.max_json_depth;
  po.max_objects = limits.max_objects;
  po.max_unknown_objects = limits.max_unknown_objects;
  po.max_object_bytes = limits.max_stix_object_bytes;
  po.max_name_bytes = limits.max_name_bytes;
  po.buffer_capacity = text->capacity();
  auto bundle = ParseBundle(*text, po);
  if (!bundle.ok()) return bundle.status();
  bundle->source_sha256 = source_sha256;
  std::string parse_ms = MsSince(t1);
  auto t2 = std::chrono::steady_clock::now();
  if (audit) audit->Affect(bundle->id.Name());
  auto put = PutWithinLimit(app, *bundle, options.replace, audit);
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
  r.reidentified = std::move(bundle->reidentified);
  r.sources = std::move(bundle->sources);
  FreeInBackground(std::move(*text), std::move(bundle->objects));
  LogInfo("import", {{"release", bundle->id.Name()},
                     {"outcome", put->outcome == Store::PutOutcome::kCreated     ? "CREATED"
                                 : put->outcome == Store::PutOutcome::kUnchanged ? "UNCHANGED"
                                                                                 : "REPLACED"},
                     {"objects", std::to_string(put->info.object_count)},
                     {"new_objects", std::to_string(put->info.new_objects_stored)},
                     {"reidentified", std::to_string(r.reidentified.size())},
                     {"gunzip_ms", gunzip_ms}, {"parse_ms", parse_ms}, {"store_ms", store_ms}});
  return r;
}

// Errors start with "<source>: " unless `source` is empty (a streamed upload).
absl::StatusOr<ReleaseImport> ImportText(Application& app, std::string bytes, const ReleaseImportOptions& options,
                                         std::string_view source, AuditEntry* audit) {
  auto r = ImportBundle(app, std::move(bytes), options, audit);
  if (!r.ok() && !source.empty()) return absl::Status(r.status().code(), Cat(source, ": ", r.status().message()));
  return r;
}

// Where a collection index entry points, resolved against the index's own
// location: an https index lists https URLs only ("/x" is on its host, "x"
// beside it); an index on the server may also list paths ("x" beside it).
absl::StatusOr<std::string> ResolveEntry(const std::string& index, const CollectionVersion& v) {
  const std::string& url = v.url;
  if (url.empty())
    return absl::InvalidArgumentError(Cat("collection index: ", v.json_path, " gives only a taxii_url; ",
                                          "the server reads bundles by url"));
  const bool remote_index = IsRemoteUrl(index);
  if (remote_index && (StartsWith(ToLower(url), "file:") || (Contains(url, "://") && !IsRemoteUrl(url))))
    return absl::InvalidArgumentError(Cat("collection index: ", v.json_path, ".url: an index fetched over https lists "
                                          "only https URLs, not '", RedactUrl(url), "'"));
  if (Contains(url, "://")) return url;
  if (remote_index) {
    const size_t host = index.find("://") + 3;
    const size_t path = index.find('/', host);
    if (StartsWith(url, "/")) return Cat(index.substr(0, path == std::string::npos ? index.size() : path), url);
    const size_t slash = index.rfind('/');
    return Cat(index.substr(0, slash + 1), url);
  }
  if (StartsWith(url, "/")) return url;
  const size_t slash = index.rfind('/');
  return slash == std::string::npos ? url : Cat(index.substr(0, slash + 1), url);
}

// Reads one release a collection index lists and imports it, checking the
// sha256 of `options` or else the index's, when either is given.
absl::StatusOr<ReleaseImport> ImportListed(Application& app, const IndexedRelease& listed,
                                           const ReleaseImportOptions& options, const QueryLimits& limits,
                                           AuditEntry* audit, ImportMeter* meter) {
  const std::string name = listed.id.Name();
  if (!listed.location.ok())
    return absl::Status(listed.location.status().code(), Cat(name, ": ", listed.location.status().message()));
  const std::string where = Cat(name, " (", RedactUrl(*listed.location), ")");
  auto bytes = ReadSource(*listed.location, app.limits().max_upload_bytes, app.limits(), limits);
  if (!bytes.ok()) return absl::Status(bytes.status().code(), Cat(name, ": ", bytes.status().message()));
  meter->AddBytes(bytes->size());
  ReleaseImportOptions o = options;
  o.domain = listed.id.domain;
  o.version = listed.entry.version;
  if (o.sha256.empty()) o.sha256 = listed.entry.sha256;  // the index's own digest, when it gives one
  return ImportText(app, std::move(*bytes), o, where, audit);
}

}  // namespace

absl::StatusOr<std::vector<IndexedRelease>> ReadReleaseIndex(Application& app, const std::string& index,
                                                             const QueryLimits& limits) {
  auto text = ReadSource(index, app.limits().max_index_bytes, app.limits(), limits);
  if (!text.ok()) return text.status();
  auto parsed = ParseCollectionIndex(*text);
  if (!parsed.ok()) return absl::Status(parsed.status().code(), Cat(RedactUrl(index), ": ", parsed.status().message()));
  std::vector<IndexedRelease> out;
  for (CollectionVersion& v : parsed->versions) {
    auto version = Version::Parse(v.version);  // dotted numbers, as the parser checked
    if (v.domain.empty() || !version.ok()) continue;
    out.push_back(IndexedRelease{ReleaseId{v.domain, *version}, ResolveEntry(index, v), std::move(v)});
  }
  return out;
}

absl::StatusOr<ReleaseImport> ImportIndexedRelease(Application& app, const IndexedRelease& listed,
                                                   const QueryLimits& limits, AuditEntry* audit) {
  auto slot = app.imports().Enter(limits);
  if (!slot.ok()) return slot.status();
  ImportMeter meter(app.observer(), "release");
  return meter.Result(ImportListed(app, listed, ReleaseImportOptions{}, limits, audit, &meter));
}

namespace {

absl::StatusOr<std::vector<ReleaseImport>> ImportCollectionIndex(Application& app, const ReleaseSource& source,
                                                                 const ReleaseImportOptions& options,
                                                                 const QueryLimits& limits, AuditEntry* audit) {
  auto listed = ReadReleaseIndex(app, source.collection_index, limits);
  if (!listed.ok()) return listed.status();
  std::vector<const IndexedRelease*> jobs;
  std::vector<std::string> available;
  for (const IndexedRelease& r : *listed) {
    const CollectionVersion& v = r.entry;
    if (!source.collection.empty() && source.collection != v.collection && source.collection != v.domain) continue;
    available.push_back(r.id.Name());
    bool wanted = source.versions.empty();
    for (auto& w : source.versions) {
      auto a = Version::Parse(w), b = Version::Parse(v.version);
      if (a.ok() && b.ok() && *a == *b) wanted = true;
    }
    if (!wanted) continue;
    if (!r.location.ok())
      return absl::Status(r.location.status().code(),
                          Cat(RedactUrl(source.collection_index), ": ", r.location.status().message()));
    jobs.push_back(&r);
  }
  if (jobs.empty())
    return absl::NotFoundError(Cat("the collection index lists none of the requested versions; it has: ",
                                   available.empty() ? std::string("nothing") : Join(available, ", ")));
  if (!options.sha256.empty() && jobs.size() != 1)
    return absl::InvalidArgumentError("a sha256 can only be checked when one version is imported");
  std::vector<ReleaseImport> out;
  for (const IndexedRelease* job : jobs) {
    ImportMeter meter(app.observer(), "release");
    auto r = meter.Result(ImportListed(app, *job, options, limits, audit, &meter));
    if (!r.ok()) return r.status();
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace

absl::StatusOr<ReleaseImport> ImportRelease(Application& app, std::string bytes, const ReleaseImportOptions& options,
                                            const QueryLimits& limits, AuditEntry* audit) {
  auto slot = app.imports().Enter(limits);
  if (!slot.ok()) return slot.status();
  std::string data = std::move(bytes);  // freed before the slot
  ImportMeter meter(app.observer(), "release", data.size());
  if (absl::Status s = limits.Check("receiving the bundle"); !s.ok()) return s;
  return meter.Result(ImportText(app, std::move(data), options, "", audit));
}

absl::StatusOr<std::vector<ReleaseImport>> ImportReleaseFrom(Application& app, const ReleaseSource& source,
                                                             const ReleaseImportOptions& options,
                                                             const QueryLimits& limits, AuditEntry* audit) {
  if (absl::Status s = limits.Check("starting the import"); !s.ok()) return s;
  const int given = !source.path.empty() + !source.url.empty() + !source.collection_index.empty();
  if (given != 1) return absl::InvalidArgumentError("give exactly one source: path, url or collection_index");
  const std::string& src = source.path.empty() ? source.url : source.path;
  if (!source.url.empty() && !Contains(src, "://"))
    return absl::InvalidArgumentError(Cat("url '", RedactUrl(src), "' has no scheme (https://...)"));
  auto slot = app.imports().Enter(limits);
  if (!slot.ok()) return slot.status();
  if (!source.collection_index.empty()) return ImportCollectionIndex(app, source, options, limits, audit);
  if (!source.path.empty() && IsRemoteUrl(src))
    return absl::InvalidArgumentError(Cat("path '", RedactUrl(src), "' is a URL: give it as the url"));
  // A path, or a file:// URL in either field, is read under the import root.
  ImportMeter meter(app.observer(), "release");
  auto bytes = ReadSource(src, app.limits().max_upload_bytes, app.limits(), limits);
  if (!bytes.ok()) return bytes.status();
  meter.AddBytes(bytes->size());
  auto r = meter.Result(ImportText(app, std::move(*bytes), options, RedactUrl(src), audit));
  if (!r.ok()) return r.status();
  return std::vector<ReleaseImport>{std::move(*r)};
}

absl::StatusOr<std::vector<ReleaseInfo>> ListReleases(Application& app, std::string_view domain) {
  auto all = app.store().ListReleases();
  if (!all.ok()) return all.status();
  std::vector<ReleaseInfo> out;
  for (auto& r : *all)
    if (domain.empty() || r.id.domain == domain) out.push_back(std::move(r));
  if (!domain.empty() && out.empty() && !IsKnownDomain(domain))
    return absl::InvalidArgumentError(UnknownDomainMessage(domain));
  return out;
}

absl::StatusOr<ReleaseInfo> GetRelease(Application& app, std::string_view release) {
  auto ref = ReleaseRef::Parse(release);
  if (!ref.ok()) return ref.status();
  auto id = app.store().Resolve(*ref);
  if (!id.ok()) return id.status();
  return app.store().GetRelease(*id);
}

namespace {

// FAILED_PRECONDITION naming the organizations (the first few) that map to
// `id`: by its exact version, or by DOMAIN@latest when it is the domain's only
// release (deleting it would leave them mapped to nothing). A release that is
// not stored passes, so the store's NOT_FOUND answers.
absl::Status CheckNoOrgMapsTo(Application& app, const ReleaseId& id) {
  auto all = app.store().ListReleases();
  if (!all.ok()) return all.status();
  int in_domain = 0;
  bool stored = false;
  for (const ReleaseInfo& r : *all) {
    if (r.id.domain != id.domain) continue;
    ++in_domain;
    stored = stored || r.id.version == id.version;
  }
  if (!stored) return absl::OkStatus();
  auto orgs = app.orgs().ListOrgs();
  if (!orgs.ok()) return orgs.status();
  std::vector<std::string> mapped;
  for (const Organization& o : *orgs) {
    auto ref = ReleaseRef::Parse(o.release);
    if (!ref.ok() || ref->domain != id.domain) continue;
    if (ref->latest ? in_domain == 1 : ref->version == id.version) mapped.push_back(o.id);
  }
  if (mapped.empty()) return absl::OkStatus();
  const size_t shown = std::min<size_t>(mapped.size(), 5);
  return absl::FailedPreconditionError(
      Cat("release ", id.Name(), " is in use: ", mapped.size(), " organization", mapped.size() == 1 ? "" : "s",
          " map", mapped.size() == 1 ? "s" : "", " to it (", Join(std::vector<std::string>(mapped.begin(), mapped.begin() + shown), ", "),
          mapped.size() > shown ? ", ..." : "", "); map them to another release (org update --release) first, or give --force to delete it "
          "anyway (their coverage then answers NOT_FOUND); nothing was deleted"));
}

}  // namespace

absl::StatusOr<Store::DeleteResult> DeleteRelease(Application& app, std::string_view release, bool force,
                                                  AuditEntry* audit) {
  auto ref = ReleaseRef::Parse(release);
  if (!ref.ok()) return ref.status();
  if (ref->latest) return absl::InvalidArgumentError("name the exact version to delete, not @latest");
  const ReleaseId id{ref->domain, ref->version};
  if (auto s = CheckNoOrgMapsTo(app, id); !s.ok()) {
    if (!force || !absl::IsFailedPrecondition(s)) return s;
    LogWarn("release deleted with --force while organizations map to it", {{"release", id.Name()},
                                                                           {"refusal", std::string(s.message())}});
  }
  if (audit) audit->Affect(id.Name());
  auto deleted = app.store().DeleteRelease(id, audit);
  if (!deleted.ok()) return deleted.status();
  app.releases().Evict(deleted->info.id);
  app.diffs().Drop(deleted->info.id);
  return deleted;
}

}  // namespace ttpgraph::core
