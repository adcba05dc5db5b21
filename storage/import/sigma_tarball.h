// Reads the members of a tar archive (plain or gzip-compressed), as SigmaHQ
// publishes its rule sets (sigma-rules.tar.gz). POSIX ustar and GNU tar:
// long names (type 'L') and pax headers ('x', `path=`) are honoured; only
// regular files are returned, directories and links are skipped.
//
//   auto members = ReadTarball("sigma-rules.tar.gz", bytes, 512 << 20);
//
// Pure: no I/O. Errors: INVALID_ARGUMENT naming the archive, the member number
// and byte offset for a bad header checksum, a malformed size field, a member
// running past the end, or a corrupt gzip stream; RESOURCE_EXHAUSTED when the
// unpacked archive exceeds `max_bytes`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ttpgraph {

struct ArchiveMember {
  std::string path;
  std::string content;
};

absl::StatusOr<std::vector<ArchiveMember>> ReadTarball(std::string_view archive_name, std::string bytes,
                                                       size_t max_bytes);

// True for names ending in .tar.gz, .tgz or .tar.
bool IsTarballName(std::string_view name);

}  // namespace ttpgraph
