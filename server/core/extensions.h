// Custom extensions (issue 12) on the application floor: an organization's
// named, versioned set of STIX objects layered on one base release, kept by
// storage/extension_store.h. MITRE's stored release is never modified: new
// objects carry the organization's ATT&CK IDs (PREFIX-T0001, assigned when
// missing), edits of MITRE objects are new versions (same STIX id, later
// `modified`) whose added fields start with `x_`, and every change keeps
// per-object history (token id, time, fields changed).
//
//   TTP_ASSIGN_OR_RETURN(Extension e, core::CreateExtension(app, OrgId("acme"), {"main", "enterprise-attack@18.1", "ACME"}, &audit));
//   TTP_ASSIGN_OR_RETURN(auto r, core::ImportExtension(app, OrgId("acme"), "main", {{"groups.json", bytes}}, &audit));
//   TTP_ASSIGN_OR_RETURN(auto o, core::SetExtensionField(app, OrgId("acme"), "main", "G0016", "x_acme_sector", "finance", &audit));
//   TTP_ASSIGN_OR_RETURN(std::string bundle, core::ExportExtension(app, OrgId("acme"), "main", {.merged = true}));
//
// Refusals (nothing written): INVALID_ARGUMENT for invalid STIX, a custom
// object claiming an ATT&CK ID outside the organization's prefix, an edit
// changing a MITRE object's ATT&CK ID, adding a field without `x_` to a MITRE
// object, revoking or deprecating a MITRE object, or an edit not later than
// MITRE's `modified`; a relationship whose source or target is in neither the
// base release nor the extension; NOT_FOUND for an unknown organization,
// extension, release or object; ALREADY_EXISTS for a second extension of one
// name. Thread safety: safe for concurrent use (writes are a compare-and-set
// on the extension version).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/application.h"
#include "server/core/identity.h"
#include "storage/audit.h"
#include "storage/extension_store.h"

