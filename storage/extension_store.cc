#include "storage/extension_store.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <random>

#include "absl/time/clock.h"
#include "storage/internal/varint.h"
#include "storage/status_macros.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

// Format byte first, then fields in a fixed order (as org_store.cc's records).
constexpr char kExtensionFormat = 1;
constexpr char kChangeFormat = 1;

using internal::PutString;
using internal::PutStrings;
using internal::PutVarint;
using internal::VarintReader;

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

uint64_t NewIncarnation() {
  static std::mutex mu;
  static std::mt19937_64 gen{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  return (gen() >> 1) | 1;
}

std::string Hex16(int64_t v) {
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string RecordKey(const OrgId& org, std::string_view name) { return Cat(ExtensionStore::Prefix(org, name), "@"); }
std::string ObjectKey(const OrgId& org, std::string_view name, std::string_view id) {
  return Cat(ExtensionStore::Prefix(org, name), "o/", id);
}
std::string HistoryKey(const OrgId& org, std::string_view name, std::string_view id, int64_t version) {
  return Cat(ExtensionStore::Prefix(org, name), "h/", id, "/", Hex16(version));
}
// Every key of one extension lies in [Prefix, PrefixEnd).
std::string PrefixEnd(const OrgId& org, std::string_view name) {
  std::string p = ExtensionStore::Prefix(org, name);
  p.back() = '0';  // '/' + 1
  return p;
}

absl::Status NotFound(const OrgId& org, std::string_view name) {
  return absl::NotFoundError(Cat("organization '", org.str(), "' has no extension '", name,
                                 "' (ttpctl extension list shows its extensions)"));
}

}  // namespace

absl::Status ValidateExtensionName(std::string_view name) {
  return ValidateSlug("extension name", name, "extension name is required");
}

std::string EncodeExtension(const Extension& e) {
  std::string out(1, kExtensionFormat);
  for (auto* s : {&e.org, &e.name, &e.base_release, &e.prefix, &e.description}) PutString(&out, *s);
  for (int64_t v : {e.version, e.object_count, e.created_at_unix_ms, e.updated_at_unix_ms})
    PutVarint(&out, static_cast<uint64_t>(v));
  PutVarint(&out, e.last_ids.size());
  for (auto& [letter, n] : e.last_ids) {
    PutString(&out, letter);
    PutVarint(&out, static_cast<uint64_t>(n));
  }
  PutVarint(&out, e.incarnation);
  return out;
}

absl::StatusOr<Extension> DecodeExtension(std::string_view bytes) {
  VarintReader r(bytes);
  Extension e;
  const char f = static_cast<char>(r.Byte());
  for (auto* s : {&e.org, &e.name, &e.base_release, &e.prefix, &e.description}) r.String(s);
  for (int64_t* v : {&e.version, &e.object_count, &e.created_at_unix_ms, &e.updated_at_unix_ms})
    *v = static_cast<int64_t>(r.Varint());
  const uint64_t n = r.Varint();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    std::string letter = r.String();
    e.last_ids[letter] = static_cast<int64_t>(r.Varint());
  }
  e.incarnation = r.Varint();
  if (!r.done() || f != kExtensionFormat) return absl::DataLossError("corrupt extension record");
  return e;
}

std::string EncodeObjectChange(const ExtensionObjectChange& c) {
  std::string out(1, kChangeFormat);
  PutString(&out, c.stix_id);
  PutVarint(&out, static_cast<uint64_t>(c.version));
  PutVarint(&out, static_cast<uint64_t>(c.time_ms));
  PutString(&out, c.token_id);
  PutString(&out, c.action);
  PutStrings(&out, c.fields);
  PutString(&out, c.json);
  return out;
}

absl::StatusOr<ExtensionObjectChange> DecodeObjectChange(std::string_view bytes) {
  VarintReader r(bytes);
  ExtensionObjectChange c;
  const char f = static_cast<char>(r.Byte());
  r.String(&c.stix_id);
  c.version = static_cast<int64_t>(r.Varint());
  c.time_ms = static_cast<int64_t>(r.Varint());
  r.String(&c.token_id);
  r.String(&c.action);
  r.Strings(&c.fields);
  r.String(&c.json);
  if (!r.done() || f != kChangeFormat) return absl::DataLossError("corrupt extension history record");
  return c;
}

