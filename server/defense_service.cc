#include "server/d3fend_service.h"

#include <set>

#include "absl/time/time.h"
#include "graph/queries.h"
#include "server/fetch.h"
#include "server/page_token.h"
#include "server/proto_convert.h"
#include "server/rpc_util.h"
#include "storage/import/decompress.h"
#include "storage/import/sha256.h"
#include "storage/strings.h"

namespace ttpgraph {

// ---- DefenseCache -----------------------------------------------------------------

absl::StatusOr<std::shared_ptr<const D3fendIndex>> DefenseCache::D3fend(std::string_view version) {
  auto resolved = d3fend_store_.Resolve(version);
  if (!resolved.ok()) return resolved.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = d3fend_.find(*resolved); it != d3fend_.end()) return it->second;
  }
  // Built outside the lock: a concurrent first use may build twice, both equal.
  auto onto = d3fend_store_.Load(*resolved);
  if (!onto.ok()) return onto.status();
  auto index = D3fendIndex::Build(*onto, *resolved);
  if (!index.ok()) return index.status();
  std::lock_guard<std::mutex> lock(mu_);
  return d3fend_.emplace(*resolved, *index).first->second;
}

absl::StatusOr<std::shared_ptr<const AtomicIndex>> DefenseCache::Atomic(std::string_view name) {
  std::string n(name.empty() ? kDefaultAtomicIndex : name);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = atomic_.find(n); it != atomic_.end()) return it->second;
  }
  auto index = atomic_store_.LoadIndex(n);
  if (!index.ok()) return index.status();
  std::lock_guard<std::mutex> lock(mu_);
  return atomic_.emplace(n, *index).first->second;
}

void DefenseCache::PutD3fend(const std::string& version, std::shared_ptr<const D3fendIndex> index) {
  std::lock_guard<std::mutex> lock(mu_);
  d3fend_[version] = std::move(index);
}
void DefenseCache::PutAtomic(const std::string& name, std::shared_ptr<const AtomicIndex> index) {
  std::lock_guard<std::mutex> lock(mu_);
  atomic_[name] = std::move(index);
}
void DefenseCache::EvictD3fend(const std::string& version) {
  std::lock_guard<std::mutex> lock(mu_);
  d3fend_.erase(version);
}
void DefenseCache::EvictAtomic(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  atomic_.erase(name);
}

std::shared_ptr<const RevokedInto> DefenseCache::RevokedFor(const std::shared_ptr<const ReleaseGraph>& g) {
  const std::string key = g->id().Name();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = revoked_.find(key); it != revoked_.end() && it->second.graph.lock() == g) return it->second.revoked;
  }
  auto built = BuildRevokedInto(*g, QueryLimits{});
  std::lock_guard<std::mutex> lock(mu_);
  revoked_[key] = RevokedEntry{g, built};
  return built;
}

namespace {

std::string Rfc3339(int64_t unix_ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(unix_ms), absl::UTCTimeZone());
}

void ToProto(const BlobVersionInfo& i, v1::D3fendVersion* out) {
  out->set_version(i.version);
  out->set_content_sha256(i.content_sha256);
  out->set_class_count(i.item_count);
  out->set_triple_count(i.source_count);
  out->set_imported_at(Rfc3339(i.imported_at_unix_ms));
}

void ToProto(const BlobVersionInfo& i, const AtomicIndex* index, v1::AtomicIndexInfo* out) {
  out->set_name(i.version);
  out->set_content_sha256(i.content_sha256);
  out->set_test_count(i.item_count);
  out->set_row_count(i.source_count);
  if (index) out->set_technique_count(static_cast<int32_t>(index->Techniques().size()));
  out->set_imported_at(Rfc3339(i.imported_at_unix_ms));
}

void ToProto(const D3fendIndex& idx, uint32_t t, bool with_definition, v1::D3fendTechnique* out) {
  const D3fendTechnique& d = idx.technique(t);
  out->set_d3fend_id(d.d3fend_id);
  out->set_label(d.label);
  out->set_tactic(std::string(D3fendTacticName(d.tactic)));
  out->set_name(d.name);
  if (d.parent >= 0) out->set_parent_id(idx.technique(static_cast<uint32_t>(d.parent)).d3fend_id);
  out->set_depth(d.depth);
  if (with_definition) out->set_definition(d.definition);
}

