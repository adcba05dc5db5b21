#include "server/proto_convert.h"

#include <ctime>

namespace ttpgraph {

// Empty strings and false flags are left unset: proto3 omits them on the wire
// anyway, and skipping the setters saves an allocation per field.
void ToProto(const ReleaseGraph& g, NodeId n, v1::AttackObject* out) {
  const Node& o = g.node(n);
  ToProtoBasic(g, n, out);
  if (!o.platforms.empty()) out->mutable_platforms()->Assign(o.platforms.begin(), o.platforms.end());
  if (!o.aliases.empty()) out->mutable_aliases()->Assign(o.aliases.begin(), o.aliases.end());
  if (!o.version.empty()) out->set_version(o.version);
  if (!o.modified.empty()) out->set_modified(o.modified);
  out->set_in_domain(o.in_domain);
  if (!o.url.empty()) out->set_url(o.url);
}

void ToProtoBasic(const ReleaseGraph& g, NodeId n, v1::AttackObject* out) {
  const Node& o = g.node(n);
  ToProtoRef(g, n, out);
  if (o.is_subtechnique) out->set_is_subtechnique(true);
  if (o.type == "attack-pattern" && !o.tactics.empty()) out->mutable_tactics()->Assign(o.tactics.begin(), o.tactics.end());
}

void ToProtoRef(const ReleaseGraph& g, NodeId n, v1::AttackObject* out) {
  const Node& o = g.node(n);
  if (!o.attack_id.empty()) out->set_attack_id(o.attack_id);
  out->set_stix_id(o.stix_id);
  if (!o.name.empty()) out->set_name(o.name);
  out->set_type(o.type);
  if (o.revoked) out->set_revoked(true);
  if (o.deprecated) out->set_deprecated(true);
}

void ToProtoLabel(const ReleaseGraph& g, NodeId n, v1::AttackObject* out) {
  const Node& o = g.node(n);
  if (o.attack_id.empty())
    out->set_stix_id(o.stix_id);
  else
    out->set_attack_id(o.attack_id);
  if (!o.name.empty()) out->set_name(o.name);
}

void ToProto(const ReleaseInfo& info, v1::Release* out) {
  out->set_domain(info.id.domain);
  out->set_version(info.id.version.ToString());
  out->set_name(info.id.Name());
  out->set_spec_version(info.spec_version);
  out->set_content_sha256(info.content_sha256);
  out->set_object_count(info.object_count);
  for (auto& [type, n] : info.counts_by_type) (*out->mutable_counts_by_type())[type] = n;
  out->set_dangling_relationships(info.dangling_relationships);
  std::time_t secs = info.imported_at_unix_ms / 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[32];
  strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  out->set_imported_at(ts);
  out->set_new_objects_stored(info.new_objects_stored);
}

void ToProto(const ReleaseGraph& g, const RevokedChain& chain, v1::RevokedChain* out) {
  for (NodeId h : chain.hops) ToProto(g, h, out->add_hops());
  if (!chain.hops.empty()) ToProto(g, chain.hops.back(), out->mutable_final());
  out->set_cycle(chain.cycle);
}

}  // namespace ttpgraph
