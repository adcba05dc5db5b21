// Detection -> technique mapping: what the technique IDs of one detection
// become in the release it is mapped against (SPEC.md "Detection").
//
//   MappedTechniques m = MapDetectionTechniques(*g, {"T1086", "T1059.001", "T9999"});
//   // m.techniques: T1059.001 (T1086 revoked into it: a note says so)
//   // m.unresolved: T9999 (kept: it counts on every release that knows it)
//
// - An ID the release does not know (or outside its domain) is kept in
//   `unresolved`, with a note; coverage resolves it again on every release it
//   evaluates (graph/coverage.h), so a rule for a technique new in 18.1 counts on
//   18.1 whatever release it was mapped against.
// - A revoked ID whose revoked-by chain ends in one active technique is mapped
//   to that technique, with a note naming the chain.
// - A deprecated ID, or a revoked one without an active successor, is kept and
//   listed in `stale`.
// IDs are upper-cased and de-duplicated (a set, not a linear search).
//
// Pure: no I/O; safe to call concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "graph/release_graph.h"

namespace ttpgraph {

struct MappedTechniques {
  std::vector<std::string> techniques, unresolved, stale, notes;
};

MappedTechniques MapDetectionTechniques(const ReleaseGraph& g, const std::vector<std::string>& ids);

// True for the technique IDs of ATT&CK (T1234, T1234.001; a "T" prefix has
// exactly that shape) and of frameworks in its shape (AML.T0000,
// AML.T0000.000, FGT1001: TechniqueIdShape), in any case:
// for a check without a release at hand. A release's own shape is
// ReleaseGraph::technique_id_shape().
bool WellFormedTechniqueId(std::string_view id);
// The message for an ID that is none: "... (T1234, T1234.001, or a framework's such as AML.T0000.000)".
inline constexpr std::string_view kTechniqueIdShapes = "T1234, T1234.001, or a framework's such as AML.T0000.000";

}  // namespace ttpgraph