void ToProto(const D3fendIndex& idx, const ArtifactPath& p, v1::ArtifactPath* out) {
  out->set_offensive_relation(p.offensive_relation);
  out->set_offensive_artifact(p.offensive_artifact);
  out->set_offensive_artifact_label(std::string(idx.Label(p.offensive_artifact)));
  out->set_defensive_artifact(p.defensive_artifact);
  out->set_defensive_artifact_label(std::string(idx.Label(p.defensive_artifact)));
  out->set_defensive_relation(p.defensive_relation);
}

void ToProto(const AtomicTest& t, v1::AtomicTest* out) {
  out->set_guid(t.guid);
  out->set_technique_id(t.technique_id);
  out->set_technique_name(t.technique_name);
  out->set_test_number(t.test_number);
  out->set_name(t.name);
  out->set_executor(t.executor);
  for (auto& x : t.tactics) out->add_tactics(x);
}

v1::MappingStatus ToProto(MappingStatus s) {
  switch (s) {
    case MappingStatus::kMapped: return v1::MAPPED;
    case MappingStatus::kNotInD3fend: return v1::NOT_IN_D3FEND;
    case MappingStatus::kNoArtifactRelation: return v1::NO_ARTIFACT_RELATION;
    case MappingStatus::kNoMatchingCountermeasure: return v1::NO_MATCHING_COUNTERMEASURE;
  }
  return v1::MAPPING_STATUS_UNSPECIFIED;
}

std::string StatusDetail(const D3fendIndex& idx, std::string_view attack_id, const CountermeasureAnswer& a) {
  switch (a.status) {
    case MappingStatus::kMapped:
      return Cat(a.links.size(), " D3FEND technique(s) counter ", attack_id, " in D3FEND ", idx.version());
    case MappingStatus::kNotInD3fend:
      return Cat("D3FEND ", idx.version(), " does not know ATT&CK technique ", attack_id, ": no mapping");
    case MappingStatus::kNoArtifactRelation:
      return Cat("no mapping: D3FEND ", idx.version(), " writes no digital-artifact relation on ", attack_id,
                 " itself (relations are not inherited from a parent technique or tactic)");
    case MappingStatus::kNoMatchingCountermeasure: {
      std::vector<std::string> rel;
      for (auto& r : a.technique->relations) rel.push_back(Cat(r.property, " ", r.filler));
      return Cat("no mapping: ", attack_id, " ", Join(rel, ", "), ", but no D3FEND technique acts on ",
                 rel.size() > 1 ? "those artifacts" : "that artifact", " or a more general one");
    }
  }
  return "";
}

v1::D3fendImportSummary Summary(const D3fendIndex& idx) {
  v1::D3fendImportSummary s;
  s.set_d3fend_techniques(static_cast<int32_t>(idx.techniques().size()));
  s.set_attack_techniques(static_cast<int32_t>(idx.attack_techniques().size()));
  std::set<uint32_t> mapped;
  std::vector<std::set<uint32_t>> countered(kD3fendTacticCount + 1);
  for (const auto& l : idx.links()) {
    mapped.insert(l.attack);
    countered[static_cast<int>(idx.technique(l.defense).tactic)].insert(l.attack);
  }
  s.set_mapped_attack_techniques(static_cast<int32_t>(mapped.size()));
  s.set_pairs(static_cast<int32_t>(idx.links().size()));
  s.set_paths(static_cast<int32_t>(idx.path_count()));
  auto counts = idx.TacticCounts();
  for (int t = 0; t <= kD3fendTacticCount; ++t) {
    if (t == kD3fendTacticCount && counts[t] == 0) continue;  // "Unknown" only when present
    auto* c = s.add_tactics();
    c->set_tactic(std::string(D3fendTacticName(static_cast<D3fendTactic>(t))));
    c->set_techniques(counts[t]);
    c->set_countered_attack_techniques(static_cast<int32_t>(countered[t].size()));
  }
  return s;
}

