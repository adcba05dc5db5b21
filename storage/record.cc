#include "storage/record.h"

#include <simdjson.h>

#include "storage/import/record_extract.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

constexpr uint8_t kFormat = 1;

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void PutStr(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s.data(), s.size());
}
void PutStrs(std::string* out, const std::vector<std::string>& v) {
  PutVarint(out, v.size());
  for (auto& s : v) PutStr(out, s);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && !in_.empty(); shift += 7) {
      auto b = static_cast<unsigned char>(in_[0]);
      in_.remove_prefix(1);
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    ok_ = false;
    return 0;
  }
  void Str(std::string* s) {
    uint64_t n = Varint();
    if (n > in_.size()) {
      ok_ = false;
      return;
    }
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
  }
  void Strs(std::vector<std::string>* v) {
    uint64_t n = Varint();
    if (n > in_.size()) {
      ok_ = false;
      return;
    }
    v->resize(n);
    for (auto& s : *v) Str(&s);
  }
  bool ok() const { return ok_ && in_.empty(); }

 private:
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace

absl::StatusOr<ObjectRecord> ExtractRecordFromJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (auto err = parser.parse(json.data(), json.size()).get_object().get(obj); err)
    return absl::InvalidArgumentError(Cat("object is not a JSON object: ", simdjson::error_message(err)));
  return ExtractRecord(obj);
}

std::string EncodeRecord(const ObjectRecord& r) {
  std::string out;
  out.reserve(256 + r.description.size());
  out.push_back(static_cast<char>(kFormat));
  out.push_back(static_cast<char>((r.revoked ? 1 : 0) | (r.deprecated ? 2 : 0) | (r.is_subtechnique ? 4 : 0) |
                                  (r.has_domains ? 8 : 0)));
  for (const std::string* s : {&r.stix_id, &r.type, &r.attack_id, &r.url, &r.name, &r.version, &r.modified,
                               &r.shortname, &r.source_ref, &r.target_ref, &r.relationship_type, &r.description,
                               &r.data_source_ref})
    PutStr(&out, *s);
  for (const auto* v : {&r.domains, &r.platforms, &r.aliases, &r.kill_chain_phases, &r.refs}) PutStrs(&out, *v);
  PutVarint(&out, r.log_sources.size());
  for (auto& ls : r.log_sources) {
    PutStr(&out, ls.data_component_ref);
    PutStr(&out, ls.name);
    PutStr(&out, ls.channel);
  }
  return out;
}

absl::StatusOr<ObjectRecord> DecodeRecord(std::string_view bytes) {
  if (bytes.size() < 2 || static_cast<uint8_t>(bytes[0]) != kFormat)
    return absl::DataLossError("object record has an unknown format");
  ObjectRecord r;
  const auto flags = static_cast<uint8_t>(bytes[1]);
  r.revoked = flags & 1;
  r.deprecated = flags & 2;
  r.is_subtechnique = flags & 4;
  r.has_domains = flags & 8;
  Reader in(bytes.substr(2));
  for (std::string* s : {&r.stix_id, &r.type, &r.attack_id, &r.url, &r.name, &r.version, &r.modified, &r.shortname,
                         &r.source_ref, &r.target_ref, &r.relationship_type, &r.description, &r.data_source_ref})
    in.Str(s);
  for (auto* v : {&r.domains, &r.platforms, &r.aliases, &r.kill_chain_phases, &r.refs}) in.Strs(v);
  r.log_sources.resize(std::min<uint64_t>(in.Varint(), bytes.size()));
  for (auto& ls : r.log_sources) {
    in.Str(&ls.data_component_ref);
    in.Str(&ls.name);
    in.Str(&ls.channel);
  }
  if (!in.ok()) return absl::DataLossError("object record is truncated");
  return r;
}

}  // namespace ttpgraph
