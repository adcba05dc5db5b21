// Sigma rule parsing (yaml-cpp): one YAML file, single or multi-document, into
// the fields an organization's detection keeps.
//
// Tags: `attack.tNNNN[.NNN]` give techniques (upper-cased: T1059.001);
// `attack.gNNNN` groups, `attack.sNNNN` software, `attack.dsNNNN` data sources,
// any other `attack.<name>` a tactic (snake_case normalized to kebab-case). No
// tag gives a technique except the first kind. Sigma rule collections
// (`action: global` / `reset` / `repeat` documents) are expanded: the global
// document's fields are merged into each following rule.
//
// Untrusted input: the parsed tree is walked once, bounded by
// SigmaParseLimits::max_nodes (aliases count every time they are reached, so
// an alias bomb stops there) and ::max_depth, before any field is read.
//
//   auto rules = ParseSigmaFile("rules/x.yml", text, SigmaParseLimits{});
//
// Pure: no I/O. Errors: INVALID_ARGUMENT naming "path:line: what" for
// malformed YAML, a document that is not a mapping, a tags/logsource field of
// the wrong shape, or past the node/depth bounds; RESOURCE_EXHAUSTED for a
// file larger than max_file_bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ttpgraph {

struct SigmaParseLimits {
  // Largest rule file. Default: 1 MiB.
  size_t max_file_bytes = 1u << 20;
  // Most YAML nodes visited per document (aliases counted each time). Default: 20000.
  size_t max_nodes = 20000;
  // Deepest nesting. Default: 64.
  size_t max_depth = 64;
};

struct SigmaRule {
  std::string path;
  int line = 1;  // 1-based line where the rule's document starts
  std::string id, title, status, description, author, level;
  std::string category, product, service;  // logsource
  std::vector<std::string> tags;           // every tag, as written
  std::vector<std::string> techniques;     // from attack.t tags, upper-case, first-seen order, unique
  std::vector<std::string> tactics;        // attack.<tactic> short names
  std::vector<std::string> groups;         // G0016
  std::vector<std::string> software;       // S0002
  std::string text;                        // the rule's YAML document(s)
};

absl::StatusOr<std::vector<SigmaRule>> ParseSigmaFile(std::string_view path, std::string_view text,
                                                      const SigmaParseLimits& limits);

// One file to parse: its path (for messages) and its text.
struct SigmaFileInput {
  std::string path;
  std::string_view text;  // must outlive the call
};

// ParseSigmaFile over many files on `workers` threads (the caller's thread
// is one of them; at most one per file). Results come back in input order,
// one per file, whatever the scheduling, so the caller sees the same rules and
// the same first error as a sequential loop.
std::vector<absl::StatusOr<std::vector<SigmaRule>>> ParseSigmaFiles(const std::vector<SigmaFileInput>& files,
                                                                    const SigmaParseLimits& limits, int workers);

// "attack.t1059.001" -> "T1059.001"; empty for any other tag.
std::string SigmaTechniqueTag(std::string_view tag);

}  // namespace ttpgraph
