#include "server/backup_service.h"

#include "server/core/backup.h"
#include "server/page_token.h"
#include "server/rpc_util.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

void ToProto(const BackupInfo& b, v1::BackupInfo* out) {
  out->set_id(b.id);
  out->set_path(b.path);
  out->set_created_at(FormatRfc3339(b.created_unix_ms));
  out->set_size_bytes(b.size_bytes);
  out->set_files(b.files);
}

}  // namespace

grpc::Status BackupServiceImpl::CreateBackup(grpc::ServerContext* ctx, const v1::CreateBackupRequest* req,
                                             v1::BackupInfo* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.BackupService/CreateBackup", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(BackupInfo b, core::CreateBackup(app_, &call.audit));
    ToProto(b, resp);
    return absl::OkStatus();
  });
}

grpc::Status BackupServiceImpl::ListBackups(grpc::ServerContext* ctx, const v1::ListBackupsRequest* req,
                                            v1::ListBackupsResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.BackupService/ListBackups", req, [&](const Call&) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto all, core::ListBackups(app_));
    return EmitPage(*req, all, resp->mutable_page(), [&](const BackupInfo& b) { ToProto(b, resp->add_backups()); });
  });
}

grpc::Status BackupServiceImpl::VerifyBackup(grpc::ServerContext* ctx, const v1::VerifyBackupRequest* req,
                                             v1::BackupInfo* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.BackupService/VerifyBackup", req, [&](const Call&) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(BackupInfo b, core::VerifyBackup(app_, req->id()));
    ToProto(b, resp);
    return absl::OkStatus();
  });
}

}  // namespace ttpgraph
