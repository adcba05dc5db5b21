#include "server/extension_convert.h"

#include "storage/strings.h"

namespace ttpgraph {

void ToProto(const Extension& e, v1::Extension* out) {
  out->set_org_id(e.org);
  out->set_name(e.name);
  out->set_base_release(e.base_release);
  out->set_prefix(e.prefix);
  out->set_description(e.description);
  out->set_version(e.version);
  out->set_object_count(static_cast<int32_t>(e.object_count));
  out->set_created_at(FormatRfc3339(e.created_at_unix_ms));
  out->set_updated_at(FormatRfc3339(e.updated_at_unix_ms));
}

void ToProto(const core::ExtensionObjectInfo& o, bool include_json, v1::ExtensionObject* out) {
  out->set_attack_id(o.attack_id);
  out->set_stix_id(o.stix_id);
  out->set_name(o.name);
  out->set_type(o.type);
  out->set_custom(o.custom);
  out->set_modified(o.modified);
  out->set_revoked(o.revoked);
  out->set_deprecated(o.deprecated);
  for (auto& [k, v] : o.x_fields) (*out->mutable_x_fields())[k] = v;
  if (include_json) out->set_stix_json(o.json);
}

void ToProto(const ExtensionObjectChange& c, v1::ExtensionChange* out) {
  out->set_stix_id(c.stix_id);
  out->set_version(c.version);
  out->set_time(FormatRfc3339(c.time_ms));
  out->set_token_id(c.token_id);
  out->set_action(c.action);
  for (auto& f : c.fields) out->add_fields(f);
}

}  // namespace ttpgraph
