#include "server/core/extensions.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "storage/import/bundle_parser.h"
#include "storage/import/decompress.h"
#include "storage/import/sha256.h"
#include "storage/status_macros.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

// ---- JSON objects as ordered (key, minified value) members -------------------

using Members = std::vector<std::pair<std::string, std::string>>;

absl::StatusOr<Members> ParseMembers(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::object obj;
  if (parser.parse(padded).get_object().get(obj) != simdjson::SUCCESS)
    return absl::InvalidArgumentError("not a JSON object");
  Members out;
  for (auto field : obj) out.emplace_back(std::string(field.key), simdjson::minify(field.value));
  return out;
}

std::string ComposeMembers(const Members& members) {
  std::string out = "{";
  for (size_t i = 0; i < members.size(); ++i) {
    if (i) out += ',';
    out += JsonQuote(members[i].first);
    out += ':';
    out += members[i].second;
  }
  out += '}';
  return out;
}

const std::string* Find(const Members& m, std::string_view key) {
  for (auto& [k, v] : m)
    if (k == key) return &v;
  return nullptr;
}

void SetMember(Members* m, const std::string& key, std::string value) {
  for (auto& [k, v] : *m)
    if (k == key) {
      v = std::move(value);
      return;
    }
  m->emplace_back(key, std::move(value));
}

// Top-level fields whose value differs (added or removed too), `modified` aside.
std::vector<std::string> ChangedFields(const Members& before, const Members& after) {
  std::set<std::string> out;
  for (auto& [k, v] : after)
    if (k != "modified") {
      const std::string* old = Find(before, k);
      if (!old || *old != v) out.insert(k);
    }
  for (auto& [k, v] : before)
    if (k != "modified" && !Find(after, k)) out.insert(k);
  return {out.begin(), out.end()};
}

// The string inside a minified JSON string value ("\"abc\"" -> abc); escapes kept.
std::string Unquote(const std::string& v) {
  return v.size() >= 2 && v.front() == '"' && v.back() == '"' ? v.substr(1, v.size() - 2) : v;
}

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

// RFC 3339 with milliseconds, as ATT&CK writes `modified`.
std::string Rfc3339Ms(int64_t unix_ms) {
  std::string s = FormatRfc3339(unix_ms);  // ...:SSZ
  char ms[8];
  snprintf(ms, sizeof ms, ".%03lldZ", static_cast<long long>(unix_ms % 1000));
  s.pop_back();
  return s + ms;
}

int64_t ParseMs(std::string_view rfc3339) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(rfc3339), &t, &err)) return 0;
  return absl::ToUnixMillis(t);
}

// The ATT&CK ID letter of a STIX type, "" for types without ATT&CK IDs.
std::string IdLetter(std::string_view type) {
  static const std::unordered_map<std::string_view, std::string> kLetters = {
      {"attack-pattern", "T"},          {"intrusion-set", "G"},           {"malware", "S"},
      {"tool", "S"},                    {"campaign", "C"},                {"course-of-action", "M"},
      {"x-mitre-data-source", "DS"},    {"x-mitre-data-component", "DC"}, {"x-mitre-tactic", "TA"},
      {"x-mitre-detection-strategy", "DET"}, {"x-mitre-analytic", "AN"}};
  auto it = kLetters.find(type);
  return it == kLetters.end() ? "" : it->second;
}

std::string DefaultPrefix(const OrgId& org) {
  std::string p;
  for (char c : org.str())
    if (std::isalnum(static_cast<unsigned char>(c))) p += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (p.empty() || !std::isalpha(static_cast<unsigned char>(p[0]))) p = "X" + p;
  return p.substr(0, 16);
}

absl::Status ValidatePrefix(std::string_view p) {
  bool ok = !p.empty() && p.size() <= 16 && std::isupper(static_cast<unsigned char>(p[0]));
  for (char c : p) ok = ok && (std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)));
  if (!ok)
    return absl::InvalidArgumentError(Cat("prefix '", p,
                                          "' is not an ID prefix: use 1-16 capital letters and digits, starting "
                                          "with a letter (e.g. ACME, for IDs like ACME-T0001)"));
  return absl::OkStatus();
}

// Adds the ATT&CK ID reference (source_name mitre-attack, as Workbench writes
// custom objects) to an object's members.
void AddAttackId(Members* m, const std::string& id) {
  std::string ref = Cat("{\"source_name\":\"mitre-attack\",\"external_id\":", JsonQuote(id), "}");
  for (auto& [k, v] : *m)
    if (k == "external_references" && v.size() >= 2 && v.front() == '[') {
      v = v == "[]" ? Cat("[", ref, "]") : Cat("[", ref, ",", v.substr(1));
      return;
    }
  m->emplace_back("external_references", Cat("[", ref, "]"));
}

