#include "storage/backup.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/utilities/backup_engine.h>

#include <filesystem>
#include <memory>
#include <system_error>

#include "storage/internal/rocks_status.h"
#include "storage/store.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {
using internal::FromRocks;
namespace fs = std::filesystem;

rocksdb::BackupEngineOptions EngineOptions(const std::string& dir) {
  rocksdb::BackupEngineOptions o(dir);
  o.share_table_files = true;
  o.share_files_with_checksum = true;  // table files named by checksum: shared across backups
  o.sync = true;
  return o;
}

BackupInfo FromEngine(const std::string& dir, const rocksdb::BackupInfo& b) {
  return BackupInfo{b.backup_id, b.timestamp * 1000, b.size, b.number_files,
                    (fs::path(dir) / "private" / std::to_string(b.backup_id)).string()};
}

absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> OpenReadOnly(const std::string& dir) {
  rocksdb::BackupEngineReadOnly* engine = nullptr;
  auto s = rocksdb::BackupEngineReadOnly::Open(rocksdb::Env::Default(), EngineOptions(dir), &engine);
  if (!s.ok()) return FromRocks(s, Cat("opening the backup directory ", dir));
  return std::unique_ptr<rocksdb::BackupEngineReadOnly>(engine);
}

absl::StatusOr<BackupInfo> Find(const rocksdb::BackupEngineReadOnly& engine, const std::string& dir, uint32_t id) {
  rocksdb::BackupInfo b;
  auto s = engine.GetBackupInfo(id, &b);
  if (s.IsNotFound()) return absl::NotFoundError(Cat("no backup ", id, " in ", dir, " (ttpctl backup list)"));
  if (!s.ok()) return FromRocks(s, Cat("reading backup ", id, " in ", dir));
  return FromEngine(dir, b);
}

bool IsBackupDir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p / "meta", ec);
}

// The backup directory and backup id `from` names: a backup directory (id 0:
// its newest backup) or a backup's path, <dir>/private/<id>.
absl::Status Locate(const std::string& from, std::string* dir, uint32_t* id) {
  const fs::path p = fs::path(from).lexically_normal();
  const fs::path trimmed = p.has_filename() ? p : p.parent_path();
  if (IsBackupDir(trimmed)) {
    *dir = trimmed.string();
    *id = 0;
    return absl::OkStatus();
  }
  size_t n = 0;
  const std::string name = trimmed.filename().string();
  if (trimmed.parent_path().filename() == "private" && ParseNumber(name, &n) && n > 0 && n <= UINT32_MAX &&
      IsBackupDir(trimmed.parent_path().parent_path())) {
    *dir = trimmed.parent_path().parent_path().string();
    *id = static_cast<uint32_t>(n);
    return absl::OkStatus();
  }
  return absl::NotFoundError(Cat(from, " holds no backup: give a backup directory (--backup-dir) or a backup's path "
                                       "as `ttpctl backup list` prints it (DIR/private/ID)"));
}

}  // namespace

absl::StatusOr<BackupInfo> Store::CreateBackup(const std::string& backup_dir) {
  std::error_code ec;
  fs::create_directories(backup_dir, ec);
  if (ec) return absl::InternalError(Cat("cannot create the backup directory ", backup_dir, ": ", ec.message()));
  rocksdb::BackupEngine* raw = nullptr;
  auto s = rocksdb::BackupEngine::Open(rocksdb::Env::Default(), EngineOptions(backup_dir), &raw);
  if (!s.ok()) return FromRocks(s, Cat("opening the backup directory ", backup_dir));
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  // The memtables are flushed first, so the backup is table files only (shared
  // with the next backup, which copies none of them again) instead of the
  // write-ahead log, copied whole into every backup (storage/README.md).
  // RocksDB stops deleting files meanwhile and takes them as of one moment:
  // every committed write, nothing half-done.
  rocksdb::CreateBackupOptions options;
  options.flush_before_backup = true;
  rocksdb::BackupID id = 0;
  auto io = engine->CreateNewBackup(options, db_.get(), &id);
  if (!io.ok()) {
    (void)engine->GarbageCollect();  // the files of the unfinished backup
    return FromRocks(io, Cat("backing up into ", backup_dir));
  }
  rocksdb::BackupInfo b;
  if (auto st = engine->GetBackupInfo(id, &b); !st.ok()) return FromRocks(st, "reading the new backup");
  return FromEngine(backup_dir, b);
}

