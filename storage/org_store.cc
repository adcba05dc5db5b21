#include "storage/org_store.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include "absl/time/clock.h"
#include "storage/internal/varint.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

// Records are a format byte followed by fields in a fixed order: varint
// integers and length-prefixed strings. Binary because the coverage path
// decodes thousands of detections; the format byte lets later versions add
// fields at the end.
constexpr char kOrgFormat = 1;
constexpr char kDetectionFormat = 1;
// Format 2 adds each data component's STIX id and name (format 1 records read
// with both empty).
constexpr char kInventoryFormat = 2;
constexpr char kInventoryFormatV1 = 1;

using internal::PutString;
using internal::PutStrings;
using internal::PutVarint;
using internal::VarintReader;

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

// A random 63-bit id: an organization deleted and created again under the same
// id never shares an incarnation with its predecessor.
uint64_t NewIncarnation() {
  static std::mutex mu;
  static std::mt19937_64 gen{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  return (gen() >> 1) | 1;
}

std::string EncodeInventory(const std::vector<InventoryEntry>& entries) {
  std::string out(1, kInventoryFormat);
  PutVarint(&out, entries.size());
  for (auto& e : entries) {
    PutString(&out, e.data_component);
    PutString(&out, e.log_source_name);
    PutString(&out, e.log_source_channel);
    PutString(&out, e.source);
    PutString(&out, e.data_component_stix_id);
    PutString(&out, e.data_component_name);
  }
  return out;
}

absl::StatusOr<std::vector<InventoryEntry>> DecodeInventory(std::string_view bytes) {
  VarintReader r(bytes);
  const char f = static_cast<char>(r.Byte());
  const uint64_t n = r.Varint();
  if (!r.ok() || (f != kInventoryFormat && f != kInventoryFormatV1) || n > r.remaining())
    return absl::DataLossError("corrupt inventory record");
  std::vector<InventoryEntry> out(n);
  for (auto& e : out) {
    r.String(&e.data_component);
    r.String(&e.log_source_name);
    r.String(&e.log_source_channel);
    r.String(&e.source);
    if (f == kInventoryFormat) {
      r.String(&e.data_component_stix_id);
      r.String(&e.data_component_name);
    }
    if (!r.ok()) return absl::DataLossError("corrupt inventory record");
  }
  if (!r.done()) return absl::DataLossError("corrupt inventory record");
  return out;
}

absl::Status UnknownOrg(const OrgId& org) {
  return absl::NotFoundError(Cat("unknown organization '", org.str(), "' (OrgService.CreateOrganization creates it)"));
}

}  // namespace

absl::Status ValidateSlug(std::string_view what, std::string_view name, std::string_view required) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(Cat(what, " '", name, "' ", why,
                                          " (use 1-63 characters a-z 0-9 . _ -, starting with a letter or digit)"));
  };
  if (name.empty()) return absl::InvalidArgumentError(std::string(required));
  if (name.size() > 63) return bad("is too long");
  if (!(std::islower(static_cast<unsigned char>(name[0])) || std::isdigit(static_cast<unsigned char>(name[0]))))
    return bad("must start with a lower-case letter or a digit");
  for (char c : name)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
          c == '_' || c == '-'))
      return bad(Cat("has the character '", c, "'"));
  return absl::OkStatus();
}

absl::Status ValidateOrgId(std::string_view id) { return ValidateSlug("organization id", id, "org_id is required"); }

absl::Status ValidateDetectionId(std::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError("detection id is required");
  if (id.size() > 256) return absl::InvalidArgumentError(Cat("detection id is longer than 256 bytes: ", id.substr(0, 40), "..."));
  for (char c : id)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return absl::InvalidArgumentError(Cat("detection id '", id, "' has a control character"));
  return absl::OkStatus();
}

bool Detection::SameContent(const Detection& o) const {
  return id == o.id && name == o.name && source_format == o.source_format && query == o.query &&
         techniques == o.techniques && data_components == o.data_components && state == o.state &&
         release == o.release && tags == o.tags && description == o.description && sigma_status == o.sigma_status &&
         sigma_category == o.sigma_category && sigma_product == o.sigma_product && sigma_service == o.sigma_service &&
         sigma_path == o.sigma_path && sigma_level == o.sigma_level && sigma_author == o.sigma_author &&
         unresolved_techniques == o.unresolved_techniques && stale_techniques == o.stale_techniques &&
         notes == o.notes;
}

