// ExtensionStore: an organization's custom extensions (issue 12), Workbench-style
// overlays of STIX objects on one base release, kept in the Store's generic
// key-value space under the organization's prefix (layout in storage/README.md,
// section "Extensions"):
//
// | key | value |
// | --- | --- |
// | `org/<org>/ext/<name>/@` | the extension record (EncodeExtension) |
// | `org/<org>/ext/<name>/o/<stix id>` | the object's current STIX JSON (minified) |
// | `org/<org>/ext/<name>/h/<stix id>/<version, 16 hex>` | one change of the object (EncodeObjectChange) |
//
// Every change is one atomic KvWrite batch: the objects, their history, the
// record (whose `version` grows by one) and the call's audit record. The
// organization's own delete (OrgStore::DeleteOrg, a range delete of
// `org/<org>/`) takes its extensions with it.
//
//   ExtensionStore exts(store);
//   auto e = exts.Create(OrgId("acme"), {.name = "main", .base_release = "enterprise-attack@18.1", .prefix = "ACME"});
//   ExtensionChange c;  c.put.push_back({stix_id, json});  c.history.push_back({...});
//   auto after = exts.Apply(OrgId("acme"), "main", e->version, c, &audit);
//
// Thread safety: safe for concurrent use; writes are serialized by an internal
// mutex, and Apply is a compare-and-set on the version.
// Errors: INVALID_ARGUMENT for a malformed organization or extension name,
// NOT_FOUND for an unknown organization or extension, ALREADY_EXISTS for a
// second Create of a name, ABORTED when the extension changed since the
// version given, DATA_LOSS for a corrupt record.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/org_store.h"
#include "storage/store.h"

namespace ttpgraph {

// INVALID_ARGUMENT unless `name` is a well-formed extension name (as an
// organization id: [a-z0-9][a-z0-9._-]{0,62}).
absl::Status ValidateExtensionName(std::string_view name);

struct Extension {
  std::string org;
  std::string name;
  std::string base_release;  // "enterprise-attack@18.1"
  std::string prefix;        // "ACME": custom ATT&CK IDs are ACME-T0001, ACME-G0001, ...
  std::string description;
  int64_t version = 0;       // 1 at creation, +1 per change
  int64_t object_count = 0;
  int64_t created_at_unix_ms = 0;
  int64_t updated_at_unix_ms = 0;
  // The last number given out per ID letter ("T" -> 3 after ACME-T0003).
  std::map<std::string, int64_t> last_ids;
  // Random per creation (cache keys: a re-created extension is another one).
  uint64_t incarnation = 0;
};

struct ExtensionObject {
  std::string stix_id;
  std::string json;  // minified STIX JSON
};

// One change of one object, as kept in its history.
struct ExtensionObjectChange {
  std::string stix_id;
  int64_t version = 0;      // the extension version that made it (set by Apply)
  int64_t time_ms = 0;      // set by Apply
  std::string token_id;     // who: the token id ("" without one)
  std::string action;       // "added", "edited", "removed"
  std::vector<std::string> fields;  // top-level fields that changed, by name
  std::string json;         // the object after the change ("" when removed)
};

// One write: objects put and removed, their history, the new ID counters.
struct ExtensionChange {
  std::vector<ExtensionObject> put;
  std::vector<std::string> removed;  // stix ids
  std::vector<ExtensionObjectChange> history;
  std::map<std::string, int64_t> last_ids;  // replaces the record's when not empty
  std::string base_release;                 // replaces the record's when not empty (a rebase)
};

class ExtensionStore {
 public:
  // `store` must outlive the ExtensionStore.
  explicit ExtensionStore(Store* store) : store_(store) {}

  // `init` gives name, base_release, prefix and description; the rest is set here.
  absl::StatusOr<Extension> Create(const OrgId& org, const Extension& init, const AuditEntry* audit = nullptr);
  absl::StatusOr<Extension> Get(const OrgId& org, std::string_view name) const;
  // The organization's extensions by name.
  absl::StatusOr<std::vector<Extension>> List(const OrgId& org) const;
  // The extension's current objects, by STIX id.
  absl::StatusOr<std::vector<ExtensionObject>> Objects(const OrgId& org, std::string_view name) const;
  // Removes the extension, its objects and their history in one batch.
  absl::StatusOr<Extension> Delete(const OrgId& org, std::string_view name, const AuditEntry* audit = nullptr);
  // Applies `change` if the extension is still at `expected_version` (else
  // ABORTED, nothing written): one batch with the record at version + 1.
  absl::StatusOr<Extension> Apply(const OrgId& org, std::string_view name, int64_t expected_version,
                                  ExtensionChange change, const AuditEntry* audit = nullptr);
  // The history of one object (stix id), or of every object when empty;
  // oldest first.
  absl::StatusOr<std::vector<ExtensionObjectChange>> History(const OrgId& org, std::string_view name,
                                                    std::string_view stix_id) const;

  // The key-value writes that recreate `extensions` (with their objects and
  // history, times kept) under `org`: OrgStore::ImportOrg puts them in the
  // organization's one batch.
  struct Full {
    Extension extension;
    std::vector<ExtensionObject> objects;
    std::vector<ExtensionObjectChange> history;
  };
  static absl::StatusOr<std::vector<Store::KvOp>> ImportOps(const OrgId& org, const std::vector<Full>& extensions);

  static std::string Prefix(const OrgId& org, std::string_view name);  // "org/<org>/ext/<name>/"

 private:
  absl::StatusOr<Extension> GetLocked(const OrgId& org, std::string_view name) const;
  absl::Status CheckOrg(const OrgId& org) const;

  Store* store_;
  absl::Mutex write_mu_;
};

std::string EncodeExtension(const Extension& e);
absl::StatusOr<Extension> DecodeExtension(std::string_view bytes);
std::string EncodeObjectChange(const ExtensionObjectChange& c);
absl::StatusOr<ExtensionObjectChange> DecodeObjectChange(std::string_view bytes);

}  // namespace ttpgraph