// The MITRE object's stored JSON.
absl::StatusOr<std::string> BaseJson(Application& app, const Node& node) {
  TTP_ASSIGN_OR_RETURN(auto jsons, app.store().GetObjects({node.object_key}));
  return std::move(jsons.at(0));
}

// STIX 2.1's common properties (section 3.2): an edit may add them to a MITRE object.
bool IsStixCommonProperty(std::string_view f) {
  static const std::set<std::string_view> kCommon = {
      "spec_version", "created_by_ref", "revoked", "labels", "confidence", "lang", "external_references",
      "object_marking_refs", "granular_markings", "extensions", "created", "modified"};
  return kCommon.count(f) > 0;
}

bool IsCustomFieldName(std::string_view f) { return f.size() > 2 && f.substr(0, 2) == "x_" && f.substr(0, 7) != "x_mitre"; }

// The extension, its base release's context and its current objects.
struct Loaded {
  Extension extension;
  std::shared_ptr<const ReleaseContext> base;
  std::vector<ExtensionObject> objects;  // by STIX id
};

absl::StatusOr<Loaded> Load(Application& app, const OrgId& org, const std::string& name) {
  Loaded l;
  TTP_ASSIGN_OR_RETURN(l.extension, app.extensions().Get(org, name));
  auto base = app.releases().Get(l.extension.base_release);
  if (!base.ok()) {
    if (base.status().code() == absl::StatusCode::kNotFound)
      return absl::FailedPreconditionError(Cat("extension '", name, "' is layered on ", l.extension.base_release,
                                               ", which this server no longer holds: import it again or rebase the "
                                               "extension"));
    return base.status();
  }
  l.base = std::move(*base);
  TTP_ASSIGN_OR_RETURN(l.objects, app.extensions().Objects(org, name));
  return l;
}

// The STIX id an object reference (ATT&CK ID or STIX id) names in the
// extension or its base release.
absl::StatusOr<std::string> ResolveObject(const Loaded& l, const std::string& ref) {
  if (ref.find("--") != std::string::npos) {
    for (auto& o : l.objects)
      if (o.stix_id == ref) return ref;
    if (l.base->graph().FindStix(ref) != kNoNode) return ref;
    return absl::NotFoundError(Cat("no object ", ref, " in extension '", l.extension.name, "' or ",
                                   l.extension.base_release));
  }
  std::vector<std::string> hits;
  for (auto& o : l.objects) {
    auto r = ExtractRecordFromJson(o.json);
    if (r.ok() && ToUpper(r->attack_id) == ToUpper(ref)) hits.push_back(o.stix_id);
  }
  for (NodeId n : l.base->graph().FindAttackId(ref)) {
    const Node& node = l.base->graph().node(n);
    if (node.type != "relationship" && std::find(hits.begin(), hits.end(), node.stix_id) == hits.end())
      hits.push_back(node.stix_id);
  }
  if (hits.empty())
    return absl::NotFoundError(Cat("no object with ATT&CK ID ", ref, " in extension '", l.extension.name, "' or ",
                                   l.extension.base_release));
  if (hits.size() > 1)
    return absl::InvalidArgumentError(Cat("ATT&CK ID ", ref, " names ", hits.size(), " objects (",
                                          Join(hits, ", "), "): give the STIX id"));
  return hits[0];
}

std::string CollectionUuid(const Extension& e) {
  std::string h = Sha256Hex(Cat("ttpgraph extension ", e.org, "/", e.name, " ", e.incarnation));
  // A version-4-shaped UUID from the digest (stable for this extension).
  return Cat(h.substr(0, 8), "-", h.substr(8, 4), "-4", h.substr(13, 3), "-8", h.substr(17, 3), "-", h.substr(20, 12));
}

// An object's JSON as STIX 2.1 (ATT&CK's 2.0 objects lack spec_version).
std::string As21(const std::string& json) {
  if (json.find("\"spec_version\":") != std::string::npos || json.size() < 2 || json[0] != '{') return json;
  return Cat("{\"spec_version\":\"2.1\",", json.substr(1));
}

