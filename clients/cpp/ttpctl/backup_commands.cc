// ttpctl backup ...: online backups of the whole server (admin only) into its
// --backup-dir; restored with `ttpgraphd --restore-from PATH --data-dir NEW`.
#include "clients/cpp/ttpctl/common.h"

namespace ttpctl {
namespace {

using Backups = v1::BackupService::Stub;

std::vector<std::string> Row(const v1::BackupInfo& b) {
  return {std::to_string(b.id()), b.created_at(), std::to_string(b.size_bytes()), std::to_string(b.files()), b.path()};
}

int BackupCreate(Client& c, const Args&) {
  v1::BackupInfo resp;
  Check(c.Call(&Backups::CreateBackup, v1::CreateBackupRequest(), &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("backup %u %s\n", resp.id(), resp.path().c_str());
  return 0;
}

int BackupList(Client& c, const Args&) {
  v1::ListBackupsResponse resp;
  Check(c.CallAllPages(&Backups::ListBackups, v1::ListBackupsRequest(), &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& b : resp.backups()) rows.push_back(Row(b));
  PrintTable({"ID", "CREATED", "BYTES", "FILES", "PATH"}, rows);
  return 0;
}

int BackupVerify(Client& c, const Args& a) {
  v1::VerifyBackupRequest req;
  size_t id = 0;
  const std::string& text = a.operands[0];
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos ||
      (id = std::stoul(text)) == 0)
    UsageError(a, "ID: a backup id as `ttpctl backup list` prints it (1, 2, ...), not '" + text + "'");
  req.set_id(static_cast<uint32_t>(id));
  v1::BackupInfo resp;
  Check(c.Call(&Backups::VerifyBackup, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("backup %u is intact: %u files, %llu bytes, checksums match (%s)\n", resp.id(), resp.files(),
         static_cast<unsigned long long>(resp.size_bytes()), resp.path().c_str());
  return 0;
}

}  // namespace

void AddBackupCommands(CommandTable& t) {
  t.Add("backup create", BackupCreate)
      .Summary("Takes a consistent online backup of the whole server (admin only); prints its id and path.")
      .Details(
          "The server writes it into its --backup-dir (TTPGRAPH_BACKUP_DIR) while it goes on serving;\n"
          "table files an earlier backup holds are not copied again. With --json the document has `id`\n"
          "and `path`. To restore, run `ttpgraphd --restore-from PATH --data-dir NEW` on the server's\n"
          "machine (NEW new or empty), then start ttpgraphd on NEW.")
      .Example("ttpctl backup create")
      .Example("ttpctl backup create --json");
  t.Add("backup list", BackupList)
      .Summary("Lists the backups in the server's --backup-dir, oldest first (admin only).")
      .Example("ttpctl backup list --json");
  t.Add("backup verify", BackupVerify)
      .Operands("ID", 1, 1)
      .Summary("Reads every file of a backup and checks its checksum (admin only); DATA_LOSS names damage.")
      .Example("ttpctl backup verify 3");
}

}  // namespace ttpctl
