// D3fendIndex: the ATT&CK technique -> D3FEND countermeasure mapping of one
// D3FEND version, inferred from the ontology's facts by D3FEND's own rules,
// plus the defensive-technique tree. Built once per version and shared
// read-only as std::shared_ptr<const D3fendIndex>.
//
// Rules (see ../shared/data/d3fend/README.md):
//  1. An ATT&CK technique (a class with :attack-id) has an artifact relation
//     (P, A) per restriction written on the technique itself, with
//     P rdfs:subPropertyOf* :may-be-associated-with and A rdfs:subClassOf*
//     :Artifact. Nothing is inherited, from the parent technique nor from the
//     tactic grouping classes: T1059.001 has no relation of its own, so it has
//     no mapping even though T1059 does.
//  2. D3FEND techniques are the classes with rdfs:subClassOf+
//     :DefensiveTechnique; their relations follow the same rule (:enables
//     excepted: it names the tactic).
//  3. D counters T through (Po, Ao, Ad, Pd) when T has (Po, Ao), D has
//     (Pd, Ad) and Ao rdfs:subClassOf* Ad: one way only, the offensive artifact
//     equals or specialises the defensive one.
//  4. D's tactic is the :enables value of its top-level ancestor (the ancestor
//     that is a direct subclass of :DefensiveTechnique).
// Each distinct (ATT&CK, D3FEND) pair is one CountermeasureLink carrying
// every artifact path that explains it.
//
//   auto onto = ParseD3fendTurtle(text, "d3fend.ttl");
//   auto index = D3fendIndex::Build(*onto, "1.2.0");
//   CountermeasureAnswer a = (*index)->CountermeasuresFor("T1059");
//   for (const CountermeasureLink* l : a.links) (*index)->technique(l->defense).d3fend_id;
//
// Thread safety: immutable after Build; safe for concurrent readers.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/query_limits.h"
#include "graph/release_graph.h"
#include "storage/d3fend_model.h"

namespace ttpgraph {

// D3FEND tactics in the published order.
enum class D3fendTactic : uint8_t { kModel, kHarden, kDetect, kIsolate, kDeceive, kEvict, kRestore, kUnknown };
inline constexpr int kD3fendTacticCount = 7;
std::string_view D3fendTacticName(D3fendTactic t);  // "Model", ..., "Unknown"
// "Detect" / "detect" -> kDetect; kUnknown otherwise.
D3fendTactic ParseD3fendTactic(std::string_view name);

struct ArtifactPath {
  std::string offensive_relation;  // property on the ATT&CK technique, e.g. "executes"
  std::string offensive_artifact;  // e.g. "ExecutableScript"
  std::string defensive_artifact;  // equal to or an ancestor of the offensive one, e.g. "ExecutableFile"
  std::string defensive_relation;  // property on the D3FEND technique, e.g. "blocks"
  friend bool operator<(const ArtifactPath& a, const ArtifactPath& b);
  friend bool operator==(const ArtifactPath& a, const ArtifactPath& b);
};

struct D3fendTechnique {
  std::string name;       // ontology class ("ExecutableAllowlisting")
  std::string d3fend_id;  // "D3-EAL"
  std::string label;      // "Executable Allowlisting"
  std::string definition;
  D3fendTactic tactic = D3fendTactic::kUnknown;
  int32_t parent = -1;            // index of the parent D3FEND technique; -1 at the top level
  int depth = 0;                  // 0: top level (direct subclass of DefensiveTechnique)
  std::vector<uint32_t> children; // by label
  std::vector<D3fendRestriction> relations;  // artifact relations written on it (rule 2)
};

struct AttackTechniqueInfo {
  std::string attack_id;  // "T1059"
  std::string name;       // ontology class
  std::string label;      // ATT&CK name as D3FEND knows it
  bool deprecated = false;
  std::vector<D3fendRestriction> relations;  // rule 1: direct artifact relations only
};

struct CountermeasureLink {
  uint32_t attack = 0;   // index in attack_techniques()
  uint32_t defense = 0;  // index in techniques()
  std::vector<ArtifactPath> paths;  // sorted, distinct
};

enum class MappingStatus : uint8_t {
  kMapped,                    // at least one countermeasure
  kNotInD3fend,               // this D3FEND version does not know the ATT&CK ID
  kNoArtifactRelation,        // known, but no artifact relation is written on it (e.g. T1059.001)
  kNoMatchingCountermeasure,  // has relations, but no D3FEND technique matches them
};
std::string_view MappingStatusName(MappingStatus s);

struct CountermeasureAnswer {
  MappingStatus status = MappingStatus::kNotInD3fend;
  const AttackTechniqueInfo* technique = nullptr;  // null when kNotInD3fend
  std::vector<const CountermeasureLink*> links;    // by tactic, then D3FEND ID
};

struct CounteredTechnique {
  const AttackTechniqueInfo* technique = nullptr;
  const CountermeasureLink* link = nullptr;
};

class D3fendIndex {
 public:
  // INVALID_ARGUMENT when the facts hold no D3FEND technique.
  static absl::StatusOr<std::shared_ptr<const D3fendIndex>> Build(const D3fendOntology& onto, std::string version);

