#include "storage/import/sigma_tarball.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

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

// Longest GNU long name or pax header data read.
constexpr uint64_t kMaxHeaderData = 64 << 10;

// The archive's bytes as one stream: inflated when it is gzip (one member or
// several concatenated), as they are otherwise; counting what it delivers
// against the unpacked limit, which also carries the inflation ratio.
class ByteStream {
 public:
  ByteStream(std::string_view name, std::string_view bytes, const TarLimits& limits)
      : name_(name), in_(bytes), gzip_(IsGzip(bytes)) {
    cap_ = limits.max_unpacked_bytes;
    if (gzip_ && limits.max_inflation_ratio > 0) {
      const double by_ratio =
          std::max<double>(1u << 20, limits.max_inflation_ratio * static_cast<double>(bytes.size()));
      if (by_ratio < static_cast<double>(cap_)) {
        cap_ = static_cast<size_t>(by_ratio);
        ratio_ = limits.max_inflation_ratio;
      }
    }
    if (gzip_) {
      zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
      zs_.avail_in = static_cast<uInt>(std::min<size_t>(bytes.size(), UINT32_MAX));
      ok_ = inflateInit2(&zs_, 15 + 16) == Z_OK;
    }
  }
  ~ByteStream() {
    if (gzip_ && ok_) inflateEnd(&zs_);
  }
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  size_t offset() const { return produced_; }

  // RESOURCE_EXHAUSTED unless `n` more bytes fit in the unpacked limit.
  absl::Status Reserve(size_t n) const {
    if (produced_ + n <= cap_) return absl::OkStatus();
    if (ratio_ > 0)
      return absl::ResourceExhaustedError(Cat(name_, ": unpacks to more than ", ratio_, " times its ", in_.size(),
                                              " compressed bytes (max_inflation_ratio); refused as a likely archive bomb"));
    return absl::ResourceExhaustedError(
        Cat(name_, ": unpacks to more than ", cap_, " bytes, the limit per archive (max_archive_bytes)"));
  }

  // Reads up to `n` bytes into `out`; fewer only where the data ends.
  absl::StatusOr<size_t> Read(char* out, size_t n) {
    if (auto s = Reserve(n); !s.ok()) return s;
    size_t got = 0;
    if (!gzip_) {
      got = std::min(n, in_.size() - pos_);
      memcpy(out, in_.data() + pos_, got);
      pos_ += got;
    } else {
      if (!ok_) return absl::InternalError(Cat(name_, ": cannot start a gzip decompressor"));
      while (got < n && !ended_) {
        zs_.next_out = reinterpret_cast<Bytef*>(out + got);
        zs_.avail_out = static_cast<uInt>(n - got);
        const int rc = inflate(&zs_, Z_NO_FLUSH);
        got = n - zs_.avail_out;
        const size_t consumed = in_.size() - zs_.avail_in;
        if (rc == Z_STREAM_END) {
          if (zs_.avail_in == 0) {
            ended_ = true;
          } else if (IsGzip(in_.substr(consumed))) {
            inflateReset(&zs_);  // the next gzip member
          } else {
            return absl::InvalidArgumentError(
                Cat(name_, ": corrupt gzip: unexpected bytes at compressed offset ", consumed));
          }
        } else if (rc == Z_BUF_ERROR && zs_.avail_in == 0) {
          return absl::InvalidArgumentError(Cat(name_, ": truncated gzip: the stream ends at compressed byte ",
                                                in_.size(), " without its end"));
        } else if (rc != Z_OK) {
          return absl::InvalidArgumentError(Cat(name_, ": truncated or corrupt gzip near compressed byte ", consumed,
                                                zs_.msg ? Cat(" (", zs_.msg, ")") : std::string()));
        }
      }
    }
    produced_ += got;
    return got;
  }

  // Reads and drops `n` bytes; false when the data ends first.
  absl::StatusOr<bool> Skip(size_t n) {
    char scratch[1 << 16];
    while (n > 0) {
      auto got = Read(scratch, std::min(n, sizeof scratch));
      if (!got.ok()) return got.status();
      if (*got == 0) return false;
      n -= *got;
    }
    return true;
  }

 private:
  static bool IsGzip(std::string_view b) {
    return b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0x1f && static_cast<unsigned char>(b[1]) == 0x8b;
  }
  std::string_view name_, in_;
  const bool gzip_;
  size_t cap_ = 0;
  double ratio_ = 0;  // set when the ratio gives the cap
  size_t pos_ = 0, produced_ = 0;
  z_stream zs_{};
  bool ok_ = true, ended_ = false;
};

}  // namespace

