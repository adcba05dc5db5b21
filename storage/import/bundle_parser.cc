#include "storage/import/bundle_parser.h"

#include "storage/import/record_extract.h"

#include <simdjson.h>

#include <algorithm>
#include <deque>
#include <set>
#include <system_error>
#include <tuple>
#include <thread>
#include <unordered_map>

#include "storage/import/sha256.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

// A small recursive-descent JSON checker, used only to tell the user where a
// document that simdjson rejected goes wrong (simdjson does not report it).
class SyntaxLocator {
 public:
  SyntaxLocator(std::string_view s, size_t max_depth) : s_(s), max_depth_(max_depth) {}
  std::string Run() {
    Ws();
    if (!Value(0)) return Where();
    Ws();
    if (pos_ != s_.size()) {
      err_ = "unexpected text after the JSON document";
      return Where();
    }
    return "";
  }

 private:
  std::string Where() const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return Cat("line ", line, ", column ", col, ": ", err_);
  }
  void Ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
  }
  bool Fail(const char* what) {
    err_ = what;
    return false;
  }
  bool Lit(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return Fail("invalid literal");
    pos_ += lit.size();
    return true;
  }
  bool String() {
    ++pos_;  // opening quote
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in string");
      if (c == '\\') ++pos_;
      ++pos_;
    }
    return Fail("unterminated string");
  }
  bool Number() {
    size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    while (pos_ < s_.size() && (isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.' ||
                                s_[pos_] == 'e' || s_[pos_] == 'E' || s_[pos_] == '+' || s_[pos_] == '-'))
      ++pos_;
    return pos_ > start ? true : Fail("invalid number");
  }
  bool Value(size_t depth) {
    if (pos_ >= s_.size()) return Fail("unexpected end of input");
    switch (s_[pos_]) {
      case '{':
      case '[': {
        if (depth + 1 > max_depth_) return Fail("nesting deeper than the depth limit");
        const char close = s_[pos_] == '{' ? '}' : ']';
        const bool object = close == '}';
        ++pos_;
        Ws();
        if (pos_ < s_.size() && s_[pos_] == close) {
          ++pos_;
          return true;
        }
        while (true) {
          if (object) {
            if (pos_ >= s_.size() || s_[pos_] != '"') return Fail("expected a string key");
            if (!String()) return false;
            Ws();
            if (pos_ >= s_.size() || s_[pos_] != ':') return Fail("expected ':'");
            ++pos_;
            Ws();
          }
          if (!Value(depth + 1)) return false;
          Ws();
          if (pos_ >= s_.size()) return Fail("unexpected end of input");
          if (s_[pos_] == ',') {
            ++pos_;
            Ws();
            continue;
          }
          if (s_[pos_] == close) {
            ++pos_;
            return true;
          }
          return Fail(object ? "expected ',' or '}'" : "expected ',' or ']'");
        }
      }
      case '"':
        return String();
      case 't':
        return Lit("true");
      case 'f':
        return Lit("false");
      case 'n':
        return Lit("null");
      default:
        if (s_[pos_] == '-' || isdigit(static_cast<unsigned char>(s_[pos_]))) return Number();
        return Fail("unexpected character");
    }
  }
  std::string_view s_;
  size_t max_depth_;
  size_t pos_ = 0;
  const char* err_ = "";
};

std::string_view GetString(simdjson::dom::object obj, std::string_view key) {
  std::string_view out;
  if (obj[key].get_string().get(out) != simdjson::SUCCESS) return {};
  return out;
}

// `s` as a message may show it: control characters escaped, cut at 80 bytes.
std::string Shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') out += "\\n";
    else if (u < 0x20 || u == 0x7f) out += Cat("\\x", "0123456789abcdef"[u >> 4], "0123456789abcdef"[u & 15]);
    else out.push_back(c);
  }
  if (s.size() > 80) out += "...";
  return out;
}

const std::set<std::string_view>& AttackTypes() {
  static const std::set<std::string_view> types = {
      "attack-pattern",  "campaign",        "course-of-action",      "identity",
      "intrusion-set",   "malware",         "marking-definition",    "relationship",
      "tool",            "x-mitre-analytic", "x-mitre-asset",        "x-mitre-collection",
      "x-mitre-data-component", "x-mitre-data-source", "x-mitre-detection-strategy", "x-mitre-matrix",
      "x-mitre-tactic"};
  return types;
}

