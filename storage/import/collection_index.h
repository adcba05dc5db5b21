// Reads an ATT&CK collection index: the JSON document that lists every
// version of every collection with the URL of its STIX bundle (MITRE publishes
// one as attack-stix-data's index.json; the layout is ATT&CK Workbench's
// "Collection Indexes", docs/collections.md):
//
//   {"id": "...", "name": "MITRE ATT&CK", "created": "...", "modified": "...",
//    "collections": [
//      {"id": "x-mitre-collection--...", "name": "Enterprise ATT&CK", "created": "...",
//       "versions": [{"version": "18.1", "modified": "2025-11-12T...",
//                     "url": "https://.../enterprise-attack-18.1.json"}, ...]}, ...]}
//
//   auto index = ParseCollectionIndex(text);
//   for (const CollectionVersion& v : index->versions)
//     if (v.domain == "enterprise-attack") Fetch(v.url);
//
// Pure, no I/O: the caller resolves relative URLs and fetches. A version may
// carry a `sha256` of its bundle (attack-stix-data's index does not); it is
// returned, lower-cased, for the caller to check the download against.
//
// Errors: INVALID_ARGUMENT naming the JSON path ($.collections[2].versions[0].url)
// and what is wrong: invalid JSON (line and column), a missing or mistyped
// required member (collections, name, versions, version), a version that is not
// dotted numbers, a version giving neither url nor taxii_url, a sha256 that is
// not 64 hex digits, a version listed twice in one collection.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ttpgraph {

struct CollectionVersion {
  std::string collection;  // the collection's name: "Enterprise ATT&CK"
  std::string domain;      // enterprise-attack, mobile-attack, ics-attack; empty for a collection of no ATT&CK domain
  std::string version;     // as written: "18.1"
  std::string url;         // as written (may be relative to the index); empty when only taxii_url is given
  std::string taxii_url;   // as written; usually empty
  std::string modified;    // may be empty
  std::string sha256;      // lower-case hex; empty when the index gives none
  std::string json_path;   // "$.collections[0].versions[3]", for the caller's messages
};

struct CollectionIndex {
  std::string name;                         // the index's own name, may be empty
  std::vector<CollectionVersion> versions;  // in document order
};

absl::StatusOr<CollectionIndex> ParseCollectionIndex(std::string_view json);

}  // namespace ttpgraph