// Reads a client-streamed upload: header in the first message, chunks after.
template <typename Req, typename Opts>
absl::Status ReadUpload(grpc::ServerContext* ctx, grpc::ServerReader<Req>* reader, const ServerLimits& limits,
                        Opts* options, std::string* bytes) {
  Req msg;
  bool first = true;
  while (reader->Read(&msg)) {
    if (first) {
      *options = msg.header();
      if (options->expected_bytes() > 0 && static_cast<size_t>(options->expected_bytes()) > limits.max_upload_bytes)
        return absl::ResourceExhaustedError(
            Cat("upload of ", options->expected_bytes(), " bytes is over the limit of ", limits.max_upload_bytes));
      first = false;
    } else if (msg.has_header()) {
      return absl::InvalidArgumentError("the import header may only come in the first message");
    }
    if (bytes->size() + msg.chunk().size() > limits.max_upload_bytes)
      return absl::ResourceExhaustedError(Cat("upload exceeds the limit of ", limits.max_upload_bytes, " bytes"));
    bytes->append(msg.chunk());
  }
  if (ctx->IsCancelled())
    return absl::CancelledError(Cat("upload cancelled after ", bytes->size(), " bytes; nothing was written"));
  if (first) return absl::InvalidArgumentError("empty upload: no messages were sent");
  if (options->expected_bytes() > 0 && static_cast<int64_t>(bytes->size()) != options->expected_bytes())
    return absl::InvalidArgumentError(Cat("upload cut off: received ", bytes->size(), " of the ",
                                          options->expected_bytes(), " bytes announced; nothing was written"));
  if (bytes->empty()) return absl::InvalidArgumentError("empty upload: no file bytes were sent");
  return absl::OkStatus();
}

// Checks the digest and gunzips; errors name the source.
absl::StatusOr<std::string> Unpack(std::string bytes, const std::string& sha256, const std::string& source,
                                   size_t max_bytes) {
  if (!sha256.empty()) {
    std::string got = Sha256Hex(bytes);
    if (ToLower(sha256) != got)
      return absl::InvalidArgumentError(Cat(source, ": sha256 mismatch: expected ", sha256, ", got ", got));
  }
  auto text = MaybeGunzip(std::move(bytes), max_bytes);
  if (!text.ok()) return absl::Status(text.status().code(), Cat(source, ": ", text.status().message()));
  return text;
}

// The asked technique in an ATT&CK release, followed through revoked-by.
struct Resolved {
  std::shared_ptr<const ReleaseGraph> graph;
  NodeId asked = kNoNode;
  RevokedChain chain;
  std::string attack_id;
};
absl::StatusOr<Resolved> ResolveInRelease(GraphCache* graphs, const std::string& release, const std::string& technique) {
  Resolved r;
  if (release.empty()) {
    r.attack_id = ToUpper(technique);
    return r;
  }
  auto g = graphs->Get(release);
  if (!g.ok()) return g.status();
  r.graph = *g;
  auto n = ResolveTyped(*r.graph, technique, {"attack-pattern"}, "technique");
  if (!n.ok()) return n.status();
  r.asked = *n;
  NodeId end = *n;
  if (r.graph->node(*n).revoked) {
    r.chain = FollowRevokedBy(*r.graph, *n, QueryLimits{});
    if (!r.chain.hops.empty()) end = r.chain.hops.back();
  }
  r.attack_id = r.graph->node(end).attack_id;
  return r;
}

template <typename Req, typename T, typename Emit>
absl::Status EmitPage(const Req& req, const std::vector<T>& items, v1::PageInfo* page, Emit emit) {
  auto window = ComputePage(req, items.size());
  if (!window.ok()) return window.status();
  for (size_t i = window->begin; i < window->end; ++i) emit(items[i]);
  page->set_next_page_token(window->next_page_token);
  page->set_total_size(static_cast<int32_t>(items.size()));
  return absl::OkStatus();
}

}  // namespace

// ---- D3FEND import --------------------------------------------------------------------

