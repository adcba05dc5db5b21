#include "server/core/organizations.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_set>

#include "graph/coverage.h"
#include "graph/detection_mapping.h"
#include "server/core/tokens.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

const std::set<std::string, std::less<>> kSourceFormats = {"sigma", "splunk", "kql", "eql", "yara-l", "other"};

absl::Status ValidateRelease(const std::string& release) {
  if (release.empty()) return absl::OkStatus();
  auto ref = ReleaseRef::Parse(release);
  return ref.ok() ? absl::OkStatus() : ref.status();
}

// The release an organization's request names, or the organization's own.
absl::StatusOr<std::shared_ptr<const ReleaseContext>> ReleaseFor(Application& app, const Organization& o,
                                                                 std::string_view release) {
  return app.releases().Get(release.empty() ? std::string_view(o.release) : release);
}

InventoryAnswer Answer(const Organization& o, std::shared_ptr<const ReleaseContext> release,
                       std::vector<InventoryEntry> entries) {
  InventoryAnswer a;
  a.org_id = o.id;
  a.release = std::move(release);
  const ReleaseGraph& g = a.release->graph();
  const DetectabilityIndex& index = a.release->detectability();
  for (const InventoryEntry& e : entries) {
    std::vector<NodeId> resolved;
    if (!e.data_component.empty() || !e.data_component_stix_id.empty()) {
      if (NodeId dc = ResolveInventoryComponent(g, index, e); dc != kNoNode) resolved.push_back(dc);
    } else {
      resolved = index.ComponentsForLogSource(e.log_source_name, e.log_source_channel);
    }
    a.resolved.push_back(std::move(resolved));
  }
  a.entries = std::move(entries);
  return a;
}

