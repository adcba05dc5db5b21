// Plain data types shared by storage/, graph/ and server/.
//
// A release is one ATT&CK domain at one version ("enterprise-attack@18.1").
// Objects are content-addressed: an ObjectKey is the STIX id, the `modified`
// timestamp and a digest of the canonical (minified) JSON, so an object that
// did not change between releases is stored once.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ttpgraph {

// MITRE's three ATT&CK domains: always known. A release can also belong to
// the domain of another framework published in ATT&CK's shape (ATLAS, a
// sector framework built with Workbench); such a domain is known once a
// release of it is imported (Store::Resolve).
inline constexpr std::string_view kKnownDomains[] = {"enterprise-attack", "mobile-attack",
                                                    "ics-attack"};
bool IsKnownDomain(std::string_view domain);
// The external-reference source names and kill-chain names of MITRE's three
// domains: the defaults when a bundle names none of its own.
inline constexpr std::string_view kDefaultSourceNames[] = {"mitre-attack", "mitre-mobile-attack",
                                                          "mitre-ics-attack"};
// A domain name any release may have: 1 to 63 of [a-z0-9._-], starting with a
// letter or digit (no '@', no key separator).
bool IsWellFormedDomain(std::string_view domain);
// The message for a domain that is neither MITRE's nor imported.
std::string UnknownDomainMessage(std::string_view domain);

// A dotted version ("18.1", "9.0"); compares numerically, so 9.0 < 15.1.
struct Version {
  std::vector<uint32_t> parts;
  static absl::StatusOr<Version> Parse(std::string_view text);
  std::string ToString() const;
  friend bool operator<(const Version& a, const Version& b) { return a.parts < b.parts; }
  friend bool operator==(const Version& a, const Version& b) { return a.parts == b.parts; }
};

struct ReleaseId {
  std::string domain;
  Version version;
  std::string Name() const { return domain + "@" + version.ToString(); }
  friend bool operator<(const ReleaseId& a, const ReleaseId& b) {
    return a.domain != b.domain ? a.domain < b.domain : a.version < b.version;
  }
  friend bool operator==(const ReleaseId& a, const ReleaseId& b) {
    return a.domain == b.domain && a.version == b.version;
  }
};

// A release reference as users write it: DOMAIN@VERSION or DOMAIN@latest.
struct ReleaseRef {
  std::string domain;
  bool latest = false;
  Version version;  // unset when latest
  static absl::StatusOr<ReleaseRef> Parse(std::string_view text);
};

// What is known about a stored release (its manifest, without object keys).
struct ReleaseInfo {
  ReleaseId id;
  std::string spec_version;           // "2.0" or "2.1"
  std::string content_sha256;         // hex digest over sorted object keys
  int64_t object_count = 0;
  std::map<std::string, int64_t> counts_by_type;
  int64_t dangling_relationships = 0;
  int64_t imported_at_unix_ms = 0;
  int64_t new_objects_stored = 0;     // objects that were not stored before this import
  // sha256 (hex) of the bytes the import received, as sent; "" for releases
  // stored before it was kept.
  std::string source_sha256;
};

// One STIX object ready to store: its content address and canonical JSON.
struct StoredObject {
  std::string key;     // ObjectKey: "<stix id>|<modified>|<16 hex digest>"
  std::string json;    // the object's JSON text as it came in the bundle
  std::string record;  // EncodeRecord() of the graph fields (see storage/record.h)
};

// Builds the content address of an object. `record_context` is what its
// record was read with besides its text: empty for MITRE's source names, a
// framework's names otherwise (the same text read with other names has
// another record, so another key).
std::string MakeObjectKey(std::string_view stix_id, std::string_view modified,
                          std::string_view canonical_json, std::string_view record_context = {});

}  // namespace ttpgraph
