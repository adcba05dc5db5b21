#include "server/org_document.h"

#include <google/protobuf/util/json_util.h>

#include "server/org_convert.h"
#include "server/token_convert.h"
#include "storage/record.h"
#include "storage/strings.h"
#include "ttpgraph/v1/org_service.pb.h"

namespace ttpgraph {
namespace {

std::string Time(int64_t unix_ms) {
  if (unix_ms <= 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(unix_ms), absl::UTCTimeZone());
}

absl::Status ParseTime(const std::string& text, const std::string& where, int64_t* unix_ms) {
  *unix_ms = 0;
  if (text.empty()) return absl::OkStatus();
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err))
    return absl::InvalidArgumentError(Cat(where, ": '", text, "' is not an RFC 3339 time (", err, ")"));
  *unix_ms = absl::ToUnixMillis(t);
  return absl::OkStatus();
}

}  // namespace

std::string OrgDocumentToJson(const core::OrgDocument& doc, absl::Time exported_at) {
  v1::OrganizationDocument out;
  out.set_format(std::string(kOrgDocumentFormat));
  out.set_version(kOrgDocumentVersion);
  out.set_exported_at(Time(absl::ToUnixMillis(exported_at)));
  auto* o = out.mutable_organization();
  o->set_org_id(doc.org.id);
  o->set_display_name(doc.org.display_name);
  o->set_release(doc.org.release);
  o->set_created_at(Time(doc.org.created_at_unix_ms));
  o->set_updated_at(Time(doc.org.updated_at_unix_ms));
  for (const Detection& d : doc.detections) {
    auto* x = out.add_detections();
    x->set_id(d.id);
    x->set_name(d.name);
    x->set_source_format(d.source_format);
    x->set_query(d.query);
    for (auto& t : d.techniques) x->add_techniques(t);
    for (auto& c : d.data_components) x->add_data_components(c);
    x->set_state(ToProto(d.state));
    x->set_release(d.release);
    for (auto& t : d.tags) x->add_tags(t);
    x->set_description(d.description);
    if (!d.sigma_status.empty() || !d.sigma_category.empty() || !d.sigma_product.empty() ||
        !d.sigma_service.empty() || !d.sigma_path.empty() || !d.sigma_level.empty() || !d.sigma_author.empty())
      ToProto(d, x->mutable_sigma());
    for (auto& t : d.unresolved_techniques) x->add_unresolved_techniques(t);
    for (auto& t : d.stale_techniques) x->add_stale_techniques(t);
    for (auto& n : d.notes) x->add_notes(n);
    x->set_created_at(Time(d.created_at_unix_ms));
    x->set_updated_at(Time(d.updated_at_unix_ms));
  }
  for (const InventoryEntry& e : doc.inventory) {
    auto* x = out.add_inventory();
    x->set_data_component(e.data_component);
    x->set_log_source_name(e.log_source_name);
    x->set_log_source_channel(e.log_source_channel);
    x->set_source(e.source);
    x->set_data_component_stix_id(e.data_component_stix_id);
    x->set_data_component_name(e.data_component_name);
  }
  for (const Token& t : doc.tokens) ToProto(t, out.add_tokens());
  for (const ExtensionStore::Full& f : doc.extensions) {
    auto* x = out.add_extensions();
    const Extension& e = f.extension;
    x->set_name(e.name);
    x->set_base_release(e.base_release);
    x->set_prefix(e.prefix);
    x->set_description(e.description);
    x->set_version(e.version);
    x->set_created_at(Time(e.created_at_unix_ms));
    x->set_updated_at(Time(e.updated_at_unix_ms));
    for (auto& [letter, n] : e.last_ids) (*x->mutable_last_ids())[letter] = n;
    for (auto& o : f.objects) x->add_objects(o.json);
    for (auto& h : f.history) {
      auto* c = x->add_history();
      c->set_stix_id(h.stix_id);
      c->set_version(h.version);
      c->set_time(Time(h.time_ms));
      c->set_token_id(h.token_id);
      c->set_action(h.action);
      for (auto& field : h.fields) c->add_fields(field);
      c->set_stix_json(h.json);
    }
  }
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(out, &json, options);
  return json;
}

