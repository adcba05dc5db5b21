#include "storage/import/decompress.h"

#include <zlib.h>

#include "storage/strings.h"

namespace ttpgraph {

absl::StatusOr<std::string> MaybeGunzip(std::string data, size_t max_bytes) {
  const bool gzip = data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
                    static_cast<unsigned char>(data[1]) == 0x8b;
  if (!gzip) {
    if (data.size() > max_bytes)
      return absl::ResourceExhaustedError(Cat(
          "bundle is ", data.size(), " bytes, over the limit of ", max_bytes, " bytes"));
    return data;
  }
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
    return absl::InternalError("zlib inflateInit2 failed");
  std::string out;
  out.resize(std::min(max_bytes + 1, std::max<size_t>(data.size() * 6, 1 << 20)));
  zs.next_in = reinterpret_cast<Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(data.size());
  size_t produced = 0;
  int rc = Z_OK;
  while (true) {
    if (produced == out.size()) {
      if (out.size() > max_bytes) break;
      out.resize(std::min(max_bytes + 1, out.size() * 2));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out.size() - produced);
    rc = inflate(&zs, Z_NO_FLUSH);
    produced = out.size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members are legal; continue if input remains.
      if (zs.avail_in == 0) break;
      if (inflateReset(&zs) != Z_OK) break;
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input ended early
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
  }
  const size_t consumed = data.size() - zs.avail_in;
  inflateEnd(&zs);
  if (produced > max_bytes)
    return absl::ResourceExhaustedError(Cat(
        "gzip bundle inflates past the limit of ", max_bytes, " bytes"));
  if (rc != Z_STREAM_END) {
    if (rc == Z_BUF_ERROR || (rc == Z_OK && zs.avail_in == 0))
      return absl::InvalidArgumentError(Cat(
          "truncated gzip: the stream ends after ", data.size(), " compressed bytes (",
          produced, " inflated) before the gzip trailer"));
    return absl::InvalidArgumentError(Cat(
        "corrupt gzip at compressed byte ", consumed, ": ", zs.msg ? zs.msg : "inflate error"));
  }
  out.resize(produced);
  return out;
}

}  // namespace ttpgraph
