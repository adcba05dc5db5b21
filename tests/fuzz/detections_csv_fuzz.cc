// Detections uploaded as CSV (ttpctl detection import x.csv).
#include "fuzz_util.h"
#include "storage/import/csv_detections.h"

using namespace ttpgraph;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto rows = ParseDetectionsCsv("fuzz.csv", fuzz::AsText(data, size));
  if (!rows.ok()) {
    FUZZ_CHECK_INPUT_ERROR(rows.status());
    return 0;
  }
  for (const CsvDetectionRow& r : *rows) {
    FUZZ_CHECK(r.line >= 1);
    FUZZ_CHECK(!r.id.empty());
  }
  return 0;
}
