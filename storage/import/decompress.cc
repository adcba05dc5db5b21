#include "storage/import/decompress.h"

#include <libdeflate.h>
#include <sys/mman.h>

#include <algorithm>
#include <memory>

#include "storage/import/sha256.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

struct Free {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

constexpr size_t kParsePadding = 64;  // simdjson::SIMDJSON_PADDING

bool IsGzip(const std::string& data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

// The ISIZE trailer: the member's uncompressed size modulo 2^32.
uint32_t TrailerSize(const char* end) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(end[-4 + i]);
  return v;
}

// Asks for transparent huge pages (when the system allows them on request)
// for the 2 MB-aligned part of a large buffer before it is first written:
// ~20 page faults instead of ~9,000 for an enterprise bundle.
void AdviseHugePages(char* p, size_t n) {
  constexpr uintptr_t kHuge = 2 << 20;
  if (n < 4 * kHuge) return;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace

// Makes room for `n` bytes in `s`, allocating exactly `n` when it must grow:
// std::string::reserve at least doubles the capacity, which near the limit
// (with the old buffer still held while copying) would cost 3x the limit.
void ReserveExactly(std::string& s, size_t n) {
  if (s.capacity() >= n) return;
  std::string bigger;
  bigger.reserve(n);
  bigger.append(s);
  s.swap(bigger);
}

// libdeflate inflates whole buffers 2-3x faster than zlib's streaming API.
// Each gzip member's size comes from its trailer (mod 2^32); a wrong guess is
// corrected by retrying with a larger buffer, up to the limit: libdeflate
// never writes past the buffer it is given, so the limit holds while
// inflating, not after.
absl::StatusOr<std::string> MaybeGunzip(std::string data, const GunzipLimits& limits) {
  // The output bound: the size limit, or the ratio's when that is lower.
  size_t max_bytes = limits.max_bytes;
  bool ratio_bound = false;
  if (limits.max_ratio > 0) {
    const double by_ratio = std::max<double>(GunzipLimits::kRatioFloor, limits.max_ratio * static_cast<double>(data.size()));
    if (by_ratio < static_cast<double>(max_bytes)) {
      max_bytes = static_cast<size_t>(by_ratio);
      ratio_bound = true;
    }
  }
  auto too_large = [&] {
    if (ratio_bound)
      return absl::ResourceExhaustedError(Cat("gzip data inflates more than ", limits.max_ratio, " times its ",
                                              data.size(), " compressed bytes (max_inflation_ratio); refused as a "
                                              "likely gzip bomb"));
    return absl::ResourceExhaustedError(
        Cat("gzip bundle inflates past the limit of ", max_bytes, " bytes (", limits.max_bytes_name, ")"));
  };
  if (!IsGzip(data)) {
    if (data.size() > limits.max_bytes)
      return absl::ResourceExhaustedError(Cat("bundle is ", data.size(), " bytes, over the limit of ", limits.max_bytes,
                                              " bytes (", limits.max_bytes_name, ")"));
    return data;
  }
  std::unique_ptr<libdeflate_decompressor, Free> d(libdeflate_alloc_decompressor());
  if (!d) return absl::InternalError("cannot allocate a gzip decompressor");
  if (data.size() < 18)
    return absl::InvalidArgumentError(Cat("truncated gzip: only ", data.size(), " bytes, shorter than a gzip header and trailer"));
  std::string out;
  size_t in_pos = 0;
  while (in_pos < data.size()) {
    const char* in = data.data() + in_pos;
    const size_t in_len = data.size() - in_pos;
    if (in_len < 18 || !IsGzip(std::string(in, 2)))
      return absl::InvalidArgumentError(Cat("corrupt gzip: unexpected bytes at compressed offset ", in_pos));
    // Guess from the trailer of the whole remaining input (right for the last member).
    // A cut-off stream ends in arbitrary bytes instead of a trailer, so the
    // first buffer is also capped in proportion to the input (JSON inflates
    // ~5x); streams that inflate more take the retry path below.
    size_t guess = std::max<size_t>(std::min<size_t>(TrailerSize(in + in_len), in_len * 16), 1 << 16);
    while (true) {
      if (out.size() + guess > max_bytes + 1) guess = max_bytes + 1 - out.size();
      const size_t base = out.size();
      // The first buffer is the guess (exact for a one-member gzip, as every
      // real bundle is). When it is not enough, the buffer goes straight to
      // the bound instead of doubling: the memory of each smaller buffer left
      // behind would add up to the bound again, while pages of the bound that
      // are never written cost no memory.
      if (out.capacity() < base + guess + kParsePadding)
        ReserveExactly(out, (out.capacity() < kParsePadding ? base + guess : max_bytes + 1) + kParsePadding);
      AdviseHugePages(out.data(), base + guess);
      out.resize(base + guess);
      size_t in_used = 0, produced = 0;
      auto rc = libdeflate_gzip_decompress_ex(d.get(), in, in_len, out.data() + base, guess, &in_used, &produced);
      if (rc == LIBDEFLATE_SUCCESS) {
        out.resize(base + produced);
        in_pos += in_used;
        break;
      }
      out.resize(base);
      if (rc == LIBDEFLATE_INSUFFICIENT_SPACE) {
        if (base + guess > max_bytes) return too_large();
        guess *= 2;
        continue;
      }
      // BAD_DATA covers both corrupt and cut-off streams: tell them apart with
      // the trailer, which a cut-off stream does not end with.
      return absl::InvalidArgumentError(Cat(
          "truncated or corrupt gzip: the deflate stream starting at compressed byte ", in_pos,
          " does not decode to its end (", data.size(), " compressed bytes received)"));
    }
  }
  if (out.size() > max_bytes) return too_large();
  ReserveExactly(out, out.size() + kParsePadding);  // lets the JSON parser work in place
  return out;
}

absl::StatusOr<std::string> VerifyAndGunzip(std::string data, std::string_view sha256, std::string_view source,
                                            const GunzipLimits& limits) {
  const std::string prefix = source.empty() ? std::string() : Cat(source, ": ");
  if (!sha256.empty() && ToLower(sha256) != Sha256Hex(data))
    return absl::InvalidArgumentError(Cat(prefix, "sha256 mismatch: the content's digest is not ", sha256));
  auto text = MaybeGunzip(std::move(data), limits);
  if (!text.ok() && !prefix.empty()) return absl::Status(text.status().code(), Cat(prefix, text.status().message()));
  return text;
}

}  // namespace ttpgraph
