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
#include "storage/d3fend_model.h"
#include "storage/import/turtle_parser.h"

namespace ttpgraph {

// Parses and extracts. `source_name` names the file in error messages.
absl::StatusOr<D3fendOntology> ParseD3fendTurtle(std::string_view text, std::string_view source_name,
                                                 const TurtleLimits& limits = {});

// Deterministic binary encoding (for the store and its content digest).
std::string EncodeD3fendOntology(const D3fendOntology& o);
// DATA_LOSS on a corrupt record.
absl::StatusOr<D3fendOntology> DecodeD3fendOntology(std::string_view bytes);

}  // namespace ttpgraph
