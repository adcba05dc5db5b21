#include "tests/testing/store_check.h"

#include <rocksdb/db.h>

#include <map>
#include <memory>
#include <set>

#include "storage/strings.h"

namespace ttpgraph::testing {
namespace {

// A Slice as text that prints on one line (object keys are printable; release
// keys hold NULs and big-endian numbers).
std::string Printable(const rocksdb::Slice& s) {
  std::string out;
  for (char c : s.ToStringView()) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(c);
    } else {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out.push_back(hex[(c >> 4) & 0xf]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> CheckStoreFiles(const std::string& path) {
  std::vector<std::string> problems;
  std::vector<std::string> names;
  auto s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
  if (!s.ok()) return {Cat("cannot list the column families of ", path, ": ", s.ToString())};
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, cfs, &handles, &raw);
  if (!s.ok()) return {Cat("cannot open ", path, " read-only: ", s.ToString())};
  std::unique_ptr<rocksdb::DB> db(raw);

  // Every family as a map from key to value.
  std::map<std::string, std::map<std::string, std::string>> family;
  for (size_t i = 0; i < names.size(); ++i) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[i]));
    auto& m = family[names[i]];
    if (names[i] != "kv")
      for (it->SeekToFirst(); it->Valid(); it->Next()) m.emplace(it->key().ToString(), it->value().ToString());
    if (!it->status().ok()) problems.push_back(Cat("reading ", names[i], ": ", it->status().ToString()));
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  db.reset();
  for (const char* n : {"releases", "release_objects", "objects", "records", "refs"})
    if (!family.count(n)) problems.push_back(Cat("no column family ", n));
  if (!problems.empty()) return problems;

  const auto& releases = family["releases"];
  const auto& manifests = family["release_objects"];
  for (auto& [k, v] : releases)
    if (!manifests.count(k)) problems.push_back(Cat("release ", Printable(k), " has a record but no manifest"));
  std::map<std::string, uint32_t> recount;
  for (auto& [k, manifest] : manifests) {
    if (!releases.count(k)) problems.push_back(Cat("release ", Printable(k), " has a manifest but no record"));
    if (manifest.empty()) continue;
    for (const std::string& key : Split(manifest, '\n')) ++recount[key];
  }
  const auto& refs = family["refs"];
  for (auto& [key, n] : recount) {
    for (const char* f : {"objects", "records"})
      if (!family[f].count(key)) problems.push_back(Cat("object ", key, " of a manifest is missing from ", f));
    auto it = refs.find(key);
    if (it == refs.end()) {
      problems.push_back(Cat("object ", key, " has no reference count (", n, " releases hold it)"));
      continue;
    }
    const std::string& v = it->second;
    uint32_t stored = v.size() != 4 ? 0
                                    : static_cast<uint32_t>(static_cast<uint8_t>(v[0])) |
                                          static_cast<uint32_t>(static_cast<uint8_t>(v[1])) << 8 |
                                          static_cast<uint32_t>(static_cast<uint8_t>(v[2])) << 16 |
                                          static_cast<uint32_t>(static_cast<uint8_t>(v[3])) << 24;
    if (stored != n) problems.push_back(Cat("object ", key, ": reference count ", stored, ", recount ", n));
  }
  for (const char* f : {"objects", "records", "refs"})
    for (auto& [key, v] : family[f])
      if (!recount.count(key)) problems.push_back(Cat(f, " holds ", key, ", which no release holds"));
  return problems;
}

}  // namespace ttpgraph::testing