std::string EncodeOrganization(const Organization& o) {
  std::string out(1, kOrgFormat);
  PutString(&out, o.id);
  PutString(&out, o.display_name);
  PutString(&out, o.release);
  for (int64_t v : {o.detection_count, o.inventory_count, o.created_at_unix_ms, o.updated_at_unix_ms, o.generation})
    PutVarint(&out, static_cast<uint64_t>(v));
  PutVarint(&out, o.incarnation);
  return out;
}

absl::StatusOr<Organization> DecodeOrganization(std::string_view bytes) {
  VarintReader r(bytes);
  Organization o;
  const char f = static_cast<char>(r.Byte());
  r.String(&o.id);
  r.String(&o.display_name);
  r.String(&o.release);
  for (int64_t* v : {&o.detection_count, &o.inventory_count, &o.created_at_unix_ms, &o.updated_at_unix_ms,
                     &o.generation})
    *v = static_cast<int64_t>(r.Varint());
  // Records written before incarnations: the creation time stands in for it.
  o.incarnation = r.ok() && r.remaining() > 0 ? r.Varint() : static_cast<uint64_t>(o.created_at_unix_ms);
  if (!r.done() || f != kOrgFormat) return absl::DataLossError("corrupt organization record");
  return o;
}

std::string EncodeDetection(const Detection& d) {
  std::string out(1, kDetectionFormat);
  PutString(&out, d.id);
  PutString(&out, d.name);
  PutString(&out, d.source_format);
  PutString(&out, d.query);
  PutStrings(&out, d.techniques);
  PutStrings(&out, d.data_components);
  out.push_back(static_cast<char>(d.state));
  PutString(&out, d.release);
  PutStrings(&out, d.tags);
  PutString(&out, d.description);
  for (auto* s : {&d.sigma_status, &d.sigma_category, &d.sigma_product, &d.sigma_service, &d.sigma_path,
                  &d.sigma_level, &d.sigma_author})
    PutString(&out, *s);
  PutStrings(&out, d.unresolved_techniques);
  PutStrings(&out, d.stale_techniques);
  PutStrings(&out, d.notes);
  PutVarint(&out, static_cast<uint64_t>(d.created_at_unix_ms));
  PutVarint(&out, static_cast<uint64_t>(d.updated_at_unix_ms));
  return out;
}

absl::StatusOr<Detection> DecodeDetection(std::string_view bytes) {
  VarintReader r(bytes);
  Detection d;
  if (static_cast<char>(r.Byte()) != kDetectionFormat) return absl::DataLossError("corrupt detection record");
  r.String(&d.id);
  r.String(&d.name);
  r.String(&d.source_format);
  r.String(&d.query);
  r.Strings(&d.techniques);
  r.Strings(&d.data_components);
  const char state = static_cast<char>(r.Byte());
  r.String(&d.release);
  r.Strings(&d.tags);
  r.String(&d.description);
  for (auto* s : {&d.sigma_status, &d.sigma_category, &d.sigma_product, &d.sigma_service, &d.sigma_path,
                  &d.sigma_level, &d.sigma_author})
    r.String(s);
  r.Strings(&d.unresolved_techniques);
  r.Strings(&d.stale_techniques);
  r.Strings(&d.notes);
  d.created_at_unix_ms = static_cast<int64_t>(r.Varint());
  d.updated_at_unix_ms = static_cast<int64_t>(r.Varint());
  if (!r.ok() || state < 1 || state > 3) return absl::DataLossError("corrupt detection record");
  d.state = static_cast<DetectionState>(state);
  return d;
}

