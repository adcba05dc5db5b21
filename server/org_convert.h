// OrgService conversions (organizations, detections, inventory, imports,
// coverage), and the D3FEND / Atomic join entries that coverage and gap share.
// No gRPC calls here.
#pragma once

#include "server/core/coverage.h"
#include "server/core/detection_import.h"
#include "server/core/organizations.h"
#include "ttpgraph/v1/org_service.pb.h"

namespace ttpgraph {

void ToProto(const Organization& o, v1::Organization* out);
v1::DetectionState ToProto(DetectionState s);
// `state` unset (UNSPECIFIED) means enabled.
DetectionState FromProto(v1::DetectionState s);
void ToProto(const Detection& d, bool with_query, v1::Detection* out);
// The detection as given: the service's one place that reads a v1.Detection.
Detection FromProto(const v1::Detection& in);
// A detection's Sigma fields (status, logsource, path, level, author).
void ToProto(const Detection& d, v1::SigmaInfo* out);

v1::CoverageStatus ToProto(CoverageStatus s);
// UNSPECIFIED is NONE; a number no policy has is INVALID_ARGUMENT.
absl::StatusOr<RollupPolicy> FromProto(v1::RollupPolicy p);
v1::RollupPolicy ToProto(RollupPolicy p);
core::ImportFormat FromProto(v1::ImportFormat f);
core::DetectionImportOptions FromProto(const v1::ImportDetectionsHeader& h);
void ToProto(const core::DetectionImportReport& r, v1::ImportDetectionsResponse* out);

InventoryEntry FromProto(const v1::InventoryEntry& in);
void ToProto(const core::InventoryAnswer& a, v1::Inventory* out);

// `omit_techniques`: the summary only (no per-technique entries).
void ToProto(const core::CoverageAnswer& a, v1::RollupPolicy rollup, bool omit_techniques, v1::CoverageResponse* out);
void ToProto(const core::CoverageAnswer& a, v1::CoverageTrendRow* out);

// One technique's join entry (coverage and gap entries carry the same three fields).
template <typename Entry>
void ToProto(const core::DefenseJoin& join, const core::TechniqueDefense& d, Entry* out) {
  if (join.d3fend) {
    out->set_countermeasure_status(d.countermeasure_status);
    for (uint32_t i : d.countermeasures) {
      const D3fendTechnique& t = join.d3fend->technique(i);
      auto* cm = out->add_countermeasures();
      cm->set_d3fend_id(t.d3fend_id);
      cm->set_label(t.label);
      cm->set_tactic(std::string(D3fendTacticName(t.tactic)));
    }
  }
  for (const AtomicTest* t : d.atomic_tests) {
    auto* at = out->add_atomic_tests();
    at->set_guid(t->guid);
    at->set_test_number(t->test_number);
    at->set_name(t->name);
    at->set_executor(t->executor);
  }
}

}  // namespace ttpgraph
