// One Sigma YAML file as an organization import reads it. Techniques come
// only from attack.tNNNN tags, upper-cased.
#include "fuzz_util.h"
#include "storage/import/sigma_rule.h"

using namespace ttpgraph;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto rules = ParseSigmaFile("fuzz.yml", fuzz::AsText(data, size), SigmaParseLimits{});
  if (!rules.ok()) {
    FUZZ_CHECK_INPUT_ERROR(rules.status());
    return 0;
  }
  for (const SigmaRule& r : *rules) {
    FUZZ_CHECK(r.line >= 1);
    for (const std::string& t : r.techniques) FUZZ_CHECK(!t.empty() && t[0] == 'T');
  }
  return 0;
}