absl::StatusOr<core::OrgDocument> OrgDocumentFromJson(std::string_view json) {
  v1::OrganizationDocument in;
  // The version first, read leniently: a document of another version gets
  // that answer, not one about a field this version does not know.
  google::protobuf::util::JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  auto parsed = google::protobuf::util::JsonStringToMessage(json, &in, lenient);
  if (!parsed.ok())
    return absl::InvalidArgumentError(Cat("not an organization document: ", std::string(parsed.message())));
  if (in.format() != kOrgDocumentFormat)
    return absl::InvalidArgumentError(Cat("format: '", in.format(), "' is not an organization document (\"",
                                          kOrgDocumentFormat, "\", as ttpctl org export writes)"));
  if (in.version() != kOrgDocumentVersion)
    return absl::InvalidArgumentError(Cat("version: ", in.version(), " is not supported: this server reads version ",
                                          kOrgDocumentVersion, " (export it again from a server of the same release, "
                                          "or upgrade this one)"));
  in.Clear();
  parsed = google::protobuf::util::JsonStringToMessage(json, &in, google::protobuf::util::JsonParseOptions());
  if (!parsed.ok()) return absl::InvalidArgumentError(Cat("organization document: ", std::string(parsed.message())));

  core::OrgDocument doc;
  const auto& o = in.organization();
  doc.org.id = o.org_id();
  doc.org.display_name = o.display_name();
  doc.org.release = o.release();
  if (auto s = ParseTime(o.created_at(), "organization.created_at", &doc.org.created_at_unix_ms); !s.ok()) return s;
  if (auto s = ParseTime(o.updated_at(), "organization.updated_at", &doc.org.updated_at_unix_ms); !s.ok()) return s;
  for (int i = 0; i < in.detections_size(); ++i) {
    const auto& x = in.detections(i);
    const std::string where = Cat("detections[", i, "]");
    Detection d;
    d.id = x.id();
    d.name = x.name();
    d.source_format = x.source_format().empty() ? "other" : x.source_format();
    d.query = x.query();
    d.techniques.assign(x.techniques().begin(), x.techniques().end());
    d.data_components.assign(x.data_components().begin(), x.data_components().end());
    d.state = FromProto(x.state());
    d.release = x.release();
    d.tags.assign(x.tags().begin(), x.tags().end());
    d.description = x.description();
    d.sigma_status = x.sigma().status();
    d.sigma_category = x.sigma().category();
    d.sigma_product = x.sigma().product();
    d.sigma_service = x.sigma().service();
    d.sigma_path = x.sigma().path();
    d.sigma_level = x.sigma().level();
    d.sigma_author = x.sigma().author();
    d.unresolved_techniques.assign(x.unresolved_techniques().begin(), x.unresolved_techniques().end());
    d.stale_techniques.assign(x.stale_techniques().begin(), x.stale_techniques().end());
    d.notes.assign(x.notes().begin(), x.notes().end());
    if (auto s = ParseTime(x.created_at(), where + ".created_at", &d.created_at_unix_ms); !s.ok()) return s;
    if (auto s = ParseTime(x.updated_at(), where + ".updated_at", &d.updated_at_unix_ms); !s.ok()) return s;
    doc.detections.push_back(std::move(d));
  }
  for (const auto& x : in.inventory()) {
    InventoryEntry e;
    e.data_component = x.data_component();
    e.log_source_name = x.log_source_name();
    e.log_source_channel = x.log_source_channel();
    e.source = x.source().empty() ? "manual" : x.source();
    e.data_component_stix_id = x.data_component_stix_id();
    e.data_component_name = x.data_component_name();
    doc.inventory.push_back(std::move(e));
  }
  for (const auto& x : in.tokens()) {
    Token t;
    t.id = x.id();
    t.org = x.org_id();
    t.description = x.description();
    if (auto r = FromProto(x.role()); r.ok()) t.role = *r;
    (void)ParseTime(x.created_at(), "", &t.created_at_unix_ms);
    (void)ParseTime(x.expires_at(), "", &t.expires_at_unix_ms);
    (void)ParseTime(x.last_used(), "", &t.last_used_unix_ms);
    doc.tokens.push_back(std::move(t));
  }
  for (int i = 0; i < in.extensions_size(); ++i) {
    const auto& x = in.extensions(i);
    const std::string where = Cat("extensions[", i, "]");
    ExtensionStore::Full f;
    Extension& e = f.extension;
    e.name = x.name();
    e.base_release = x.base_release();
    e.prefix = x.prefix();
    e.description = x.description();
    e.version = x.version();
    if (auto s = ParseTime(x.created_at(), where + ".created_at", &e.created_at_unix_ms); !s.ok()) return s;
    if (auto s = ParseTime(x.updated_at(), where + ".updated_at", &e.updated_at_unix_ms); !s.ok()) return s;
    for (auto& [letter, n] : x.last_ids()) e.last_ids[letter] = n;
    for (int k = 0; k < x.objects_size(); ++k) {
      // The STIX id is the object's own (checked by the import).
      auto r = ExtractRecordFromJson(x.objects(k));
      if (!r.ok()) return absl::InvalidArgumentError(Cat(where, ".objects[", k, "]: ", r.status().message()));
      f.objects.push_back({r->stix_id, x.objects(k)});
    }
    for (int k = 0; k < x.history_size(); ++k) {
      const auto& c = x.history(k);
      ExtensionObjectChange h;
      h.stix_id = c.stix_id();
      h.version = c.version();
      if (auto s = ParseTime(c.time(), Cat(where, ".history[", k, "].time"), &h.time_ms); !s.ok()) return s;
      h.token_id = c.token_id();
      h.action = c.action();
      h.fields.assign(c.fields().begin(), c.fields().end());
      h.json = c.stix_json();
      f.history.push_back(std::move(h));
    }
    doc.extensions.push_back(std::move(f));
  }
  return doc;
}

}  // namespace ttpgraph
