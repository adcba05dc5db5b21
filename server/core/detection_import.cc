#include "server/core/detection_import.h"

#include <cctype>
#include <map>

#include "graph/detection_mapping.h"
#include "server/core/organizations.h"
#include "storage/import/csv_detections.h"
#include "storage/import/navigator_layer_parser.h"
#include "storage/import/sigma_rule.h"
#include "storage/import/sigma_tarball.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

// Threads that parse the YAML of one bulk import: a small bounded pool (the
// server shares its cores with the other RPCs).
constexpr int kImportParseWorkers = 2;

enum class FileKind { kSigma, kTarball, kLayer, kCsv, kSkip };

FileKind KindOf(const std::string& path, ImportFormat format) {
  const std::string p = ToLower(path);
  if (IsTarballName(p)) return FileKind::kTarball;
  switch (format) {
    case ImportFormat::kSigma:
      return EndsWith(p, ".yml") || EndsWith(p, ".yaml") || !Contains(p, ".") ? FileKind::kSigma : FileKind::kSkip;
    case ImportFormat::kNavigatorLayer: return FileKind::kLayer;
    case ImportFormat::kCsv: return FileKind::kCsv;
    case ImportFormat::kByName: break;
  }
  if (EndsWith(p, ".yml") || EndsWith(p, ".yaml")) return FileKind::kSigma;
  if (EndsWith(p, ".json")) return FileKind::kLayer;
  if (EndsWith(p, ".csv")) return FileKind::kCsv;
  return FileKind::kSkip;
}

