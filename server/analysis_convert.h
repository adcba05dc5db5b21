// AnalysisService conversions: diff, overlap, gap and migration answers to
// protos. No gRPC calls here.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/analysis.h"
#include "ttpgraph/v1/analysis_service.pb.h"

namespace ttpgraph {

// The diff's relationship sections (groups, campaigns, techniques, tactics,
// parents, the detection model, technique fates).
void FillRelationshipDiffs(const ReleaseGraph& from, const ReleaseGraph& to, const DiffReport& r,
                           v1::DiffReleasesResponse* resp);
// The group ids a ThreatSelection names; empty = every active group
// (all_groups). INVALID_ARGUMENT for no selection or an empty id, UNIMPLEMENTED
// for a custom-property selection. Messages name the field `threat.…`: GetGap,
// GetOverlap, the layers and GetCoverageReport read it.
absl::StatusOr<std::vector<std::string>> SelectedGroupIds(const v1::ThreatSelection& threat);
// One diff change entry.
void ToProto(const ReleaseGraph& from, const ReleaseGraph& to, const ObjectChange& c, v1::ObjectChange* out);
// A gap answer's header (first page: groups, recommendations, resolutions) and
// the gaps in [begin, end).
void ToProto(const core::GapAnswer& a, bool first_page, size_t begin, size_t end, v1::GapResponse* out);
// A migration plan with the detections listed in [begin, end).
void ToProto(const core::MigrationAnswer& a, size_t begin, size_t end, v1::MigrationPlan* out);

}  // namespace ttpgraph
