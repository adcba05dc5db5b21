#include "storage/import/record_extract.h"

#include <array>

#include "storage/model.h"

namespace ttpgraph {
namespace {

constexpr std::string_view kFieldNames[ObjectFields::kFieldCount] = {
    "id",
    "type",
    "name",
    "modified",
    "spec_version",
    "x_mitre_version",
    "revoked",
    "x_mitre_deprecated",
    "x_mitre_is_subtechnique",
    "x_mitre_domains",
    "external_references",
    "source_ref",
    "target_ref",
    "relationship_type",
    "description",
    "x_mitre_platforms",
    "aliases",
    "x_mitre_aliases",
    "kill_chain_phases",
    "x_mitre_shortname",
    "tactic_refs",
    "x_mitre_analytic_refs",
    "x_mitre_log_source_references",
    "x_mitre_data_source_ref",
    "created",
};

// The fields by key length: a member's key is compared with the few names of
// its length only.
struct FieldsByLength {
  static constexpr size_t kMaxLength = 32, kMaxPerLength = 6;
  std::array<std::array<int8_t, kMaxPerLength>, kMaxLength> fields;
  FieldsByLength() {
    for (auto& f : fields) f.fill(-1);
    for (int f = 0; f < ObjectFields::kFieldCount; ++f) {
      auto& slot = fields[kFieldNames[f].size()];
      for (auto& s : slot)
        if (s < 0) {
          s = static_cast<int8_t>(f);
          break;
        }
    }
  }
  int Find(std::string_view key) const {
    if (key.size() >= kMaxLength) return -1;
    for (int8_t f : fields[key.size()]) {
      if (f < 0) return -1;
      if (kFieldNames[f] == key) return f;
    }
    return -1;
  }
};
const FieldsByLength& Lookup() {
  static const FieldsByLength lookup;
  return lookup;
}

bool OneOf(std::string_view s, const std::vector<std::string>& names) {
  for (const std::string& n : names)
    if (n == s) return true;
  return false;
}
std::string_view Str(simdjson::dom::object o, std::string_view key) {
  std::string_view v;
  if (o[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return v;
}
void Set(std::string* s, std::string_view v) { s->assign(v.data(), v.size()); }

}  // namespace

const DomainSources& DomainSources::Mitre() {
  static const DomainSources mitre = [] {
    DomainSources d;
    for (std::string_view n : kDefaultSourceNames) d.source_names.emplace_back(n);
    d.kill_chains = d.source_names;
    return d;
  }();
  return mitre;
}

ObjectFields::ObjectFields(simdjson::dom::object obj) {
  const FieldsByLength& lookup = Lookup();
  for (simdjson::dom::key_value_pair member : obj) {
    const int f = lookup.Find(member.key);
    if (f < 0 || Has(static_cast<Field>(f))) continue;  // the first member with a key wins
    values_[f] = member.value;
    present_ |= 1u << f;
  }
}

std::string_view ObjectFields::Str(Field f) const {
  std::string_view v;
  if (!Has(f) || values_[f].get_string().get(v) != simdjson::SUCCESS) return {};
  return v;
}

bool ObjectFields::Array(Field f, simdjson::dom::array* out) const {
  return Has(f) && values_[f].get_array().get(*out) == simdjson::SUCCESS;
}

namespace {

bool Bool(const ObjectFields& o, ObjectFields::Field f) {
  bool v = false;
  return o.Has(f) && o.Get(f).get_bool().get(v) == simdjson::SUCCESS && v;
}
bool Strings(const ObjectFields& o, ObjectFields::Field f, std::vector<std::string>* out) {
  simdjson::dom::array a;
  if (!o.Array(f, &a)) return false;
  for (auto e : a) {
    std::string_view s;
    if (e.get_string().get(s) == simdjson::SUCCESS) out->emplace_back(s);
  }
  return true;
}

}  // namespace

absl::Status ExtractRecord(const ObjectFields& o, ObjectRecord* out, const DomainSources& sources) {
  using F = ObjectFields;
  ObjectRecord& r = *out;
  // Clear field by field: the strings keep their buffers for the next object.
  for (std::string* s : {&r.stix_id, &r.type, &r.attack_id, &r.url, &r.name, &r.version, &r.modified, &r.shortname,
                         &r.source_ref, &r.target_ref, &r.relationship_type, &r.description, &r.data_source_ref})
    s->clear();
  for (auto* v : {&r.domains, &r.platforms, &r.aliases, &r.kill_chain_phases, &r.refs}) v->clear();
  r.log_sources.clear();

  Set(&r.stix_id, o.Str(F::kId));
  Set(&r.type, o.Str(F::kType));
  if (r.stix_id.empty() || r.type.empty()) return absl::InvalidArgumentError("object without string id or type");
  Set(&r.name, o.Str(F::kName));
  Set(&r.modified, o.Str(F::kModified));
  Set(&r.version, o.Str(F::kVersion));
  r.revoked = Bool(o, F::kRevoked);
  r.deprecated = Bool(o, F::kDeprecated);
  r.is_subtechnique = Bool(o, F::kIsSubtechnique);
  r.has_domains = Strings(o, F::kDomains, &r.domains);
  simdjson::dom::array refs;
  if (o.Array(F::kExternalReferences, &refs)) {
    for (auto ref : refs) {
      simdjson::dom::object ro;
      if (ref.get_object().get(ro) != simdjson::SUCCESS) continue;
      if (OneOf(Str(ro, "source_name"), sources.source_names)) {
        Set(&r.attack_id, Str(ro, "external_id"));
        Set(&r.url, Str(ro, "url"));
        break;
      }
    }
  }
  if (r.type == "relationship") {
    Set(&r.source_ref, o.Str(F::kSourceRef));
    Set(&r.target_ref, o.Str(F::kTargetRef));
    Set(&r.relationship_type, o.Str(F::kRelationshipType));
    Set(&r.description, o.Str(F::kDescription));
    return absl::OkStatus();
  }
  Strings(o, F::kPlatforms, &r.platforms);
  Strings(o, r.type == "intrusion-set" || r.type == "campaign" ? F::kAliases : F::kMitreAliases, &r.aliases);
  if (r.type == "attack-pattern") {
    simdjson::dom::array phases;
    if (o.Array(F::kKillChainPhases, &phases))
      for (auto ph : phases) {
        simdjson::dom::object po;
        if (ph.get_object().get(po) != simdjson::SUCCESS) continue;
        if (OneOf(Str(po, "kill_chain_name"), sources.kill_chains)) r.kill_chain_phases.emplace_back(Str(po, "phase_name"));
      }
  } else if (r.type == "x-mitre-tactic") {
    Set(&r.shortname, o.Str(F::kShortname));
  } else if (r.type == "x-mitre-matrix") {
    Strings(o, F::kTacticRefs, &r.refs);
  } else if (r.type == "x-mitre-detection-strategy") {
    Strings(o, F::kAnalyticRefs, &r.refs);
  } else if (r.type == "x-mitre-analytic") {
    simdjson::dom::array ls;
    if (o.Array(F::kLogSourceReferences, &ls))
      for (auto e : ls) {
        simdjson::dom::object lo;
        if (e.get_object().get(lo) != simdjson::SUCCESS) continue;
        r.log_sources.push_back({std::string(Str(lo, "x_mitre_data_component_ref")), std::string(Str(lo, "name")),
                                 std::string(Str(lo, "channel"))});
      }
  } else if (r.type == "x-mitre-data-component") {
    Set(&r.data_source_ref, o.Str(F::kDataSourceRef));
  }
  return absl::OkStatus();
}

absl::StatusOr<ObjectRecord> ExtractRecord(simdjson::dom::object obj, const DomainSources& sources) {
  ObjectRecord r;
  if (auto s = ExtractRecord(ObjectFields(obj), &r, sources); !s.ok()) return s;
  return r;
}

}  // namespace ttpgraph
