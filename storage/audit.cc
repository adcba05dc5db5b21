#include "storage/audit.h"

#include <atomic>
#include <cstdio>
#include <random>

#include "storage/internal/varint.h"
#include "storage/store.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

constexpr char kAuditFormat = 1;

std::string Hex16(uint64_t v) {
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

void AuditEntry::Affect(std::string_view id) {
  if (ids.size() < kMaxAuditIds) ids.emplace_back(id);
  ++count;
}

std::string EncodeAuditEntry(const AuditEntry& e) {
  using internal::PutString;
  using internal::PutStrings;
  using internal::PutVarint;
  std::string out(1, kAuditFormat);
  PutVarint(&out, static_cast<uint64_t>(e.time_ms));
  for (const std::string* s : {&e.request_id, &e.token_id, &e.role, &e.org, &e.method, &e.outcome}) PutString(&out, *s);
  PutStrings(&out, e.ids);
  PutVarint(&out, static_cast<uint64_t>(e.count));
  return out;
}

absl::StatusOr<AuditEntry> DecodeAuditEntry(std::string_view bytes) {
  internal::VarintReader r(bytes);
  AuditEntry e;
  const char f = static_cast<char>(r.Byte());
  e.time_ms = static_cast<int64_t>(r.Varint());
  for (std::string* s : {&e.request_id, &e.token_id, &e.role, &e.org, &e.method, &e.outcome}) r.String(s);
  r.Strings(&e.ids);
  e.count = static_cast<int64_t>(r.Varint());
  if (!r.done() || f != kAuditFormat) return absl::DataLossError("corrupt audit record");
  e.committed = true;
  return e;
}

AuditKeys NextAuditKeys(const AuditEntry& e) {
  // A random start keeps keys of two processes (a restart) apart at the same millisecond.
  static std::atomic<uint64_t> seq{std::random_device{}() | (uint64_t{std::random_device{}()} << 32)};
  const std::string suffix = Hex16(static_cast<uint64_t>(e.time_ms)) + Hex16(seq++);
  AuditKeys k;
  k.record = Cat("audit/t/", suffix);
  // Only a well-formed organization id goes into a key (a refused call may name anything).
  const bool org_ok = !e.org.empty() && e.org.size() <= 63 &&
                      e.org.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") == std::string::npos;
  if (org_ok) k.org_index = Cat("audit/o/", e.org, "/", suffix);
  return k;
}

absl::Status AppendAudit(Store& store, const AuditEntry& e) { return store.KvWrite({}, &e); }

absl::StatusOr<std::vector<AuditEntry>> ListAuditEntries(const Store& store, const AuditQuery& q) {
  const std::string since = q.since_ms > 0 ? Hex16(static_cast<uint64_t>(q.since_ms)) : "";
  auto method_matches = [&](const std::string& m) {
    if (q.method.empty() || m == q.method) return true;
    auto slash = m.rfind('/');
    return slash != std::string::npos && m.compare(slash + 1, std::string::npos, q.method) == 0;
  };
  std::vector<AuditEntry> out;
  absl::Status bad;
  auto take = [&](std::string_view value) {
    auto e = DecodeAuditEntry(value);
    if (!e.ok()) {
      bad = e.status();
      return false;
    }
    if (e->time_ms >= q.since_ms && method_matches(e->method)) out.push_back(std::move(*e));
    return out.size() < q.max_results;
  };
  absl::Status s;
  if (q.org.empty()) {
    s = store.KvScan("audit/t/", [&](std::string_view key, std::string_view value) {
      if (key.substr(8) < since) return true;
      return take(value);
    });
  } else {
    const std::string prefix = Cat("audit/o/", q.org, "/");
    std::vector<std::string> keys;
    s = store.KvScan(prefix, [&](std::string_view key, std::string_view) {
      if (key.substr(prefix.size()) >= since) keys.push_back(Cat("audit/t/", key.substr(prefix.size())));
      return true;
    });
    if (s.ok() && !keys.empty()) {
      auto values = store.KvMultiGet(keys);
      if (!values.ok()) return values.status();
      for (auto& v : *values)
        if (v && !take(*v)) break;
    }
  }
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return out;
}

}  // namespace ttpgraph
