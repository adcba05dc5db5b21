#include "storage/import/turtle_d3fend.h"

#include <algorithm>
#include <unordered_map>

#include "storage/import/turtle_parser.h"
#include "storage/internal/varint.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

using internal::PutString;
using internal::PutStrings;
using internal::PutVarint;

struct Blank {
  bool restriction = false;
  std::string on_property;
  std::string some_values_from;  // empty when the filler is not a named class
};

struct ClassBuild {
  bool is_class = false;
  bool is_property = false;
  D3fendClass c;
  std::vector<std::string> blank_parents;
  std::vector<std::string> property_parents;
};

// "http://d3fend...#X" -> "X"; other IRIs unchanged.
std::string_view Short(std::string_view iri) {
  return StartsWith(iri, kD3fendNamespace) ? iri.substr(kD3fendNamespace.size()) : iri;
}

void SortUnique(std::vector<std::string>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

// ---- binary encoding: varint lengths and counts, magic + version byte -----
constexpr std::string_view kMagic = "D3FO\x01";

}  // namespace

absl::StatusOr<D3fendOntology> ParseD3fendTurtle(std::string_view text, std::string_view source_name,
                                                 const TurtleLimits& limits) {
  std::unordered_map<std::string, ClassBuild> subjects;
  std::unordered_map<std::string, Blank> blanks;
  bool saw_d3fend_ontology = false;
  int64_t triples = 0;
  const std::string d3f_attack_id = Cat(kD3fendNamespace, "attack-id");
  const std::string d3f_d3fend_id = Cat(kD3fendNamespace, "d3fend-id");
  const std::string d3f_definition = Cat(kD3fendNamespace, "definition");
  const std::string d3f_enables = Cat(kD3fendNamespace, "enables");
  const std::string d3f_ontology_iri = "http://d3fend.mitre.org/ontologies/d3fend.owl";

  absl::Status parsed = ParseTurtle(text, source_name, [&](const RdfTriple& t) -> absl::Status {
    ++triples;
    const std::string_view p = t.predicate.value;
    if (t.subject.kind == RdfTerm::kBlank) {
      Blank& b = blanks[std::string(t.subject.value)];
      if (p == kRdfType && t.object.value == kOwlRestriction) b.restriction = true;
      else if (p == kOwlOnProperty && t.object.kind == RdfTerm::kIri) b.on_property = std::string(Short(t.object.value));
      else if (p == kOwlSomeValuesFrom && t.object.kind == RdfTerm::kIri)
        b.some_values_from = std::string(Short(t.object.value));
      return absl::OkStatus();
    }
    if (t.subject.kind != RdfTerm::kIri) return absl::OkStatus();
    if (t.subject.value == d3f_ontology_iri && p == kRdfType && t.object.value == kOwlOntology) {
      saw_d3fend_ontology = true;
      return absl::OkStatus();
    }
    if (!StartsWith(t.subject.value, kD3fendNamespace)) return absl::OkStatus();
    // Only the predicates the inference and the answers use are kept.
    bool wanted = p == kRdfType || p == kRdfsSubClassOf || p == kRdfsSubPropertyOf || p == kRdfsLabel ||
                  p == d3f_attack_id || p == d3f_d3fend_id || p == d3f_definition || p == d3f_enables ||
                  p == kOwlDeprecated;
    if (!wanted) return absl::OkStatus();
    ClassBuild& cb = subjects[std::string(Short(t.subject.value))];
    const std::string_view o = t.object.value;
    if (p == kRdfType) {
      if (o == kOwlClass) cb.is_class = true;
      else if (o == kOwlObjectProperty) cb.is_property = true;
    } else if (p == kRdfsSubClassOf) {
      cb.is_class = true;
      if (t.object.kind == RdfTerm::kBlank) cb.blank_parents.emplace_back(o);
      else if (t.object.kind == RdfTerm::kIri) cb.c.parents.emplace_back(Short(o));
    } else if (p == kRdfsSubPropertyOf) {
      cb.is_property = true;
      if (t.object.kind == RdfTerm::kIri) cb.property_parents.emplace_back(Short(o));
    } else if (p == kRdfsLabel) {
      if (cb.c.label.empty()) cb.c.label = std::string(o);
    } else if (p == d3f_attack_id) {
      cb.c.attack_id = std::string(o);
    } else if (p == d3f_d3fend_id) {
      cb.c.d3fend_id = std::string(o);
    } else if (p == d3f_definition) {
      if (cb.c.definition.empty()) cb.c.definition = std::string(o);
    } else if (p == d3f_enables) {
      if (t.object.kind == RdfTerm::kIri) cb.c.enables.emplace_back(Short(o));
    } else if (p == kOwlDeprecated) {
      cb.c.deprecated = o == "true" || o == "1";
    }
    return absl::OkStatus();
  }, limits);
  if (!parsed.ok()) return parsed;

  D3fendOntology out;
  out.triple_count = triples;
  bool has_defensive_technique = false;
  size_t d3fend_ids = 0;
  for (auto& [name, cb] : subjects) {
    if (cb.is_property) {
      D3fendProperty p;
      p.name = name;
      p.parents = std::move(cb.property_parents);
      SortUnique(&p.parents);
      out.properties.push_back(std::move(p));
    }
    if (!cb.is_class) continue;
    D3fendClass c = std::move(cb.c);
    c.name = name;
    for (const std::string& b : cb.blank_parents) {
      auto it = blanks.find(b);
      if (it == blanks.end() || !it->second.restriction) continue;
      if (it->second.on_property.empty() || it->second.some_values_from.empty()) continue;
      c.restrictions.push_back({it->second.on_property, it->second.some_values_from});
    }
    std::sort(c.restrictions.begin(), c.restrictions.end());
    c.restrictions.erase(std::unique(c.restrictions.begin(), c.restrictions.end()), c.restrictions.end());
    SortUnique(&c.parents);
    SortUnique(&c.enables);
    if (name == "DefensiveTechnique") has_defensive_technique = true;
    if (!c.d3fend_id.empty()) ++d3fend_ids;
    out.classes.push_back(std::move(c));
  }
  if (!has_defensive_technique || d3fend_ids == 0)
    return absl::InvalidArgumentError(
        Cat(source_name, " is valid Turtle (", triples, " triples) but not the D3FEND ontology: ",
            !has_defensive_technique ? "it defines no class d3f:DefensiveTechnique"
                                     : "no class carries a d3f:d3fend-id",
            saw_d3fend_ontology ? "" : " and it declares no <http://d3fend.mitre.org/ontologies/d3fend.owl> ontology"));
  std::sort(out.classes.begin(), out.classes.end(),
            [](const D3fendClass& a, const D3fendClass& b) { return a.name < b.name; });
  std::sort(out.properties.begin(), out.properties.end(),
            [](const D3fendProperty& a, const D3fendProperty& b) { return a.name < b.name; });
  return out;
}

