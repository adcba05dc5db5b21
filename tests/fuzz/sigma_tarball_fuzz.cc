// A Sigma rule archive (tar or tar.gz) as an organization import reads it:
// ReadTarball, then every .yml/.yaml member through the Sigma parser.
#include "fuzz_util.h"
#include "storage/import/sigma_rule.h"
#include "storage/import/sigma_tarball.h"
#include "storage/strings.h"

using namespace ttpgraph;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto members = ReadTarball("fuzz.tar.gz", std::string(fuzz::AsText(data, size)), 4 << 20);
  if (!members.ok()) {
    FUZZ_CHECK_INPUT_ERROR(members.status());
    return 0;
  }
  std::vector<SigmaFileInput> inputs;
  for (const ArchiveMember& m : *members) {
    const std::string lower = ToLower(m.path);
    if (EndsWith(lower, ".yml") || EndsWith(lower, ".yaml")) inputs.push_back(SigmaFileInput{m.path, m.content});
  }
  for (auto& parsed : ParseSigmaFiles(inputs, SigmaParseLimits{}, 1))
    if (!parsed.ok()) FUZZ_CHECK_INPUT_ERROR(parsed.status());
  return 0;
}