bool IdMatchesType(std::string_view id, std::string_view type) {
  return id.size() > type.size() + 2 && id.substr(0, type.size()) == type && id.substr(type.size(), 2) == "--";
}

// Below this many objects a bundle is scanned on one thread.
constexpr size_t kParallelObjects = 2048;

// What ParseBundle needs of one object, found without looking at the others.
// The views point into the parser's DOM.
struct Scanned {
  bool is_object = false;
  std::string_view id, type, modified, created, spec_version;
  bool has_modified = false, has_created = false;
  std::string_view name, x_mitre_version;                     // x-mitre-collection
  std::string_view source_ref, target_ref, relationship_type;  // relationship
  bool has_domains = false;                                   // x_mitre_domains is an array
  simdjson::dom::array domains;
  std::string record_error;  // why no record could be extracted
  StoredObject stored;       // set when the object passed the checks above
};

void ScanObject(simdjson::dom::element element, std::string_view text, const DomainSources& sources,
                std::string_view record_context, ObjectRecord* record, Scanned* s) {
  using F = ObjectFields;
  simdjson::dom::object obj;
  if (element.get_object().get(obj) != simdjson::SUCCESS) return;
  s->is_object = true;
  const ObjectFields fields(obj);
  s->id = fields.Str(F::kId);
  s->type = fields.Str(F::kType);
  s->modified = fields.Str(F::kModified);
  s->created = fields.Str(F::kCreated);
  s->has_modified = fields.Has(F::kModified);
  s->has_created = fields.Has(F::kCreated);
  s->spec_version = fields.Str(F::kSpecVersion);
  s->name = fields.Str(F::kName);
  s->x_mitre_version = fields.Str(F::kVersion);
  s->source_ref = fields.Str(F::kSourceRef);
  s->target_ref = fields.Str(F::kTargetRef);
  s->relationship_type = fields.Str(F::kRelationshipType);
  s->has_domains = fields.Array(F::kDomains, &s->domains);
  // ParseBundle refuses such objects before it would store them.
  if (s->id.empty() || s->type.empty() || !IdMatchesType(s->id, s->type) || text.empty()) return;
  if (auto st = ExtractRecord(fields, record, sources); !st.ok()) {
    s->record_error = std::string(st.message());
    return;
  }
  s->stored = StoredObject{MakeObjectKey(s->id, s->modified, text, record_context), std::string(text), EncodeRecord(*record)};
}

// The text of each element of the bundle's "objects" array, exactly as sent,
// from the structural indexes (positions of the brackets, commas, colons and
// value starts outside strings) that simdjson's stage 1 left in `parser` for
// the document it just validated: one walk over ~2 million positions instead
// of a second parse. If the walk does not find one text per element (an
// escaped "objects" key, say, or a simdjson whose indexes differ), the
// on-demand pass used before takes over, with its errors.
absl::StatusOr<std::vector<std::string_view>> ElementTexts(const simdjson::dom::parser& parser,
                                                           simdjson::padded_string_view json, size_t count) {
  std::vector<std::string_view> out;
  out.reserve(count);
  const char* s = json.data();
  const uint32_t* idx = parser.implementation->structural_indexes.get();
  const uint32_t n = parser.implementation->n_structural_indexes;
  auto is_open = [&](uint32_t i) { return s[idx[i]] == '{' || s[idx[i]] == '['; };
  auto is_close = [&](uint32_t i) { return s[idx[i]] == '}' || s[idx[i]] == ']'; };
  // Moves `i` from the first structural of a value to its last one.
  auto skip_value = [&](uint32_t& i) {
    if (!is_open(i)) return true;  // a scalar is one structural
    for (int depth = 0; i < n; ++i) {
      if (is_open(i)) ++depth;
      else if (is_close(i) && --depth == 0) return true;
    }
    return false;
  };
  // The root object's members: key, ':', value, then ',' or '}'.
  uint32_t i = 1;
  bool found = false;
  if (n > 0 && s[idx[0]] == '{') {
    while (i + 2 < n && s[idx[i]] == '"' && s[idx[i + 1]] == ':') {
      const std::string_view key(s + idx[i], idx[i + 1] - idx[i]);
      i += 2;
      if (key.substr(0, 9) == "\"objects\"" && s[idx[i]] == '[') {
        found = true;
        break;
      }
      if (!skip_value(i) || ++i >= n || s[idx[i]] != ',') break;
      ++i;
    }
  }
  if (found) {
    ++i;  // past '['
    while (i < n && s[idx[i]] != ']') {
      const uint32_t start = idx[i];
      if (!skip_value(i)) break;
      // Anything but an object is refused by the caller, which needs no text for it.
      if (s[start] == '{') out.emplace_back(s + start, idx[i] + 1 - start);
      else out.emplace_back();
      if (++i < n && s[idx[i]] == ',') ++i;
    }
    if (out.size() == count) return out;
  }

  out.clear();
  simdjson::ondemand::parser od;
  simdjson::ondemand::document doc;
  simdjson::ondemand::array arr;
  if (od.iterate(json).get(doc) || doc["objects"].get_array().get(arr))
    return absl::InvalidArgumentError("not a STIX bundle: $.objects must be an array");
  for (auto v : arr) {
    simdjson::ondemand::object o;
    std::string_view text;
    if (v.get_object().get(o) || o.raw_json().get(text)) text = {};
    out.push_back(text);
  }
  return out;
}

