// Extracts an ObjectRecord from a parsed STIX object (simdjson DOM).
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "storage/record.h"

namespace ttpgraph {

// The members of one STIX object that the importer reads, found in one pass
// over the object. A DOM lookup by key (`obj["name"]`) scans the members from
// the start each time, and the importer reads ~25 keys of each of ~25,000
// objects. Like that lookup, the first member with a key wins.
class ObjectFields {
 public:
  enum Field {
    kId,
    kType,
    kName,
    kModified,
    kSpecVersion,
    kVersion,            // x_mitre_version
    kRevoked,
    kDeprecated,         // x_mitre_deprecated
    kIsSubtechnique,     // x_mitre_is_subtechnique
    kDomains,            // x_mitre_domains
    kExternalReferences,
    kSourceRef,
    kTargetRef,
    kRelationshipType,
    kDescription,
    kPlatforms,          // x_mitre_platforms
    kAliases,            // aliases (groups, campaigns)
    kMitreAliases,       // x_mitre_aliases (software)
    kKillChainPhases,
    kShortname,          // x_mitre_shortname
    kTacticRefs,
    kAnalyticRefs,       // x_mitre_analytic_refs
    kLogSourceReferences,  // x_mitre_log_source_references
    kDataSourceRef,      // x_mitre_data_source_ref
    kCreated,
    kFieldCount
  };

  explicit ObjectFields(simdjson::dom::object obj);

  bool Has(Field f) const { return present_ & (1u << f); }
  // The member's value; only meaningful when Has(f).
  simdjson::dom::element Get(Field f) const { return values_[f]; }
  // The member's string value; empty when absent or not a string.
  std::string_view Str(Field f) const;
  // The member's value as an array; false when absent or not an array.
  bool Array(Field f, simdjson::dom::array* out) const;

 private:
  simdjson::dom::element values_[kFieldCount];
  uint32_t present_ = 0;
};

// A domain's own names: the external reference whose source_name is one of
// `source_names` gives an object its ATT&CK-style ID (attack_id, url), the
// kill-chain phases whose kill_chain_name is one of `kill_chains` are a
// technique's tactics. Mitre() holds MITRE's three domains' names
// (kDefaultSourceNames, which are also their kill-chain names): the default.
struct DomainSources {
  std::vector<std::string> source_names, kill_chains;
  static const DomainSources& Mitre();
};

// Never fails on missing optional fields; INVALID_ARGUMENT when the object
// has no string id or type.
absl::StatusOr<ObjectRecord> ExtractRecord(simdjson::dom::object obj,
                                           const DomainSources& sources = DomainSources::Mitre());
// The same from fields already found, into `*out` (cleared first; reusing one
// record across objects saves most allocations).
absl::Status ExtractRecord(const ObjectFields& fields, ObjectRecord* out,
                           const DomainSources& sources = DomainSources::Mitre());

}  // namespace ttpgraph
