// AnalysisService: version diff between releases, group overlap, and the
// organization-dependent gap and migration (see
// proto/ttpgraph/v1/analysis_service.proto).
//
// Caches, keyed by the identity of the cached ReleaseGraph (so a replaced or
// deleted release is never answered from a stale entry): the last few diff
// reports (a paged diff computes once), one GroupTechniqueIndex and one
// GroupUsageIndex per (release, usage paths), one DetectabilityIndex per
// release; and a decoded OrgView per organization, revalidated against the
// organization's `generation` on every call.
//
// Organization data is read and written only through the OrgStore given
// (the OrgService's, so writes are serialized with its own), always scoped
// to the request's org_id.
//
// Thread safety: safe for concurrent RPCs.
#pragma once

#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "graph/coverage.h"
#include "graph/detectability.h"
#include "graph/diff.h"
#include "graph/gaps.h"
#include "graph/migration.h"
#include "graph/overlap.h"
#include "server/graph_cache.h"
#include "storage/org_store.h"
#include "storage/store.h"
#include "ttpgraph/v1/analysis_service.grpc.pb.h"

namespace ttpgraph {

class DefenseCache;

class AnalysisServiceImpl final : public v1::AnalysisService::Service {
 public:
  // `orgs` and `defense` may be null (organization calls then answer
  // FAILED_PRECONDITION, countermeasures and Atomic tests NOT_FOUND); all
  // pointers must outlive the service.
  AnalysisServiceImpl(const Store* store, GraphCache* graphs, OrgStore* orgs = nullptr,
                      DefenseCache* defense = nullptr)
      : store_(store), graphs_(graphs), orgs_(orgs), defense_(defense) {}

  grpc::Status DiffReleases(grpc::ServerContext*, const v1::DiffReleasesRequest*, v1::DiffReleasesResponse*) override;
  grpc::Status GetDiffLayer(grpc::ServerContext*, const v1::DiffLayerRequest*, v1::LayerResponse*) override;
  grpc::Status GetOverlap(grpc::ServerContext*, const v1::OverlapRequest*, v1::OverlapResponse*) override;
  grpc::Status GetSimilarGroups(grpc::ServerContext*, const v1::SimilarGroupsRequest*,
                                v1::SimilarGroupsResponse*) override;
  grpc::Status GetOverlapLayer(grpc::ServerContext*, const v1::OverlapRequest*, v1::LayerResponse*) override;
  grpc::Status GetGap(grpc::ServerContext*, const v1::GapRequest*, v1::GapResponse*) override;
  grpc::Status GetGapLayer(grpc::ServerContext*, const v1::GapRequest*, v1::LayerResponse*) override;
  grpc::Status PlanMigration(grpc::ServerContext*, const v1::MigrationRequest*, v1::MigrationPlan*) override;
  grpc::Status ApplyMigration(grpc::ServerContext*, const v1::ApplyMigrationRequest*,
                              v1::ApplyMigrationResponse*) override;

  // The handler bodies without gRPC (benchmarks measure "server-side" here).
  absl::Status Gap(const v1::GapRequest& req, const QueryLimits& limits, v1::GapResponse* resp);

  using GraphPtr = std::shared_ptr<const ReleaseGraph>;
  struct DiffEntry {
    GraphPtr from, to;
    DiffReport report;
  };
  struct IndexEntry {
    GraphPtr graph;
    std::unique_ptr<GroupTechniqueIndex> index;
  };
  struct UsageEntry {
    GraphPtr graph;
    std::unique_ptr<GroupUsageIndex> usage;
  };
  struct DetectabilityEntry {
    GraphPtr graph;
    std::shared_ptr<const DetectabilityIndex> index;
  };

 private:
  // The diff of two releases, computed once while both graphs stay cached.
  absl::StatusOr<std::shared_ptr<const DiffEntry>> Diff(const std::string& from, const std::string& to,
                                                        const QueryLimits& limits);
  absl::StatusOr<std::shared_ptr<const IndexEntry>> Index(const std::string& release, const UsagePaths& paths,
                                                          const QueryLimits& limits);

  absl::StatusOr<std::shared_ptr<const UsageEntry>> Usage(const GraphPtr& g, const UsagePaths& paths,
                                                          const QueryLimits& limits);
  std::shared_ptr<const DetectabilityIndex> Detectability(const GraphPtr& g);
  // The organization's record, and its OrgView from the cache.
  struct OrgData {
    Organization org;
    std::shared_ptr<const OrgView> view;
  };
  absl::StatusOr<OrgData> LoadOrg(const std::string& org_id);
  struct GapRun {
    GraphPtr graph;
    std::shared_ptr<const DetectabilityIndex> detectability;
    std::string paths;
    GapReport report;
  };
  absl::StatusOr<GapRun> RunGap(const v1::GapRequest& req, const QueryLimits& limits);
  struct MigrationRun {
    std::shared_ptr<const DiffEntry> diff;
    std::vector<Detection> detections;
    ttpgraph::MigrationPlan plan;
  };
  absl::StatusOr<MigrationRun> RunMigration(const std::string& org_id, const std::string& from,
                                            const std::string& to,
                                            const google::protobuf::RepeatedPtrField<std::string>& ids,
                                            const QueryLimits& limits);
  absl::Status FillPlan(const MigrationRun& run, const std::string& org_id, bool all, size_t begin, size_t end,
                        const QueryLimits& limits, v1::MigrationPlan* out);

  const Store* store_;
  GraphCache* graphs_;
  OrgStore* orgs_;
  DefenseCache* defense_;
  std::mutex mu_;
  std::list<std::shared_ptr<const DiffEntry>> diffs_;  // most recent first, at most kDiffCacheSize
  std::map<std::string, std::shared_ptr<const IndexEntry>> indexes_;
  std::map<std::string, std::shared_ptr<const UsageEntry>> usages_;
  std::map<std::string, DetectabilityEntry> detectability_;  // by release name
  struct CachedView {
    int64_t generation = -1;
    int64_t created_at = 0;
    uint64_t last_use = 0;
    std::shared_ptr<const OrgView> view;
  };
  std::map<std::string, CachedView> views_;  // by org id, at most kViewCacheSize
  uint64_t use_clock_ = 0;
};

}  // namespace ttpgraph
