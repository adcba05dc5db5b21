// MaybeGunzip alone, with a small limit so the limit paths are reached: bytes
// that are not gzip come back unchanged; nothing inflates past the limit.
#include "fuzz_util.h"
#include "storage/import/decompress.h"

using namespace ttpgraph;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kLimit = 256 << 10;
  const std::string in(fuzz::AsText(data, size));
  auto out = MaybeGunzip(in, kLimit);
  if (!out.ok()) {
    FUZZ_CHECK_INPUT_ERROR(out.status());
    return 0;
  }
  FUZZ_CHECK(out->size() <= kLimit);
  const bool gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  if (!gzip) FUZZ_CHECK(*out == in);
  return 0;
}