// The first external reference of an x-mitre-matrix that has a source_name:
// its source_name and external_id (ATT&CK's: mitre-attack, enterprise-attack).
std::pair<std::string_view, std::string_view> MatrixReference(simdjson::dom::object matrix) {
  simdjson::dom::array refs;
  if (matrix["external_references"].get_array().get(refs) != simdjson::SUCCESS) return {};
  for (auto ref : refs) {
    simdjson::dom::object ro;
    if (ref.get_object().get(ro) != simdjson::SUCCESS || GetString(ro, "source_name").empty()) continue;
    return {GetString(ro, "source_name"), GetString(ro, "external_id")};
  }
  return {};
}

bool IsMitreSource(std::string_view name) {
  for (std::string_view n : kDefaultSourceNames)
    if (n == name) return true;
  return false;
}

// `json` with the whitespace outside strings removed.
std::string WithoutWhitespace(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < json.size()) out.push_back(json[++i]);
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
      out.push_back(c);
    } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      out.push_back(c);
    }
  }
  return out;
}

// `text` (one object's JSON) with the value of its top-level "id" member,
// `old_id`, replaced by `new_id` (the same length: both are <type>--<UUID>);
// empty when that member is not found written plainly.
std::string WithId(std::string_view text, std::string_view old_id, std::string_view new_id) {
  const std::string quoted = Cat("\"", old_id, "\"");
  for (size_t at = text.find(quoted); at != std::string_view::npos; at = text.find(quoted, at + 1)) {
    size_t k = at;
    auto skip_ws_back = [&] {
      while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\n' || text[k - 1] == '\r' || text[k - 1] == '\t')) --k;
    };
    skip_ws_back();
    if (k == 0 || text[k - 1] != ':') continue;
    --k;
    skip_ws_back();
    if (k < 4 || text.substr(k - 4, 4) != "\"id\"") continue;
    std::string out(text);
    out.replace(at + 1, old_id.size(), new_id);
    return out;
  }
  return "";
}

}  // namespace

std::string ContentDerivedId(std::string_view type, std::string_view json) {
  return Cat(type, "--", UuidV5(kContentIdNamespace, WithoutWhitespace(json)));
}

bool IsStixId(std::string_view id, std::string_view type) {
  if (type.empty() || !IdMatchesType(id, type)) return false;
  for (char c : type)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  const std::string_view uuid = id.substr(type.size() + 2);
  if (uuid.size() != 36) return false;
  for (size_t i = 0; i < uuid.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? uuid[i] != '-' : !std::isxdigit(static_cast<unsigned char>(uuid[i]))) return false;
  }
  return true;
}

