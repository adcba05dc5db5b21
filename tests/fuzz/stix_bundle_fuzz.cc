// STIX bundles as ImportRelease reads them: MaybeGunzip (plain or gzip), then
// ParseBundle with the server's buffer capacity. A bundle without an
// x-mitre-collection is parsed again with a domain and version given, as a
// user would. Every object accepted must keep a record that decodes and equals
// the record extracted again from the object's own text with the bundle's
// source names (a framework's own, or MITRE's).
#include <simdjson.h>

#include "fuzz_util.h"
#include "storage/import/bundle_parser.h"
#include "storage/import/decompress.h"
#include "storage/import/record_extract.h"
#include "storage/record.h"
#include "storage/strings.h"

using namespace ttpgraph;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = MaybeGunzip(std::string(fuzz::AsText(data, size)), 8 << 20);
  if (!text.ok()) {
    FUZZ_CHECK_INPUT_ERROR(text.status());
    return 0;
  }
  BundleParseOptions opts;
  opts.max_objects = 5000;
  opts.buffer_capacity = text->capacity();
  auto bundle = ParseBundle(*text, opts);
  if (!bundle.ok() && bundle.status().message().find("no x-mitre-collection") != absl::string_view::npos) {
    opts.domain = "enterprise-attack";
    opts.version = "18.1";
    bundle = ParseBundle(*text, opts);
  }
  if (!bundle.ok()) {
    FUZZ_CHECK_INPUT_ERROR(bundle.status());
    return 0;
  }
  FUZZ_CHECK(IsWellFormedDomain(bundle->id.domain));
  int64_t counted = 0;
  for (auto& [type, n] : bundle->counts_by_type) counted += n;
  FUZZ_CHECK_EQ(counted, static_cast<int64_t>(bundle->objects.size()));
  for (const StoredObject& o : bundle->objects) {
    auto record = DecodeRecord(o.record);
    FUZZ_CHECK(record.ok());
    FUZZ_CHECK(StartsWith(o.key, record->stix_id + "|"));
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    FUZZ_CHECK(parser.parse(o.json.data(), o.json.size()).get_object().get(obj) == simdjson::SUCCESS);
    auto again = ExtractRecord(obj, bundle->sources);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK_EQ(EncodeRecord(*again), o.record);
  }
  return 0;
}