absl::Status DefenseServiceImpl::ImportD3fendBytes(std::string bytes, const v1::D3fendImportOptions& options,
                                                   v1::ImportD3fendResponse* resp) {
  const std::string source = options.source_name().empty() ? "upload" : options.source_name();
  if (options.version().empty())
    return absl::InvalidArgumentError(Cat(source, ": give the D3FEND version (e.g. 1.2.0); the ontology does not carry one"));
  if (auto key = D3fendStore::VersionKey(options.version()); !key.ok()) return key.status();
  auto text = Unpack(std::move(bytes), options.sha256(), source, limits_.max_bundle_bytes);
  if (!text.ok()) return text.status();
  auto onto = ParseD3fendTurtle(*text, source);
  if (!onto.ok()) return onto.status();
  text->clear();
  text->shrink_to_fit();
  const std::string& version = options.version();
  auto index = D3fendIndex::Build(*onto, version);
  if (!index.ok()) return absl::Status(index.status().code(), Cat(source, ": ", index.status().message()));
  auto put = cache_->d3fend_store().Put(version, *onto, options.replace());
  if (!put.ok()) return put.status();
  cache_->PutD3fend(version, *index);
  ToProto(put->info, resp->mutable_version());
  resp->set_outcome(put->outcome == BlobPutOutcome::kCreated     ? v1::ImportD3fendResponse::CREATED
                    : put->outcome == BlobPutOutcome::kUnchanged ? v1::ImportD3fendResponse::UNCHANGED
                                                                 : v1::ImportD3fendResponse::REPLACED);
  *resp->mutable_summary() = Summary(**index);
  LogInfo("d3fend import", {{"version", version},
                            {"outcome", v1::ImportD3fendResponse::Outcome_Name(resp->outcome())},
                            {"triples", std::to_string(onto->triple_count)},
                            {"pairs", std::to_string((*index)->links().size())}});
  return absl::OkStatus();
}

grpc::Status DefenseServiceImpl::ImportD3fend(grpc::ServerContext* ctx,
                                              grpc::ServerReader<v1::ImportD3fendRequest>* reader,
                                              v1::ImportD3fendResponse* resp) {
  return Serve(ctx, "ImportD3fend", [&]() -> absl::Status {
    v1::D3fendImportOptions options;
    std::string bytes;
    if (auto s = ReadUpload(ctx, reader, limits_, &options, &bytes); !s.ok()) return s;
    return ImportD3fendBytes(std::move(bytes), options, resp);
  });
}

grpc::Status DefenseServiceImpl::ImportD3fendFrom(grpc::ServerContext* ctx, const v1::ImportD3fendFromRequest* req,
                                                  v1::ImportD3fendResponse* resp) {
  return Serve(ctx, "ImportD3fendFrom", [&]() -> absl::Status {
    if (req->path().empty()) return absl::InvalidArgumentError("give the path of the ontology file on the server");
    auto bytes = ReadLocalFile(req->path(), limits_.max_upload_bytes);
    if (!bytes.ok()) return bytes.status();
    v1::D3fendImportOptions options = req->options();
    if (options.source_name().empty()) options.set_source_name(req->path());
    return ImportD3fendBytes(std::move(*bytes), options, resp);
  });
}

grpc::Status DefenseServiceImpl::ListD3fendVersions(grpc::ServerContext* ctx, const v1::ListD3fendVersionsRequest* req,
                                                    v1::ListD3fendVersionsResponse* resp) {
  return Serve(ctx, "ListD3fendVersions", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto all, cache_->d3fend_store().List());
    return EmitPage(*req, all, resp->mutable_page(),
                    [&](const BlobVersionInfo& i) { ToProto(i, resp->add_versions()); });
  });
}

grpc::Status DefenseServiceImpl::DeleteD3fendVersion(grpc::ServerContext* ctx,
                                                     const v1::DeleteD3fendVersionRequest* req,
                                                     v1::DeleteD3fendVersionResponse* resp) {
  return Serve(ctx, "DeleteD3fendVersion", [&]() -> absl::Status {
    if (req->version().empty() || req->version() == "latest")
      return absl::InvalidArgumentError("name the exact D3FEND version to delete, not latest");
    TTP_ASSIGN_OR_RETURN(auto info, cache_->d3fend_store().Delete(req->version()));
    cache_->EvictD3fend(info.version);
    ToProto(info, resp->mutable_version());
    return absl::OkStatus();
  });
}

// ---- D3FEND queries -------------------------------------------------------------------

