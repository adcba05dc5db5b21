// Reads the D3FEND ontology (Turtle) into the plain facts the ATT&CK ->
// D3FEND inference needs (graph/d3fend_mapping.h draws the inference).
//
// Kept per named class of the D3FEND namespace: label, definition, ATT&CK ID,
// D3FEND ID, named rdfs:subClassOf parents, the someValuesFrom restrictions
// written on the class itself (rdfs:subClassOf [ owl:onProperty P ;
// owl:someValuesFrom A ]), direct :enables values and owl:deprecated; per
// object property its rdfs:subPropertyOf parents. Nothing is inherited here.
//
// Names in the D3FEND namespace (http://d3fend.mitre.org/ontologies/d3fend.owl#)
// are kept as their local name ("T1059", "ExecutableScript"); other IRIs as
// the full IRI.
//
//   auto onto = ParseD3fendTurtle(text, "d3fend-protege-1.2.0.ttl");
//   onto->classes.size();  // ~5k classes, sorted by name
//
// Errors: INVALID_ARGUMENT for malformed Turtle (file:line:col), for nesting
// past limits.max_nesting (file:line; turtle_parser.h), and for a
// valid Turtle file that is not the D3FEND ontology (no DefensiveTechnique,
// no class with a :d3fend-id).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/import/turtle_parser.h"

namespace ttpgraph {

inline constexpr std::string_view kD3fendNamespace = "http://d3fend.mitre.org/ontologies/d3fend.owl#";

struct D3fendRestriction {
  std::string property;  // e.g. "executes"
  std::string filler;    // named class, e.g. "ExecutableScript"
  friend bool operator==(const D3fendRestriction& a, const D3fendRestriction& b) {
    return a.property == b.property && a.filler == b.filler;
  }
  friend bool operator<(const D3fendRestriction& a, const D3fendRestriction& b) {
    return a.property != b.property ? a.property < b.property : a.filler < b.filler;
  }
};

struct D3fendClass {
  std::string name;        // local name ("T1059")
  std::string label;       // rdfs:label (first one)
  std::string definition;  // :definition
  std::string attack_id;   // :attack-id, empty unless an ATT&CK technique
  std::string d3fend_id;   // :d3fend-id, empty unless a D3FEND entity
  bool deprecated = false; // owl:deprecated true
  std::vector<std::string> parents;               // named rdfs:subClassOf, sorted
  std::vector<D3fendRestriction> restrictions;    // written on this class, sorted
  std::vector<std::string> enables;               // direct :enables values, sorted
};

struct D3fendProperty {
  std::string name;                  // local name ("executes")
  std::vector<std::string> parents;  // rdfs:subPropertyOf, sorted
};

struct D3fendOntology {
  std::vector<D3fendClass> classes;        // sorted by name, unique
  std::vector<D3fendProperty> properties;  // sorted by name, unique
  int64_t triple_count = 0;                // triples read from the file
};

// Parses and extracts. `source_name` names the file in error messages.
absl::StatusOr<D3fendOntology> ParseD3fendTurtle(std::string_view text, std::string_view source_name,
                                                 const TurtleLimits& limits = {});

// Deterministic binary encoding (for the store and its content digest).
std::string EncodeD3fendOntology(const D3fendOntology& o);
// DATA_LOSS on a corrupt record.
absl::StatusOr<D3fendOntology> DecodeD3fendOntology(std::string_view bytes);

}  // namespace ttpgraph
