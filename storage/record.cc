#include "storage/record.h"

#include <simdjson.h>

#include "storage/import/record_extract.h"
#include "storage/internal/varint.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

using internal::PutString;
using internal::PutStrings;
using internal::PutVarint;

constexpr uint8_t kFormat = 1;

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
    PutString(&out, *s);
  for (const auto* v : {&r.domains, &r.platforms, &r.aliases, &r.kill_chain_phases, &r.refs}) PutStrings(&out, *v);
  PutVarint(&out, r.log_sources.size());
  for (auto& ls : r.log_sources) {
    PutString(&out, ls.data_component_ref);
    PutString(&out, ls.name);
    PutString(&out, ls.channel);
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
  internal::VarintReader in(bytes.substr(2));
  for (std::string* s : {&r.stix_id, &r.type, &r.attack_id, &r.url, &r.name, &r.version, &r.modified, &r.shortname,
                         &r.source_ref, &r.target_ref, &r.relationship_type, &r.description, &r.data_source_ref})
    in.String(s);
  for (auto* v : {&r.domains, &r.platforms, &r.aliases, &r.kill_chain_phases, &r.refs}) in.Strings(v);
  r.log_sources.resize(std::min<uint64_t>(in.Varint(), bytes.size()));
  for (auto& ls : r.log_sources) {
    in.String(&ls.data_component_ref);
    in.String(&ls.name);
    in.String(&ls.channel);
  }
  if (!in.done()) return absl::DataLossError("object record is truncated");
  return r;
}

}  // namespace ttpgraph