bool IsRfc3339(std::string_view t) {
  size_t pos = 0;
  auto digits = [&](size_t n, int lo, int hi) {
    if (pos + n > t.size()) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
      const char c = t[pos + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    pos += n;
    return v >= lo && v <= hi;
  };
  auto lit = [&](char c) { return pos < t.size() && t[pos++] == c; };
  if (!(digits(4, 0, 9999) && lit('-') && digits(2, 1, 12) && lit('-') && digits(2, 1, 31) && lit('T') &&
        digits(2, 0, 23) && lit(':') && digits(2, 0, 59) && lit(':') && digits(2, 0, 60)))
    return false;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    const size_t start = pos;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') ++pos;
    if (pos == start || pos - start > 9) return false;
  }
  if (pos < t.size() && t[pos] == 'Z') return ++pos == t.size();
  if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
    ++pos;
    return digits(2, 0, 23) && lit(':') && digits(2, 0, 59) && pos == t.size();
  }
  return false;
}

bool IsAttackType(std::string_view type) { return AttackTypes().count(type) > 0; }

std::string DomainFromCollectionName(std::string_view name) {
  if (name.find("Enterprise") != std::string_view::npos) return "enterprise-attack";
  if (name.find("Mobile") != std::string_view::npos) return "mobile-attack";
  if (name.find("ICS") != std::string_view::npos) return "ics-attack";
  return "";
}

std::string LocateJsonSyntaxError(std::string_view json, size_t max_depth) {
  return SyntaxLocator(json, max_depth).Run();
}

