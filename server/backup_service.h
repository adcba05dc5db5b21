// BackupService (admin only: the policy table in server/core/identity.cc):
// online backups into --backup-dir (server/core/backup.h does the work).
#pragma once

#include "server/core/application.h"
#include "ttpgraph/v1/backup_service.grpc.pb.h"

namespace ttpgraph {

class BackupServiceImpl final : public v1::BackupService::Service {
 public:
  explicit BackupServiceImpl(core::Application& app) : app_(app) {}
  grpc::Status CreateBackup(grpc::ServerContext*, const v1::CreateBackupRequest*, v1::BackupInfo*) override;
  grpc::Status ListBackups(grpc::ServerContext*, const v1::ListBackupsRequest*, v1::ListBackupsResponse*) override;
  grpc::Status VerifyBackup(grpc::ServerContext*, const v1::VerifyBackupRequest*, v1::BackupInfo*) override;

 private:
  core::Application& app_;
};

}  // namespace ttpgraph
