#include "storage/import/sigma_tarball.h"

#include <cstdint>

#include "storage/import/decompress.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

constexpr size_t kBlock = 512;

bool ParseOctal(std::string_view field, uint64_t* out) {
  *out = 0;
  size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  bool any = false;
  for (; i < field.size(); ++i) {
    char c = field[i];
    if (c == '\0' || c == ' ') break;
    if (c < '0' || c > '7') return false;
    *out = *out * 8 + static_cast<uint64_t>(c - '0');
    any = true;
  }
  return any;
}

std::string CString(std::string_view field) { return std::string(field.substr(0, field.find('\0'))); }

bool AllZero(std::string_view block) {
  for (char c : block)
    if (c != '\0') return false;
  return true;
}

// The `path` record of a pax extended header, or empty.
std::string PaxPath(std::string_view data) {
  size_t pos = 0;
  while (pos < data.size()) {
    size_t sp = data.find(' ', pos);
    if (sp == std::string_view::npos) break;
    size_t len = 0;
    if (!ParseNumber(data.substr(pos, sp - pos), &len) || len == 0 || pos + len > data.size()) break;
    std::string_view rec = data.substr(sp + 1, len - (sp + 1 - pos));
    if (!rec.empty() && rec.back() == '\n') rec.remove_suffix(1);
    if (StartsWith(rec, "path=")) return std::string(rec.substr(5));
    pos += len;
  }
  return {};
}

}  // namespace

bool IsTarballName(std::string_view name) {
  std::string n = ToLower(name);
  return EndsWith(n, ".tar.gz") || EndsWith(n, ".tgz") || EndsWith(n, ".tar");
}

absl::StatusOr<std::vector<ArchiveMember>> ReadTarball(std::string_view archive_name, std::string bytes,
                                                       size_t max_bytes) {
  auto plain = MaybeGunzip(std::move(bytes), max_bytes);
  if (!plain.ok()) return absl::Status(plain.status().code(), Cat(archive_name, ": ", plain.status().message()));
  const std::string& data = *plain;
  std::vector<ArchiveMember> out;
  std::string long_name;
  size_t offset = 0;
  int member = 0;
  while (offset + kBlock <= data.size()) {
    std::string_view h(data.data() + offset, kBlock);
    if (AllZero(h)) break;  // end-of-archive marker
    ++member;
    auto bad = [&](std::string_view what) {
      return absl::InvalidArgumentError(Cat(archive_name, ": member ", member, " (byte offset ", offset, "): ", what));
    };
    uint64_t checksum = 0, size = 0;
    if (!ParseOctal(h.substr(148, 8), &checksum)) return bad("malformed header checksum field; not a tar archive?");
    uint64_t sum = 0;
    for (size_t i = 0; i < kBlock; ++i)
      sum += (i >= 148 && i < 156) ? static_cast<uint64_t>(' ') : static_cast<uint8_t>(h[i]);
    if (sum != checksum) return bad("header checksum mismatch (corrupt or not a tar archive)");
    if (!ParseOctal(h.substr(124, 12), &size) && h[124] != '\0') return bad("malformed size field");
    const char type = h[156];
    std::string name = CString(h.substr(0, 100));
    if (h.substr(257, 5) == "ustar") {
      std::string prefix = CString(h.substr(345, 155));
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    const size_t body = offset + kBlock;
    if (size > data.size() || body + size > data.size())
      return bad(Cat("'", name, "' claims ", size, " bytes but the archive ends first (truncated)"));
    std::string_view content(data.data() + body, size);
    offset = body + (size + kBlock - 1) / kBlock * kBlock;
    if (type == 'L') {  // GNU long name for the next member
      long_name = CString(content);
      continue;
    }
    if (type == 'x') {  // pax extended header for the next member
      long_name = PaxPath(content);
      continue;
    }
    if (type == 'g') continue;  // pax global header
    if (!long_name.empty()) {
      name = std::move(long_name);
      long_name.clear();
    }
    if (type != '0' && type != '\0') continue;  // directories, links, devices
    while (StartsWith(name, "./")) name = name.substr(2);
    out.push_back(ArchiveMember{std::move(name), std::string(content)});
  }
  if (member == 0) return absl::InvalidArgumentError(Cat(archive_name, ": not a tar archive (no member found)"));
  return out;
}

}  // namespace ttpgraph
