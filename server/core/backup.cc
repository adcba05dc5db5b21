#include "server/core/backup.h"

#include "absl/synchronization/mutex.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

// One BackupEngine writes a backup directory at a time.
absl::Mutex backup_mu;

absl::StatusOr<std::string> BackupDir(const Application& app) {
  if (app.limits().backup_dir.empty())
    return absl::FailedPreconditionError(
        "this server has no backup directory: start ttpgraphd with --backup-dir DIR (TTPGRAPH_BACKUP_DIR)");
  return app.limits().backup_dir;
}

}  // namespace

absl::StatusOr<BackupInfo> CreateBackup(Application& app, AuditEntry* audit) {
  auto dir = BackupDir(app);
  if (!dir.ok()) return dir.status();
  absl::MutexLock lock(&backup_mu);
  auto b = app.store().CreateBackup(*dir);
  if (!b.ok()) return b.status();
  if (audit) audit->Affect(Cat("backup/", b->id));
  return b;
}

absl::StatusOr<std::vector<BackupInfo>> ListBackups(Application& app) {
  auto dir = BackupDir(app);
  if (!dir.ok()) return dir.status();
  absl::MutexLock lock(&backup_mu);
  return ttpgraph::ListBackups(*dir);
}

absl::StatusOr<BackupInfo> VerifyBackup(Application& app, uint32_t id) {
  auto dir = BackupDir(app);
  if (!dir.ok()) return dir.status();
  if (id == 0) return absl::InvalidArgumentError("id: give the backup's id (ttpctl backup list), 1 or more");
  absl::MutexLock lock(&backup_mu);
  return ttpgraph::VerifyBackup(*dir, id);
}

}  // namespace ttpgraph::core
