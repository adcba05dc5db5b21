// KnowledgeService conversions, and the ATT&CK objects every service's
// answers carry: graph structs to protos. No gRPC calls here.
#pragma once

#include "graph/queries.h"
#include "graph/release_graph.h"
#include "server/core/knowledge.h"
#include "storage/model.h"
#include "ttpgraph/v1/knowledge_service.pb.h"

namespace ttpgraph {

void ToProto(const ReleaseGraph& g, NodeId n, v1::AttackObject* out);
// The identity and flags, and a technique's is_subtechnique and tactics
// (v1.OBJECT_VIEW_BASIC).
void ToProtoBasic(const ReleaseGraph& g, NodeId n, v1::AttackObject* out);
// Only the identity (attack_id, stix_id, name, type, revoked, deprecated): for
// objects nested in another answer (the software behind a group's technique...).
void ToProtoRef(const ReleaseGraph& g, NodeId n, v1::AttackObject* out);
// A nested reference in a BASIC view: attack_id and name (stix_id when the
// object has no ATT&CK ID).
void ToProtoLabel(const ReleaseGraph& g, NodeId n, v1::AttackObject* out);
void ToProto(const ReleaseGraph& g, const RevokedChain& chain, v1::RevokedChain* out);
// The revoked-object rule's note: set only when `asked` names a revoked object.
void ToProto(const ReleaseGraph& g, std::string_view asked, const ActiveObject& a, v1::Resolution* out);
// Sets `out` (a response's `resolution`) when the subject was asked by a revoked ID.
template <typename Resp>
void SetResolution(const core::Subject& s, std::string_view asked, Resp* out) {
  if (s.revoked()) ToProto(s.graph(), asked, s.object, out->mutable_resolution());
}

}  // namespace ttpgraph
