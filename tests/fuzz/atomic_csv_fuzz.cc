// The Atomic Red Team index upload (CSV), and its record's round trip.
#include "fuzz_util.h"
#include "storage/import/atomic_csv.h"

using namespace ttpgraph;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto index = ParseAtomicCsv(fuzz::AsText(data, size), "fuzz.csv");
  if (!index.ok()) {
    FUZZ_CHECK_INPUT_ERROR(index.status());
    return 0;
  }
  FUZZ_CHECK(static_cast<int64_t>(index->tests.size()) <= index->rows);
  const std::string record = EncodeAtomicIndex(*index);
  auto back = DecodeAtomicIndex(record);
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK_EQ(EncodeAtomicIndex(*back), record);
  return 0;
}
