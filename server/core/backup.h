// Backup use cases (the BackupService, admin only): a consistent online backup
// of the whole store into the configured backup directory, the list of the
// backups there, and the check of one (storage/backup.h does the work).
//
//   TTP_ASSIGN_OR_RETURN(BackupInfo b, core::CreateBackup(app, &audit));   // b.id, b.path
//   TTP_ASSIGN_OR_RETURN(BackupInfo v, core::VerifyBackup(app, b.id));
//
// Errors: FAILED_PRECONDITION when the server has no backup directory
// (--backup-dir), NOT_FOUND for an unknown backup, DATA_LOSS for a damaged one.
// Thread safety: safe for concurrent use; backups are taken one at a time.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/application.h"
#include "storage/audit.h"
#include "storage/backup.h"

namespace ttpgraph::core {

// `audit` (may be null) gets the backup's id; its record is written after the
// backup (a backup holds the store as it was before the call that made it).
absl::StatusOr<BackupInfo> CreateBackup(Application& app, AuditEntry* audit);
absl::StatusOr<std::vector<BackupInfo>> ListBackups(Application& app);
absl::StatusOr<BackupInfo> VerifyBackup(Application& app, uint32_t id);

}  // namespace ttpgraph::core