absl::StatusOr<DetectionBrief> DecodeDetectionBrief(std::string_view bytes) {
  // Field order as in EncodeDetection; every skipped field is still bounds-checked.
  VarintReader r(bytes);
  DetectionBrief d;
  if (static_cast<char>(r.Byte()) != kDetectionFormat) return absl::DataLossError("corrupt detection record");
  r.String(&d.id);
  r.String(&d.name);
  r.String(&d.source_format);
  r.SkipString();  // query
  r.Strings(&d.techniques);
  r.Strings(&d.data_components);
  const char state = static_cast<char>(r.Byte());
  r.SkipString();   // release
  r.SkipStrings();  // tags
  r.SkipString();   // description
  r.String(&d.sigma_status);
  for (int i = 0; i < 6; ++i) r.SkipString();  // category, product, service, path, level, author
  r.Strings(&d.unresolved_techniques);
  for (int i = 0; i < 2; ++i) r.SkipStrings();  // stale, notes
  r.Varint();  // created_at
  r.Varint();  // updated_at
  if (!r.ok() || state < 1 || state > 3) return absl::DataLossError("corrupt detection record");
  d.state = static_cast<DetectionState>(state);
  return d;
}

// ---- keys -------------------------------------------------------------------

std::string OrgStore::OrgKey(const OrgId& org) { return Cat("org/@/", org.str()); }
std::string OrgStore::DataPrefix(const OrgId& org) { return Cat("org/", org.str(), "/"); }
std::string OrgStore::DetectionKey(const OrgId& org, std::string_view id) { return Cat("org/", org.str(), "/det/", id); }
std::string OrgStore::InventoryKey(const OrgId& org) { return Cat("org/", org.str(), "/inv"); }

// ---- organizations ---------------------------------------------------------

absl::StatusOr<Organization> OrgStore::GetOrgLocked(const OrgId& org, const StoreSnapshot* at) const {
  if (auto s = ValidateOrgId(org.str()); !s.ok()) return s;
  auto v = store_->KvGet(OrgKey(org), at);
  if (absl::IsNotFound(v.status())) return UnknownOrg(org);
  if (!v.ok()) return v.status();
  return DecodeOrganization(*v);
}

absl::StatusOr<Organization> OrgStore::GetOrg(const OrgId& org, const StoreSnapshot* at) const {
  return GetOrgLocked(org, at);
}

absl::StatusOr<Organization> OrgStore::NewOrgLocked(const OrgId& org, const Organization& init) const {
  if (auto s = ValidateOrgId(org.str()); !s.ok()) return s;
  auto existing = store_->KvGet(OrgKey(org));
  if (existing.ok()) return absl::AlreadyExistsError(Cat("organization '", org.str(), "' already exists"));
  if (!absl::IsNotFound(existing.status())) return existing.status();
  int64_t count = 0;
  if (auto s = store_->KvScan("org/@/", [&](std::string_view, std::string_view) { return ++count < limits_.max_organizations; });
      !s.ok())
    return s;
  if (count >= limits_.max_organizations)
    return absl::ResourceExhaustedError(Cat("the server already holds ", limits_.max_organizations,
                                            " organizations, its limit (max_organizations, --max-organizations)"));
  Organization o;
  o.id = org.str();
  o.display_name = init.display_name.empty() ? org.str() : init.display_name;
  o.release = init.release.empty() ? "enterprise-attack@latest" : init.release;
  o.created_at_unix_ms = o.updated_at_unix_ms = NowMs();
  o.generation = 1;
  o.incarnation = NewIncarnation();
  return o;
}

absl::StatusOr<Organization> OrgStore::CreateOrg(const OrgId& org, const Organization& init, const AuditEntry* audit) {
  absl::MutexLock lock(&write_mu_);
  auto o = NewOrgLocked(org, init);
  if (!o.ok()) return o.status();
  // A leftover data range (none is expected) is cleared in the same batch.
  std::string prefix = DataPrefix(org);
  std::string end = prefix;
  end.back() = '/' + 1;
  if (auto s = store_->KvWrite({{Store::KvOp::kDeleteRange, prefix, end}, {Store::KvOp::kPut, OrgKey(org), EncodeOrganization(*o)}}, audit);
      !s.ok())
    return s;
  return o;
}

absl::StatusOr<Organization> OrgStore::UpdateOrg(const OrgId& org, const std::string& display_name,
                                                 const std::string& release, const AuditEntry* audit) {
  absl::MutexLock lock(&write_mu_);
  auto o = GetOrgLocked(org);
  if (!o.ok()) return o.status();
  if (!display_name.empty()) o->display_name = display_name;
  if (!release.empty()) o->release = release;
  o->updated_at_unix_ms = NowMs();
  ++o->generation;
  if (auto s = store_->KvWrite({{Store::KvOp::kPut, OrgKey(org), EncodeOrganization(*o)}}, audit); !s.ok()) return s;
  return o;
}

