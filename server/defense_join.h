// Joins D3FEND countermeasures and Atomic Red Team tests to answers about
// techniques (gap entries, coverage entries), the same way everywhere.
//
//   TTP_ASSIGN_OR_RETURN(DefenseJoin join, OpenDefenseJoin(defense, true, "", true, ""));
//   TTP_ASSIGN_OR_RETURN(bool any, join.AddCountermeasures(g, "T1059", limits, &status, entry->mutable_countermeasures()));
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "graph/d3fend_mapping.h"
#include "graph/query_limits.h"
#include "graph/release_graph.h"
#include "server/d3fend_service.h"
#include "ttpgraph/v1/org_service.pb.h"

namespace ttpgraph {

struct DefenseJoin {
  std::shared_ptr<const D3fendIndex> d3fend;  // null: countermeasures not asked
  std::shared_ptr<const AtomicIndex> atomic;  // null: Atomic tests not asked

  // Countermeasures of `attack_id` resolved in release `g` (D3FEND entries
  // filed under an ID revoked into it count too); sets `status` to D3FEND's
  // mapping status in words. Returns whether any was added.
  absl::StatusOr<bool> AddCountermeasures(const ReleaseGraph& g, const std::string& attack_id,
                                          const QueryLimits& limits, std::string* status,
                                          google::protobuf::RepeatedPtrField<v1::GapCountermeasure>* out) const;
  void AddAtomicTests(const std::string& attack_id,
                      google::protobuf::RepeatedPtrField<v1::GapAtomicTest>* out) const;
};

// NOT_FOUND (saying how to import it) when something asked is not imported.
absl::StatusOr<DefenseJoin> OpenDefenseJoin(DefenseCache* defense, bool countermeasures,
                                            std::string_view d3fend_version, bool atomic_tests,
                                            std::string_view atomic_index);

}  // namespace ttpgraph
