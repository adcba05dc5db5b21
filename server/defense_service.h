// DefenseService: D3FEND countermeasures and Atomic Red Team tests (see
// proto/ttpgraph/v1/d3fend_service.proto), and DefenseCache, the shared,
// immutable indexes the other services join to their answers:
//
//   DefenseCache* defense = server.defense();
//   auto d3f = defense->D3fend("");                  // newest D3FEND version
//   CountermeasureAnswer a = (*d3f)->CountermeasuresFor("T1059");
//   auto atomic = defense->Atomic("");               // the "default" index
//   std::vector<const AtomicTest*> tests = (*atomic)->TestsFor("T1059.001");
//
// Thread safety: DefenseCache and the service are safe for concurrent use;
// the indexes they hand out are immutable (shared_ptr<const ...>).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "graph/d3fend_mapping.h"
#include "server/graph_cache.h"
#include "server/server.h"
#include "storage/atomic_store.h"
#include "storage/d3fend_store.h"
#include "ttpgraph/v1/d3fend_service.grpc.pb.h"

namespace ttpgraph {

class DefenseCache {
 public:
  explicit DefenseCache(Store* store) : d3fend_store_(store), atomic_store_(store) {}

  // `version` "" or "latest": the newest imported. NOT_FOUND when not imported.
  absl::StatusOr<std::shared_ptr<const D3fendIndex>> D3fend(std::string_view version);
  // `name` "": kDefaultAtomicIndex. NOT_FOUND when not imported.
  absl::StatusOr<std::shared_ptr<const AtomicIndex>> Atomic(std::string_view name);

  D3fendStore& d3fend_store() { return d3fend_store_; }
  AtomicStore& atomic_store() { return atomic_store_; }
  // After an import: keep the freshly built index; after a delete/replace: drop it.
  void PutD3fend(const std::string& version, std::shared_ptr<const D3fendIndex> index);
  void PutAtomic(const std::string& name, std::shared_ptr<const AtomicIndex> index);
  void EvictD3fend(const std::string& version);
  void EvictAtomic(const std::string& name);
  // Revoked-by successors of one release graph, built on first use.
  std::shared_ptr<const RevokedInto> RevokedFor(const std::shared_ptr<const ReleaseGraph>& g);

 private:
  D3fendStore d3fend_store_;
  AtomicStore atomic_store_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const D3fendIndex>> d3fend_;
  std::map<std::string, std::shared_ptr<const AtomicIndex>> atomic_;
  struct RevokedEntry {
    std::weak_ptr<const ReleaseGraph> graph;  // the entry is stale once the graph is gone
    std::shared_ptr<const RevokedInto> revoked;
  };
  std::map<std::string, RevokedEntry> revoked_;  // by release name
};

class DefenseServiceImpl final : public v1::DefenseService::Service {
 public:
  DefenseServiceImpl(DefenseCache* cache, GraphCache* graphs, const ServerLimits& limits)
      : cache_(cache), graphs_(graphs), limits_(limits) {}

  grpc::Status ImportD3fend(grpc::ServerContext*, grpc::ServerReader<v1::ImportD3fendRequest>*,
                            v1::ImportD3fendResponse*) override;
  grpc::Status ImportD3fendFrom(grpc::ServerContext*, const v1::ImportD3fendFromRequest*,
                                v1::ImportD3fendResponse*) override;
  grpc::Status ListD3fendVersions(grpc::ServerContext*, const v1::ListD3fendVersionsRequest*,
                                  v1::ListD3fendVersionsResponse*) override;
  grpc::Status DeleteD3fendVersion(grpc::ServerContext*, const v1::DeleteD3fendVersionRequest*,
                                   v1::DeleteD3fendVersionResponse*) override;
  grpc::Status GetCountermeasures(grpc::ServerContext*, const v1::GetCountermeasuresRequest*,
                                  v1::GetCountermeasuresResponse*) override;
  grpc::Status GetCounteredTechniques(grpc::ServerContext*, const v1::GetCounteredTechniquesRequest*,
                                      v1::GetCounteredTechniquesResponse*) override;
  grpc::Status GetD3fendTree(grpc::ServerContext*, const v1::GetD3fendTreeRequest*,
                             v1::GetD3fendTreeResponse*) override;
  grpc::Status GetD3fendTacticCounts(grpc::ServerContext*, const v1::GetD3fendTacticCountsRequest*,
                                     v1::GetD3fendTacticCountsResponse*) override;
  grpc::Status ImportAtomicIndex(grpc::ServerContext*, grpc::ServerReader<v1::ImportAtomicIndexRequest>*,
                                 v1::ImportAtomicIndexResponse*) override;
  grpc::Status ImportAtomicIndexFrom(grpc::ServerContext*, const v1::ImportAtomicIndexFromRequest*,
                                     v1::ImportAtomicIndexResponse*) override;
  grpc::Status ListAtomicIndexes(grpc::ServerContext*, const v1::ListAtomicIndexesRequest*,
                                 v1::ListAtomicIndexesResponse*) override;
  grpc::Status GetAtomicTests(grpc::ServerContext*, const v1::GetAtomicTestsRequest*,
                              v1::GetAtomicTestsResponse*) override;
  grpc::Status ListValidatableTechniques(grpc::ServerContext*, const v1::ListValidatableTechniquesRequest*,
                                         v1::ListValidatableTechniquesResponse*) override;

  // Gunzips, parses, infers and stores one ontology (all or nothing).
  absl::Status ImportD3fendBytes(std::string bytes, const v1::D3fendImportOptions& options,
                                 v1::ImportD3fendResponse* resp);
  absl::Status ImportAtomicBytes(std::string bytes, const v1::AtomicImportOptions& options,
                                 v1::ImportAtomicIndexResponse* resp);

 private:
  DefenseCache* cache_;
  GraphCache* graphs_;
  ServerLimits limits_;
};

}  // namespace ttpgraph
