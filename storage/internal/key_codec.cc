#include "storage/internal/key_codec.h"

#include "storage/internal/varint.h"

#include "storage/strings.h"

namespace ttpgraph::internal {
namespace {
constexpr int kVersionParts = 4;

void PutBE32(std::string* out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out->push_back(static_cast<char>((v >> s) & 0xff));
}
uint32_t GetBE32(std::string_view p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
}  // namespace

std::string ReleaseKey(const ReleaseId& id) {
  std::string key = id.domain;
  key.push_back('\0');
  for (int i = 0; i < kVersionParts; ++i)
    PutBE32(&key, i < static_cast<int>(id.version.parts.size()) ? id.version.parts[i] : 0);
  return key;
}

absl::StatusOr<ReleaseId> DecodeReleaseKey(std::string_view key) {
  auto nul = key.find('\0');
  if (nul == std::string_view::npos || key.size() != nul + 1 + 4 * kVersionParts)
    return absl::DataLossError("malformed release key");
  ReleaseId id;
  id.domain = std::string(key.substr(0, nul));
  for (int i = 0; i < kVersionParts; ++i) id.version.parts.push_back(GetBE32(key.substr(nul + 1 + 4 * i)));
  while (id.version.parts.size() > 2 && id.version.parts.back() == 0) id.version.parts.pop_back();
  return id;
}

std::string EncodeReleaseInfo(const ReleaseInfo& info) {
  std::string out;
  PutVarint(&out, 1);  // format version
  PutString(&out, info.id.domain);
  PutString(&out, info.id.version.ToString());
  PutString(&out, info.spec_version);
  PutString(&out, info.content_sha256);
  PutVarint(&out, info.object_count);
  PutVarint(&out, info.counts_by_type.size());
  for (auto& [type, n] : info.counts_by_type) {
    PutString(&out, type);
    PutVarint(&out, n);
  }
  PutVarint(&out, info.dangling_relationships);
  PutVarint(&out, info.imported_at_unix_ms);
  PutVarint(&out, info.new_objects_stored);
  PutString(&out, info.source_sha256);  // appended later: older records end before it
  return out;
}

absl::StatusOr<ReleaseInfo> DecodeReleaseInfo(std::string_view value) {
  VarintReader r(value);
  ReleaseInfo info;
  if (r.Varint() != 1) return absl::DataLossError("release record has an unknown format version");
  info.id.domain = r.String();
  auto version = Version::Parse(r.String());
  if (!version.ok()) return absl::DataLossError("release record holds a malformed version");
  info.id.version = *version;
  info.spec_version = r.String();
  info.content_sha256 = r.String();
  info.object_count = r.Varint();
  for (uint64_t n = r.Varint(); n > 0 && r.ok(); --n) {
    std::string type = r.String();
    info.counts_by_type[type] = r.Varint();
  }
  info.dangling_relationships = r.Varint();
  info.imported_at_unix_ms = r.Varint();
  info.new_objects_stored = r.Varint();
  if (r.ok() && !r.done()) info.source_sha256 = r.String();
  if (!r.ok()) return absl::DataLossError("release record is truncated");
  return info;
}

std::string EncodeFixed32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}
uint32_t DecodeFixed32(std::string_view v) {
  if (v.size() != 4) return 0;
  uint32_t x = 0;
  for (int i = 3; i >= 0; --i) x = (x << 8) | static_cast<unsigned char>(v[i]);
  return x;
}

}  // namespace ttpgraph::internal