// The merged objects of a view: the base release's with the extension's
// versions in place, then the extension's own. Each with its date added.
absl::StatusOr<std::vector<ViewObject>> Merge(Application& app, const Loaded& l, bool merged,
                                              const std::vector<ExtensionObjectChange>* history) {
  std::unordered_map<std::string, int64_t> changed_at;
  if (history)
    for (auto& h : *history) changed_at[h.stix_id] = std::max(changed_at[h.stix_id], h.time_ms);
  std::vector<ViewObject> out;
  std::unordered_set<std::string> overridden;
  for (auto& o : l.objects) overridden.insert(o.stix_id);
  if (merged) {
    TTP_ASSIGN_OR_RETURN(ReleaseInfo info, app.store().GetRelease(l.base->id()));
    TTP_ASSIGN_OR_RETURN(auto base, app.store().LoadReleaseObjects(l.base->id()));
    out.reserve(base.size() + l.objects.size());
    for (auto& o : base) {
      std::string id = o.key.substr(0, o.key.find('|'));
      if (overridden.count(id)) continue;
      out.push_back({std::move(id), std::move(o.json), info.imported_at_unix_ms});
    }
  }
  for (auto& o : l.objects) {
    auto it = changed_at.find(o.stix_id);
    out.push_back({o.stix_id, o.json, it == changed_at.end() ? l.extension.updated_at_unix_ms : it->second});
  }
  return out;
}

}  // namespace

absl::StatusOr<Extension> CreateExtension(Application& app, const OrgId& org, const NewExtension& init,
                                          AuditEntry* audit) {
  if (auto s = ValidateExtensionName(init.name); !s.ok()) return s;
  if (init.release.empty())
    return absl::InvalidArgumentError("release: required (the base release, e.g. enterprise-attack@18.1)");
  TTP_ASSIGN_OR_RETURN(ReleaseRef ref, ReleaseRef::Parse(init.release));
  TTP_ASSIGN_OR_RETURN(ReleaseId id, app.store().Resolve(ref));
  Extension e;
  e.name = init.name;
  e.base_release = id.Name();
  e.prefix = init.prefix.empty() ? DefaultPrefix(org) : init.prefix;
  if (auto s = ValidatePrefix(e.prefix); !s.ok()) return s;
  if (init.description.size() > 4096) return absl::InvalidArgumentError("description: longer than 4096 bytes");
  e.description = init.description;
  if (audit) audit->Affect(Cat(org.str(), "/", init.name));
  return app.extensions().Create(org, e, audit);
}

absl::StatusOr<std::vector<Extension>> ListExtensions(Application& app, const OrgId& org) {
  return app.extensions().List(org);
}

absl::StatusOr<Extension> DeleteExtension(Application& app, const OrgId& org, const std::string& name,
                                          AuditEntry* audit) {
  if (audit) audit->Affect(Cat(org.str(), "/", name));
  return app.extensions().Delete(org, name, audit);
}

absl::StatusOr<ExtensionObjectInfo> DescribeObject(const std::string& json, bool custom) {
  TTP_ASSIGN_OR_RETURN(ObjectRecord r, ExtractRecordFromJson(json));
  ExtensionObjectInfo info;
  info.stix_id = r.stix_id;
  info.type = r.type;
  info.attack_id = r.attack_id;
  info.name = r.name;
  info.modified = r.modified;
  info.custom = custom;
  info.revoked = r.revoked;
  info.deprecated = r.deprecated;
  TTP_ASSIGN_OR_RETURN(Members m, ParseMembers(json));
  for (auto& [k, v] : m)
    if (IsCustomFieldName(k)) info.x_fields[k] = v;
  info.json = json;
  return info;
}

absl::StatusOr<ExtensionDetail> GetExtension(Application& app, const OrgId& org, const std::string& name) {
  TTP_ASSIGN_OR_RETURN(Loaded l, Load(app, org, name));
  ExtensionDetail d;
  d.extension = l.extension;
  for (auto& o : l.objects) {
    TTP_ASSIGN_OR_RETURN(ExtensionObjectInfo info,
                         DescribeObject(o.json, l.base->graph().FindStix(o.stix_id) == kNoNode));
    d.objects.push_back(std::move(info));
  }
  std::sort(d.objects.begin(), d.objects.end(), [](const ExtensionObjectInfo& a, const ExtensionObjectInfo& b) {
    if (a.attack_id.empty() != b.attack_id.empty()) return !a.attack_id.empty();
    return a.attack_id != b.attack_id ? a.attack_id < b.attack_id : a.stix_id < b.stix_id;
  });
  return d;
}