absl::StatusOr<OrgStore::DeleteOrgResult> OrgStore::DeleteOrg(const OrgId& org, const AuditEntry* audit) {
  absl::MutexLock lock(&write_mu_);
  auto o = GetOrgLocked(org);
  if (!o.ok()) return o.status();
  std::string prefix = DataPrefix(org);
  std::string end = prefix;
  end.back() = '/' + 1;  // "org/<id>0": just past every "org/<id>/..." key
  if (auto s = store_->KvWrite({{Store::KvOp::kDeleteRange, prefix, end}, {Store::KvOp::kDelete, OrgKey(org), ""}}, audit);
      !s.ok())
    return s;
  return DeleteOrgResult{*o, o->detection_count};
}

absl::StatusOr<Organization> OrgStore::ImportOrg(const Organization& init, std::vector<Detection> detections,
                                                 std::vector<InventoryEntry> inventory, const AuditEntry* audit,
                                                 std::vector<Store::KvOp> extra) {
  const OrgId org(init.id);
  if (auto s = ValidateOrgId(org.str()); !s.ok()) return s;  // before its detections' errors
  std::set<std::string_view> ids;
  for (size_t i = 0; i < detections.size(); ++i) {
    if (auto s = ValidateDetectionId(detections[i].id); !s.ok())
      return absl::InvalidArgumentError(Cat("detections[", i, "]: ", s.message()));
    if (!ids.insert(detections[i].id).second)
      return absl::InvalidArgumentError(Cat("detections[", i, "]: id '", detections[i].id, "' appears twice"));
  }
  if (static_cast<int64_t>(detections.size()) > limits_.max_detections_per_org)
    return absl::ResourceExhaustedError(Cat("organization '", org.str(), "' has ", detections.size(),
                                            " detections, over the limit of ", limits_.max_detections_per_org,
                                            " (max_detections_per_org); nothing was imported"));
  if (static_cast<int64_t>(inventory.size()) > limits_.max_inventory_entries)
    return absl::ResourceExhaustedError(Cat("organization '", org.str(), "' has ", inventory.size(),
                                            " inventory entries, over the limit of ", limits_.max_inventory_entries,
                                            "; nothing was imported"));
  absl::MutexLock lock(&write_mu_);
  auto created = NewOrgLocked(org, init);
  if (absl::IsAlreadyExists(created.status()))
    return absl::AlreadyExistsError(Cat(created.status().message(), " on this server; delete it first or import under "
                                        "another id; nothing was imported"));
  if (!created.ok()) return created.status();
  Organization& o = *created;
  const int64_t now = o.created_at_unix_ms;
  if (init.created_at_unix_ms > 0) o.created_at_unix_ms = init.created_at_unix_ms;
  o.updated_at_unix_ms = init.updated_at_unix_ms > 0 ? init.updated_at_unix_ms : o.created_at_unix_ms;
  o.detection_count = static_cast<int64_t>(detections.size());
  o.inventory_count = static_cast<int64_t>(inventory.size());
  std::string prefix = DataPrefix(org);
  std::string end = prefix;
  end.back() = '/' + 1;
  std::vector<Store::KvOp> ops;
  ops.reserve(detections.size() + 3);
  ops.push_back({Store::KvOp::kDeleteRange, prefix, end});  // a leftover range (none is expected)
  for (Detection& d : detections) {
    if (d.created_at_unix_ms <= 0) d.created_at_unix_ms = now;
    if (d.updated_at_unix_ms <= 0) d.updated_at_unix_ms = d.created_at_unix_ms;
    ops.push_back({Store::KvOp::kPut, DetectionKey(org, d.id), EncodeDetection(d)});
  }
  if (!inventory.empty()) ops.push_back({Store::KvOp::kPut, InventoryKey(org), EncodeInventory(inventory)});
  ops.push_back({Store::KvOp::kPut, OrgKey(org), EncodeOrganization(o)});
  for (Store::KvOp& op : extra) {
    if (op.key.compare(0, prefix.size(), prefix) != 0)
      return absl::InternalError(Cat("an organization import may write only under ", prefix, ", not ", op.key));
    ops.push_back(std::move(op));
  }
  if (auto s = store_->KvWrite(ops, audit); !s.ok()) return s;
  return o;
}

