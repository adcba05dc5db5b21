// AnalysisService: version diff between releases and group overlap (see
// proto/ttpgraph/v1/analysis_service.proto). Organization-dependent calls
// (gap, migration plan, ApplyMigration) are to be added here.
//
// Caches, keyed by the identity of the cached ReleaseGraph (so a replaced or
// deleted release is never answered from a stale entry): the last few diff
// reports (a paged diff computes once) and one GroupTechniqueIndex per
// (release, usage paths).
//
// Thread safety: safe for concurrent RPCs.
#pragma once

#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "graph/diff.h"
#include "graph/overlap.h"
#include "server/graph_cache.h"
#include "storage/store.h"
#include "ttpgraph/v1/analysis_service.grpc.pb.h"

namespace ttpgraph {

class AnalysisServiceImpl final : public v1::AnalysisService::Service {
 public:
  AnalysisServiceImpl(const Store* store, GraphCache* graphs) : store_(store), graphs_(graphs) {}

  grpc::Status DiffReleases(grpc::ServerContext*, const v1::DiffReleasesRequest*, v1::DiffReleasesResponse*) override;
  grpc::Status GetDiffLayer(grpc::ServerContext*, const v1::DiffLayerRequest*, v1::LayerResponse*) override;
  grpc::Status GetOverlap(grpc::ServerContext*, const v1::OverlapRequest*, v1::OverlapResponse*) override;
  grpc::Status GetSimilarGroups(grpc::ServerContext*, const v1::SimilarGroupsRequest*,
                                v1::SimilarGroupsResponse*) override;
  grpc::Status GetOverlapLayer(grpc::ServerContext*, const v1::OverlapRequest*, v1::LayerResponse*) override;

  using GraphPtr = std::shared_ptr<const ReleaseGraph>;
  struct DiffEntry {
    GraphPtr from, to;
    DiffReport report;
  };
  struct IndexEntry {
    GraphPtr graph;
    std::unique_ptr<GroupTechniqueIndex> index;
  };

 private:
  // The diff of two releases, computed once while both graphs stay cached.
  absl::StatusOr<std::shared_ptr<const DiffEntry>> Diff(const std::string& from, const std::string& to,
                                                        const QueryLimits& limits);
  absl::StatusOr<std::shared_ptr<const IndexEntry>> Index(const std::string& release, const UsagePaths& paths,
                                                          const QueryLimits& limits);

  const Store* store_;
  GraphCache* graphs_;
  std::mutex mu_;
  std::list<std::shared_ptr<const DiffEntry>> diffs_;  // most recent first, at most kDiffCacheSize
  std::map<std::string, std::shared_ptr<const IndexEntry>> indexes_;
};

}  // namespace ttpgraph