absl::StatusOr<ExtensionImport> ImportExtension(Application& app, const OrgId& org, const std::string& name,
                                                std::vector<ExtensionFile> files, AuditEntry* audit) {
  if (files.empty()) return absl::InvalidArgumentError("files: give at least one bundle");
  TTP_ASSIGN_OR_RETURN(Loaded l, Load(app, org, name));
  const Extension& e = l.extension;
  const ReleaseGraph& g = l.base->graph();
  const ServerLimits& limits = app.limits();

  // Every file parsed (the release import's parser and checks), objects merged by STIX id.
  struct Incoming {
    std::string file;
    StoredObject object;
    ObjectRecord record;
  };
  std::vector<Incoming> incoming;
  std::unordered_map<std::string, size_t> index_of;
  for (ExtensionFile& f : files) {
    auto text = VerifyAndGunzip(std::move(f.bytes), "", f.name,
                                GunzipLimits{limits.max_bundle_bytes, limits.max_inflation_ratio});
    if (!text.ok()) return text.status();
    BundleParseOptions po;
    po.domain = g.id().domain;
    po.version = g.id().version.ToString();
    po.max_depth = limits.max_json_depth;
    po.max_objects = limits.max_objects;
    po.max_unknown_objects = limits.max_unknown_objects;
    po.max_object_bytes = limits.max_stix_object_bytes;
    po.max_name_bytes = limits.max_name_bytes;
    po.extension = true;
    auto bundle = ParseBundle(*text, po);
    if (!bundle.ok()) return absl::Status(bundle.status().code(), Cat(f.name, ": ", bundle.status().message()));
    for (StoredObject& o : bundle->objects) {
      TTP_ASSIGN_OR_RETURN(ObjectRecord r, DecodeRecord(o.record));
      auto [it, fresh] = index_of.emplace(r.stix_id, incoming.size());
      if (!fresh) {
        if (incoming[it->second].object.json == o.json) continue;
        return absl::InvalidArgumentError(Cat(f.name, ": ", r.stix_id, " is also in ", incoming[it->second].file,
                                              " with different content"));
      }
      incoming.push_back({f.name, std::move(o), std::move(r)});
    }
  }

  std::unordered_map<std::string, const ExtensionObject*> current;
  for (auto& o : l.objects) current[o.stix_id] = &o;
  // Custom ATT&CK IDs in use (current objects not re-imported, and incoming), by ID.
  std::unordered_map<std::string, std::string> id_owner;
  for (auto& o : l.objects) {
    if (g.FindStix(o.stix_id) != kNoNode || index_of.count(o.stix_id)) continue;
    auto r = ExtractRecordFromJson(o.json);
    if (r.ok() && !r->attack_id.empty()) id_owner[ToUpper(r->attack_id)] = o.stix_id;
  }
  const std::string ns = e.prefix + "-";

  ExtensionChange change;
  change.last_ids = e.last_ids;
  ExtensionImport out;
  std::vector<size_t> need_id;
  std::vector<size_t> kept;  // incoming objects that become extension objects
  for (size_t i = 0; i < incoming.size(); ++i) {
    Incoming& in = incoming[i];
    const ObjectRecord& r = in.record;
    const std::string where = Cat(in.file, ": ", r.stix_id, r.attack_id.empty() ? "" : Cat(" (", r.attack_id, ")"));
    const NodeId n = g.FindStix(r.stix_id);
    if (n != kNoNode) {
      const Node& node = g.node(n);
      if (node.object_key == in.object.key) continue;  // MITRE's object as it is
      TTP_ASSIGN_OR_RETURN(std::string base_json, BaseJson(app, node));
      TTP_ASSIGN_OR_RETURN(Members base_m, ParseMembers(base_json));
      TTP_ASSIGN_OR_RETURN(Members new_m, ParseMembers(in.object.json));
      const std::vector<std::string> diff = ChangedFields(base_m, new_m);
      const std::string *base_modified = Find(base_m, "modified"), *new_modified = Find(new_m, "modified");
      const bool same_modified = base_modified && new_modified ? *base_modified == *new_modified
                                                               : base_modified == new_modified;
      if (same_modified && (diff.empty() || diff == std::vector<std::string>{"spec_version"}))
        continue;  // MITRE's object as it is (laid out otherwise, or as STIX 2.1)
      if (ToUpper(r.attack_id) != ToUpper(node.attack_id))
        return absl::InvalidArgumentError(Cat(where, ": an edit of ", e.base_release, "'s ", node.attack_id,
                                              " may not change its ATT&CK ID (to '", r.attack_id, "')"));
      if ((r.revoked && !node.revoked) || (r.deprecated && !node.deprecated))
        return absl::InvalidArgumentError(Cat(where, ": an extension may revoke or deprecate only its own objects, not ",
                                              e.base_release, "'s ", node.attack_id));
      if (!r.modified.empty() && ParseMs(r.modified) <= ParseMs(node.modified))
        return absl::InvalidArgumentError(Cat(where, ": an edit of a MITRE object needs a later modified than ",
                                              e.base_release, "'s ", node.modified, " (got ", r.modified, ")"));
      for (auto& [k, v] : new_m)
        if (!Find(base_m, k) && k.substr(0, 2) != "x_" && !IsStixCommonProperty(k))
          return absl::InvalidArgumentError(Cat(where, ": adds the field '", k, "' to ", e.base_release, "'s ",
                                                node.attack_id, ": custom fields on MITRE objects need an x_ prefix "
                                                "(e.g. x_", ToLower(e.prefix), "_", k, ")"));
    } else if (!r.attack_id.empty()) {
      if (r.attack_id.size() <= ns.size() || ToUpper(r.attack_id.substr(0, ns.size())) != ns)
        return absl::InvalidArgumentError(Cat(where, ": claims the ATT&CK ID ", r.attack_id,
                                              ", outside this extension's namespace ", ns,
                                              "*: give custom objects IDs like ", ns, IdLetter(r.type).empty() ? "T" : IdLetter(r.type),
                                              "0001, or none and the server assigns the next"));
      auto [it, fresh] = id_owner.emplace(ToUpper(r.attack_id), r.stix_id);
      if (!fresh && it->second != r.stix_id)
        return absl::InvalidArgumentError(Cat(where, ": ATT&CK ID ", r.attack_id, " is already ", it->second));
    } else if (!IdLetter(r.type).empty()) {
      need_id.push_back(i);
    }
    kept.push_back(i);
  }
  // Relationships: both ends in the base release or in the extension as it will be.
  auto known = [&](const std::string& id) {
    return g.FindStix(id) != kNoNode || current.count(id) || index_of.count(id);
  };
  for (size_t i : kept) {
    const ObjectRecord& r = incoming[i].record;
    if (r.type != "relationship") continue;
    for (auto [end, ref] : {std::pair{"source_ref", &r.source_ref}, std::pair{"target_ref", &r.target_ref}})
      if (!known(*ref))
        return absl::InvalidArgumentError(Cat(incoming[i].file, ": relationship ", r.stix_id, ": its ", end, " ", *ref,
                                              " is in neither ", e.base_release, " nor extension '", e.name, "'"));
  }
  // IDs for custom objects without one, in bundle order.
  for (size_t i : need_id) {
    Incoming& in = incoming[i];
    const std::string letter = IdLetter(in.record.type);
    std::string id;
    // An object the extension holds already keeps the ID it was given.
    if (auto cur = current.find(in.record.stix_id); cur != current.end()) {
      auto r = ExtractRecordFromJson(cur->second->json);
      if (r.ok() && !r->attack_id.empty()) id = r->attack_id;
    }
    if (id.empty()) do {
      id = Cat(ns, letter, std::string(4 - std::min<size_t>(4, std::to_string(change.last_ids[letter] + 1).size()), '0'),
               change.last_ids[letter] + 1);
      ++change.last_ids[letter];
    } while (id_owner.count(id));
    id_owner.emplace(id, in.record.stix_id);
    TTP_ASSIGN_OR_RETURN(Members m, ParseMembers(in.object.json));
    AddAttackId(&m, id);
    in.object.json = ComposeMembers(m);
    in.record.attack_id = id;
    if (!current.count(in.record.stix_id)) out.assigned_ids.emplace_back(in.record.stix_id, id);
  }
  for (size_t i : kept) {
    Incoming& in = incoming[i];
    TTP_ASSIGN_OR_RETURN(Members after, ParseMembers(in.object.json));
    std::string json = ComposeMembers(after);
    auto cur = current.find(in.record.stix_id);
    ExtensionObjectChange h;
    h.stix_id = in.record.stix_id;
    h.token_id = audit ? audit->token_id : "";
    if (cur != current.end()) {
      if (cur->second->json == json) {
        ++out.unchanged;
        continue;
      }
      TTP_ASSIGN_OR_RETURN(Members before, ParseMembers(cur->second->json));
      h.action = "edited";
      h.fields = ChangedFields(before, after);
      ++out.edited;
    } else if (NodeId n = g.FindStix(in.record.stix_id); n != kNoNode) {
      TTP_ASSIGN_OR_RETURN(std::string base_json, BaseJson(app, g.node(n)));
      TTP_ASSIGN_OR_RETURN(Members before, ParseMembers(base_json));
      h.action = "edited";
      h.fields = ChangedFields(before, after);
      ++out.edited;
    } else {
      h.action = "added";
      for (auto& [k, v] : after) h.fields.push_back(k);
      ++out.added;
    }
    h.json = json;
    if (audit) audit->Affect(in.record.attack_id.empty() ? in.record.stix_id : in.record.attack_id);
    change.put.push_back({in.record.stix_id, std::move(json)});
    change.history.push_back(std::move(h));
  }
  out.unchanged += static_cast<int64_t>(incoming.size() - kept.size());
  if (change.put.empty()) {
    out.extension = e;
    return out;
  }
  TTP_ASSIGN_OR_RETURN(out.extension, app.extensions().Apply(org, name, e.version, std::move(change), audit));
  return out;
}