std::string EncodeD3fendOntology(const D3fendOntology& o) {
  std::string out(kMagic);
  PutVarint(&out, static_cast<uint64_t>(o.triple_count));
  PutVarint(&out, o.classes.size());
  for (const D3fendClass& c : o.classes) {
    PutString(&out, c.name);
    PutString(&out, c.label);
    PutString(&out, c.definition);
    PutString(&out, c.attack_id);
    PutString(&out, c.d3fend_id);
    out.push_back(c.deprecated ? 1 : 0);
    PutStrings(&out, c.parents);
    PutVarint(&out, c.restrictions.size());
    for (auto& r : c.restrictions) {
      PutString(&out, r.property);
      PutString(&out, r.filler);
    }
    PutStrings(&out, c.enables);
  }
  PutVarint(&out, o.properties.size());
  for (const D3fendProperty& p : o.properties) {
    PutString(&out, p.name);
    PutStrings(&out, p.parents);
  }
  return out;
}

absl::StatusOr<D3fendOntology> DecodeD3fendOntology(std::string_view bytes) {
  if (!StartsWith(bytes, kMagic)) return absl::DataLossError("D3FEND record: bad magic");
  internal::VarintReader r(bytes.substr(kMagic.size()));
  D3fendOntology o;
  o.triple_count = static_cast<int64_t>(r.Varint());
  uint64_t n = r.Varint();
  if (!r.ok() || n > r.remaining()) return absl::DataLossError("D3FEND record: bad class count");
  o.classes.reserve(n);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    D3fendClass c;
    c.name = r.String();
    c.label = r.String();
    c.definition = r.String();
    c.attack_id = r.String();
    c.d3fend_id = r.String();
    if (r.remaining() == 0) return absl::DataLossError("D3FEND record: truncated");
    c.deprecated = r.Byte() != 0;
    r.Strings(&c.parents);
    uint64_t nr = r.Varint();
    if (!r.ok() || nr > r.remaining()) return absl::DataLossError("D3FEND record: bad restriction count");
    for (uint64_t k = 0; k < nr && r.ok(); ++k) {
      D3fendRestriction x;
      x.property = r.String();
      x.filler = r.String();
      c.restrictions.push_back(std::move(x));
    }
    r.Strings(&c.enables);
    o.classes.push_back(std::move(c));
  }
  uint64_t np = r.Varint();
  if (!r.ok() || np > r.remaining()) return absl::DataLossError("D3FEND record: bad property count");
  for (uint64_t i = 0; i < np && r.ok(); ++i) {
    D3fendProperty p;
    p.name = r.String();
    r.Strings(&p.parents);
    o.properties.push_back(std::move(p));
  }
  if (!r.done()) return absl::DataLossError("D3FEND record: truncated or trailing bytes");
  return o;
}

}  // namespace ttpgraph
