// ReleaseService conversions. No gRPC calls here.
#pragma once

#include "server/core/releases.h"
#include "ttpgraph/v1/release_service.pb.h"

namespace ttpgraph {

void ToProto(const ReleaseInfo& info, v1::Release* out);
void ToProto(const core::ReleaseImport& r, v1::ImportReleaseResponse* out);
void ToProto(const core::SyncOptions& options, const core::SyncStatus& status, v1::SyncStatus* out);
core::ReleaseImportOptions FromProto(const v1::ImportOptions& o);
core::ReleaseSource FromProto(const v1::ImportReleaseFromRequest& req);

}  // namespace ttpgraph
