#include "server/knowledge_convert.h"

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

void ToProto(const ReleaseGraph& g, const RevokedChain& chain, v1::RevokedChain* out) {
  for (NodeId h : chain.hops) ToProto(g, h, out->add_hops());
  if (!chain.hops.empty()) ToProto(g, chain.hops.back(), out->mutable_final());
  out->set_cycle(chain.cycle);
  out->set_too_long(chain.too_long);
}

void ToProto(const ReleaseGraph& g, std::string_view asked, const ActiveObject& a, v1::Resolution* out) {
  out->set_asked(std::string(asked));
  ToProto(g, a.asked, out->mutable_asked_object());
  ToProto(g, a.answered, out->mutable_answered_for());
  ToProto(g, RevokedChain{a.chain, false, false}, out->mutable_revoked_by());
}

}  // namespace ttpgraph
