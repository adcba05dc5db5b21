#include "server/release_service.h"

#include <simdjson.h>

#include <malloc.h>

#include <chrono>
#include <system_error>
#include <thread>

#include "server/fetch.h"
#include "server/page_token.h"
#include "server/proto_convert.h"
#include "server/rpc_util.h"
#include "storage/import/bundle_parser.h"
#include "storage/import/decompress.h"
#include "storage/import/sha256.h"
#include "storage/strings.h"

// gperftools' C API, present when ttpgraphd links tcmalloc (weak: absent in
// binaries on glibc malloc, such as the tests).
extern "C" void MallocExtension_ReleaseFreeMemory(void) __attribute__((weak));

namespace ttpgraph {
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

v1::ImportReleaseResponse::Outcome ToProto(Store::PutOutcome o) {
  switch (o) {
    case Store::PutOutcome::kCreated: return v1::ImportReleaseResponse::CREATED;
    case Store::PutOutcome::kUnchanged: return v1::ImportReleaseResponse::UNCHANGED;
    case Store::PutOutcome::kReplaced: return v1::ImportReleaseResponse::REPLACED;
  }
  return v1::ImportReleaseResponse::OUTCOME_UNSPECIFIED;
}

absl::StatusOr<ReleaseId> ParseReleaseId(const std::string& text, const Store& store) {
  auto ref = ReleaseRef::Parse(text);
  if (!ref.ok()) return ref.status();
  return store.Resolve(*ref);
}

// A collection index entry's URL, resolved against the index's own location.
std::string ResolveAgainst(const std::string& base, const std::string& url) {
  if (Contains(url, "://") || StartsWith(url, "/")) return url;
  auto slash = base.rfind('/');
  return slash == std::string::npos ? url : base.substr(0, slash + 1) + url;
}

}  // namespace

absl::Status ReleaseServiceImpl::ImportBytes(std::string bytes, const v1::ImportOptions& options,
                                             v1::ImportReleaseResponse* resp) {
  if (!options.sha256().empty()) {
    std::string got = Sha256Hex(bytes);
    if (ToLower(options.sha256()) != got)
      return absl::InvalidArgumentError(Cat("sha256 mismatch: expected ", options.sha256(), ", got ", got));
  }
  auto t0 = std::chrono::steady_clock::now();
  auto ms_since = [](std::chrono::steady_clock::time_point t) {
    return std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t).count() / 1000.0);
  };
  auto text = MaybeGunzip(std::move(bytes), limits_.max_bundle_bytes);
  std::string gunzip_ms = ms_since(t0);
  auto t1 = std::chrono::steady_clock::now();
  if (!text.ok()) return text.status();
  BundleParseOptions po;
  po.domain = options.domain();
  po.version = options.version();
  po.max_depth = limits_.max_json_depth;
  po.max_objects = limits_.max_objects;
  po.buffer_capacity = text->capacity();
  auto bundle = ParseBundle(*text, po);
  if (!bundle.ok()) return bundle.status();
  std::string parse_ms = ms_since(t1);
  auto t2 = std::chrono::steady_clock::now();
  auto put = store_->PutRelease(*bundle, options.replace());
  std::string store_ms = ms_since(t2);
  if (!put.ok()) return put.status();
  if (put->outcome == Store::PutOutcome::kReplaced) graphs_->Evict(bundle->id);
  FreeInBackground(std::move(*text), std::move(bundle->objects));
  ttpgraph::ToProto(put->info, resp->mutable_release());
  resp->set_outcome(ToProto(put->outcome));
  for (size_t i = 0; i < bundle->dangling_relationship_ids.size() && i < 100; ++i)
    resp->add_dangling_relationship_ids(bundle->dangling_relationship_ids[i]);
  LogInfo("import", {{"release", bundle->id.Name()},
                     {"outcome", v1::ImportReleaseResponse::Outcome_Name(resp->outcome())},
                     {"objects", std::to_string(put->info.object_count)},
                     {"new_objects", std::to_string(put->info.new_objects_stored)},
                     {"gunzip_ms", gunzip_ms}, {"parse_ms", parse_ms}, {"store_ms", store_ms}});
  return absl::OkStatus();
}