absl::StatusOr<ExtensionObjectInfo> SetExtensionField(Application& app, const OrgId& org, const std::string& name,
                                                      const std::string& object, const std::string& field,
                                                      const std::optional<std::string>& value, AuditEntry* audit) {
  TTP_ASSIGN_OR_RETURN(Loaded l, Load(app, org, name));
  TTP_ASSIGN_OR_RETURN(std::string stix_id, ResolveObject(l, object));
  const NodeId n = l.base->graph().FindStix(stix_id);
  const bool mitre = n != kNoNode;
  bool field_ok = !field.empty();
  for (char c : field)
    field_ok = field_ok && (std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_');
  if (!field_ok)
    return absl::InvalidArgumentError(Cat("field '", field, "': use lower-case letters, digits and _ (x_acme_sector)"));
  if (mitre && !IsCustomFieldName(field))
    return absl::InvalidArgumentError(Cat("field '", field, "': on ", l.extension.base_release,
                                          "'s objects only custom fields may be set, named x_<org>_... (e.g. x_",
                                          ToLower(l.extension.prefix), "_", field, "), never x_mitre_*"));
  for (std::string_view fixed : {"id", "type", "created", "modified", "spec_version"})
    if (field == fixed) return absl::InvalidArgumentError(Cat("field '", field, "' is set by the server"));

  std::string before_json;
  for (auto& o : l.objects)
    if (o.stix_id == stix_id) before_json = o.json;
  if (before_json.empty()) {
    TTP_ASSIGN_OR_RETURN(before_json, BaseJson(app, l.base->graph().node(n)));
  }
  TTP_ASSIGN_OR_RETURN(Members before, ParseMembers(before_json));
  Members after = before;
  if (value) {
    // JSON when it parses as JSON (["finance","energy"], 5, true), else the text as a string.
    std::string v;
    simdjson::dom::parser parser;
    simdjson::dom::element el;
    if (parser.parse(simdjson::padded_string(*value)).get(el) == simdjson::SUCCESS) v = simdjson::minify(el);
    else v = JsonQuote(*value);
    SetMember(&after, field, std::move(v));
  } else {
    auto it = std::find_if(after.begin(), after.end(), [&](auto& m) { return m.first == field; });
    if (it == after.end())
      return absl::NotFoundError(Cat("object ", object, " has no field '", field, "' to remove"));
    after.erase(it);
  }
  // A new version: `modified` later than the one it replaces.
  const std::string* old_modified = Find(before, "modified");
  int64_t now = NowMs();
  if (old_modified) now = std::max(now, ParseMs(Unquote(*old_modified)) + 1);
  SetMember(&after, "modified", JsonQuote(Rfc3339Ms(now)));
  ExtensionObjectChange h;
  h.stix_id = stix_id;
  h.token_id = audit ? audit->token_id : "";
  h.action = "edited";
  h.fields = ChangedFields(before, after);
  h.json = ComposeMembers(after);
  ExtensionChange change;
  change.put.push_back({stix_id, h.json});
  std::string json = h.json;
  change.history.push_back(std::move(h));
  if (audit) audit->Affect(object);
  TTP_ASSIGN_OR_RETURN(Extension e, app.extensions().Apply(org, name, l.extension.version, std::move(change), audit));
  (void)e;
  return DescribeObject(json, !mitre);
}

absl::StatusOr<std::vector<ExtensionObjectChange>> ExtensionHistory(Application& app, const OrgId& org,
                                                           const std::string& name, const std::string& object) {
  if (object.empty()) return app.extensions().History(org, name, "");
  TTP_ASSIGN_OR_RETURN(Loaded l, Load(app, org, name));
  TTP_ASSIGN_OR_RETURN(std::string stix_id, ResolveObject(l, object));
  return app.extensions().History(org, name, stix_id);
}

absl::StatusOr<std::string> ExportExtension(Application& app, const OrgId& org, const std::string& name,
                                            const ExportOptions& options) {
  TTP_ASSIGN_OR_RETURN(Loaded l, Load(app, org, name));
  TTP_ASSIGN_OR_RETURN(auto objects, Merge(app, l, options.merged, nullptr));
  const Extension& e = l.extension;
  const std::string created = Rfc3339Ms(e.created_at_unix_ms), modified = Rfc3339Ms(e.updated_at_unix_ms);
  std::string contents;
  for (auto& o : objects) {
    auto r = ExtractRecordFromJson(o.json);
    if (!r.ok()) return r.status();
    if (!contents.empty()) contents += ',';
    contents += Cat("{\"object_ref\":", JsonQuote(o.stix_id), ",\"object_modified\":", JsonQuote(r->modified), "}");
  }
  std::string collection = Cat(
      "{\"type\":\"x-mitre-collection\",\"id\":\"x-mitre-collection--", CollectionUuid(e),
      "\",\"spec_version\":\"2.1\",\"name\":", JsonQuote(Cat(e.org, "/", e.name, options.merged ? " (merged)" : "")),
      ",\"description\":",
      JsonQuote(e.description.empty() ? Cat("Extension ", e.org, "/", e.name, " on ", e.base_release) : e.description),
      ",\"x_mitre_version\":", JsonQuote(Cat(e.version, ".0")), ",\"x_mitre_attack_spec_version\":\"3.2.0\"",
      ",\"x_mitre_domains\":[", JsonQuote(l.base->id().domain), "]", ",\"created\":", JsonQuote(created),
      ",\"modified\":", JsonQuote(modified), ",\"x_ttpgraph_base_release\":", JsonQuote(e.base_release),
      ",\"x_mitre_contents\":[", contents, "]}");
  std::string out = Cat("{\"type\":\"bundle\",\"id\":\"bundle--", CollectionUuid(e), "\",\"objects\":[", collection);
  for (auto& o : objects) {
    out += ',';
    out += As21(o.json);
  }
  out += "]}";
  return out;
}

absl::StatusOr<std::string> ExtensionCollectionIndex(Application& app, const OrgId& org, const std::string& name,
                                                     const std::string& url) {
  TTP_ASSIGN_OR_RETURN(Extension e, app.extensions().Get(org, name));
  const std::string created = Rfc3339Ms(e.created_at_unix_ms), modified = Rfc3339Ms(e.updated_at_unix_ms);
  const std::string version = Cat(e.version, ".0");
  const std::string where = url.empty() ? Cat(e.org, "-", e.name, "-", version, ".json") : url;
  return Cat("{\"id\":\"", CollectionUuid(e), "\",\"name\":", JsonQuote(Cat(e.org, " extensions")),
             ",\"description\":", JsonQuote(Cat("Custom ATT&CK extensions of ", e.org, ", served by ttpgraph")),
             ",\"created\":", JsonQuote(created), ",\"modified\":", JsonQuote(modified),
             ",\"collections\":[{\"id\":\"x-mitre-collection--", CollectionUuid(e), "\",\"created\":", JsonQuote(created),
             ",\"versions\":[{\"version\":", JsonQuote(version), ",\"url\":", JsonQuote(where),
             ",\"modified\":", JsonQuote(modified), "}],\"name\":", JsonQuote(Cat(e.org, "/", e.name)),
             ",\"description\":",
             JsonQuote(e.description.empty() ? Cat("Extension ", e.org, "/", e.name, " on ", e.base_release)
                                             : e.description),
             "}]}");
}

namespace {
// Whether JSON value `v` holds one of `values` (see GroupsWhere).
bool Holds(simdjson::dom::element v, const std::vector<std::string>& values) {
  auto one = [&](simdjson::dom::element e) {
    std::string_view text;
    std::string owned;
    if (e.get_string().get(text) != simdjson::SUCCESS) {
      if (e.is_array() || e.is_object()) return false;
      owned = simdjson::minify(e);
      text = owned;
    }
    return std::find(values.begin(), values.end(), text) != values.end();
  };
  simdjson::dom::array list;
  if (v.get_array().get(list) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : list)
      if (one(e)) return true;
    return false;
  }
  return one(v);
}
}  // namespace