absl::StatusOr<std::vector<Organization>> OrgStore::ListOrgs() const {
  std::vector<Organization> out;
  absl::Status err;
  auto s = store_->KvScan("org/@/", [&](std::string_view, std::string_view v) {
    auto o = DecodeOrganization(v);
    if (!o.ok()) {
      err = o.status();
      return false;
    }
    out.push_back(std::move(*o));
    return true;
  });
  if (!s.ok()) return s;
  if (!err.ok()) return err;
  return out;
}

// ---- detections ------------------------------------------------------------

absl::StatusOr<OrgStore::PutOutcome> OrgStore::PutDetection(const OrgId& org, Detection d, PutMode mode,
                                                          const AuditEntry* audit) {
  if (auto s = ValidateDetectionId(d.id); !s.ok()) return s;
  absl::MutexLock lock(&write_mu_);
  auto o = GetOrgLocked(org);
  if (!o.ok()) return o.status();
  const std::string key = DetectionKey(org, d.id);
  auto old = store_->KvGet(key);
  if (!old.ok() && !absl::IsNotFound(old.status())) return old.status();
  const bool exists = old.ok();
  if (mode == PutMode::kCreate && exists)
    return absl::AlreadyExistsError(Cat("detection '", d.id, "' already exists in organization '", org.str(), "'"));
  if (mode == PutMode::kUpdate && !exists)
    return absl::NotFoundError(Cat("no detection '", d.id, "' in organization '", org.str(), "'"));
  const int64_t now = NowMs();
  d.created_at_unix_ms = now;
  d.updated_at_unix_ms = now;
  if (exists) {
    auto prev = DecodeDetection(*old);
    if (!prev.ok()) return prev.status();
    d.created_at_unix_ms = prev->created_at_unix_ms;
    if (prev->SameContent(d)) return PutOutcome::kUnchanged;
  } else if (o->detection_count + 1 > limits_.max_detections_per_org) {
    return absl::ResourceExhaustedError(Cat("organization '", org.str(), "' already holds ", o->detection_count,
                                            " detections, the limit is ", limits_.max_detections_per_org));
  }
  if (!exists) ++o->detection_count;
  ++o->generation;
  o->updated_at_unix_ms = now;
  std::string encoded = EncodeDetection(d);
  if (auto s = store_->KvWrite({{Store::KvOp::kPut, key, encoded},
                                {Store::KvOp::kPut, OrgKey(org), EncodeOrganization(*o)}},
                               audit);
      !s.ok())
    return s;
  if (on_change_) {
    // A brief that does not decode leaves the listener a gap in generations:
    // it then reads the organization again.
    if (auto brief = DecodeDetectionBrief(encoded); brief.ok())
      on_change_(DetectionChange{org.str(), o->incarnation, o->generation, d.id, std::move(*brief)});
  }
  return exists ? PutOutcome::kUpdated : PutOutcome::kCreated;
}

