// The D3FEND ontology upload: Turtle through serd (ParseTurtle, with its
// escape and nesting pre-passes) into ParseD3fendTurtle's facts, whose record
// must survive an encode/decode round trip.
#include "fuzz_util.h"
#include "storage/import/turtle_d3fend.h"

using namespace ttpgraph;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto onto = ParseD3fendTurtle(fuzz::AsText(data, size), "fuzz.ttl");
  if (!onto.ok()) {
    FUZZ_CHECK_INPUT_ERROR(onto.status());
    return 0;
  }
  const std::string record = EncodeD3fendOntology(*onto);
  auto back = DecodeD3fendOntology(record);
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK_EQ(EncodeD3fendOntology(*back), record);
  return 0;
}