std::string Slug(std::string_view s) {
  std::string out;
  for (char c : ToLower(s)) {
    if (std::isalnum(static_cast<unsigned char>(c))) out.push_back(c);
    else if (!out.empty() && out.back() != '-') out.push_back('-');
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "layer" : out.substr(0, 64);
}

void ApplyMapping(const ReleaseGraph& g, const std::vector<std::string>& ids, Detection* d) {
  MappedTechniques m = MapDetectionTechniques(g, ids);
  d->techniques = std::move(m.techniques);
  d->unresolved_techniques = std::move(m.unresolved);
  d->stale_techniques = std::move(m.stale);
  for (auto& n : m.notes) d->notes.push_back(std::move(n));
}

// SigmaHQ retires rules by status (deprecated, unsupported) and by moving them
// to its deprecated/ and unsupported/ folders (a few keep status test or
// stable there): either way the rule is imported disabled.
void ApplySigmaRetirement(const std::string& status, const std::string& path, Detection* d) {
  const std::string member = path.substr(path.find(':') == std::string::npos ? 0 : path.find(':') + 1);
  std::string retired_folder;
  for (const char* f : {"deprecated/", "unsupported/"})
    if (StartsWith(member, f) || Contains(member, Cat("/", f))) retired_folder = f;
  const bool retired_status = status == "deprecated" || status == "unsupported";
  d->state = retired_status || !retired_folder.empty() ? DetectionState::kDisabled : DetectionState::kEnabled;
  if (retired_status)
    d->notes.push_back(Cat("imported disabled: Sigma status ", status, " does not count for coverage"));
  else if (!retired_folder.empty())
    d->notes.push_back(Cat("imported disabled: the rule lies in SigmaHQ's ", retired_folder, " folder"));
}

// Collects the detections of one import, in upload order.
class Collector {
 public:
  Collector(const ReleaseGraph& g, const SigmaLogsourceMap* map) : g_(g), map_(map) {}

  void AddSigma(const std::string& path, std::vector<SigmaRule> rules) {
    std::map<std::string, int> ids_in_file;
    for (SigmaRule& r : rules) {
      Detection d;
      d.source_format = "sigma";
      d.id = r.id.empty() ? Cat("sigma:", path) : r.id;
      if (r.id.empty()) d.notes.push_back("the rule has no id; keyed by its file path");
      if (int n = ++ids_in_file[d.id]; n > 1) {
        d.id = Cat(d.id, "#", n);
        d.notes.push_back(Cat("document ", n, " of a rule collection sharing one id; keyed as ", d.id));
      }
      d.name = r.title.empty() ? d.id : r.title;
      if (r.title.empty()) d.notes.push_back("the rule has no title");
      ApplyMapping(g_, r.techniques, &d);
      if (r.techniques.empty())
        d.notes.push_back(r.tags.empty() ? "no tags: gives no technique"
                                         : Cat("no technique tag (", r.tactics.empty() ? "" : "tactics ",
                                               Join(r.tactics, ", "),
                                               r.groups.empty() && r.software.empty() ? "" : " groups/software ",
                                               Join(r.groups, ", "), r.groups.empty() ? "" : " ",
                                               Join(r.software, ", "), "): gives no technique"));
      ApplySigmaRetirement(ToLower(r.status), path, &d);
      d.release = g_.id().Name();
      d.tags = std::move(r.tags);
      d.description = std::move(r.description);
      d.query = std::move(r.text);
      d.sigma_status = r.status;
      d.sigma_category = r.category;
      d.sigma_product = r.product;
      d.sigma_service = r.service;
      d.sigma_path = path;
      d.sigma_level = r.level;
      d.sigma_author = r.author;
      if (map_) d.data_components = map_->Lookup(r.category, r.product, r.service);
      Add(std::move(d), Cat(path, ":", r.line));
    }
  }

  absl::Status AddLayer(const std::string& path, const std::string& content, double threshold) {
    auto layers = ParseNavigatorLayers(path, content);
    if (!layers.ok()) return layers.status();
    for (const NavigatorLayer& layer : *layers) {
      if (layer.domain != g_.id().domain)
        return absl::InvalidArgumentError(Cat(path, ": layer '", layer.name, "' is for ", layer.domain,
                                              ", but the import maps against ", g_.id().Name(),
                                              "; import it with release ", layer.domain, "@latest"));
      std::map<std::string, const LayerTechnique*> best;  // one detection per technique (max score)
      for (const LayerTechnique& t : layer.techniques) {
        if (!t.has_score || !(t.score > threshold)) continue;
        auto [it, inserted] = best.emplace(t.technique_id, &t);
        if (!inserted && t.score > it->second->score) it->second = &t;
      }
      for (auto& [tid, t] : best) {
        Detection d;
        d.id = Cat("layer:", Slug(layer.name), ":", tid);
        d.name = Cat(layer.name, ": ", tid);
        d.source_format = "other";
        d.description = t->comment;
        d.state = t->enabled ? DetectionState::kEnabled : DetectionState::kDisabled;
        ApplyMapping(g_, {tid}, &d);
        d.notes.push_back(Cat("from Navigator layer '", layer.name, "' score ", t->score));
        d.release = g_.id().Name();
        d.tags = {"navigator-layer"};
        Add(std::move(d), Cat(path, ":", t->json_path));
      }
    }
    return absl::OkStatus();
  }

  absl::Status AddCsv(const std::string& path, const std::string& content) {
    auto rows = ParseDetectionsCsv(path, content);
    if (!rows.ok()) return rows.status();
    for (CsvDetectionRow& r : *rows) {
      Detection d;
      d.id = std::move(r.id);
      if (auto s = ValidateDetectionId(d.id); !s.ok())
        return absl::InvalidArgumentError(Cat(path, ":", r.line, ": ", s.message()));
      d.name = r.name.empty() ? d.id : std::move(r.name);
      d.source_format = r.source_format.empty() ? "other" : r.source_format;
      if (!KnownSourceFormat(d.source_format))
        return absl::InvalidArgumentError(Cat(path, ":", r.line, ": unknown source_format '", d.source_format,
                                              "' (sigma, splunk, kql, eql, yara-l or other)"));
      d.state = r.state == "disabled"  ? DetectionState::kDisabled
                : r.state == "testing" ? DetectionState::kTesting
                                       : DetectionState::kEnabled;
      ApplyMapping(g_, r.techniques, &d);
      d.data_components = std::move(r.data_components);
      d.tags = std::move(r.tags);
      d.query = std::move(r.query);
      d.description = std::move(r.description);
      d.release = g_.id().Name();
      Add(std::move(d), Cat(path, ":", r.line));
    }
    return absl::OkStatus();
  }

  std::vector<Detection>& detections() { return detections_; }
  const std::vector<std::string>& where() const { return where_; }

 private:
  void Add(Detection d, std::string where) {
    detections_.push_back(std::move(d));
    where_.push_back(std::move(where));
  }
  const ReleaseGraph& g_;
  const SigmaLogsourceMap* map_;
  std::vector<Detection> detections_;
  std::vector<std::string> where_;  // file:line per detection
};

}  // namespace

