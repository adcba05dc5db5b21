// ExtensionService conversions (core/extensions.h <-> extension_service.proto). No gRPC calls here.
#pragma once

#include "server/core/extensions.h"
#include "ttpgraph/v1/extension_service.pb.h"

namespace ttpgraph {

void ToProto(const Extension& e, v1::Extension* out);
// `include_json`: the object's STIX JSON in stix_json.
void ToProto(const core::ExtensionObjectInfo& o, bool include_json, v1::ExtensionObject* out);
void ToProto(const ExtensionObjectChange& c, v1::ExtensionChange* out);

}  // namespace ttpgraph