absl::StatusOr<GroupsWhereAnswer> GroupsWhere(Application& app, const OrgId& org, const ReleaseContext& release,
                                              const std::string& property, const std::vector<std::string>& values) {
  if (property.empty()) return absl::InvalidArgumentError("threat.custom_property.property: give the field (x_acme_sector)");
  if (values.empty()) return absl::InvalidArgumentError("threat.custom_property.values: give at least one value");
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i].empty()) return absl::InvalidArgumentError(Cat("threat.custom_property.values[", i, "]: empty value"));
  const ReleaseGraph& g = release.graph();
  GroupsWhereAnswer out;
  // The extensions' versions of groups, by STIX id (the later `modified` when two extensions edit one).
  struct Version {
    std::string json, view;
    ObjectRecord record;
  };
  std::unordered_map<std::string, Version> edited;
  TTP_ASSIGN_OR_RETURN(std::vector<Extension> all, app.extensions().List(org));
  for (const Extension& e : all) {
    if (e.base_release != g.id().Name()) continue;
    out.extensions.push_back(Cat(e.org, "/", e.name));
    TTP_ASSIGN_OR_RETURN(std::vector<ExtensionObject> objects, app.extensions().Objects(org, e.name));
    for (auto& o : objects) {
      auto r = ExtractRecordFromJson(o.json);
      if (!r.ok() || r->type != "intrusion-set") continue;
      auto it = edited.find(o.stix_id);
      if (it != edited.end() && it->second.record.modified >= r->modified) continue;
      edited[o.stix_id] = {std::move(o.json), Cat(e.org, "/", e.name), std::move(*r)};
    }
  }
  // The release's active in-domain groups: their JSON where no extension edits them.
  std::vector<NodeId> groups;
  std::vector<std::string> keys;
  for (NodeId n = 0; n < static_cast<NodeId>(g.nodes().size()); ++n) {
    const Node& node = g.node(n);
    if (node.type != "intrusion-set" || !node.in_domain || node.revoked || node.deprecated) continue;
    groups.push_back(n);
    if (!edited.count(node.stix_id)) keys.push_back(node.object_key);
  }
  TTP_ASSIGN_OR_RETURN(std::vector<std::string> base_json, app.store().GetReleaseObjects({g.id()}, keys));
  simdjson::dom::parser parser;
  auto matches = [&](const std::string& json) -> absl::StatusOr<bool> {
    simdjson::dom::object obj;
    if (parser.parse(json).get(obj) != simdjson::SUCCESS) return absl::DataLossError("a stored group is not JSON");
    simdjson::dom::element v;
    return obj[property].get(v) == simdjson::SUCCESS && Holds(v, values);
  };
  size_t next_base = 0;
  for (NodeId n : groups) {
    const Node& node = g.node(n);
    auto it = edited.find(node.stix_id);
    const std::string& json = it != edited.end() ? it->second.json : base_json[next_base++];
    TTP_ASSIGN_OR_RETURN(bool hit, matches(json));
    if (hit) out.release_groups.push_back(node.attack_id.empty() ? node.stix_id : node.attack_id);
    if (it != edited.end()) edited.erase(it);
  }
  // What is left are the extensions' own groups (or edits of groups the release no longer has active).
  for (auto& [stix_id, version] : edited) {
    if (g.FindStix(stix_id) != kNoNode || version.record.revoked || version.record.deprecated) continue;
    TTP_ASSIGN_OR_RETURN(bool hit, matches(version.json));
    if (hit) out.custom_groups.push_back({version.view, stix_id, version.record.attack_id, version.record.name});
  }
  std::sort(out.custom_groups.begin(), out.custom_groups.end(),
            [](const ExtensionGroup& a, const ExtensionGroup& b) { return a.attack_id < b.attack_id; });
  return out;
}