grpc::Status ReleaseServiceImpl::ImportRelease(grpc::ServerContext* ctx,
                                               grpc::ServerReader<v1::ImportReleaseRequest>* reader,
                                               v1::ImportReleaseResponse* resp) {
  return Serve(ctx, "ImportRelease", [&]() -> absl::Status {
    v1::ImportReleaseRequest msg;
    v1::ImportOptions options;
    std::string bytes;
    bool first = true;
    while (reader->Read(&msg)) {
      if (first) {
        options = msg.header();
        if (options.expected_bytes() > 0 && static_cast<size_t>(options.expected_bytes()) > limits_.max_upload_bytes)
          return absl::ResourceExhaustedError(Cat("upload of ", options.expected_bytes(),
                                                  " bytes is over the limit of ", limits_.max_upload_bytes));
        if (options.expected_bytes() > 0) bytes.reserve(options.expected_bytes());
        first = false;
      } else if (msg.has_header()) {
        return absl::InvalidArgumentError("the import header may only come in the first message");
      }
      if (bytes.size() + msg.chunk().size() > limits_.max_upload_bytes)
        return absl::ResourceExhaustedError(Cat("upload exceeds the limit of ", limits_.max_upload_bytes, " bytes"));
      bytes.append(msg.chunk());
    }
    if (ctx->IsCancelled())
      return absl::CancelledError(Cat("upload cancelled after ", bytes.size(), " bytes; nothing was written"));
    if (first) return absl::InvalidArgumentError("empty upload: no messages were sent");
    if (options.expected_bytes() > 0 && static_cast<int64_t>(bytes.size()) != options.expected_bytes())
      return absl::InvalidArgumentError(Cat("upload cut off: received ", bytes.size(), " of the ",
                                            options.expected_bytes(), " bytes announced; nothing was written"));
    if (bytes.empty()) return absl::InvalidArgumentError("empty upload: no bundle bytes were sent");
    return ImportBytes(std::move(bytes), options, resp);
  });
}

grpc::Status ReleaseServiceImpl::ImportReleaseFrom(grpc::ServerContext* ctx, const v1::ImportReleaseFromRequest* req,
                                                   v1::ImportReleaseFromResponse* resp) {
  return Serve(ctx, "ImportReleaseFrom", [&]() -> absl::Status {
    switch (req->source_case()) {
      case v1::ImportReleaseFromRequest::kPath:
      case v1::ImportReleaseFromRequest::kUrl: {
        const std::string& src = req->has_path() ? req->path() : req->url();
        if (req->has_url() && !Contains(src, "://"))
          return absl::InvalidArgumentError(Cat("url '", src, "' has no scheme (https://...)"));
        auto bytes = req->has_path() ? ReadLocalFile(src, limits_.max_upload_bytes)
                                     : FetchUrl(src, limits_.max_upload_bytes);
        if (!bytes.ok()) return bytes.status();
        auto status = ImportBytes(std::move(*bytes), req->options(), resp->add_results());
        if (!status.ok()) return absl::Status(status.code(), Cat(src, ": ", status.message()));
        return status;
      }
      case v1::ImportReleaseFromRequest::kCollectionIndex:
        return ImportCollectionIndex(*req, resp);
      default:
        return absl::InvalidArgumentError("give a source: path, url or collection_index");
    }
  });
}

