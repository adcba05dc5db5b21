// The binary record decoders (storage/internal/varint.h underneath): the
// first byte picks the decoder, the rest is the record. A record that
// decodes must re-encode to bytes that decode to the same value (compared as
// their encodings); DecodeDetectionBrief fails exactly when DecodeDetection
// does and agrees with it on the brief fields. Corrupt records are DATA_LOSS.
#include "fuzz_util.h"
#include "storage/import/atomic_csv.h"
#include "storage/import/turtle_d3fend.h"
#include "storage/internal/key_codec.h"
#include "storage/org_store.h"
#include "storage/record.h"

using namespace ttpgraph;

namespace {

// Decode, re-encode, decode again: the two encodings are equal.
template <typename Decode, typename Encode>
void RoundTrip(std::string_view bytes, Decode decode, Encode encode) {
  auto first = decode(bytes);
  if (!first.ok()) {
    FUZZ_CHECK_DATA_LOSS(first.status());
    return;
  }
  const std::string once = encode(*first);
  auto second = decode(once);
  FUZZ_CHECK(second.ok());
  FUZZ_CHECK_EQ(encode(*second), once);
}

void Detections(std::string_view bytes) {
  RoundTrip(bytes, DecodeDetection, EncodeDetection);
  auto full = DecodeDetection(bytes);
  auto brief = DecodeDetectionBrief(bytes);
  FUZZ_CHECK_EQ(full.ok(), brief.ok());
  if (!brief.ok()) {
    FUZZ_CHECK_DATA_LOSS(brief.status());
    return;
  }
  FUZZ_CHECK(brief->id == full->id && brief->name == full->name && brief->source_format == full->source_format &&
             brief->sigma_status == full->sigma_status && brief->techniques == full->techniques &&
             brief->data_components == full->data_components && brief->state == full->state);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes = fuzz::AsText(data + 1, size - 1);
  switch (data[0] % 7) {
    case 0:
      RoundTrip(bytes, DecodeRecord, EncodeRecord);
      break;
    case 1:
      RoundTrip(bytes, DecodeOrganization, EncodeOrganization);
      break;
    case 2:
      Detections(bytes);
      break;
    case 3:
      RoundTrip(bytes, DecodeD3fendOntology, EncodeD3fendOntology);
      break;
    case 4:
      RoundTrip(bytes, DecodeAtomicIndex, EncodeAtomicIndex);
      break;
    case 5:
      RoundTrip(bytes, internal::DecodeReleaseInfo, internal::EncodeReleaseInfo);
      break;
    case 6:
      RoundTrip(bytes, internal::DecodeReleaseKey, internal::ReleaseKey);
      break;
  }
  return 0;
}