std::string ExtensionStore::Prefix(const OrgId& org, std::string_view name) {
  return Cat(OrgStore::DataPrefix(org), "ext/", name, "/");
}

absl::Status ExtensionStore::CheckOrg(const OrgId& org) const {
  if (auto s = ValidateOrgId(org.str()); !s.ok()) return s;
  auto v = store_->KvGet(OrgStore::OrgKey(org));
  if (v.ok()) return absl::OkStatus();
  if (v.status().code() == absl::StatusCode::kNotFound)
    return absl::NotFoundError(Cat("organization '", org.str(), "' not found"));
  return v.status();
}

absl::StatusOr<Extension> ExtensionStore::GetLocked(const OrgId& org, std::string_view name) const {
  if (auto s = CheckOrg(org); !s.ok()) return s;
  if (auto s = ValidateExtensionName(name); !s.ok()) return s;
  auto v = store_->KvGet(RecordKey(org, name));
  if (!v.ok()) return v.status().code() == absl::StatusCode::kNotFound ? NotFound(org, name) : v.status();
  return DecodeExtension(*v);
}

absl::StatusOr<Extension> ExtensionStore::Get(const OrgId& org, std::string_view name) const {
  return GetLocked(org, name);
}

absl::StatusOr<Extension> ExtensionStore::Create(const OrgId& org, const Extension& init, const AuditEntry* audit) {
  absl::MutexLock lock(&write_mu_);
  if (auto s = CheckOrg(org); !s.ok()) return s;
  if (auto s = ValidateExtensionName(init.name); !s.ok()) return s;
  if (store_->KvGet(RecordKey(org, init.name)).ok())
    return absl::AlreadyExistsError(Cat("organization '", org.str(), "' already has an extension '", init.name, "'"));
  Extension e = init;
  e.org = org.str();
  e.version = 1;
  e.object_count = 0;
  e.created_at_unix_ms = e.updated_at_unix_ms = NowMs();
  e.last_ids.clear();
  e.incarnation = NewIncarnation();
  // A leftover range (none is expected) goes in the same batch.
  if (auto s = store_->KvWrite({{Store::KvOp::kDeleteRange, Prefix(org, e.name), PrefixEnd(org, e.name)},
                                {Store::KvOp::kPut, RecordKey(org, e.name), EncodeExtension(e)}},
                               audit);
      !s.ok())
    return s;
  return e;
}

