// Online backups of a Store, kept by RocksDB's BackupEngine in a backup
// directory, and the restore of one into a new data directory.
//
// Layout of a backup directory (BackupEngine's): `meta/<id>` describes backup
// <id> (its files, their sizes and crc32c checksums), `private/<id>/` holds its
// own files (MANIFEST, CURRENT, OPTIONS, the write-ahead logs) and
// `shared_checksum/` the table files, shared by every backup that holds them:
// a second backup copies only the table files written since the first.
// A backup's `path` is `<backup dir>/private/<id>`; RestoreBackup takes that or
// the backup directory itself (its newest backup).
//
//   TTP_ASSIGN_OR_RETURN(BackupInfo b, store->CreateBackup("/var/lib/ttpgraph-backup"));
//   TTP_ASSIGN_OR_RETURN(auto all, ListBackups("/var/lib/ttpgraph-backup"));
//   TTP_RETURN_IF_ERROR(VerifyBackup("/var/lib/ttpgraph-backup", b.id).status());
//   RestoreBackup(b.path, "/var/lib/ttpgraph-new");   // into an empty directory
//
// Thread safety: the functions may run beside the Store's reads and writes; two
// that write one backup directory (CreateBackup) must not run at once (the
// caller serializes them: server/core/backup.cc).
// Errors: NOT_FOUND for an unknown backup or a path that holds none,
// FAILED_PRECONDITION for a restore into a directory that is not empty,
// DATA_LOSS for a backup whose files do not match their checksums,
// RESOURCE_EXHAUSTED when the disk is full, INTERNAL for other I/O failures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ttpgraph {

struct BackupInfo {
  uint32_t id = 0;              // 1, 2, ... per backup directory
  int64_t created_unix_ms = 0;  // to the second (BackupEngine's timestamp)
  uint64_t size_bytes = 0;      // every file of the backup, shared ones included
  uint32_t files = 0;
  std::string path;             // <backup dir>/private/<id>
};

// Every backup in `backup_dir`, oldest first; none when the directory does not exist.
absl::StatusOr<std::vector<BackupInfo>> ListBackups(const std::string& backup_dir);

// Reads every file of backup `id` and checks its size and crc32c against the
// backup's description. DATA_LOSS naming the first file that differs.
absl::StatusOr<BackupInfo> VerifyBackup(const std::string& backup_dir, uint32_t id);

// Restores the backup at `from` (a backup's path, or a backup directory: its
// newest backup) into `data_dir`, which must be missing or empty; then opens the
// restored store once to check it. On failure nothing is left in `data_dir`.
absl::StatusOr<BackupInfo> RestoreBackup(const std::string& from, const std::string& data_dir);

}  // namespace ttpgraph