absl::StatusOr<std::vector<OrgStore::PutOutcome>> OrgStore::PutDetections(const OrgId& org, std::vector<Detection> ds,
                                                                         bool dry_run, int64_t expected_generation,
                                                                         const AuditEntry* audit) {
  std::set<std::string_view> ids;
  for (auto& d : ds) {
    if (auto s = ValidateDetectionId(d.id); !s.ok()) return s;
    if (!ids.insert(d.id).second)
      return absl::InvalidArgumentError(Cat("detection id '", d.id, "' appears twice in one import",
                                            d.sigma_path.empty() ? "" : Cat(" (second in ", d.sigma_path, ")")));
  }
  absl::MutexLock lock(&write_mu_);
  auto o = GetOrgLocked(org);
  if (!o.ok()) return o.status();
  if (expected_generation >= 0 && o->generation != expected_generation)
    return absl::AbortedError(Cat("organization '", org.str(), "' changed since it was read (generation ",
                                  expected_generation, ", now ", o->generation, "); nothing was written: read it again"));
  std::vector<std::string> keys;
  keys.reserve(ds.size());
  for (auto& d : ds) keys.push_back(DetectionKey(org, d.id));
  auto olds = store_->KvMultiGet(keys);
  if (!olds.ok()) return olds.status();
  const int64_t now = NowMs();
  std::vector<PutOutcome> outcomes(ds.size());
  std::vector<Store::KvOp> ops;
  ops.reserve(ds.size() + 1);
  int64_t created = 0;
  for (size_t i = 0; i < ds.size(); ++i) {
    Detection& d = ds[i];
    d.created_at_unix_ms = d.updated_at_unix_ms = now;
    if ((*olds)[i]) {
      auto prev = DecodeDetection(*(*olds)[i]);
      if (!prev.ok()) return prev.status();
      d.created_at_unix_ms = prev->created_at_unix_ms;
      if (prev->SameContent(d)) {
        outcomes[i] = PutOutcome::kUnchanged;
        continue;
      }
      outcomes[i] = PutOutcome::kUpdated;
    } else {
      outcomes[i] = PutOutcome::kCreated;
      ++created;
    }
    ops.push_back({Store::KvOp::kPut, std::move(keys[i]), EncodeDetection(d)});
  }
  if (o->detection_count + created > limits_.max_detections_per_org)
    return absl::ResourceExhaustedError(Cat("importing ", created, " new detections would bring organization '",
                                            org.str(), "' to ", o->detection_count + created,
                                            " detections; the limit is ", limits_.max_detections_per_org,
                                            "; nothing was imported"));
  if (dry_run || ops.empty()) return outcomes;
  o->detection_count += created;
  ++o->generation;
  o->updated_at_unix_ms = now;
  ops.push_back({Store::KvOp::kPut, OrgKey(org), EncodeOrganization(*o)});
  if (auto s = store_->KvWrite(ops, audit); !s.ok()) return s;
  return outcomes;
}

absl::StatusOr<Detection> OrgStore::GetDetection(const OrgId& org, std::string_view id,
                                                 const StoreSnapshot* at) const {
  auto o = GetOrgLocked(org, at);
  if (!o.ok()) return o.status();
  if (auto s = ValidateDetectionId(id); !s.ok()) return s;
  auto v = store_->KvGet(DetectionKey(org, id), at);
  if (absl::IsNotFound(v.status()))
    return absl::NotFoundError(Cat("no detection '", id, "' in organization '", org.str(), "'"));
  if (!v.ok()) return v.status();
  return DecodeDetection(*v);
}

namespace {
// `at`, or a snapshot of its own held by `own`: the organization's record and
// the keys read after it are of one version.
const StoreSnapshot* ReadPoint(const Store& store, const StoreSnapshot* at, std::unique_ptr<const StoreSnapshot>* own) {
  if (at) return at;
  *own = store.Snapshot();
  return own->get();
}

// Decodes every stored detection of an organization with `decode` (the full
// record or its brief), stopping at the first undecodable one.
template <typename T, typename Decode>
absl::StatusOr<std::vector<T>> ScanDetections(const Store& store, const std::string& prefix, int64_t expected,
                                              const StoreSnapshot* at, Decode decode) {
  std::vector<T> out;
  out.reserve(static_cast<size_t>(std::max<int64_t>(0, expected)));
  absl::Status err;
  auto s = store.KvScan(prefix, [&](std::string_view, std::string_view v) {
    auto d = decode(v);
    if (!d.ok()) {
      err = d.status();
      return false;
    }
    out.push_back(std::move(*d));
    return true;
  }, at);
  if (!s.ok()) return s;
  if (!err.ok()) return err;
  return out;
}
}  // namespace

absl::StatusOr<std::vector<Detection>> OrgStore::ListDetections(const OrgId& org, const StoreSnapshot* at) const {
  std::unique_ptr<const StoreSnapshot> own;
  at = ReadPoint(*store_, at, &own);
  auto o = GetOrgLocked(org, at);
  if (!o.ok()) return o.status();
  return ScanDetections<Detection>(*store_, Cat(DataPrefix(org), "det/"), o->detection_count, at,
                                   [](std::string_view v) { return DecodeDetection(v); });
}

absl::StatusOr<std::vector<DetectionBrief>> OrgStore::ListDetectionBriefs(const OrgId& org,
                                                                         const StoreSnapshot* at) const {
  std::unique_ptr<const StoreSnapshot> own;
  at = ReadPoint(*store_, at, &own);
  auto o = GetOrgLocked(org, at);
  if (!o.ok()) return o.status();
  return ScanDetections<DetectionBrief>(*store_, Cat(DataPrefix(org), "det/"), o->detection_count, at,
                                        [](std::string_view v) { return DecodeDetectionBrief(v); });
}

