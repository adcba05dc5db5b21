// ObjectRecord: the fields of a STIX object that the graph needs, extracted
// once at import and stored beside the object's JSON under the same content
// address, so building a release's graph reads a few MB of records instead of
// parsing 34 MB of JSON.
//
//   absl::StatusOr<ObjectRecord> r = ExtractRecordFromJson(json);
//   std::string bytes = EncodeRecord(*r);
//   absl::StatusOr<ObjectRecord> back = DecodeRecord(bytes);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ttpgraph {

struct LogSourceRecord {
  std::string data_component_ref;  // STIX id
  std::string name;                // e.g. WinEventLog:Security
  std::string channel;             // e.g. EventCode=4688
};

struct ObjectRecord {
  std::string stix_id;
  std::string type;
  std::string attack_id;  // external_id of the domain's reference (mitre-attack / -mobile / -ics by default)
  std::string url;
  std::string name;
  std::string version;  // x_mitre_version
  std::string modified;
  bool revoked = false;
  bool deprecated = false;
  bool is_subtechnique = false;
  bool has_domains = false;          // x_mitre_domains present
  std::vector<std::string> domains;  // x_mitre_domains
  std::vector<std::string> platforms;
  std::vector<std::string> aliases;  // aliases (groups, campaigns) or x_mitre_aliases (software)
  std::vector<std::string> kill_chain_phases;  // phase names of the domain's kill chains
  std::string shortname;                       // x_mitre_shortname (tactics)
  // Relationships.
  std::string source_ref;
  std::string target_ref;
  std::string relationship_type;
  std::string description;  // kept for relationships only (procedure examples, mitigations)
  // Matrices: tactic_refs; detection strategies: x_mitre_analytic_refs.
  std::vector<std::string> refs;
  // Analytics: x_mitre_log_source_references.
  std::vector<LogSourceRecord> log_sources;
  // Data components: x_mitre_data_source_ref.
  std::string data_source_ref;
};

struct KeyedRecord {
  std::string key;  // the object's content address (storage/model.h MakeObjectKey)
  ObjectRecord record;
};

absl::StatusOr<ObjectRecord> ExtractRecordFromJson(std::string_view json);
std::string EncodeRecord(const ObjectRecord& r);
absl::StatusOr<ObjectRecord> DecodeRecord(std::string_view bytes);

}  // namespace ttpgraph