absl::StatusOr<ParsedBundle> ParseBundle(std::string_view json, const BundleParseOptions& opts) {
  for (auto [flag, value] : {std::pair{"--source-name", &opts.source_name}, std::pair{"--kill-chain", &opts.kill_chain}})
    if (value->size() > 128 || std::any_of(value->begin(), value->end(), [](char c) { return c <= ' ' || c > '~'; }))
      return absl::InvalidArgumentError(Cat(flag, " '", Shown(*value), "' is not a name (up to 128 printable ASCII "
                                            "characters without spaces, e.g. mitre-atlas)"));
  simdjson::dom::parser parser;
  if (auto err = parser.allocate(json.size() + 1, opts.max_depth); err)
    return absl::ResourceExhaustedError(Cat("cannot allocate parser: ", simdjson::error_message(err)));
  // Parse in place when the caller's buffer already has simdjson's padding
  // (MaybeGunzip leaves it); otherwise copy into a padded buffer.
  simdjson::padded_string copy;
  simdjson::padded_string_view padded;
  if (json.size() + simdjson::SIMDJSON_PADDING <= opts.buffer_capacity) {
    padded = simdjson::padded_string_view(json.data(), json.size(), opts.buffer_capacity);
  } else {
    copy = simdjson::padded_string(json);
    padded = copy;
  }
  simdjson::dom::element root;
  if (auto err = parser.parse(padded.data(), padded.size(), false).get(root); err) {
    std::string where = LocateJsonSyntaxError(json, opts.max_depth);
    if (err == simdjson::DEPTH_ERROR)
      return absl::InvalidArgumentError(Cat(
          "JSON nested deeper than the limit of ", opts.max_depth, " levels",
          where.empty() ? "" : " at ", where));
    return absl::InvalidArgumentError(Cat(
        "invalid JSON", where.empty() ? "" : " at ", where, " (", simdjson::error_message(err), ")"));
  }
  simdjson::dom::object bundle;
  if (root.get_object().get(bundle) != simdjson::SUCCESS)
    return absl::InvalidArgumentError("not a STIX bundle: the document is not a JSON object");
  if (GetString(bundle, "type") != "bundle")
    return absl::InvalidArgumentError(
        "not a STIX bundle: $.type must be \"bundle\" (got " +
        (GetString(bundle, "type").empty() ? std::string("nothing") : "\"" + std::string(GetString(bundle, "type")) + "\"") + ")");
  simdjson::dom::array objects;
  if (bundle["objects"].get_array().get(objects) != simdjson::SUCCESS)
    return absl::InvalidArgumentError("not a STIX bundle: $.objects must be an array");
  if (objects.size() > opts.max_objects)
    return absl::ResourceExhaustedError(Cat("bundle holds ", objects.size(),
                                                     " objects, over the limit of ", opts.max_objects));

  auto texts = ElementTexts(parser, padded, objects.size());
  if (!texts.ok()) return texts.status();
  const std::vector<std::string_view>& raw = *texts;
  if (raw.size() != objects.size()) return absl::InternalError("object count differs between parser passes");
  std::vector<simdjson::dom::element> elements;
  elements.reserve(objects.size());
  for (simdjson::dom::element el : objects) elements.push_back(el);

  // The refusals that need no copy of anything, before the scan copies each
  // object's text: an oversized object, too many objects of types ATT&CK
  // does not use.
  size_t unknown = 0, techniques = 0;
  std::string_view matrix_source, matrix_external_id;  // the first matrix's reference
  for (size_t i = 0; i < elements.size(); ++i) {
    simdjson::dom::object obj;
    if (elements[i].get_object().get(obj) != simdjson::SUCCESS) continue;  // refused below, in order
    const std::string_view type = GetString(obj, "type");
    if (raw[i].size() > opts.max_object_bytes)
      return absl::InvalidArgumentError(Cat("objects[", i, "] (", Shown(GetString(obj, "id")), ") is ", raw[i].size(),
                                            " bytes, over the limit of ", opts.max_object_bytes,
                                            " bytes per object (max_stix_object_bytes)"));
    if (type == "attack-pattern") ++techniques;
    else if (type == "x-mitre-matrix" && matrix_source.empty())
      std::tie(matrix_source, matrix_external_id) = MatrixReference(obj);
    else if (!type.empty() && !IsAttackType(type) && ++unknown > opts.max_unknown_objects)
      return absl::ResourceExhaustedError(Cat("the bundle holds more than ", opts.max_unknown_objects,
                                              " objects of types ATT&CK does not use (objects[", i, "] is a \"",
                                              Shown(type), "\"; max_unknown_objects)"));
  }

  // The domain's own source and kill-chain names, which the records need: a
  // framework's (given, or its matrix's), else MITRE's three.
  ParsedBundle out;
  const std::string_view own_source = !opts.source_name.empty() ? std::string_view(opts.source_name) : matrix_source;
  const bool own_framework = !own_source.empty() && !IsMitreSource(own_source);
  out.sources = DomainSources::Mitre();
  if (own_framework) out.sources.source_names = out.sources.kill_chains = {std::string(own_source)};
  if (!opts.kill_chain.empty()) out.sources.kill_chains = {opts.kill_chain};
  const std::string record_context =
      own_framework || !opts.kill_chain.empty()
          ? Cat("\n", Join(out.sources.source_names, ","), "\n", Join(out.sources.kill_chains, ","))
          : "";

  // Per object, the work that does not depend on the other objects (finding
  // the members, the record, the content address, the copy of the text), on
  // two threads for a large bundle; then, in bundle order, the checks and
  // the bookkeeping that do.
  std::vector<Scanned> scanned(elements.size());
  auto scan = [&](size_t begin, size_t end) {
    ObjectRecord record;  // reused: keeps its strings' buffers across objects
    for (size_t i = begin; i < end; ++i) ScanObject(elements[i], raw[i], out.sources, record_context, &record, &scanned[i]);
  };
  size_t mid = elements.size();
  std::thread helper;
  if (elements.size() >= kParallelObjects) {
    // Split by bytes, not count: relationships are much smaller than techniques.
    size_t total = 0, half = 0;
    for (auto t : raw) total += t.size();
    for (mid = 0; mid < raw.size() && half < total / 2; ++mid) half += raw[mid].size();
    try {
      helper = std::thread(scan, mid, elements.size());
    } catch (const std::system_error&) {
      mid = elements.size();  // no thread to be had: all on this one
    }
  }
  scan(0, mid);
  if (helper.joinable()) helper.join();

  out.spec_version = std::string(GetString(bundle, "spec_version"));
  out.objects.reserve(objects.size());
  std::unordered_map<std::string_view, size_t> index_of;  // stix id -> objects index
  index_of.reserve(objects.size());
  std::vector<std::pair<std::string_view, std::string_view>> rel_refs;  // per relationship
  std::vector<std::string_view> rel_ids;
  std::unordered_map<std::string_view, int64_t> counts;
  std::string collection_domain, collection_version;
  std::string unnamed_collection;  // where a collection names no MITRE domain: "objects[i] (id): ... \"name\""
  std::deque<std::string> new_ids;  // lenient: the ids given, which index_of's keys point into
  size_t domain_tagged = 0;
  std::map<std::string, size_t> domain_votes;

  for (size_t i = 0; i < scanned.size(); ++i) {
    Scanned& s = scanned[i];
    std::string_view id = s.id;
    const std::string_view type = s.type;
    if (!s.is_object) return absl::InvalidArgumentError(Cat("objects[", i, "] is not a JSON object"));
    if (type.empty())
      return absl::InvalidArgumentError(Cat("objects[", i, "]", id.empty() ? "" : " (" + Shown(id) + ")",
                                                     " has no string \"type\""));
    if (id.empty())
      return absl::InvalidArgumentError(Cat("objects[", i, "] (type ", Shown(type), ") has no string \"id\""));
    if (!IdMatchesType(id, type))
      return absl::InvalidArgumentError(Cat("objects[", i, "]: id \"", Shown(id),
                                                     "\" does not start with its type \"", Shown(type), "--\""));
    if (!IsStixId(id, type))
      return absl::InvalidArgumentError(Cat("objects[", i, "]: id \"", Shown(id), "\" is not ", Shown(type),
                                            "--<UUID> (8-4-4-4-12 hex digits, the type in lower-case letters, "
                                            "digits and '-')"));
    for (auto [field, value, present] : {std::tuple{"modified", s.modified, s.has_modified},
                                         std::tuple{"created", s.created, s.has_created}})
      if (present && !IsRfc3339(value))
        return absl::InvalidArgumentError(Cat("objects[", i, "] (", id, "): ", field, " \"", Shown(value),
                                              "\" is not an RFC 3339 timestamp (2024-01-01T00:00:00.000Z)"));
    if (s.name.size() > opts.max_name_bytes)
      return absl::InvalidArgumentError(Cat("objects[", i, "] (", id, "): name is ", s.name.size(),
                                            " bytes, over the limit of ", opts.max_name_bytes, " (max_name_bytes)"));
    if (out.spec_version.empty()) out.spec_version = std::string(s.spec_version);
    const std::string_view text = raw[i];
    if (text.empty())
      return absl::InvalidArgumentError(Cat("objects[", i, "] (", id, ") could not be read back"));
    if (auto it = index_of.find(id); it != index_of.end()) {
      if (out.objects[it->second].json == text) continue;  // an exact duplicate: keep one
      if (!opts.lenient)
        return absl::InvalidArgumentError(Cat("objects[", i, "]: duplicate id ", id,
                                              " with different content; nothing was imported (--lenient imports "
                                              "it under an id derived from its content)"));
      if (!s.record_error.empty())
        return absl::InvalidArgumentError(Cat("objects[", i, "] (", id, "): ", s.record_error));
      // Lenient: store it under an id derived from its content, in its text too.
      std::string new_id = ContentDerivedId(type, text);
      std::string new_text = WithId(text, id, new_id);
      auto record = DecodeRecord(s.stored.record);
      if (new_text.empty() || !record.ok())
        return absl::InvalidArgumentError(Cat("objects[", i, "]: duplicate id ", id,
                                              " with different content, and its \"id\" member could not be "
                                              "rewritten to give it a new id"));
      record->stix_id = new_id;
      s.stored = StoredObject{MakeObjectKey(new_id, s.modified, new_text, record_context), new_text, EncodeRecord(*record)};
      if (auto again = index_of.find(new_id); again != index_of.end()) {
        if (out.objects[again->second].json == s.stored.json) continue;  // the same colliding object again
        return absl::InternalError(Cat("objects[", i, "]: the content-derived id ", new_id, " is taken"));
      }
      out.reidentified.push_back({i, std::string(type), std::string(id), new_id});
      id = new_ids.emplace_back(std::move(new_id));
    }
    if (type == "x-mitre-collection" && opts.extension) continue;
    if (type == "x-mitre-collection") {
      collection_domain = DomainFromCollectionName(s.name);
      collection_version = std::string(s.x_mitre_version);
      if (collection_domain.empty()) unnamed_collection = Cat("objects[", i, "] (", id, "): collection name \"", s.name, "\"");
    }
    if (type == "relationship") {
      if (s.source_ref.empty() || s.target_ref.empty() || s.relationship_type.empty())
        return absl::InvalidArgumentError(Cat("objects[", i, "] (", id,
                                                       "): relationship needs source_ref, target_ref and relationship_type"));
      rel_refs.emplace_back(s.source_ref, s.target_ref);
      rel_ids.push_back(id);
    }
    if (type == "attack-pattern" && s.has_domains) {
      ++domain_tagged;
      for (auto d : s.domains) {
        std::string_view ds;
        if (d.get_string().get(ds) != simdjson::SUCCESS) continue;
        ++domain_votes[std::string(ds)];
      }
    }
    if (!s.record_error.empty())
      return absl::InvalidArgumentError(Cat("objects[", i, "] (", id, "): ", s.record_error));
    ++counts[type];
    index_of.emplace(id, out.objects.size());
    out.objects.push_back(std::move(s.stored));
  }
  if (techniques == 0 && !opts.extension)
    return absl::InvalidArgumentError(
        "the bundle holds no ATT&CK technique (no attack-pattern object): it is not ATT&CK content");
  for (auto& [type, n] : counts) out.counts_by_type[std::string(type)] = n;
  // index_of's keys point into the DOM, which lives until here.
  for (size_t r = 0; r < rel_refs.size(); ++r)
    if (!index_of.count(rel_refs[r].first) || !index_of.count(rel_refs[r].second))
      out.dangling_relationship_ids.emplace_back(rel_ids[r]);

  // Domain and version: from the collection, or given, and never contradicting;
  // a framework's domain may come from its matrix.
  std::string domain = !opts.domain.empty()      ? opts.domain
                       : !collection_domain.empty() ? collection_domain
                       : own_framework              ? ToLower(matrix_external_id)
                                                    : "";
  if (domain.empty() && !unnamed_collection.empty())
    return absl::InvalidArgumentError(Cat(unnamed_collection,
                                          " names no ATT&CK domain: give the domain of the framework (--domain NAME, "
                                          "and --source-name unless its x-mitre-matrix names its source)"));
  std::string version = !opts.version.empty() ? opts.version : collection_version;
  if (!collection_domain.empty() && !opts.domain.empty() && collection_domain != opts.domain)
    return absl::InvalidArgumentError(Cat("the bundle's x-mitre-collection is ", collection_domain,
                                                   ", not the requested domain ", opts.domain));
  if (!collection_version.empty() && !opts.version.empty()) {
    auto a = Version::Parse(collection_version), b = Version::Parse(opts.version);
    if (a.ok() && b.ok() && !(*a == *b))
      return absl::InvalidArgumentError(Cat("the bundle's x-mitre-collection is version ", collection_version,
                                                     ", not the requested version ", opts.version));
  }
  if (domain.empty() || version.empty())
    return absl::InvalidArgumentError(
        "the bundle has no x-mitre-collection object: give the domain and version "
        "(e.g. --domain enterprise-attack --version 18.1)");
  if (!IsWellFormedDomain(domain)) return absl::InvalidArgumentError(UnknownDomainMessage(domain));
  if (!IsKnownDomain(domain) && !own_framework)
    return absl::InvalidArgumentError(Cat(UnknownDomainMessage(domain), ": a framework of its own names its "
                                          "external-reference source in its x-mitre-matrix or with --source-name, "
                                          "and this bundle's are MITRE's"));
  auto parsed_version = Version::Parse(version);
  if (!parsed_version.ok()) return parsed_version.status();
  if (domain_tagged > 0 && IsKnownDomain(domain)) {
    size_t match = 0;
    for (auto& [d, n] : domain_votes)
      if (d == domain) match = n;
    if (match * 2 < domain_tagged) {
      std::string majority;
      size_t best = 0;
      for (auto& [d, n] : domain_votes)
        if (n > best) best = n, majority = d;
      return absl::InvalidArgumentError(Cat(
          "wrong domain: only ", match, " of the bundle's ", domain_tagged, " techniques belong to ", domain,
          "; most belong to ", majority));
    }
  }
  out.id = ReleaseId{domain, *parsed_version};
  if (out.spec_version.empty()) out.spec_version = "2.0";
  return out;
}

}  // namespace ttpgraph
