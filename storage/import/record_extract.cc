#include "storage/import/record_extract.h"

namespace ttpgraph {
namespace {

bool IsAttackSource(std::string_view s) {
  return s == "mitre-attack" || s == "mitre-mobile-attack" || s == "mitre-ics-attack";
}
std::string Str(simdjson::dom::object o, std::string_view key) {
  std::string_view v;
  if (o[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return std::string(v);
}
bool Bool(simdjson::dom::object o, std::string_view key) {
  bool v = false;
  return o[key].get_bool().get(v) == simdjson::SUCCESS && v;
}
bool Strings(simdjson::dom::object o, std::string_view key, std::vector<std::string>* out) {
  simdjson::dom::array a;
  if (o[key].get_array().get(a) != simdjson::SUCCESS) return false;
  for (auto e : a) {
    std::string_view s;
    if (e.get_string().get(s) == simdjson::SUCCESS) out->emplace_back(s);
  }
  return true;
}

}  // namespace

absl::StatusOr<ObjectRecord> ExtractRecord(simdjson::dom::object o) {
  ObjectRecord r;
  r.stix_id = Str(o, "id");
  r.type = Str(o, "type");
  if (r.stix_id.empty() || r.type.empty()) return absl::InvalidArgumentError("object without string id or type");
  r.name = Str(o, "name");
  r.modified = Str(o, "modified");
  r.version = Str(o, "x_mitre_version");
  r.revoked = Bool(o, "revoked");
  r.deprecated = Bool(o, "x_mitre_deprecated");
  r.is_subtechnique = Bool(o, "x_mitre_is_subtechnique");
  r.has_domains = Strings(o, "x_mitre_domains", &r.domains);
  simdjson::dom::array refs;
  if (o["external_references"].get_array().get(refs) == simdjson::SUCCESS) {
    for (auto ref : refs) {
      simdjson::dom::object ro;
      if (ref.get_object().get(ro) != simdjson::SUCCESS) continue;
      if (IsAttackSource(Str(ro, "source_name"))) {
        r.attack_id = Str(ro, "external_id");
        r.url = Str(ro, "url");
        break;
      }
    }
  }
  if (r.type == "relationship") {
    r.source_ref = Str(o, "source_ref");
    r.target_ref = Str(o, "target_ref");
    r.relationship_type = Str(o, "relationship_type");
    r.description = Str(o, "description");
    return r;
  }
  Strings(o, "x_mitre_platforms", &r.platforms);
  Strings(o, r.type == "intrusion-set" || r.type == "campaign" ? "aliases" : "x_mitre_aliases", &r.aliases);
  if (r.type == "attack-pattern") {
    simdjson::dom::array phases;
    if (o["kill_chain_phases"].get_array().get(phases) == simdjson::SUCCESS)
      for (auto ph : phases) {
        simdjson::dom::object po;
        if (ph.get_object().get(po) != simdjson::SUCCESS) continue;
        if (IsAttackSource(Str(po, "kill_chain_name"))) r.kill_chain_phases.push_back(Str(po, "phase_name"));
      }
  } else if (r.type == "x-mitre-tactic") {
    r.shortname = Str(o, "x_mitre_shortname");
  } else if (r.type == "x-mitre-matrix") {
    Strings(o, "tactic_refs", &r.refs);
  } else if (r.type == "x-mitre-detection-strategy") {
    Strings(o, "x_mitre_analytic_refs", &r.refs);
  } else if (r.type == "x-mitre-analytic") {
    simdjson::dom::array ls;
    if (o["x_mitre_log_source_references"].get_array().get(ls) == simdjson::SUCCESS)
      for (auto e : ls) {
        simdjson::dom::object lo;
        if (e.get_object().get(lo) != simdjson::SUCCESS) continue;
        r.log_sources.push_back({Str(lo, "x_mitre_data_component_ref"), Str(lo, "name"), Str(lo, "channel")});
      }
  } else if (r.type == "x-mitre-data-component") {
    r.data_source_ref = Str(o, "x_mitre_data_source_ref");
  }
  return r;
}

}  // namespace ttpgraph
