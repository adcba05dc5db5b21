// DefenseService conversions (D3FEND and Atomic Red Team). No gRPC calls here.
#pragma once

#include "server/core/defense.h"
#include "ttpgraph/v1/d3fend_service.pb.h"

namespace ttpgraph {

void ToProto(const BlobVersionInfo& i, v1::D3fendVersion* out);
// `index` (may be null) adds the technique count.
void ToProto(const BlobVersionInfo& i, const AtomicIndex* index, v1::AtomicIndexInfo* out);
void ToProto(const D3fendIndex& idx, uint32_t t, bool with_definition, v1::D3fendTechnique* out);
void ToProto(const D3fendIndex& idx, const ArtifactPath& p, v1::ArtifactPath* out);
void ToProto(const AtomicTest& t, v1::AtomicTest* out);
v1::MappingStatus ToProto(MappingStatus s);
// D3FEND's answer for an ATT&CK ID, in words.
std::string StatusDetail(const D3fendIndex& idx, std::string_view attack_id, const CountermeasureAnswer& a);
v1::D3fendImportSummary Summary(const D3fendIndex& idx);
core::BlobImportOptions FromProto(const v1::D3fendImportOptions& o);
core::BlobImportOptions FromProto(const v1::AtomicImportOptions& o);

}  // namespace ttpgraph