grpc::Status DefenseServiceImpl::GetCountermeasures(grpc::ServerContext* ctx, const v1::GetCountermeasuresRequest* req,
                                                    v1::GetCountermeasuresResponse* resp) {
  return Serve(ctx, "GetCountermeasures", [&]() -> absl::Status {
    if (req->technique().empty()) return absl::InvalidArgumentError("give a technique (ATT&CK ID such as T1059)");
    TTP_ASSIGN_OR_RETURN(auto index, cache_->D3fend(req->d3fend_version()));
    resp->set_d3fend_version(index->version());
    struct Item {
      const CountermeasureLink* link;
      std::string via;
    };
    std::vector<Item> items;
    CountermeasureAnswer answer;
    std::string attack_id;
    if (!req->release().empty()) {
      TTP_ASSIGN_OR_RETURN(auto g, graphs_->Get(req->release()));
      auto revoked_into = cache_->RevokedFor(g);
      TTP_ASSIGN_OR_RETURN(auto rc,
                           CountermeasuresInRelease(*index, *g, req->technique(), QueryLimits{}, revoked_into.get()));
      ttpgraph::ToProto(*g, rc.asked, resp->mutable_technique());
      if (g->node(rc.asked).revoked) {
        RevokedChain chain;
        chain.hops = rc.revoked_chain;
        ttpgraph::ToProto(*g, chain, resp->mutable_revoked_by());
      }
      attack_id = g->node(rc.resolved).attack_id;
      answer = std::move(rc.answer);
      for (auto* l : answer.links) items.push_back({l, ""});
      for (auto& prev : rc.via_revoked)
        for (auto* l : prev.links) items.push_back({l, prev.technique->attack_id});
    } else {
      attack_id = ToUpper(req->technique());
      answer = index->CountermeasuresFor(attack_id);
      for (auto* l : answer.links) items.push_back({l, ""});
    }
    resp->set_attack_id(attack_id);
    if (answer.technique) resp->set_label(answer.technique->label);
    if (!items.empty() && answer.status != MappingStatus::kMapped) {
      resp->set_status(v1::MAPPED);
      resp->set_status_detail(Cat(StatusDetail(*index, attack_id, answer), "; the countermeasures listed are D3FEND's for ",
                                  "ATT&CK IDs this release revoked into ", attack_id));
    } else {
      resp->set_status(ToProto(answer.status));
      resp->set_status_detail(StatusDetail(*index, attack_id, answer));
    }
    return EmitPage(*req, items, resp->mutable_page(), [&](const Item& it) {
      auto* c = resp->add_countermeasures();
      ToProto(*index, it.link->defense, false, c->mutable_technique());
      for (const auto& p : it.link->paths) ToProto(*index, p, c->add_paths());
      c->set_via_attack_id(it.via);
    });
  });
}

grpc::Status DefenseServiceImpl::GetCounteredTechniques(grpc::ServerContext* ctx,
                                                        const v1::GetCounteredTechniquesRequest* req,
                                                        v1::GetCounteredTechniquesResponse* resp) {
  return Serve(ctx, "GetCounteredTechniques", [&]() -> absl::Status {
    if (req->d3fend_id().empty()) return absl::InvalidArgumentError("give a D3FEND technique ID such as D3-EAL");
    TTP_ASSIGN_OR_RETURN(auto index, cache_->D3fend(req->d3fend_version()));
    resp->set_d3fend_version(index->version());
    int32_t d = index->FindTechnique(req->d3fend_id());
    if (d < 0)
      return absl::NotFoundError(
          Cat("D3FEND ", index->version(), " has no defensive technique '", req->d3fend_id(), "'"));
    ToProto(*index, static_cast<uint32_t>(d), true, resp->mutable_technique());
    auto countered = index->CounteredTechniques(static_cast<uint32_t>(d));
    return EmitPage(*req, countered, resp->mutable_page(), [&](const CounteredTechnique& c) {
      auto* out = resp->add_techniques();
      out->set_attack_id(c.technique->attack_id);
      out->set_label(c.technique->label);
      out->set_deprecated(c.technique->deprecated);
      for (const auto& p : c.link->paths) ToProto(*index, p, out->add_paths());
    });
  });
}