absl::StatusOr<std::vector<BackupInfo>> ListBackups(const std::string& backup_dir) {
  std::vector<BackupInfo> out;
  if (!IsBackupDir(backup_dir)) return out;
  auto engine = OpenReadOnly(backup_dir);
  if (!engine.ok()) return engine.status();
  std::vector<rocksdb::BackupInfo> all;
  (*engine)->GetBackupInfo(&all);
  for (const auto& b : all) out.push_back(FromEngine(backup_dir, b));
  return out;
}

absl::StatusOr<BackupInfo> VerifyBackup(const std::string& backup_dir, uint32_t id) {
  if (!IsBackupDir(backup_dir)) return absl::NotFoundError(Cat("no backup ", id, " in ", backup_dir, ": it holds no backups"));
  auto engine = OpenReadOnly(backup_dir);
  if (!engine.ok()) return engine.status();
  auto info = Find(**engine, backup_dir, id);
  if (!info.ok()) return info.status();
  auto s = (*engine)->VerifyBackup(id, /*verify_with_checksum=*/true);
  if (!s.ok()) {
    // BackupEngine says Corruption for a checksum and NotFound or Corruption for a
    // missing or resized file: all of them mean the backup cannot be restored as is.
    if (s.IsNotFound() || s.IsCorruption() || s.IsInvalidArgument())
      return absl::DataLossError(Cat("backup ", id, " in ", backup_dir, " is damaged: ", s.ToString()));
    return FromRocks(s, Cat("verifying backup ", id));
  }
  return info;
}

absl::StatusOr<BackupInfo> RestoreBackup(const std::string& from, const std::string& data_dir) {
  std::string dir;
  uint32_t id = 0;
  if (auto s = Locate(from, &dir, &id); !s.ok()) return s;
  std::error_code ec;
  const bool existed = fs::exists(data_dir, ec);
  if (existed) {
    if (!fs::is_directory(data_dir, ec))
      return absl::FailedPreconditionError(Cat(data_dir, " is not a directory; restore into a new or empty directory"));
    auto it = fs::directory_iterator(data_dir, ec);
    if (ec) return absl::InternalError(Cat("cannot read ", data_dir, ": ", ec.message()));
    if (it != fs::directory_iterator())
      return absl::FailedPreconditionError(
          Cat(data_dir, " is not empty (it holds ", it->path().filename().string(),
              "): restore only into a new or empty directory, never over a store; nothing was changed"));
  }
  auto engine = OpenReadOnly(dir);
  if (!engine.ok()) return engine.status();
  if (id == 0) {
    rocksdb::BackupInfo latest;
    auto s = (*engine)->GetLatestBackupInfo(&latest);
    if (!s.ok()) return absl::NotFoundError(Cat(dir, " holds no intact backup"));
    id = latest.backup_id;
  }
  auto info = Find(**engine, dir, id);
  if (!info.ok()) return info.status();
  // Nothing half-restored stays behind: what the restore wrote is removed.
  auto clean = [&](absl::Status s) {
    if (existed) {
      for (auto& e : fs::directory_iterator(data_dir, ec)) fs::remove_all(e.path(), ec);
    } else {
      fs::remove_all(data_dir, ec);
    }
    return s;
  };
  fs::create_directories(data_dir, ec);
  if (ec) return absl::InternalError(Cat("cannot create ", data_dir, ": ", ec.message()));
  // The restore checks each file's checksum as it copies it. The engine goes
  // before any clean-up: its copying threads end with it.
  auto io = (*engine)->RestoreDBFromBackup(rocksdb::RestoreOptions(), id, data_dir, data_dir);
  engine->reset();
  if (!io.ok()) {
    absl::Status s = FromRocks(io, Cat("restoring backup ", id, " of ", dir, " into ", data_dir));
    if (io.IsCorruption()) s = absl::DataLossError(s.message());
    return clean(s);
  }
  StoreOptions so;
  so.path = data_dir;
  so.create_if_missing = false;
  auto store = Store::Open(so);
  if (!store.ok())
    return clean(absl::Status(store.status().code(), Cat("the restored store does not open: ", store.status().message())));
  return info;
}

}  // namespace ttpgraph