bool IsTarballName(std::string_view name) {
  std::string n = ToLower(name);
  return EndsWith(n, ".tar.gz") || EndsWith(n, ".tgz") || EndsWith(n, ".tar");
}

absl::StatusOr<Tarball> ReadTarball(std::string_view archive_name, std::string_view bytes, const TarLimits& limits,
                                    const std::function<bool(std::string_view path)>& keep) {
  ByteStream in(archive_name, bytes, limits);
  Tarball out;
  std::string long_name;
  int member = 0;
  char block[kBlock];
  while (true) {
    const size_t offset = in.offset();
    auto got = in.Read(block, kBlock);
    if (!got.ok()) return got.status();
    if (*got < kBlock) break;  // the data ends without an end-of-archive marker
    std::string_view h(block, kBlock);
    if (AllZero(h)) break;  // end-of-archive marker
    ++member;
    auto bad = [&](std::string_view what) {
      return absl::InvalidArgumentError(Cat(archive_name, ": member ", member, " (byte offset ", offset, "): ", what));
    };
    if (static_cast<size_t>(member) > limits.max_members)
      return absl::ResourceExhaustedError(
          Cat(archive_name, ": more than ", limits.max_members, " members, the limit per archive (max_archive_members)"));
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
    const bool regular = type == '0' || type == '\0';
    if (regular && !long_name.empty()) {
      name = std::move(long_name);
      long_name.clear();
    }
    if (regular) while (StartsWith(name, "./")) name = name.substr(2);
    // A kept member's own limit first: it names the file, the archive's does not.
    const bool kept = regular && (!keep || keep(name));
    if (kept && size > limits.max_member_bytes)
      return absl::ResourceExhaustedError(Cat(archive_name, ": member ", member, " '", name, "' is ", size,
                                              " bytes, over the limit of ", limits.max_member_bytes, " bytes per file (",
                                              limits.max_member_bytes_name, ")"));
    const uint64_t padded = (size + kBlock - 1) / kBlock * kBlock;
    if (auto s = in.Reserve(padded); !s.ok()) return s;  // before reading any of it
    auto truncated = [&] { return bad(Cat("'", name, "' claims ", size, " bytes but the archive ends first (truncated)")); };
    // Reads the member's content (and its padding) into `*content`.
    auto read_content = [&](std::string* content) -> absl::Status {
      content->resize(size);
      auto n = in.Read(content->data(), size);
      if (!n.ok()) return n.status();
      auto pad = in.Skip(padded - size);
      if (!pad.ok()) return pad.status();
      if (*n < size || !*pad) return truncated();
      return absl::OkStatus();
    };
    auto skip_content = [&]() -> absl::Status {
      auto skipped = in.Skip(padded);
      if (!skipped.ok()) return skipped.status();
      return *skipped ? absl::OkStatus() : truncated();
    };
    if (type == 'L' || type == 'x') {  // GNU long name, pax extended header: for the next member
      if (size > kMaxHeaderData) return bad(Cat("a ", size, "-byte extended header (at most ", kMaxHeaderData, ")"));
      std::string data;
      if (auto s = read_content(&data); !s.ok()) return s;
      long_name = type == 'L' ? CString(data) : PaxPath(data);
      continue;
    }
    if (!long_name.empty()) {
      name = std::move(long_name);
      long_name.clear();
    }
    if (!regular) {  // pax global headers, directories, links, devices
      if (auto s = skip_content(); !s.ok()) return s;
      continue;
    }
    if (!kept) {
      ++out.skipped;
      if (auto s = skip_content(); !s.ok()) return s;
      continue;
    }
    ArchiveMember m{std::move(name), std::string()};
    if (auto s = read_content(&m.content); !s.ok()) return s;
    out.members.push_back(std::move(m));
  }
  if (member == 0) return absl::InvalidArgumentError(Cat(archive_name, ": not a tar archive (no member found)"));
  return out;
}

absl::StatusOr<std::vector<ArchiveMember>> ReadTarball(std::string_view archive_name, std::string_view bytes,
                                                       size_t max_bytes) {
  TarLimits limits;
  limits.max_unpacked_bytes = max_bytes;
  limits.max_inflation_ratio = 0;
  limits.max_members = SIZE_MAX;
  limits.max_member_bytes = max_bytes;
  auto tar = ReadTarball(archive_name, bytes, limits);
  if (!tar.ok()) return tar.status();
  return std::move(tar->members);
}

}  // namespace ttpgraph
