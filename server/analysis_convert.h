// AnalysisService conversions: diff, overlap, gap and migration answers to
// protos. No gRPC calls here.
#pragma once

#include "server/core/analysis.h"
#include "ttpgraph/v1/analysis_service.pb.h"

namespace ttpgraph {

// The diff's relationship sections (groups, campaigns, techniques, tactics,
// parents, the detection model, technique fates).
void FillRelationshipDiffs(const ReleaseGraph& from, const ReleaseGraph& to, const DiffReport& r,
                           v1::DiffReleasesResponse* resp);
// One diff change entry.
void ToProto(const ReleaseGraph& from, const ReleaseGraph& to, const ObjectChange& c, v1::ObjectChange* out);
// A gap answer's header (first page: groups, recommendations, resolutions) and
// the gaps in [begin, end).
void ToProto(const core::GapAnswer& a, bool first_page, size_t begin, size_t end, v1::GapResponse* out);
// The group ids a threat selection names (groups.ids, checked; empty for
// all_groups). INVALID_ARGUMENT for no selection, an empty group list or id,
// or all_groups false; UNIMPLEMENTED for a custom property (no extensions yet).
// Messages name the field as `threat.…` (GapRequest and CoverageReportRequest).
absl::Status FromProto(const v1::ThreatSelection& threat, std::vector<std::string>* group_ids);
// A migration plan with the detections listed in [begin, end).
void ToProto(const core::MigrationAnswer& a, size_t begin, size_t end, v1::MigrationPlan* out);

}  // namespace ttpgraph