namespace ttpgraph::core {

struct NewExtension {
  std::string name;
  std::string release;  // DOMAIN@VERSION or DOMAIN@latest (stored resolved)
  std::string prefix;   // ACME; default: the organization id in capitals, letters and digits only
  std::string description;
};
absl::StatusOr<Extension> CreateExtension(Application& app, const OrgId& org, const NewExtension& init,
                                          AuditEntry* audit);
absl::StatusOr<std::vector<Extension>> ListExtensions(Application& app, const OrgId& org);
absl::StatusOr<Extension> DeleteExtension(Application& app, const OrgId& org, const std::string& name,
                                          AuditEntry* audit);

// One object of an extension as shown to a user.
struct ExtensionObjectInfo {
  std::string stix_id;
  std::string type;
  std::string attack_id;
  std::string name;
  std::string modified;
  bool custom = false;  // not in the base release (an edit of a MITRE object otherwise)
  bool revoked = false;
  bool deprecated = false;
  // Its custom fields (names starting with x_ that are not x_mitre_*), as
  // minified JSON values.
  std::map<std::string, std::string> x_fields;
  std::string json;  // the object's STIX JSON
};
// The object of `json`; custom when `base` does not hold its STIX id.
absl::StatusOr<ExtensionObjectInfo> DescribeObject(const std::string& json, bool custom);

struct ExtensionDetail {
  Extension extension;
  std::vector<ExtensionObjectInfo> objects;  // by ATT&CK ID, then STIX id
};
absl::StatusOr<ExtensionDetail> GetExtension(Application& app, const OrgId& org, const std::string& name);

struct ExtensionFile {
  std::string name;   // shown in messages ("groups.json")
  std::string bytes;  // a STIX 2.0/2.1 bundle or a Workbench collection bundle, plain or gzip
};
struct ExtensionImport {
  Extension extension;  // after the write (unchanged when nothing changed)
  int64_t added = 0, edited = 0, unchanged = 0;
  std::vector<std::pair<std::string, std::string>> assigned_ids;  // (STIX id, ATT&CK ID given)
};
// Adds or updates every object of `files` in one write (all or nothing).
// Objects identical to the base release's are left out (a Workbench collection
// carries MITRE's objects as they are).
absl::StatusOr<ExtensionImport> ImportExtension(Application& app, const OrgId& org, const std::string& name,
                                                std::vector<ExtensionFile> files, AuditEntry* audit);

// Sets (`value` given: JSON, or a bare word taken as a string) or removes
// (`value` empty) one top-level field of a MITRE or custom object, named by
// ATT&CK ID or STIX id; the object gets a new `modified`. On MITRE objects only
// `x_` fields other than `x_mitre_*`. NOT_FOUND when removing a field the
// object does not have.
absl::StatusOr<ExtensionObjectInfo> SetExtensionField(Application& app, const OrgId& org, const std::string& name,
                                                      const std::string& object, const std::string& field,
                                                      const std::optional<std::string>& value, AuditEntry* audit);

// The history of one object (ATT&CK ID or STIX id), or of all when `object` is
// empty; oldest first.
absl::StatusOr<std::vector<ExtensionObjectChange>> ExtensionHistory(Application& app, const OrgId& org,
                                                           const std::string& name, const std::string& object);

struct ExportOptions {
  bool merged = false;  // the base release's objects too, with the extension's versions in place
};
// A STIX 2.1 bundle whose first object is an x-mitre-collection listing the
// others (x_mitre_contents), in the shape of attack-stix-data's bundles.
absl::StatusOr<std::string> ExportExtension(Application& app, const OrgId& org, const std::string& name,
                                            const ExportOptions& options);
// A collection index (attack-stix-data's index.json layout) naming the
// extension's collection at its current version; `url` is where the bundle
// will be published ("" leaves it relative: ORG-NAME-VERSION.json).
absl::StatusOr<std::string> ExtensionCollectionIndex(Application& app, const OrgId& org, const std::string& name,
                                                     const std::string& url);

// ---- Threat selection by a custom property (gap) ----
//
// The groups whose `property` holds any of `values`, as the organization's
// extensions on `release` give them: an extension's version of a group where it
// has one, else the release's own (so MITRE's x_mitre_* fields select too). A
// string property holds a value it equals; an array, one among its strings; a
// number or boolean, its JSON text. `release_groups`: ATT&CK IDs of the
// release's active in-domain groups that match; `custom_groups`: the
// extensions' own groups that match (not in the release's graph). `extensions`
// names the extensions read (ORG/NAME). INVALID_ARGUMENT for an empty property
// or value.
struct ExtensionGroup {
  std::string view;  // ORG/NAME
  std::string stix_id, attack_id, name;
};
struct GroupsWhereAnswer {
  std::vector<std::string> release_groups;
  std::vector<ExtensionGroup> custom_groups;
  std::vector<std::string> extensions;
};
absl::StatusOr<GroupsWhereAnswer> GroupsWhere(Application& app, const OrgId& org, const ReleaseContext& release,
                                              const std::string& property, const std::vector<std::string>& values);

// ---- For TAXII (issue 12: one collection per extension view, core/taxii.h ViewCollections) ----
//
// A view the caller may read: admins every organization's extensions, editors
// and readers their own organization's.
struct ReadableView {
  std::string org, name;         // the view ORG/NAME
  std::string base_release;      // enterprise-attack@18.1
  int64_t version = 0;           // the extension version (changes on every edit)
  int64_t updated_at_unix_ms = 0;
};
absl::StatusOr<std::vector<ReadableView>> ReadableViews(Application& app, const Caller& caller);
// The merged objects of one view (base release with the extension's versions
// in place, plus its own objects), each with the date it was added to the view
// (the extension's objects: their last change; the release's: its import),
// as STIX 2.1 (spec_version added to ATT&CK's 2.0 objects, as in the export).
// PERMISSION_DENIED when the caller may not read it.
struct ViewObject {
  std::string stix_id;
  std::string json;
  int64_t date_added_unix_ms = 0;
};
absl::StatusOr<std::vector<ViewObject>> ViewObjects(Application& app, const Caller& caller, const OrgId& org,
                                                    const std::string& name);

}  // namespace ttpgraph::core
