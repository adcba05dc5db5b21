#include "tests/testing/store_dump.h"

#include <gtest/gtest.h>

#include "storage/audit.h"
#include "storage/import/sha256.h"
#include "storage/org_store.h"
#include "storage/strings.h"
#include "storage/token_store.h"

namespace ttpgraph::testing {
namespace {

// A value that may hold anything, on one line.
std::string Q(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out + "\"";
}
std::string L(const std::vector<std::string>& v) {
  std::vector<std::string> q;
  for (auto& s : v) q.push_back(Q(s));
  return Cat("[", Join(q, ","), "]");
}

template <typename T>
T Must(absl::StatusOr<T> v, const char* what) {
  EXPECT_TRUE(v.ok()) << what << ": " << v.status();
  return v.ok() ? std::move(*v) : T();
}

void AddOrg(OrgStore& orgs, const Organization& o, std::vector<std::string>* out) {
  out->push_back(Cat("org ", Q(o.id), " name=", Q(o.display_name), " release=", Q(o.release),
                              " detections=", o.detection_count, " inventory=", o.inventory_count,
                              " created=", o.created_at_unix_ms, " updated=", o.updated_at_unix_ms));
  for (const Detection& d : Must(orgs.ListDetections(OrgId(o.id)), "ListDetections"))
    out->push_back(Cat(
        "detection ", Q(o.id), " ", Q(d.id), " name=", Q(d.name), " format=", Q(d.source_format), " query=", Q(d.query),
        " techniques=", L(d.techniques), " components=", L(d.data_components), " state=", static_cast<int>(d.state),
        " release=", Q(d.release), " tags=", L(d.tags), " description=", Q(d.description),
        " sigma=", L({d.sigma_status, d.sigma_category, d.sigma_product, d.sigma_service, d.sigma_path, d.sigma_level,
                      d.sigma_author}),
        " unresolved=", L(d.unresolved_techniques), " stale=", L(d.stale_techniques), " notes=", L(d.notes),
        " created=", d.created_at_unix_ms, " updated=", d.updated_at_unix_ms));
  for (const InventoryEntry& e : Must(orgs.GetInventory(OrgId(o.id)), "GetInventory"))
    out->push_back(Cat("inventory ", Q(o.id), " ",
                                L({e.data_component, e.log_source_name, e.log_source_channel, e.source,
                                   e.data_component_stix_id, e.data_component_name})));
}

}  // namespace

std::vector<std::string> DumpStore(Store& store) {
  std::vector<std::string> out;
  for (const ReleaseInfo& r : Must(store.ListReleases(), "ListReleases")) {
    std::vector<std::string> counts;
    for (auto& [type, n] : r.counts_by_type) counts.push_back(Cat(type, "=", n));
    out.push_back(Cat("release ", r.id.Name(), " spec=", r.spec_version, " content=", r.content_sha256,
                               " objects=", r.object_count, " counts=", Join(counts, ","),
                               " dangling=", r.dangling_relationships, " imported=", r.imported_at_unix_ms,
                               " new=", r.new_objects_stored, " source=", r.source_sha256));
    for (const StoredObject& o : Must(store.LoadReleaseObjects(r.id), "LoadReleaseObjects"))
      out.push_back(Cat("object ", r.id.Name(), " ", o.key, " ", Sha256Hex(o.json)));
  }
  OrgStore orgs(&store);
  for (const Organization& o : Must(orgs.ListOrgs(), "ListOrgs")) AddOrg(orgs, o, &out);
  TokenStore tokens(&store);
  for (const Token& t : Must(tokens.List(), "TokenStore::List"))
    out.push_back(Cat("token ", t.id, " role=", static_cast<int>(t.role), " org=", Q(t.org),
                               " created=", t.created_at_unix_ms, " expires=", t.expires_at_unix_ms,
                               " last_used=", t.last_used_unix_ms, " description=", Q(t.description),
                               " hash=", t.secret_sha256));
  for (const AuditEntry& e : Must(ListAuditEntries(store, AuditQuery{}), "ListAuditEntries"))
    out.push_back(Cat("audit ", e.time_ms, " ", Q(e.request_id), " token=", e.token_id, " role=", e.role,
                               " org=", Q(e.org), " method=", e.method, " ids=", L(e.ids), " count=", e.count,
                               " outcome=", e.outcome));
  // Everything else of the key-value space (D3FEND, Atomic, ...) as it lies.
  EXPECT_TRUE(store
                  .KvScan("", [&](std::string_view k, std::string_view v) {
                    out.push_back(Cat("kv ", Q(k), " ", Sha256Hex(v)));
                    return true;
                  })
                  .ok());
  return out;
}

std::vector<std::string> DumpOrg(Store& store, const std::string& org) {
  std::vector<std::string> out;
  OrgStore orgs(&store);
  AddOrg(orgs, Must(orgs.GetOrg(OrgId(org)), "GetOrg"), &out);
  return out;
}

std::string DumpHash(const std::vector<std::string>& lines) { return Sha256Hex(Join(lines, "\n")); }

}  // namespace ttpgraph::testing