grpc::Status DefenseServiceImpl::GetD3fendTree(grpc::ServerContext* ctx, const v1::GetD3fendTreeRequest* req,
                                               v1::GetD3fendTreeResponse* resp) {
  return Serve(ctx, "GetD3fendTree", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto index, cache_->D3fend(req->d3fend_version()));
    resp->set_d3fend_version(index->version());
    D3fendTactic filter = D3fendTactic::kUnknown;
    if (!req->tactic().empty()) {
      filter = ParseD3fendTactic(req->tactic());
      if (filter == D3fendTactic::kUnknown)
        return absl::InvalidArgumentError(Cat("unknown D3FEND tactic '", req->tactic(),
                                              "': use Model, Harden, Detect, Isolate, Deceive, Evict or Restore"));
    }
    std::vector<uint32_t> ids;
    for (uint32_t i = 0; i < index->techniques().size(); ++i)
      if (req->tactic().empty() || index->technique(i).tactic == filter) ids.push_back(i);
    return EmitPage(*req, ids, resp->mutable_page(),
                    [&](uint32_t i) { ToProto(*index, i, true, resp->add_techniques()); });
  });
}

grpc::Status DefenseServiceImpl::GetD3fendTacticCounts(grpc::ServerContext* ctx,
                                                       const v1::GetD3fendTacticCountsRequest* req,
                                                       v1::GetD3fendTacticCountsResponse* resp) {
  return Serve(ctx, "GetD3fendTacticCounts", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto index, cache_->D3fend(req->d3fend_version()));
    resp->set_d3fend_version(index->version());
    *resp->mutable_summary() = Summary(*index);
    *resp->mutable_tactics() = resp->summary().tactics();
    return absl::OkStatus();
  });
}

// ---- Atomic Red Team ------------------------------------------------------------------

absl::Status DefenseServiceImpl::ImportAtomicBytes(std::string bytes, const v1::AtomicImportOptions& options,
                                                   v1::ImportAtomicIndexResponse* resp) {
  const std::string source = options.source_name().empty() ? "upload" : options.source_name();
  const std::string name = options.name().empty() ? std::string(kDefaultAtomicIndex) : options.name();
  if (auto s = AtomicStore::ValidateName(name); !s.ok()) return s;
  auto text = Unpack(std::move(bytes), options.sha256(), source, limits_.max_bundle_bytes);
  if (!text.ok()) return text.status();
  auto data = ParseAtomicCsv(*text, source);
  if (!data.ok()) return data.status();
  if (data->tests.empty()) return absl::InvalidArgumentError(Cat(source, ": the index lists no test"));
  auto put = cache_->atomic_store().Put(name, *data, options.replace());
  if (!put.ok()) return put.status();
  auto index = std::make_shared<const AtomicIndex>(name, std::move(*data));
  cache_->PutAtomic(name, index);
  ToProto(put->info, index.get(), resp->mutable_index());
  resp->set_outcome(put->outcome == BlobPutOutcome::kCreated     ? v1::ImportAtomicIndexResponse::CREATED
                    : put->outcome == BlobPutOutcome::kUnchanged ? v1::ImportAtomicIndexResponse::UNCHANGED
                                                                 : v1::ImportAtomicIndexResponse::REPLACED);
  return absl::OkStatus();
}

grpc::Status DefenseServiceImpl::ImportAtomicIndex(grpc::ServerContext* ctx,
                                                   grpc::ServerReader<v1::ImportAtomicIndexRequest>* reader,
                                                   v1::ImportAtomicIndexResponse* resp) {
  return Serve(ctx, "ImportAtomicIndex", [&]() -> absl::Status {
    v1::AtomicImportOptions options;
    std::string bytes;
    if (auto s = ReadUpload(ctx, reader, limits_, &options, &bytes); !s.ok()) return s;
    return ImportAtomicBytes(std::move(bytes), options, resp);
  });
}

