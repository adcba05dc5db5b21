#include "server/core/org_transfer.h"

#include <algorithm>

#include "server/core/organizations.h"
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

absl::StatusOr<Organization> ImportOrganization(Application& app, OrgDocument doc, AuditEntry* audit) {
  const std::string& id = doc.org.id;
  if (audit) {
    audit->org = id;
    audit->Affect(id);
    audit->count = static_cast<int64_t>(doc.detections.size());
  }
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
  return app.orgs().ImportOrg(doc.org, std::move(doc.detections), std::move(doc.inventory), audit);
}

}  // namespace ttpgraph::core