absl::StatusOr<std::vector<Extension>> ExtensionStore::List(const OrgId& org) const {
  if (auto s = CheckOrg(org); !s.ok()) return s;
  std::vector<Extension> out;
  absl::Status bad;
  const std::string prefix = Cat(OrgStore::DataPrefix(org), "ext/");
  auto s = store_->KvScan(prefix, [&](std::string_view key, std::string_view value) {
    if (key.size() < 2 || key.substr(key.size() - 2) != "/@") return true;
    auto e = DecodeExtension(value);
    if (!e.ok()) {
      bad = e.status();
      return false;
    }
    out.push_back(std::move(*e));
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return out;
}

absl::StatusOr<std::vector<ExtensionObject>> ExtensionStore::Objects(const OrgId& org, std::string_view name) const {
  TTP_ASSIGN_OR_RETURN(Extension e, GetLocked(org, name));
  std::vector<ExtensionObject> out;
  out.reserve(e.object_count);
  const std::string prefix = Cat(Prefix(org, name), "o/");
  auto s = store_->KvScan(prefix, [&](std::string_view key, std::string_view value) {
    out.push_back({std::string(key.substr(prefix.size())), std::string(value)});
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<Extension> ExtensionStore::Delete(const OrgId& org, std::string_view name, const AuditEntry* audit) {
  absl::MutexLock lock(&write_mu_);
  TTP_ASSIGN_OR_RETURN(Extension e, GetLocked(org, name));
  if (auto s = store_->KvWrite({{Store::KvOp::kDeleteRange, Prefix(org, name), PrefixEnd(org, name)}}, audit); !s.ok())
    return s;
  return e;
}

absl::StatusOr<Extension> ExtensionStore::Apply(const OrgId& org, std::string_view name, int64_t expected_version,
                                                ExtensionChange change, const AuditEntry* audit) {
  absl::MutexLock lock(&write_mu_);
  TTP_ASSIGN_OR_RETURN(Extension e, GetLocked(org, name));
  if (e.version != expected_version)
    return absl::AbortedError(Cat("extension '", name, "' changed since it was read (version ", expected_version,
                                  ", now ", e.version, "); nothing was written: try again"));
  // The object count: keys put that were absent, minus keys removed that were present.
  std::vector<std::string> keys;
  for (auto& o : change.put) keys.push_back(ObjectKey(org, name, o.stix_id));
  for (auto& id : change.removed) keys.push_back(ObjectKey(org, name, id));
  TTP_ASSIGN_OR_RETURN(auto present, store_->KvMultiGet(keys));
  for (size_t i = 0; i < change.put.size(); ++i)
    if (!present[i]) ++e.object_count;
  for (size_t i = 0; i < change.removed.size(); ++i)
    if (present[change.put.size() + i]) --e.object_count;

  ++e.version;
  e.updated_at_unix_ms = NowMs();
  if (!change.last_ids.empty()) e.last_ids = change.last_ids;
  if (!change.base_release.empty()) e.base_release = change.base_release;
  std::vector<Store::KvOp> ops;
  ops.reserve(change.put.size() + change.removed.size() + change.history.size() + 1);
  for (auto& o : change.put) ops.push_back({Store::KvOp::kPut, ObjectKey(org, name, o.stix_id), std::move(o.json)});
  for (auto& id : change.removed) ops.push_back({Store::KvOp::kDelete, ObjectKey(org, name, id), ""});
  for (auto& h : change.history) {
    h.version = e.version;
    h.time_ms = e.updated_at_unix_ms;
    ops.push_back({Store::KvOp::kPut, HistoryKey(org, name, h.stix_id, e.version), EncodeObjectChange(h)});
  }
  ops.push_back({Store::KvOp::kPut, RecordKey(org, name), EncodeExtension(e)});
  if (auto s = store_->KvWrite(ops, audit); !s.ok()) return s;
  return e;
}

absl::StatusOr<std::vector<ExtensionObjectChange>> ExtensionStore::History(const OrgId& org, std::string_view name,
                                                                  std::string_view stix_id) const {
  TTP_ASSIGN_OR_RETURN(Extension e, GetLocked(org, name));
  std::vector<ExtensionObjectChange> out;
  absl::Status bad;
  const std::string prefix = stix_id.empty() ? Cat(Prefix(org, name), "h/") : Cat(Prefix(org, name), "h/", stix_id, "/");
  auto s = store_->KvScan(prefix, [&](std::string_view, std::string_view value) {
    auto c = DecodeObjectChange(value);
    if (!c.ok()) {
      bad = c.status();
      return false;
    }
    out.push_back(std::move(*c));
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  std::stable_sort(out.begin(), out.end(), [](const ExtensionObjectChange& a, const ExtensionObjectChange& b) {
    return a.version != b.version ? a.version < b.version : a.stix_id < b.stix_id;
  });
  return out;
}

absl::StatusOr<std::vector<Store::KvOp>> ExtensionStore::ImportOps(const OrgId& org, const std::vector<Full>& extensions) {
  std::vector<Store::KvOp> ops;
  for (const Full& f : extensions) {
    Extension e = f.extension;
    if (auto s = ValidateExtensionName(e.name); !s.ok()) return s;
    e.org = org.str();
    e.object_count = static_cast<int64_t>(f.objects.size());
    e.incarnation = NewIncarnation();
    if (e.version < 1) e.version = 1;
    if (e.created_at_unix_ms <= 0) e.created_at_unix_ms = NowMs();
    if (e.updated_at_unix_ms <= 0) e.updated_at_unix_ms = e.created_at_unix_ms;
    ops.push_back({Store::KvOp::kPut, RecordKey(org, e.name), EncodeExtension(e)});
    for (auto& o : f.objects) ops.push_back({Store::KvOp::kPut, ObjectKey(org, e.name, o.stix_id), o.json});
    for (auto& h : f.history)
      ops.push_back({Store::KvOp::kPut, HistoryKey(org, e.name, h.stix_id, h.version), EncodeObjectChange(h)});
  }
  return ops;
}

}  // namespace ttpgraph
