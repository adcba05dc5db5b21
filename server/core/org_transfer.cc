#include "server/core/org_transfer.h"

#include <algorithm>

#include "server/core/organizations.h"
#include "storage/import/bundle_parser.h"
#include "storage/status_macros.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

// NOT_FOUND unless `release` (DOMAIN@VERSION or DOMAIN@latest) names a stored
// release; INVALID_ARGUMENT when it is malformed. `where` is the JSON path.
absl::Status CheckRelease(Application& app, const std::string& release, const std::string& where) {
  auto ref = ReleaseRef::Parse(release);
  if (!ref.ok()) return absl::InvalidArgumentError(Cat(where, ": ", ref.status().message()));
  auto id = app.store().Resolve(*ref);
  if (absl::IsNotFound(id.status()))
    return absl::NotFoundError(Cat(where, ": release ", release, " is not on this server; import it first "
                                   "(ttpctl release import); nothing was imported"));
  return id.status();
}

}  // namespace

absl::StatusOr<OrgDocument> ExportOrganization(Application& app, const OrgId& org) {
  OrgDocument doc;
  auto at = app.orgs().Snapshot();  // the record, detections and inventory of one generation
  auto record = app.orgs().GetOrg(org, at.get());
  if (!record.ok()) return record.status();
  auto detections = app.orgs().ListDetections(org, at.get());
  if (!detections.ok()) return detections.status();
  auto inventory = app.orgs().GetInventory(org, at.get());
  if (!inventory.ok()) return inventory.status();
  doc.org = std::move(*record);
  doc.detections = std::move(*detections);
  doc.inventory = std::move(*inventory);
  auto extensions = app.extensions().List(org);  // each extension read whole by its own store
  if (!extensions.ok()) return extensions.status();
  for (Extension& e : *extensions) {
    ExtensionStore::Full full;
    auto objects = app.extensions().Objects(org, e.name);
    if (!objects.ok()) return objects.status();
    auto history = app.extensions().History(org, e.name, "");
    if (!history.ok()) return history.status();
    full.extension = std::move(e);
    full.objects = std::move(*objects);
    full.history = std::move(*history);
    doc.extensions.push_back(std::move(full));
  }
  auto tokens = app.tokens().List();
  if (!tokens.ok()) return tokens.status();
  for (Token& t : *tokens) {
    if (t.org != org.str()) continue;
    t.secret_sha256.clear();
    t.last_used_unix_ms = std::max(t.last_used_unix_ms, app.auth().LastUsed(t.id));
    doc.tokens.push_back(std::move(t));
  }
  return doc;
}

absl::StatusOr<Organization> ImportOrganization(Application& app, OrgDocument doc, const QueryLimits& limits,
                                                AuditEntry* audit) {
  const std::string& id = doc.org.id;
  if (audit) {
    audit->org = id;
    audit->Affect(id);
    audit->count = static_cast<int64_t>(doc.detections.size());
  }
  // The document (up to max_import_bytes of detections) is held by the caller
  // already; the slot bounds the write and the memory it takes beside it.
  auto slot = app.imports().Enter(limits);
  if (!slot.ok()) return slot.status();
  if (auto s = ValidateOrgId(id); !s.ok()) return absl::InvalidArgumentError(Cat("organization.org_id: ", s.message()));
  if (!doc.org.release.empty())
    if (auto s = CheckRelease(app, doc.org.release, "organization.release"); !s.ok()) return s;
  for (size_t i = 0; i < doc.detections.size(); ++i) {
    Detection& d = doc.detections[i];
    const std::string where = Cat("detections[", i, "]");
    if (auto s = ValidateDetectionInput(d); !s.ok()) return absl::InvalidArgumentError(Cat(where, ": ", s.message()));
    if (auto s = CheckDetectionSize(d, app.limits()); !s.ok())
      return absl::InvalidArgumentError(Cat(where, ": ", s.message()));
    if (!d.release.empty())
      if (auto s = CheckRelease(app, d.release, Cat(where, ".release")); !s.ok()) return s;
  }
  for (size_t i = 0; i < doc.inventory.size(); ++i) {
    const InventoryEntry& e = doc.inventory[i];
    if (e.data_component.empty() == e.log_source_name.empty())
      return absl::InvalidArgumentError(Cat("inventory[", i, "]: give either a data component or a log source name"));
  }
  for (size_t i = 0; i < doc.extensions.size(); ++i) {
    const ExtensionStore::Full& x = doc.extensions[i];
    const std::string where = Cat("extensions[", i, "]");
    if (auto s = ValidateExtensionName(x.extension.name); !s.ok())
      return absl::InvalidArgumentError(Cat(where, ".name: ", s.message()));
    for (size_t j = 0; j < i; ++j)
      if (doc.extensions[j].extension.name == x.extension.name)
        return absl::InvalidArgumentError(Cat(where, ".name: '", x.extension.name, "' is also extensions[", j, "]"));
    if (auto s = CheckRelease(app, x.extension.base_release, where + ".base_release"); !s.ok()) return s;
    for (size_t k = 0; k < x.objects.size(); ++k) {
      auto r = ExtractRecordFromJson(x.objects[k].json);
      if (!r.ok()) return absl::InvalidArgumentError(Cat(where, ".objects[", k, "]: ", r.status().message()));
      if (!IsStixId(r->stix_id, r->type))
        return absl::InvalidArgumentError(Cat(where, ".objects[", k, "]: id '", r->stix_id, "' is not TYPE--UUID"));
    }
  }
  TTP_ASSIGN_OR_RETURN(auto extension_ops, ExtensionStore::ImportOps(OrgId(id), doc.extensions));
  return app.orgs().ImportOrg(doc.org, std::move(doc.detections), std::move(doc.inventory), audit,
                              std::move(extension_ops));
}

}  // namespace ttpgraph::core
