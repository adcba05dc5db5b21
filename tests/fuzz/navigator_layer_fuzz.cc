// ATT&CK Navigator layers uploaded as detections (one layer or an array).
#include "fuzz_util.h"
#include "storage/import/navigator_layer_parser.h"
#include "storage/model.h"

using namespace ttpgraph;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto layers = ParseNavigatorLayers("fuzz.json", fuzz::AsText(data, size));
  if (!layers.ok()) {
    FUZZ_CHECK_INPUT_ERROR(layers.status());
    return 0;
  }
  FUZZ_CHECK(!layers->empty());
  for (const NavigatorLayer& l : *layers) FUZZ_CHECK(IsWellFormedDomain(l.domain));
  return 0;
}