// Checks entries against the release; a data component is stored by ATT&CK ID
// (as users name it) with its STIX id and name (what stays the same across
// releases).
absl::Status CanonicalEntries(const ReleaseContext& release, bool check, std::vector<InventoryEntry>* entries) {
  const ReleaseGraph& g = release.graph();
  const DetectabilityIndex& index = release.detectability();
  bool release_has_log_sources = false;
  for (NodeId dc : index.components())
    if (!index.LogSourcesOf(dc).empty()) release_has_log_sources = true;
  for (size_t i = 0; i < entries->size(); ++i) {
    InventoryEntry& e = (*entries)[i];
    if (e.source.empty()) e.source = "manual";
    if (e.data_component.empty() == e.log_source_name.empty())
      return absl::InvalidArgumentError(Cat("entries[", i, "]: give either a data component or a log source name"));
    if (!e.data_component.empty()) {
      NodeId dc = index.FindComponent(e.data_component);
      if (dc == kNoNode || !g.node(dc).active()) {
        if (check)
          return absl::InvalidArgumentError(Cat("entries[", i, "]: '", e.data_component, "' is no ",
                                                dc == kNoNode ? "" : "active ", "data component of ", g.id().Name(),
                                                " (give an ATT&CK ID such as DC0032 or a name such as \"Process Creation\")"));
      } else {
        const Node& n = g.node(dc);
        if (!n.attack_id.empty()) e.data_component = n.attack_id;
        e.data_component_stix_id = n.stix_id;
        e.data_component_name = n.name;
      }
    } else if (check && release_has_log_sources &&
               index.ComponentsForLogSource(e.log_source_name, e.log_source_channel).empty()) {
      return absl::InvalidArgumentError(Cat("entries[", i, "]: no analytic of ", g.id().Name(), " reads log source '",
                                            e.log_source_name, "'",
                                            e.log_source_channel.empty() ? "" : Cat(" channel '", e.log_source_channel, "'")));
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool KnownSourceFormat(std::string_view format) { return kSourceFormats.count(format) > 0; }

absl::Status ValidateDetectionInput(const Detection& d) {
  if (auto s = ValidateDetectionId(d.id); !s.ok()) return s;
  if (d.name.empty()) return absl::InvalidArgumentError(Cat("detection '", d.id, "': name is required"));
  if (!d.source_format.empty() && !KnownSourceFormat(ToLower(d.source_format)))
    return absl::InvalidArgumentError(Cat("detection '", d.id, "': unknown source_format '", d.source_format,
                                          "' (sigma, splunk, kql, eql, yara-l or other)"));
  for (size_t i = 0; i < d.techniques.size(); ++i)
    if (!WellFormedTechniqueId(d.techniques[i]))
      return absl::InvalidArgumentError(Cat("detection '", d.id, "': techniques[", i, "] = '", d.techniques[i],
                                            "' is not a technique ID (", kTechniqueIdShapes, ")"));
  return absl::OkStatus();
}

absl::Status CheckDetectionSize(const Detection& d, const ServerLimits& limits) {
  auto too_large = [&](std::string_view field, size_t size, size_t limit, std::string_view limit_name) {
    return absl::InvalidArgumentError(Cat("detection '", d.id.substr(0, 256), "': ", field, " is ", size,
                                          " bytes, over the limit of ", limit, " (", limit_name, ")"));
  };
  if (d.name.size() > limits.max_name_bytes) return too_large("name", d.name.size(), limits.max_name_bytes, "max_name_bytes");
  for (auto [field, value] : {std::pair{"query", &d.query}, std::pair{"description", &d.description}})
    if (value->size() > limits.max_detection_text_bytes)
      return too_large(field, value->size(), limits.max_detection_text_bytes, "max_detection_text_bytes");
  const std::pair<const char*, const std::string*> fields[] = {
      {"source_format", &d.source_format}, {"release", &d.release},           {"sigma_status", &d.sigma_status},
      {"sigma_category", &d.sigma_category}, {"sigma_product", &d.sigma_product}, {"sigma_service", &d.sigma_service},
      {"sigma_path", &d.sigma_path},       {"sigma_level", &d.sigma_level},   {"sigma_author", &d.sigma_author}};
  for (auto [field, value] : fields)
    if (value->size() > limits.max_detection_field_bytes)
      return too_large(field, value->size(), limits.max_detection_field_bytes, "max_detection_field_bytes");
  std::unordered_set<std::string> techniques;  // distinct IDs, any case
  for (const auto* list : {&d.techniques, &d.unresolved_techniques})
    for (const std::string& t : *list) techniques.insert(ToUpper(t.substr(0, limits.max_detection_field_bytes + 1)));
  const std::pair<const char*, size_t> counts[] = {
      {"distinct technique IDs", techniques.size()}, {"tags", d.tags.size()}, {"data components", d.data_components.size()}};
  for (auto [what, n] : counts)
    if (n > limits.max_techniques_per_detection)
      return absl::InvalidArgumentError(Cat("detection '", d.id.substr(0, 256), "' lists ", n, " ", what,
                                            ", over the limit of ", limits.max_techniques_per_detection,
                                            " (max_techniques_per_detection)"));
  for (const auto& [field, list] : {std::pair{"techniques", &d.techniques}, std::pair{"tags", &d.tags},
                                    std::pair{"data_components", &d.data_components}})
    for (size_t i = 0; i < list->size(); ++i)
      if ((*list)[i].size() > limits.max_detection_field_bytes)
        return too_large(Cat(field, "[", i, "]"), (*list)[i].size(), limits.max_detection_field_bytes,
                         "max_detection_field_bytes");
  return absl::OkStatus();
}

// ---- organizations ---------------------------------------------------------------

absl::StatusOr<Organization> CreateOrganization(Application& app, const OrgId& org, const std::string& display_name,
                                                const std::string& release, AuditEntry* audit) {
  if (auto s = ValidateRelease(release); !s.ok()) return s;
  Organization init;
  init.display_name = display_name;
  init.release = release;
  if (audit) audit->Affect(org.str());
  return app.orgs().CreateOrg(org, init, audit);
}

absl::StatusOr<Organization> GetOrganization(Application& app, const OrgId& org) { return app.orgs().GetOrg(org); }

absl::StatusOr<Organization> UpdateOrganization(Application& app, const OrgId& org, const std::string& display_name,
                                                const std::string& release, AuditEntry* audit) {
  if (auto s = ValidateRelease(release); !s.ok()) return s;
  if (audit) audit->Affect(org.str());
  return app.orgs().UpdateOrg(org, display_name, release, audit);
}

absl::StatusOr<std::vector<Organization>> ListOrganizations(Application& app, const std::string& only) {
  if (only.empty()) return app.orgs().ListOrgs();
  auto o = app.orgs().GetOrg(OrgId(only));
  if (!o.ok()) return o.status();
  return std::vector<Organization>{std::move(*o)};
}

absl::StatusOr<OrgStore::DeleteOrgResult> DeleteOrganization(Application& app, const OrgId& org, AuditEntry* audit) {
  if (audit) audit->Affect(org.str());
  auto deleted = app.orgs().DeleteOrg(org, audit);
  if (!deleted.ok()) return deleted;
  // The organization's tokens go with it, so one made again under the same id
  // starts with none (each revocation its own audit record, same request id).
  auto tokens = app.tokens().List();
  if (!tokens.ok()) return tokens.status();
  for (const Token& t : *tokens) {
    if (t.org != org.str()) continue;
    AuditEntry revoke = audit ? *audit : AuditEntry();
    revoke.method = "ttpgraph.v1.TokenService/RevokeToken";
    revoke.ids.clear();
    revoke.count = 0;
    revoke.committed = false;
    if (auto r = RevokeToken(app, t.id, &revoke); !r.ok() && r.status().code() != absl::StatusCode::kNotFound)
      return r.status();
  }
  return deleted;
}

// ---- detections ------------------------------------------------------------------

absl::StatusOr<Detection> PutDetection(Application& app, const OrgId& org, Detection d, OrgStore::PutMode mode,
                                       const QueryLimits& limits, AuditEntry* audit) {
  auto o = app.orgs().GetOrg(org);
  if (!o.ok()) return o.status();
  if (auto s = ValidateDetectionInput(d); !s.ok()) return s;
  if (auto s = CheckDetectionSize(d, app.limits()); !s.ok()) return s;
  auto release = ReleaseFor(app, *o, d.release);
  if (!release.ok()) return release.status();
  if (auto s = limits.Check("mapping the detection"); !s.ok()) return s;
  MappedTechniques m = MapDetectionTechniques((*release)->graph(), d.techniques);
  d.source_format = d.source_format.empty() ? "other" : ToLower(d.source_format);
  d.techniques = std::move(m.techniques);
  d.unresolved_techniques = std::move(m.unresolved);
  d.stale_techniques = std::move(m.stale);
  d.notes = std::move(m.notes);
  d.release = (*release)->id().Name();
  if (audit) audit->Affect(d.id);
  auto put = app.orgs().PutDetection(org, d, mode, audit);
  if (!put.ok()) return put.status();
  return app.orgs().GetDetection(org, d.id);
}

absl::StatusOr<Detection> GetDetection(Application& app, const OrgId& org, std::string_view id) {
  return app.orgs().GetDetection(org, id);
}

absl::StatusOr<std::vector<Detection>> ListDetections(Application& app, const OrgId& org, const DetectionFilter& f) {
  auto all = app.orgs().ListDetections(org);
  if (!all.ok()) return all.status();
  const std::string technique = ToUpper(f.technique);
  const std::string format = ToLower(f.source_format);
  std::vector<Detection> kept;
  for (Detection& d : *all) {
    if (!technique.empty() && std::find(d.techniques.begin(), d.techniques.end(), technique) == d.techniques.end())
      continue;
    if (f.state && d.state != *f.state) continue;
    if (!format.empty() && d.source_format != format) continue;
    if (!f.tag.empty() && std::find(d.tags.begin(), d.tags.end(), f.tag) == d.tags.end()) continue;
    kept.push_back(std::move(d));
  }
  return kept;
}

absl::StatusOr<Detection> DeleteDetection(Application& app, const OrgId& org, std::string_view id,
                                          AuditEntry* audit) {
  if (audit) audit->Affect(id);
  return app.orgs().DeleteDetection(org, id, audit);
}

// ---- inventory -------------------------------------------------------------------

absl::StatusOr<InventoryAnswer> GetInventory(Application& app, const OrgId& org, std::string_view release) {
  auto o = app.orgs().GetOrg(org);
  if (!o.ok()) return o.status();
  auto entries = app.orgs().GetInventory(org);
  if (!entries.ok()) return entries.status();
  auto ctx = ReleaseFor(app, *o, release);
  if (!ctx.ok()) return ctx.status();
  return Answer(*o, std::move(*ctx), std::move(*entries));
}

absl::StatusOr<InventoryAnswer> UpdateInventory(Application& app, const OrgId& org, std::string_view release,
                                                OrgStore::InventoryOp op, std::vector<InventoryEntry> entries,
                                                AuditEntry* audit) {
  auto o = app.orgs().GetOrg(org);
  if (!o.ok()) return o.status();
  auto ctx = ReleaseFor(app, *o, release);
  if (!ctx.ok()) return ctx.status();
  if (entries.empty() && op != OrgStore::InventoryOp::kSet)
    return absl::InvalidArgumentError("no inventory entry given");
  if (auto s = CanonicalEntries(**ctx, op != OrgStore::InventoryOp::kRemove, &entries); !s.ok()) return s;
  if (audit)
    for (const InventoryEntry& e : entries)
      audit->Affect(e.data_component.empty() ? Cat(e.log_source_name, " ", e.log_source_channel) : e.data_component);
  auto stored = app.orgs().UpdateInventory(org, op, entries, audit);
  if (!stored.ok()) return stored.status();
  return Answer(*o, std::move(*ctx), std::move(*stored));
}

absl::StatusOr<InferredInventory> InferInventory(Application& app, const OrgId& org, std::string_view release,
                                                 bool dry_run, bool replace, const std::string& mapping_csv,
                                                 AuditEntry* audit) {
  auto o = app.orgs().GetOrg(org);
  if (!o.ok()) return o.status();
  auto ctx = ReleaseFor(app, *o, release);
  if (!ctx.ok()) return ctx.status();
  const ReleaseGraph& g = (*ctx)->graph();
  const DetectabilityIndex& index = (*ctx)->detectability();
  std::optional<SigmaLogsourceMap> own;
  const SigmaLogsourceMap* map = app.logsource_map();
  if (!mapping_csv.empty()) {
    auto parsed = SigmaLogsourceMap::Parse("mapping_csv", mapping_csv);
    if (!parsed.ok()) return parsed.status();
    own = std::move(*parsed);
    map = &*own;
  }
  if (!map)
    return absl::FailedPreconditionError(
        "the server has no Sigma logsource mapping table; pass one in mapping_csv");
  auto all = app.orgs().ListDetections(org);
  if (!all.ok()) return all.status();
  InferredInventory out;
  std::set<NodeId> found;
  std::map<std::string, int> unmapped;
  for (const Detection& d : *all) {
    if (d.source_format != "sigma" || !DetectionCounts(d)) continue;
    ++out.rules_considered;
    bool any = false;
    for (const std::string& name : map->Lookup(d.sigma_category, d.sigma_product, d.sigma_service))
      if (NodeId dc = index.FindComponent(name); dc != kNoNode && g.node(dc).active()) {
        found.insert(dc);
        any = true;
      }
    if (!any) ++unmapped[Cat(d.sigma_category, "/", d.sigma_product, "/", d.sigma_service)];
  }
  out.unmapped.assign(unmapped.begin(), unmapped.end());
  std::vector<NodeId> ordered(found.begin(), found.end());
  SortByAttackId(g, &ordered);
  auto current = app.orgs().GetInventory(org);
  if (!current.ok()) return current.status();
  std::vector<InventoryEntry> entries;
  for (NodeId dc : ordered) {
    const Node& n = g.node(dc);
    InventoryEntry e;
    e.data_component = n.attack_id.empty() ? n.stix_id : n.attack_id;
    e.data_component_stix_id = n.stix_id;
    e.data_component_name = n.name;
    e.source = "inferred";
    const bool present =
        std::any_of(current->begin(), current->end(), [&](const InventoryEntry& c) { return c.SameTarget(e); });
    if (!present || replace) out.added.push_back(dc);
    entries.push_back(std::move(e));
  }
  std::vector<InventoryEntry> result = *current;
  if (!dry_run) {
    if (audit)
      for (const InventoryEntry& e : entries) audit->Affect(e.data_component);
    auto stored = app.orgs().UpdateInventory(org, replace ? OrgStore::InventoryOp::kSet : OrgStore::InventoryOp::kAdd,
                                             entries, audit);
    if (!stored.ok()) return stored.status();
    result = std::move(*stored);
  } else if (replace) {
    result = entries;
  } else {
    for (auto& e : entries)
      if (std::none_of(result.begin(), result.end(), [&](const InventoryEntry& c) { return c.SameTarget(e); }))
        result.push_back(e);
  }
  out.inventory = Answer(*o, std::move(*ctx), std::move(result));
  return out;
}

}  // namespace ttpgraph::core
