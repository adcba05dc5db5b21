// Bulk detection import (OrgService.ImportDetections): Sigma rules (YAML files,
// multi-document collections, .tar.gz archives), ATT&CK Navigator layers and
// CSV, mapped against one release and stored in one batch: all land, or none.
//
// Rules of the import (SPEC.md "Detection"):
// - Sigma `attack.t1059.001` tags give techniques; tactic, group and software
//   tags give none, and the rule's report says so.
// - A Sigma rule with status deprecated or unsupported, or kept in SigmaHQ's
//   deprecated/ or unsupported/ folders, is imported disabled (it does not
//   count for coverage).
// - Data components come from the rule's logsource through the server's
//   mapping table (unless skipped).
// - A layer technique scored above the threshold becomes one detection.
//
//   DetectionImportOptions o;  o.release = "enterprise-attack@18.1";
//   TTP_ASSIGN_OR_RETURN(DetectionImportReport r, core::ImportDetections(app, OrgId("acme"), o, std::move(files), limits));
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/application.h"

namespace ttpgraph::core {

enum class ImportFormat { kByName, kSigma, kNavigatorLayer, kCsv };

struct SourceFile {
  std::string path;
  std::string content;
};

struct DetectionImportOptions {
  ImportFormat format = ImportFormat::kByName;  // kByName: .yml/.yaml/.tar.gz sigma, .json layer, .csv csv
  std::string release;                          // "" = the organization's
  bool dry_run = false;
  double layer_score_threshold = 0;
  bool skip_logsource_mapping = false;
};

struct ImportedRule {
  std::string id, name;
  std::string where;  // file:line (or file:JSON path) of the rule
  DetectionState state = DetectionState::kEnabled;
  std::vector<std::string> techniques, unresolved, stale, notes;
  OrgStore::PutOutcome outcome = OrgStore::PutOutcome::kCreated;
};

struct DetectionImportReport {
  std::string release;
  bool dry_run = false;
  std::vector<ImportedRule> rules;
  int created = 0, updated = 0, unchanged = 0;
  int disabled = 0;         // Sigma rules imported disabled
  int no_technique = 0;
  int with_unresolved = 0;
  int files_read = 0, files_skipped = 0;
};

// Gathers an ImportDetections stream as it arrives, before anything is
// parsed: every byte of every message (paths, org id and header included)
// counts against max_import_bytes, every file against max_import_files;
// consecutive chunks of one path join into one file.
//
//   DetectionUpload upload(app.limits());
//   while (reader->Read(&msg)) if (auto s = upload.Add(msg.ByteSizeLong(), path, content); !s.ok()) return s;
//   ImportDetections(app, org, options, upload.Take(), limits);
class DetectionUpload {
 public:
  explicit DetectionUpload(const ServerLimits& limits) : limits_(limits) {}
  // One message of `message_bytes` bytes as received; `path` empty when it
  // carries no file. RESOURCE_EXHAUSTED naming the limit.
  absl::Status Add(size_t message_bytes, std::string path, std::string content);
  std::vector<SourceFile> Take() { return std::move(files_); }

 private:
  const ServerLimits& limits_;
  size_t bytes_ = 0;
  std::vector<SourceFile> files_;
};

// INVALID_ARGUMENT naming file:line for a malformed rule or row, or a
// detection over a size limit (nothing is written), or when no detection is
// found; RESOURCE_EXHAUSTED past the organization's detection limit, an
// archive's limits (ServerLimits "inflating") or the import gate's wait; the
// store's errors. `audit` (may be null) is written in the detections' batch
// (every rule counted).
absl::StatusOr<DetectionImportReport> ImportDetections(Application& app, const OrgId& org,
                                                       const DetectionImportOptions& options,
                                                       std::vector<SourceFile> files, const QueryLimits& limits,
                                                       AuditEntry* audit = nullptr);

}  // namespace ttpgraph::core
