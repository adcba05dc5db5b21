// Writes the seeds of records_fuzz: real records made by the real encoders
// from the test fixtures, each prefixed with the byte that picks its decoder
// (records_fuzz.cc), so the seeds follow any change of a record format.
//
//   fuzz_seeds SOURCE_DIR CORPUS_DIR   # writes CORPUS_DIR/records_fuzz/seed-*
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "storage/import/atomic_csv.h"
#include "storage/import/bundle_parser.h"
#include "storage/import/sha256.h"
#include "storage/import/sigma_rule.h"
#include "storage/import/turtle_d3fend.h"
#include "storage/internal/key_codec.h"
#include "storage/org_store.h"
#include "storage/strings.h"

using namespace ttpgraph;

namespace {

std::string Read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  if (!f) fprintf(stderr, "fuzz_seeds: cannot read %s\n", path.c_str()), exit(1);
  return s.str();
}

int written = 0;
void Seed(const std::string& dir, char decoder, const std::string& record) {
  const std::string bytes = std::string(1, decoder) + record;
  std::ofstream(Cat(dir, "/seed-", Sha256Hex(bytes).substr(0, 16)), std::ios::binary) << bytes;
  ++written;
}

template <typename T>
T OrDie(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) fprintf(stderr, "fuzz_seeds: %s: %s\n", what, v.status().ToString().c_str()), exit(1);
  return *std::move(v);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return fprintf(stderr, "usage: fuzz_seeds SOURCE_DIR CORPUS_DIR\n"), 2;
  const std::string data = Cat(argv[1], "/tests/testdata/"), out = Cat(argv[2], "/records_fuzz");
  // Decoder bytes as in records_fuzz.cc.
  enum : char { kRecord, kOrganization, kDetection, kD3fend, kAtomic, kReleaseInfo, kReleaseKey };

  std::filesystem::create_directories(out);
  BundleParseOptions mini;
  mini.domain = "enterprise-attack";
  mini.version = "18.0";
  auto bundle = OrDie(ParseBundle(Read(data + "mini_attack/mini-v18.json"), mini), "mini-v18.json");
  for (size_t i = 0; i < bundle.objects.size(); i += 4) Seed(out, kRecord, bundle.objects[i].record);

  ReleaseInfo info;
  info.id = bundle.id;
  info.spec_version = bundle.spec_version;
  info.content_sha256 = Sha256Hex("mini");
  info.object_count = static_cast<int64_t>(bundle.objects.size());
  info.counts_by_type = bundle.counts_by_type;
  info.imported_at_unix_ms = 1764720000000;
  Seed(out, kReleaseInfo, internal::EncodeReleaseInfo(info));
  Seed(out, kReleaseKey, internal::ReleaseKey(info.id));

  Seed(out, kOrganization,
       EncodeOrganization(Organization{"acme", "Acme Corp", "enterprise-attack@18.1", 3, 2, 1764720000000,
                                       1764720001000, 7}));
  auto rules = OrDie(ParseSigmaFile("mini_rules.yml", Read(data + "org/sigma/mini_rules.yml"), SigmaParseLimits{}),
                     "mini_rules.yml");
  for (const SigmaRule& r : rules) {
    Detection d;
    d.id = r.id;
    d.name = r.title;
    d.source_format = "sigma";
    d.techniques = r.techniques;
    d.tags = r.tags;
    d.description = r.description;
    d.sigma_status = r.status;
    d.sigma_category = r.category;
    d.sigma_product = r.product;
    d.sigma_level = r.level;
    d.state = DetectionState::kTesting;
    d.created_at_unix_ms = d.updated_at_unix_ms = 1764720000000;
    Seed(out, kDetection, EncodeDetection(d));
  }
  Seed(out, kD3fend,
       EncodeD3fendOntology(OrDie(ParseD3fendTurtle(Read(data + "d3fend/mini.ttl"), "mini.ttl"), "mini.ttl")));
  Seed(out, kAtomic, EncodeAtomicIndex(OrDie(ParseAtomicCsv(Read(data + "atomic/mini.csv"), "mini.csv"), "mini.csv")));
  printf("fuzz_seeds: %d records in %s\n", written, out.c_str());
  return 0;
}
