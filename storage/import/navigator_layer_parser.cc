#include "storage/import/navigator_layer_parser.h"

#include <simdjson.h>

#include "storage/model.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

absl::Status Bad(std::string_view path, std::string_view json_path, std::string_view what) {
  return absl::InvalidArgumentError(Cat(path, ": ", json_path, json_path.empty() ? "" : ": ", what));
}

absl::StatusOr<NavigatorLayer> ParseOne(std::string_view path, std::string_view where, simdjson::dom::element e) {
  simdjson::dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return Bad(path, where, "a layer must be a JSON object");
  auto prefix = [&](std::string_view field) { return where.empty() ? std::string(field) : Cat(where, ".", field); };
  NavigatorLayer layer;
  std::string_view s;
  simdjson::dom::object versions;
  if (o["versions"].get_object().get(versions) != simdjson::SUCCESS) {
    std::string_view legacy;
    if (o["version"].get_string().get(legacy) == simdjson::SUCCESS)
      return Bad(path, prefix("version"),
                 Cat("legacy layer format ", legacy,
                     " is not supported; open it in ATT&CK Navigator (4.x or later) and save it again to upgrade it "
                     "to format 4.5"));
    return Bad(path, prefix("versions"), "missing: a layer 4.x has a `versions` object with `layer`");
  }
  if (versions["layer"].get_string().get(s) != simdjson::SUCCESS)
    return Bad(path, prefix("versions.layer"), "missing or not a string");
  layer.layer_version = std::string(s);
  if (!StartsWith(layer.layer_version, "4."))
    return Bad(path, prefix("versions.layer"),
               Cat("layer format ", layer.layer_version, " is not supported (4.x is)"));
  if (versions["attack"].get_string().get(s) == simdjson::SUCCESS) layer.attack_version = std::string(s);
  if (o["name"].get_string().get(s) != simdjson::SUCCESS) return Bad(path, prefix("name"), "missing or not a string");
  layer.name = std::string(s);
  if (o["domain"].get_string().get(s) != simdjson::SUCCESS)
    return Bad(path, prefix("domain"), "missing or not a string");
  layer.domain = std::string(s);
  if (!IsWellFormedDomain(layer.domain)) return Bad(path, prefix("domain"), UnknownDomainMessage(layer.domain));
  if (o["description"].get_string().get(s) == simdjson::SUCCESS) layer.description = std::string(s);
  simdjson::dom::array techniques;
  auto err = o["techniques"].get_array().get(techniques);
  if (err == simdjson::NO_SUCH_FIELD) return layer;
  if (err != simdjson::SUCCESS) return Bad(path, prefix("techniques"), "must be an array");
  size_t i = 0;
  for (auto te : techniques) {
    std::string jp = prefix(Cat("techniques[", i++, "]"));
    simdjson::dom::object t;
    if (te.get_object().get(t) != simdjson::SUCCESS) return Bad(path, jp, "must be an object");
    LayerTechnique lt;
    lt.json_path = jp;
    if (t["techniqueID"].get_string().get(s) != simdjson::SUCCESS)
      return Bad(path, jp + ".techniqueID", "missing or not a string");
    lt.technique_id = ToUpper(s);
    if (t["tactic"].get_string().get(s) == simdjson::SUCCESS) lt.tactic = std::string(s);
    if (t["comment"].get_string().get(s) == simdjson::SUCCESS) lt.comment = std::string(s);
    simdjson::dom::element score;
    if (t["score"].get(score) == simdjson::SUCCESS && !score.is_null()) {
      double d;
      if (score.get_double().get(d) != simdjson::SUCCESS) {
        int64_t iv;
        if (score.get_int64().get(iv) != simdjson::SUCCESS) return Bad(path, jp + ".score", "must be a number");
        d = static_cast<double>(iv);
      }
      lt.has_score = true;
      lt.score = d;
    }
    bool enabled;
    if (t["enabled"].get_bool().get(enabled) == simdjson::SUCCESS) lt.enabled = enabled;
    layer.techniques.push_back(std::move(lt));
  }
  return layer;
}

}  // namespace

absl::StatusOr<std::vector<NavigatorLayer>> ParseNavigatorLayers(std::string_view path, std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json.data(), json.size());
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err)
    return Bad(path, "", Cat("not valid JSON: ", simdjson::error_message(err)));
  std::vector<NavigatorLayer> out;
  simdjson::dom::array arr;
  if (root.get_array().get(arr) == simdjson::SUCCESS) {
    size_t i = 0;
    for (auto e : arr) {
      auto l = ParseOne(path, Cat("[", i++, "]"), e);
      if (!l.ok()) return l.status();
      out.push_back(std::move(*l));
    }
    if (out.empty()) return Bad(path, "", "an empty array holds no layer");
    return out;
  }
  auto l = ParseOne(path, "", root);
  if (!l.ok()) return l.status();
  out.push_back(std::move(*l));
  return out;
}

}  // namespace ttpgraph