absl::Status DetectionUpload::Add(size_t message_bytes, std::string path, std::string content) {
  bytes_ += message_bytes;
  if (bytes_ > limits_.max_import_bytes)
    return absl::ResourceExhaustedError(Cat("the import exceeds ", limits_.max_import_bytes,
                                            " bytes (max_import_bytes, every message counted); nothing was imported"));
  if (path.empty() && content.empty()) return absl::OkStatus();
  if (!files_.empty() && files_.back().path == path) {
    files_.back().content.append(content);
    return absl::OkStatus();
  }
  if (files_.size() >= limits_.max_import_files)
    return absl::ResourceExhaustedError(Cat("the import carries more than ", limits_.max_import_files,
                                            " files (max_import_files); nothing was imported"));
  files_.push_back(SourceFile{std::move(path), std::move(content)});
  return absl::OkStatus();
}

absl::StatusOr<DetectionImportReport> ImportDetections(Application& app, const OrgId& org,
                                                       const DetectionImportOptions& options,
                                                       std::vector<SourceFile> files, const QueryLimits& limits,
                                                       AuditEntry* audit) {
  auto slot = app.imports().Enter(limits);
  if (!slot.ok()) return slot.status();
  std::vector<SourceFile> held = std::move(files);  // freed before the slot
  uint64_t bytes = 0;
  for (const SourceFile& f : held) bytes += f.content.size();
  ImportMeter meter(app.observer(), "detections", bytes);
  auto o = app.orgs().GetOrg(org);
  if (!o.ok()) return o.status();
  if (held.empty()) return absl::InvalidArgumentError("the import carries no file");
  auto release = app.releases().Get(options.release.empty() ? o->release : options.release);
  if (!release.ok()) return release.status();
  const ReleaseGraph& g = (*release)->graph();
  const ServerLimits& sl = app.limits();
  DetectionImportReport report;
  report.release = g.id().Name();
  report.dry_run = options.dry_run;
  const SigmaParseLimits yaml_limits{sl.max_rule_file_bytes, sl.max_yaml_nodes, sl.max_yaml_depth};
  Collector collector(g, options.skip_logsource_mapping ? nullptr : app.logsource_map());

  // YAML parsing is most of an import: Sigma files are parsed on a small
  // worker pool, plain files all up front and a tarball's members when the
  // tarball is reached (one archive unpacked at a time). Results are consumed
  // in upload order, so the detections and the first error reported are those
  // of a sequential pass.
  std::vector<SigmaFileInput> plain;
  std::vector<size_t> plain_slot(held.size(), 0);
  for (size_t i = 0; i < held.size(); ++i)
    if (KindOf(held[i].path, options.format) == FileKind::kSigma) {
      plain_slot[i] = plain.size();
      plain.push_back(SigmaFileInput{held[i].path, held[i].content});
    }
  std::vector<absl::StatusOr<std::vector<SigmaRule>>> plain_parsed =
      ParseSigmaFiles(plain, yaml_limits, kImportParseWorkers);

  for (size_t fi = 0; fi < held.size(); ++fi) {
    if (auto s = limits.Check("importing detections"); !s.ok()) return s;
    SourceFile& f = held[fi];
    ++report.files_read;
    switch (KindOf(f.path, options.format)) {
      case FileKind::kSkip:
        ++report.files_skipped;
        break;
      case FileKind::kSigma: {
        auto& parsed = plain_parsed[plain_slot[fi]];
        if (!parsed.ok()) return parsed.status();
        collector.AddSigma(f.path, std::move(*parsed));
        break;
      }
      case FileKind::kTarball: {
        TarLimits tar_limits;
        tar_limits.max_unpacked_bytes = sl.max_archive_bytes;
        tar_limits.max_inflation_ratio = sl.max_inflation_ratio;
        tar_limits.max_members = sl.max_archive_members;
        tar_limits.max_member_bytes = sl.max_rule_file_bytes;
        auto tar = ReadTarball(f.path, f.content, tar_limits, [](std::string_view path) {
          const std::string lower = ToLower(path);
          return EndsWith(lower, ".yml") || EndsWith(lower, ".yaml");
        });
        if (!tar.ok()) return tar.status();
        f.content = std::string();  // the members hold what is needed
        report.files_skipped += static_cast<int>(tar->skipped);
        report.files_read += static_cast<int>(tar->members.size());
        std::vector<SigmaFileInput> inputs;
        for (ArchiveMember& m : tar->members) inputs.push_back(SigmaFileInput{Cat(f.path, ":", m.path), m.content});
        auto parsed = ParseSigmaFiles(inputs, yaml_limits, kImportParseWorkers);
        for (size_t i = 0; i < inputs.size(); ++i) {
          if (!parsed[i].ok()) return parsed[i].status();
          collector.AddSigma(inputs[i].path, std::move(*parsed[i]));
        }
        break;
      }
      case FileKind::kLayer:
        if (auto s = collector.AddLayer(f.path, f.content, options.layer_score_threshold); !s.ok()) return s;
        break;
      case FileKind::kCsv:
        if (auto s = collector.AddCsv(f.path, f.content); !s.ok()) return s;
        break;
    }
  }
  std::vector<Detection>& detections = collector.detections();
  for (size_t i = 0; i < detections.size(); ++i)
    if (auto s = CheckDetectionSize(detections[i], sl); !s.ok())
      return absl::Status(s.code(), Cat(collector.where()[i], ": ", s.message()));
  if (detections.empty())
    return absl::InvalidArgumentError(Cat("no detection found in ", held.size(), " file(s) (", report.files_skipped,
                                          " skipped: not .yml/.yaml/.json/.csv/.tar.gz, or no technique scored above ",
                                          options.layer_score_threshold, ")"));
  // Reports before the detections move into the store.
  report.rules.reserve(detections.size());
  for (size_t i = 0; i < detections.size(); ++i) {
    const Detection& d = detections[i];
    report.rules.push_back(ImportedRule{d.id, d.name, collector.where()[i], d.state, d.techniques,
                                        d.unresolved_techniques, d.stale_techniques, d.notes,
                                        OrgStore::PutOutcome::kCreated});
    if (d.state == DetectionState::kDisabled && d.source_format == "sigma") ++report.disabled;
    if (d.techniques.empty()) ++report.no_technique;
    if (!d.unresolved_techniques.empty()) ++report.with_unresolved;
  }
  if (audit)
    for (const Detection& d : detections) audit->Affect(d.id);
  auto outcomes = app.orgs().PutDetections(org, std::move(detections), options.dry_run, -1, audit);
  if (!outcomes.ok()) return outcomes.status();
  for (size_t i = 0; i < outcomes->size(); ++i) {
    report.rules[i].outcome = (*outcomes)[i];
    switch ((*outcomes)[i]) {
      case OrgStore::PutOutcome::kCreated: ++report.created; break;
      case OrgStore::PutOutcome::kUpdated: ++report.updated; break;
      case OrgStore::PutOutcome::kUnchanged: ++report.unchanged; break;
    }
  }
  return meter.Result(absl::StatusOr<DetectionImportReport>(std::move(report)));
}

}  // namespace ttpgraph::core