absl::StatusOr<Detection> OrgStore::DeleteDetection(const OrgId& org, std::string_view id, const AuditEntry* audit) {
  if (auto s = ValidateDetectionId(id); !s.ok()) return s;
  absl::MutexLock lock(&write_mu_);
  auto o = GetOrgLocked(org);
  if (!o.ok()) return o.status();
  const std::string key = DetectionKey(org, id);
  auto v = store_->KvGet(key);
  if (absl::IsNotFound(v.status()))
    return absl::NotFoundError(Cat("no detection '", id, "' in organization '", org.str(), "'"));
  if (!v.ok()) return v.status();
  auto d = DecodeDetection(*v);
  if (!d.ok()) return d.status();
  --o->detection_count;
  ++o->generation;
  o->updated_at_unix_ms = NowMs();
  if (auto s = store_->KvWrite({{Store::KvOp::kDelete, key, ""}, {Store::KvOp::kPut, OrgKey(org), EncodeOrganization(*o)}},
                               audit);
      !s.ok())
    return s;
  if (on_change_) on_change_(DetectionChange{org.str(), o->incarnation, o->generation, std::string(id), std::nullopt});
  return d;
}

// ---- inventory ---------------------------------------------------------------

absl::StatusOr<std::vector<InventoryEntry>> OrgStore::GetInventory(const OrgId& org, const StoreSnapshot* at) const {
  std::unique_ptr<const StoreSnapshot> own;
  at = ReadPoint(*store_, at, &own);
  auto o = GetOrgLocked(org, at);
  if (!o.ok()) return o.status();
  auto v = store_->KvGet(InventoryKey(org), at);
  if (absl::IsNotFound(v.status())) return std::vector<InventoryEntry>{};
  if (!v.ok()) return v.status();
  return DecodeInventory(*v);
}

absl::StatusOr<std::vector<InventoryEntry>> OrgStore::UpdateInventory(const OrgId& org, InventoryOp op,
                                                                      const std::vector<InventoryEntry>& entries,
                                                                      const AuditEntry* audit) {
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (e.data_component.empty() == e.log_source_name.empty())
      return absl::InvalidArgumentError(
          Cat("inventory entry ", i, ": give either a data component or a log source name, not ",
              e.data_component.empty() ? "neither" : "both"));
  }
  absl::MutexLock lock(&write_mu_);
  auto o = GetOrgLocked(org);
  if (!o.ok()) return o.status();
  std::vector<InventoryEntry> cur;
  if (op != InventoryOp::kSet) {
    auto v = store_->KvGet(InventoryKey(org));
    if (v.ok()) {
      auto d = DecodeInventory(*v);
      if (!d.ok()) return d.status();
      cur = std::move(*d);
    } else if (!absl::IsNotFound(v.status())) {
      return v.status();
    }
  }
  auto find = [&](const InventoryEntry& e) {
    return std::find_if(cur.begin(), cur.end(), [&](const InventoryEntry& x) { return x.SameTarget(e); });
  };
  for (const auto& e : entries) {
    auto it = find(e);
    if (op == InventoryOp::kRemove) {
      if (it == cur.end())
        return absl::NotFoundError(Cat("organization '", org.str(), "' does not collect ",
                                       e.data_component.empty() ? Cat("log source ", e.log_source_name, " ", e.log_source_channel)
                                                                : e.data_component,
                                       "; nothing was removed"));
      cur.erase(it);
    } else if (it == cur.end()) {
      cur.push_back(e);
    }
  }
  if (static_cast<int64_t>(cur.size()) > limits_.max_inventory_entries)
    return absl::ResourceExhaustedError(Cat("inventory would hold ", cur.size(), " entries; the limit is ",
                                            limits_.max_inventory_entries));
  o->inventory_count = static_cast<int64_t>(cur.size());
  ++o->generation;
  o->updated_at_unix_ms = NowMs();
  if (auto s = store_->KvWrite({{Store::KvOp::kPut, InventoryKey(org), EncodeInventory(cur)},
                                {Store::KvOp::kPut, OrgKey(org), EncodeOrganization(*o)}},
                               audit);
      !s.ok())
    return s;
  return cur;
}

}  // namespace ttpgraph