absl::Status ReleaseServiceImpl::ImportCollectionIndex(const v1::ImportReleaseFromRequest& req,
                                                       v1::ImportReleaseFromResponse* resp) {
  const std::string& index_src = req.collection_index();
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
    if (!req.collection().empty() && req.collection() != name && req.collection() != domain) continue;
    simdjson::dom::array versions;
    if (c["versions"].get_array().get(versions) != simdjson::SUCCESS) continue;
    for (auto v : versions) {
      std::string_view version, url;
      if (v["version"].get_string().get(version) != simdjson::SUCCESS || v["url"].get_string().get(url) != simdjson::SUCCESS)
        continue;
      available.push_back(Cat(domain, "@", version));
      bool wanted = req.versions().empty();
      for (auto& w : req.versions()) {
        auto a = Version::Parse(w), b = Version::Parse(version);
        if (a.ok() && b.ok() && *a == *b) wanted = true;
      }
      if (wanted) jobs.push_back({ResolveAgainst(index_src, std::string(url)), domain, std::string(version)});
    }
  }
  if (jobs.empty())
    return absl::NotFoundError(Cat("the collection index lists none of the requested versions; it has: ",
                                   available.empty() ? std::string("nothing") : Join(available, ", ")));
  if (!req.options().sha256().empty() && jobs.size() != 1)
    return absl::InvalidArgumentError("a sha256 can only be checked when one version is imported");
  for (auto& job : jobs) {
    auto bytes = ReadSource(job.url, limits_.max_upload_bytes);
    if (!bytes.ok()) return absl::Status(bytes.status().code(), Cat(job.domain, "@", job.version, ": ", bytes.status().message()));
    v1::ImportOptions options = req.options();
    options.set_domain(job.domain);
    options.set_version(job.version);
    auto status = ImportBytes(std::move(*bytes), options, resp->add_results());
    if (!status.ok()) return absl::Status(status.code(), Cat(job.domain, "@", job.version, " (", job.url, "): ", status.message()));
  }
  return absl::OkStatus();
}

grpc::Status ReleaseServiceImpl::ListReleases(grpc::ServerContext* ctx, const v1::ListReleasesRequest* req,
                                              v1::ListReleasesResponse* resp) {
  return Serve(ctx, "ListReleases", [&]() -> absl::Status {
    if (!req->domain().empty() && !IsKnownDomain(req->domain()))
      return absl::InvalidArgumentError(Cat("unknown domain '", req->domain(), "'"));
    auto all = store_->ListReleases();
    if (!all.ok()) return all.status();
    std::vector<ReleaseInfo> releases;
    for (auto& r : *all)
      if (req->domain().empty() || r.id.domain == req->domain()) releases.push_back(std::move(r));
    auto page = ComputePage(*req, releases.size());
    if (!page.ok()) return page.status();
    for (size_t i = page->begin; i < page->end; ++i) ttpgraph::ToProto(releases[i], resp->add_releases());
    resp->mutable_page()->set_next_page_token(page->next_page_token);
    resp->mutable_page()->set_total_size(static_cast<int32_t>(releases.size()));
    return absl::OkStatus();
  });
}

grpc::Status ReleaseServiceImpl::GetRelease(grpc::ServerContext* ctx, const v1::GetReleaseRequest* req,
                                            v1::Release* resp) {
  return Serve(ctx, "GetRelease", [&]() -> absl::Status {
    auto id = ParseReleaseId(req->release(), *store_);
    if (!id.ok()) return id.status();
    auto info = store_->GetRelease(*id);
    if (!info.ok()) return info.status();
    ttpgraph::ToProto(*info, resp);
    return absl::OkStatus();
  });
}

grpc::Status ReleaseServiceImpl::DeleteRelease(grpc::ServerContext* ctx, const v1::DeleteReleaseRequest* req,
                                               v1::DeleteReleaseResponse* resp) {
  return Serve(ctx, "DeleteRelease", [&]() -> absl::Status {
    auto ref = ReleaseRef::Parse(req->release());
    if (!ref.ok()) return ref.status();
    if (ref->latest) return absl::InvalidArgumentError("name the exact version to delete, not @latest");
    auto deleted = store_->DeleteRelease(ReleaseId{ref->domain, ref->version});
    if (!deleted.ok()) return deleted.status();
    graphs_->Evict(deleted->info.id);
    ttpgraph::ToProto(deleted->info, resp->mutable_release());
    resp->set_objects_freed(deleted->objects_freed);
    return absl::OkStatus();
  });
}

}  // namespace ttpgraph
