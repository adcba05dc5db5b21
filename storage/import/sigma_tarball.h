// Reads the members of a tar archive (plain or gzip-compressed), as SigmaHQ
// publishes its rule sets (sigma-rules.tar.gz). POSIX ustar and GNU tar:
// long names (type 'L') and pax headers ('x', `path=`) are honoured; only
// regular files are returned, directories and links are skipped.
//
//   TarLimits limits;  limits.max_member_bytes = 1 << 20;
//   auto tar = ReadTarball("sigma-rules.tar.gz", bytes, limits,
//                          [](std::string_view path) { return EndsWith(path, ".yml"); });
//   for (ArchiveMember& m : tar->members) ...;   // tar->skipped: files `keep` declined
//
// The archive is inflated and read as a stream, in one pass: every limit is
// checked before the bytes it counts are held (a member's size from its
// header before its content is read), a member is inflated straight into its
// own string (never copied again), and the members `keep` declines are
// inflated into a small buffer and dropped. Peak memory is the kept members
// plus 64 KiB, whatever the archive claims.
//
// Pure: no I/O. Errors: INVALID_ARGUMENT naming the archive, the member number
// and byte offset for a bad header checksum, a malformed size field, a member
// running past the end, or a corrupt gzip stream; RESOURCE_EXHAUSTED naming
// the limit passed (unpacked bytes, inflation ratio, member count, a kept
// member's size).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ttpgraph {

struct ArchiveMember {
  std::string path;
  std::string content;
};

struct TarLimits {
  // Most bytes the archive may unpack to, headers and padding included.
  // Default: 256 MiB.
  size_t max_unpacked_bytes = 256u << 20;
  // Most unpacked bytes per compressed byte of a .tar.gz (archives that
  // unpack to 1 MiB or less excepted); 0 = none. Default: 50.
  double max_inflation_ratio = 50;
  // Most members (files, directories, links, pax headers). Default: 50000.
  size_t max_members = 50000;
  // Largest member that is kept. Default: 1 MiB.
  size_t max_member_bytes = 1u << 20;
  // Names the member limit in messages. Default: "max_rule_file_bytes".
  std::string_view max_member_bytes_name = "max_rule_file_bytes";
};

struct Tarball {
  std::vector<ArchiveMember> members;  // the regular files kept, in archive order
  size_t skipped = 0;                  // regular files `keep` declined
};

// `keep` (null: keep every regular file) decides by the member's path.
absl::StatusOr<Tarball> ReadTarball(std::string_view archive_name, std::string_view bytes, const TarLimits& limits,
                                    const std::function<bool(std::string_view path)>& keep = nullptr);

// Every regular file, the archive unpacking to at most `max_bytes` (each
// member too); no ratio or member-count limit. For tests and tools.
absl::StatusOr<std::vector<ArchiveMember>> ReadTarball(std::string_view archive_name, std::string_view bytes,
                                                       size_t max_bytes);

// True for names ending in .tar.gz, .tgz or .tar.
bool IsTarballName(std::string_view name);

}  // namespace ttpgraph