grpc::Status DefenseServiceImpl::ImportAtomicIndexFrom(grpc::ServerContext* ctx,
                                                       const v1::ImportAtomicIndexFromRequest* req,
                                                       v1::ImportAtomicIndexResponse* resp) {
  return Serve(ctx, "ImportAtomicIndexFrom", [&]() -> absl::Status {
    if (req->path().empty()) return absl::InvalidArgumentError("give the path of the CSV index on the server");
    auto bytes = ReadLocalFile(req->path(), limits_.max_upload_bytes);
    if (!bytes.ok()) return bytes.status();
    v1::AtomicImportOptions options = req->options();
    if (options.source_name().empty()) options.set_source_name(req->path());
    return ImportAtomicBytes(std::move(*bytes), options, resp);
  });
}

grpc::Status DefenseServiceImpl::ListAtomicIndexes(grpc::ServerContext* ctx, const v1::ListAtomicIndexesRequest* req,
                                                   v1::ListAtomicIndexesResponse* resp) {
  return Serve(ctx, "ListAtomicIndexes", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto all, cache_->atomic_store().List());
    return EmitPage(*req, all, resp->mutable_page(), [&](const BlobVersionInfo& i) {
      auto index = cache_->Atomic(i.version);
      ToProto(i, index.ok() ? index->get() : nullptr, resp->add_indexes());
    });
  });
}

grpc::Status DefenseServiceImpl::GetAtomicTests(grpc::ServerContext* ctx, const v1::GetAtomicTestsRequest* req,
                                                v1::GetAtomicTestsResponse* resp) {
  return Serve(ctx, "GetAtomicTests", [&]() -> absl::Status {
    if (req->technique().empty()) return absl::InvalidArgumentError("give a technique (ATT&CK ID such as T1059.001)");
    TTP_ASSIGN_OR_RETURN(auto index, cache_->Atomic(req->index()));
    TTP_ASSIGN_OR_RETURN(Resolved r, ResolveInRelease(graphs_, req->release(), req->technique()));
    resp->set_index(index->name());
    resp->set_attack_id(r.attack_id);
    if (r.graph) {
      ttpgraph::ToProto(*r.graph, r.asked, resp->mutable_technique());
      if (r.graph->node(r.asked).revoked) ttpgraph::ToProto(*r.graph, r.chain, resp->mutable_revoked_by());
    }
    auto tests = index->TestsFor(r.attack_id, req->include_subtechniques());
    return EmitPage(*req, tests, resp->mutable_page(), [&](const AtomicTest* t) { ToProto(*t, resp->add_tests()); });
  });
}

grpc::Status DefenseServiceImpl::ListValidatableTechniques(grpc::ServerContext* ctx,
                                                           const v1::ListValidatableTechniquesRequest* req,
                                                           v1::ListValidatableTechniquesResponse* resp) {
  return Serve(ctx, "ListValidatableTechniques", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto index, cache_->Atomic(req->index()));
    resp->set_index(index->name());
    std::vector<std::string> asked(req->techniques().begin(), req->techniques().end());
    if (asked.empty()) asked = index->Techniques();
    std::vector<v1::ValidatableTechnique> with;
    std::vector<std::string> without;
    for (const std::string& t : asked) {
      TTP_ASSIGN_OR_RETURN(Resolved r, ResolveInRelease(graphs_, req->release(), t));
      auto tests = index->TestsFor(r.attack_id, req->include_subtechniques());
      if (tests.empty()) {
        without.push_back(t);
        continue;
      }
      v1::ValidatableTechnique v;
      v.set_technique(t);
      v.set_attack_id(r.attack_id);
      v.set_test_count(static_cast<int32_t>(tests.size()));
      std::set<std::string> executors;
      for (auto* x : tests) executors.insert(x->executor);
      for (auto& e : executors) v.add_executors(e);
      with.push_back(std::move(v));
    }
    resp->set_with_tests_count(static_cast<int32_t>(with.size()));
    auto window = ComputePage(*req, with.size());
    if (!window.ok()) return window.status();
    // The techniques without tests come once, with the first page.
    if (window->begin == 0)
      for (auto& w : without) resp->add_without_tests(w);
    for (size_t i = window->begin; i < window->end; ++i) *resp->add_techniques() = with[i];
    resp->mutable_page()->set_next_page_token(window->next_page_token);
    resp->mutable_page()->set_total_size(static_cast<int32_t>(with.size()));
    return absl::OkStatus();
  });
}

}  // namespace ttpgraph
