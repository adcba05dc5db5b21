// ATT&CK collection indexes (ImportReleaseFrom --index).
#include "fuzz_util.h"
#include "storage/import/collection_index.h"
#include "storage/model.h"

using namespace ttpgraph;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto index = ParseCollectionIndex(fuzz::AsText(data, size));
  if (!index.ok()) {
    FUZZ_CHECK_INPUT_ERROR(index.status());
    return 0;
  }
  for (const CollectionVersion& v : index->versions) {
    FUZZ_CHECK(v.domain.empty() || IsKnownDomain(v.domain));
    FUZZ_CHECK(Version::Parse(v.version).ok());
    FUZZ_CHECK(!v.url.empty() || !v.taxii_url.empty());
    FUZZ_CHECK(v.sha256.empty() || v.sha256.size() == 64);
  }
  return 0;
}
