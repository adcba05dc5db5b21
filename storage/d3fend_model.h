// The D3FEND ontology's facts as ttpgraph keeps them (what
// storage/import/turtle_d3fend.h extracts, storage/d3fend_store.h stores and
// graph/d3fend_mapping.h infers the ATT&CK mapping from). Plain data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

}  // namespace ttpgraph