  const std::string& version() const { return version_; }
  // Every D3FEND technique, in tree order: tactics in the published order,
  // depth-first, siblings by label.
  const std::vector<D3fendTechnique>& techniques() const { return techniques_; }
  const D3fendTechnique& technique(uint32_t i) const { return techniques_[i]; }
  const std::vector<uint32_t>& roots() const { return roots_; }
  const std::vector<AttackTechniqueInfo>& attack_techniques() const { return attack_; }
  const std::vector<CountermeasureLink>& links() const { return links_; }

  // A D3FEND technique by D3FEND ID ("D3-EAL", case-insensitive) or class
  // name ("ExecutableAllowlisting"); -1 when unknown.
  int32_t FindTechnique(std::string_view id) const;
  // The countermeasures of an ATT&CK ID (case-insensitive), with the explicit
  // reason when there are none.
  CountermeasureAnswer CountermeasuresFor(std::string_view attack_id) const;
  // The ATT&CK techniques a D3FEND technique counters, by ATT&CK ID.
  std::vector<CounteredTechnique> CounteredTechniques(uint32_t defense) const;
  // Number of D3FEND techniques per tactic (index = D3fendTactic).
  std::array<int, kD3fendTacticCount + 1> TacticCounts() const;
  // Label of an artifact or property class; the name itself when it has none.
  std::string_view Label(std::string_view name) const;
  size_t path_count() const { return path_count_; }

 private:
  D3fendIndex() = default;
  std::string version_;
  std::vector<D3fendTechnique> techniques_;
  std::vector<uint32_t> roots_;
  std::vector<AttackTechniqueInfo> attack_;
  std::vector<CountermeasureLink> links_;              // by attack, then tactic, then D3FEND ID
  std::vector<std::vector<uint32_t>> links_by_attack_; // indices into links_
  std::vector<std::vector<uint32_t>> links_by_defense_;
  std::unordered_map<std::string, uint32_t> attack_by_id_;   // upper-case ATT&CK ID
  std::unordered_map<std::string, uint32_t> defense_by_id_;  // upper-case D3FEND ID and class name
  std::unordered_map<std::string, std::string> labels_;
  size_t path_count_ = 0;
};

// Countermeasures of a technique as named in one ATT&CK release: the ID is
// resolved in `g` by the revoked-object rule (queries.h ResolveActive: NOT_FOUND
// when the release does not have it, INVALID_ARGUMENT when it is not a
// technique, FAILED_PRECONDITION when it is deprecated or its revoked-by chain
// ends in no active technique); a revoked technique answers for the end of its
// chain. Techniques that D3FEND still knows under an ID
// revoked (in `g`) into the asked one contribute their countermeasures too, in
// `via_revoked`.
struct ReleaseCountermeasures {
  NodeId asked = kNoNode;
  NodeId resolved = kNoNode;            // == asked unless revoked
  std::vector<NodeId> revoked_chain;    // hops from asked to resolved
  CountermeasureAnswer answer;          // for resolved's ATT&CK ID
  std::vector<CountermeasureAnswer> via_revoked;  // mapped predecessors, by ATT&CK ID
};
// For each technique of a release, the revoked techniques whose revoked-by
// chain ends at it (built once per release; immutable).
struct RevokedInto {
  std::unordered_map<NodeId, std::vector<NodeId>> predecessors;  // by ATT&CK ID
};
std::shared_ptr<const RevokedInto> BuildRevokedInto(const ReleaseGraph& g, const QueryLimits& limits);
// `revoked_into` (optional) is BuildRevokedInto(g); without it each call walks
// every revoked technique of `g`.
absl::StatusOr<ReleaseCountermeasures> CountermeasuresInRelease(const D3fendIndex& index, const ReleaseGraph& g,
                                                                std::string_view technique,
                                                                const QueryLimits& limits,
                                                                const RevokedInto* revoked_into = nullptr);

}  // namespace ttpgraph
