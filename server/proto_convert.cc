#include "server/proto_convert.h"

#include <ctime>

namespace ttpgraph {

void ToProto(const ReleaseGraph& g, NodeId n, v1::AttackObject* out) {
  const Node& o = g.node(n);
  out->set_attack_id(o.attack_id);
  out->set_stix_id(o.stix_id);
  out->set_name(o.name);
  out->set_type(o.type);
  out->set_revoked(o.revoked);
  out->set_deprecated(o.deprecated);
  out->set_is_subtechnique(o.is_subtechnique);
  for (auto& p : o.platforms) out->add_platforms(p);
  if (o.type == "attack-pattern")
    for (auto& t : o.tactics) out->add_tactics(t);
  for (auto& a : o.aliases) out->add_aliases(a);
  out->set_version(o.version);
  out->set_modified(o.modified);
  out->set_in_domain(o.in_domain);
  out->set_url(o.url);
}

void ToProtoRef(const ReleaseGraph& g, NodeId n, v1::AttackObject* out) {
  const Node& o = g.node(n);
  out->set_attack_id(o.attack_id);
  out->set_stix_id(o.stix_id);
  out->set_name(o.name);
  out->set_type(o.type);
  out->set_revoked(o.revoked);
  out->set_deprecated(o.deprecated);
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
