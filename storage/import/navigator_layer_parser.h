// Parses ATT&CK Navigator layer files (format 4.x; a file may hold one layer
// object or a JSON array of them, as the Navigator saves several layers).
//
//   auto layers = ParseNavigatorLayers("coverage.json", text);
//   for (auto& t : (*layers)[0].techniques) ...
//
// Pure: no I/O. Errors (INVALID_ARGUMENT, naming the file and the JSON path):
// invalid JSON, a missing or mistyped required field (name, domain,
// versions.layer, techniques[i].techniqueID), a legacy layer (format 3.x with a
// top-level "version" and domains such as "mitre-enterprise": re-save it in a
// current Navigator to upgrade it), a layer format other than 4.x, a domain
// that is not a domain name (IsWellFormedDomain; whether a release of it is
// stored is the importer's question).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ttpgraph {

struct LayerTechnique {
  std::string technique_id;  // upper-case, as T1059 or T1059.001
  std::string tactic;        // empty when the annotation applies under every tactic
  bool has_score = false;
  double score = 0;
  bool enabled = true;
  std::string comment;
  std::string json_path;     // "techniques[12]"
};

struct NavigatorLayer {
  std::string name;
  std::string domain;         // enterprise-attack, mobile-attack, ics-attack or a framework's
  std::string layer_version;  // "4.5"
  std::string attack_version; // may be empty
  std::string description;
  std::vector<LayerTechnique> techniques;
};

absl::StatusOr<std::vector<NavigatorLayer>> ParseNavigatorLayers(std::string_view path, std::string_view json);

}  // namespace ttpgraph
