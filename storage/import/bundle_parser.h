// Parses and validates a STIX 2.0 / 2.1 bundle into storable objects.
//
//   BundleParseOptions opts;
//   opts.domain = "enterprise-attack"; opts.version = "18.1";
//   absl::StatusOr<ParsedBundle> b = ParseBundle(json_text, opts);
//
// Every object's id must be `<type>--<UUID>` and its `created` and `modified`
// (when present) RFC 3339 timestamps, so no newline or key separator ever
// reaches a storage key; the bundle must hold at least one ATT&CK technique
// (attack-pattern).
//
// Pure function, no I/O. Errors are INVALID_ARGUMENT (malformed input, or an
// object or name over its size limit; the message names the line:column or
// `objects[i]` path and the STIX id) or RESOURCE_EXHAUSTED (past a count
// limit). Messages show ids and names escaped and cut short.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/import/record_extract.h"
#include "storage/model.h"

namespace ttpgraph {

struct BundleParseOptions {
  // Domain and version given by the caller; required when the bundle has no
  // x-mitre-collection, checked against it otherwise. Default: empty. A
  // domain other than MITRE's three is a framework's own: it needs a source
  // name of its own (below), and when not given it is the external_id of the
  // framework's x-mitre-matrix.
  std::string domain;
  std::string version;
  // The framework's external-reference source name (its objects' IDs) and
  // kill-chain name (its techniques' tactics). Default: the source_name of
  // the bundle's x-mitre-matrix reference, or MITRE's three
  // (DomainSources::Mitre()) when that is one of them or there is no matrix;
  // the kill-chain name defaults to the source name.
  std::string source_name;
  std::string kill_chain;
  // Objects whose id another object of different content already took are
  // refused (INVALID_ARGUMENT naming the first) unless lenient: each then gets
  // the id `<type>--<UUID v5 of its JSON without whitespace>` (namespace
  // kContentIdNamespace) and is listed in ParsedBundle::reidentified.
  // Default: false.
  bool lenient = false;
  // Deepest JSON nesting accepted. Default: 64 (ATT&CK needs 6).
  size_t max_depth = 64;
  // Most objects one bundle may hold. Default: 200000 (enterprise 18.1 has 24771).
  size_t max_objects = 200000;
  // Most objects of types ATT&CK does not use (IsAttackType), counted before
  // anything is copied. Default: 10000.
  size_t max_unknown_objects = 10000;
  // Largest single object's JSON text, which bounds each of its fields.
  // Default: 1 MiB (enterprise 18.0's largest object is 36 KB).
  size_t max_object_bytes = 1u << 20;
  // Longest object name. Default: 1 KiB (ATT&CK's longest is 124 bytes).
  size_t max_name_bytes = 1u << 10;
  // Capacity of the buffer behind the `json` argument, when the caller knows
  // the bytes after the text are readable: with 64 spare bytes the parser
  // works in place instead of copying. Default: 0 (copy).
  size_t buffer_capacity = 0;
  // An extension's objects (issue 12) rather than a release: no technique is
  // required, and an x-mitre-collection of any name (a Workbench collection)
  // is accepted and left out of `objects`. Default: false.
  bool extension = false;
};

// The namespace of the ids lenient import derives from content: STIX 2.1's
// namespace for deterministic identifiers.
inline constexpr std::string_view kContentIdNamespace = "00abedb4-aa42-466c-9c01-fed23315a9b7";

// An object lenient import stored under a new id.
struct ReidentifiedObject {
  size_t index = 0;    // objects[index] of the bundle
  std::string type;
  std::string old_id;  // the id it came with, taken by an earlier object
  std::string new_id;  // the id it is stored (and its JSON text rewritten) under
};

struct ParsedBundle {
  ReleaseId id;
  // The source and kill-chain names the records were read with.
  DomainSources sources;
  std::vector<ReidentifiedObject> reidentified;  // bundle order
  std::string spec_version;
  std::vector<StoredObject> objects;  // in bundle order, duplicates removed
  std::map<std::string, int64_t> counts_by_type;
  std::vector<std::string> dangling_relationship_ids;
  // sha256 (hex) of the bytes as sent, when the importer knows them (kept in ReleaseInfo).
  std::string source_sha256;
};

absl::StatusOr<ParsedBundle> ParseBundle(std::string_view json, const BundleParseOptions& opts);

// True for `<type>--<UUID>`: `type` itself (lower-case letters, digits and
// '-'), two dashes, then a UUID written 8-4-4-4-12 in hex digits.
bool IsStixId(std::string_view id, std::string_view type);
// True for an RFC 3339 date-time: "2024-01-01T00:00:00Z", "...00.123Z",
// "...00+02:00" (upper-case T and Z, fields in range).
bool IsRfc3339(std::string_view timestamp);
// The id lenient import gives a colliding object: `<type>--<UUID v5>` of its
// JSON text with the whitespace outside strings removed.
std::string ContentDerivedId(std::string_view type, std::string_view json);

// True for the object types ATT&CK bundles hold (attack-pattern,
// relationship, x-mitre-tactic, ...).
bool IsAttackType(std::string_view type);

// The ATT&CK domain a collection's name stands for, as MITRE names them
// ("Enterprise ATT&CK" -> enterprise-attack, "Mobile ATT&CK", "ATT&CK for ICS");
// empty for any other name.
std::string DomainFromCollectionName(std::string_view name);

// Line and column (1-based) of the first JSON syntax error in `json`, as
// "line L, column C: what"; empty when the text is well-formed JSON.
std::string LocateJsonSyntaxError(std::string_view json, size_t max_depth);

}  // namespace ttpgraph
