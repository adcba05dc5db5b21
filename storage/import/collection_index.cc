#include "storage/import/collection_index.h"

#include <simdjson.h>

#include <map>

#include "storage/import/bundle_parser.h"
#include "storage/model.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

// An index is 4 levels deep; anything much deeper is not one.
constexpr size_t kMaxDepth = 16;

absl::Status Bad(std::string_view json_path, std::string_view what) {
  return absl::InvalidArgumentError(Cat("collection index: ", json_path, ": ", what));
}

// A member that must be a string when present: OK with `*out` empty when absent.
absl::Status OptionalString(simdjson::dom::object o, std::string_view key, const std::string& path,
                            std::string* out) {
  simdjson::dom::element e;
  if (o[key].get(e) != simdjson::SUCCESS) return absl::OkStatus();
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return Bad(Cat(path, ".", key), "must be a string");
  *out = std::string(s);
  return absl::OkStatus();
}

absl::Status RequiredString(simdjson::dom::object o, std::string_view key, const std::string& path,
                            std::string* out) {
  simdjson::dom::element e;
  if (o[key].get(e) != simdjson::SUCCESS) return Bad(Cat(path, ".", key), "missing");
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return Bad(Cat(path, ".", key), "must be a string");
  *out = std::string(s);
  return absl::OkStatus();
}

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

absl::Status ParseVersion(simdjson::dom::element e, const std::string& path, CollectionVersion* v) {
  simdjson::dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return Bad(path, "a version must be a JSON object");
  v->json_path = path;
  if (auto s = RequiredString(o, "version", path, &v->version); !s.ok()) return s;
  if (auto parsed = Version::Parse(v->version); !parsed.ok()) return Bad(path + ".version", Cat(parsed.status().message()));
  const std::pair<std::string_view, std::string*> optional[] = {
      {"url", &v->url}, {"taxii_url", &v->taxii_url}, {"modified", &v->modified}, {"sha256", &v->sha256}};
  for (auto [key, out] : optional)
    if (auto s = OptionalString(o, key, path, out); !s.ok()) return s;
  if (v->url.empty() && v->taxii_url.empty()) return Bad(path, "gives neither url nor taxii_url");
  if (!v->sha256.empty()) {
    if (!IsSha256Hex(v->sha256))
      return Bad(path + ".sha256", Cat("'", v->sha256, "' is not a SHA-256 (64 hex digits)"));
    v->sha256 = ToLower(v->sha256);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CollectionIndex> ParseCollectionIndex(std::string_view json) {
  simdjson::dom::parser parser;
  if (parser.allocate(json.size() + 1, kMaxDepth) != simdjson::SUCCESS)
    return absl::ResourceExhaustedError(Cat("collection index: cannot allocate a parser for ", json.size(), " bytes"));
  simdjson::padded_string padded(json.data(), json.size());
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err) {
    std::string where = LocateJsonSyntaxError(json, kMaxDepth);
    return absl::InvalidArgumentError(Cat("collection index: invalid JSON", where.empty() ? "" : " at ", where, " (",
                                          simdjson::error_message(err), ")"));
  }
  simdjson::dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) return Bad("$", "must be a JSON object");
  CollectionIndex index;
  if (auto s = OptionalString(top, "name", "$", &index.name); !s.ok()) return s;
  simdjson::dom::element collections_element;
  if (top["collections"].get(collections_element) != simdjson::SUCCESS)
    return Bad("$.collections", "missing: a collection index lists its collections in a \"collections\" array");
  simdjson::dom::array collections;
  if (collections_element.get_array().get(collections) != simdjson::SUCCESS)
    return Bad("$.collections", "must be an array");
  size_t i = 0;
  for (simdjson::dom::element c : collections) {
    const std::string path = Cat("$.collections[", i++, "]");
    simdjson::dom::object co;
    if (c.get_object().get(co) != simdjson::SUCCESS) return Bad(path, "a collection must be a JSON object");
    std::string name;
    if (auto s = RequiredString(co, "name", path, &name); !s.ok()) return s;
    simdjson::dom::element versions_element;
    if (co["versions"].get(versions_element) != simdjson::SUCCESS) return Bad(path + ".versions", "missing");
    simdjson::dom::array versions;
    if (versions_element.get_array().get(versions) != simdjson::SUCCESS)
      return Bad(path + ".versions", "must be an array");
    const std::string domain = DomainFromCollectionName(name);
    std::map<Version, std::string> seen;  // version -> its path, for duplicates
    size_t j = 0;
    for (simdjson::dom::element e : versions) {
      CollectionVersion v;
      v.collection = name;
      v.domain = domain;
      if (auto s = ParseVersion(e, Cat(path, ".versions[", j++, "]"), &v); !s.ok()) return s;
      auto [it, fresh] = seen.emplace(*Version::Parse(v.version), v.json_path);
      if (!fresh)
        return Bad(v.json_path, Cat("version ", v.version, " of '", name, "' is listed twice (also at ", it->second, ")"));
      index.versions.push_back(std::move(v));
    }
  }
  return index;
}

}  // namespace ttpgraph