absl::StatusOr<std::vector<ReadableView>> ReadableViews(Application& app, const Caller& caller) {
  std::vector<std::string> orgs;
  if (caller.role == Role::kAdmin) {
    TTP_ASSIGN_OR_RETURN(auto all, app.orgs().ListOrgs());
    for (auto& o : all) orgs.push_back(o.id);
  } else {
    orgs.push_back(caller.org);
  }
  std::vector<ReadableView> out;
  for (auto& org : orgs) {
    TTP_ASSIGN_OR_RETURN(auto exts, app.extensions().List(OrgId(org)));
    for (auto& e : exts) out.push_back({e.org, e.name, e.base_release, e.version, e.updated_at_unix_ms});
  }
  return out;
}

absl::StatusOr<std::vector<ViewObject>> ViewObjects(Application& app, const Caller& caller, const OrgId& org,
                                                    const std::string& name) {
  if (caller.role != Role::kAdmin && caller.org != org.str())
    return absl::PermissionDeniedError(Cat("this token is for organization '", caller.org,
                                           "' and may not read another's extensions"));
  TTP_ASSIGN_OR_RETURN(Loaded l, Load(app, org, name));
  TTP_ASSIGN_OR_RETURN(auto history, app.extensions().History(org, name, ""));
  TTP_ASSIGN_OR_RETURN(auto objects, Merge(app, l, /*merged=*/true, &history));
  for (auto& o : objects) o.json = As21(o.json);
  return objects;
}

}  // namespace ttpgraph::core
