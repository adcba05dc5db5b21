// Graph and storage structs to protos. No gRPC calls here.
#pragma once

#include "graph/queries.h"
#include "graph/release_graph.h"
#include "storage/model.h"
#include "ttpgraph/v1/knowledge_service.pb.h"
#include "ttpgraph/v1/release_service.pb.h"

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
void ToProto(const ReleaseInfo& info, v1::Release* out);
void ToProto(const ReleaseGraph& g, const RevokedChain& chain, v1::RevokedChain* out);

}  // namespace ttpgraph
