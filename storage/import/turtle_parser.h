// A streaming RDF Turtle reader over serd (libserd, Debian's libserd-dev).
//
// Calls `sink` once per triple with every CURIE already expanded to a full
// IRI, blank nodes as their parser-given labels and literals as their lexical
// form (datatype and language are dropped: D3FEND does not need them).
//
//   absl::Status s = ParseTurtle(text, "d3fend.ttl", [&](const RdfTriple& t) {
//     if (t.predicate == kRdfsSubClassOf) ...
//     return absl::OkStatus();
//   });
//
// Thread safety: reentrant (each call owns its serd reader).
// Errors: INVALID_ARGUMENT naming `source_name`, the line and the column of the
// first syntax error (strict parsing: nothing after it is delivered), or the
// line where blank nodes and collections nest past TurtleLimits::max_nesting
// (checked before serd sees the input); or the sink's own error, returned as it is.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "absl/status/status.h"

namespace ttpgraph {

struct RdfTerm {
  enum Kind : uint8_t { kIri, kBlank, kLiteral };
  Kind kind = kIri;
  std::string_view value;  // valid only during the sink call
};

struct RdfTriple {
  RdfTerm subject;
  RdfTerm predicate;
  RdfTerm object;
};

inline constexpr std::string_view kRdfType = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
inline constexpr std::string_view kRdfsSubClassOf = "http://www.w3.org/2000/01/rdf-schema#subClassOf";
inline constexpr std::string_view kRdfsSubPropertyOf = "http://www.w3.org/2000/01/rdf-schema#subPropertyOf";
inline constexpr std::string_view kRdfsLabel = "http://www.w3.org/2000/01/rdf-schema#label";
inline constexpr std::string_view kOwlRestriction = "http://www.w3.org/2002/07/owl#Restriction";
inline constexpr std::string_view kOwlOnProperty = "http://www.w3.org/2002/07/owl#onProperty";
inline constexpr std::string_view kOwlSomeValuesFrom = "http://www.w3.org/2002/07/owl#someValuesFrom";
inline constexpr std::string_view kOwlClass = "http://www.w3.org/2002/07/owl#Class";
inline constexpr std::string_view kOwlObjectProperty = "http://www.w3.org/2002/07/owl#ObjectProperty";
inline constexpr std::string_view kOwlDeprecated = "http://www.w3.org/2002/07/owl#deprecated";
inline constexpr std::string_view kOwlOntology = "http://www.w3.org/2002/07/owl#Ontology";

using TripleSink = std::function<absl::Status(const RdfTriple&)>;

struct TurtleLimits {
  // Deepest nesting of blank nodes `[ ... ]` and collections `( ... )`, which
  // serd reads by recursion (20,000 levels overflowed a server thread's stack).
  // Default: 64 (D3FEND 1.2.0 nests 3).
  size_t max_nesting = 64;
};

// Parses Turtle `text` (UTF-8; need not be NUL-terminated). `source_name`
// names the input in error messages.
absl::Status ParseTurtle(std::string_view text, std::string_view source_name, const TripleSink& sink,
                         const TurtleLimits& limits = {});

}  // namespace ttpgraph
