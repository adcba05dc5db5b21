// The audit trail: one record per write call (and per refused write), kept in
// the Store's generic key-value space and written in the same atomic batch as
// the change it describes (every Store write takes an optional AuditEntry), so
// there is no change without its record.
//
// | key | value |
// | --- | --- |
// | `audit/t/<time ms, 16 hex><seq, 16 hex>` | the record (EncodeAuditEntry) |
// | `audit/o/<org>/<time><seq>` | empty: the organization's index into `audit/t/` |
//
//   AuditEntry e = ...;                        // who, what, which ids
//   store->KvWrite(ops, &e);                   // the change and its record, one batch
//   auto events = ListAuditEntries(*store, filter);   // storage/audit_log.h
//
// Thread safety: the functions are safe for concurrent use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ttpgraph {

struct AuditEntry {
  int64_t time_ms = 0;
  std::string request_id;
  std::string token_id;  // "" when the call carried no valid token
  std::string role;      // admin, editor, reader; "" without a valid token
  std::string org;       // the organization the call was about; "" for shared knowledge
  std::string method;    // "ttpgraph.v1.OrgService/CreateDetection"
  std::vector<std::string> ids;  // affected ids (the first kMaxAuditIds)
  int64_t count = 0;             // affected objects (bulk imports: every rule)
  std::string outcome = "OK";    // the call's status code name
  // Set by the store once the entry is part of a committed write.
  mutable bool committed = false;

  // Adds an affected id (only the first kMaxAuditIds are kept; count goes on).
  void Affect(std::string_view id);
};
inline constexpr size_t kMaxAuditIds = 100;

std::string EncodeAuditEntry(const AuditEntry& e);
// DATA_LOSS for a corrupt record.
absl::StatusOr<AuditEntry> DecodeAuditEntry(std::string_view bytes);

// The key of the next record at `time_ms` (unique within the process: a
// sequence number follows the time) and its organization index key.
struct AuditKeys {
  std::string record, org_index;  // org_index empty without an organization
};
AuditKeys NextAuditKeys(const AuditEntry& e);

class Store;

// A record on its own, for a call whose write was refused or wrote nothing.
absl::Status AppendAudit(Store& store, const AuditEntry& e);

struct AuditQuery {
  std::string org;       // "" = every organization (and none)
  int64_t since_ms = 0;  // records at or after
  std::string method;    // the full method name or the part after '/'; "" = any
  size_t max_results = 100000;  // the newest past this are left out
};
// Matching records, oldest first.
absl::StatusOr<std::vector<AuditEntry>> ListAuditEntries(const Store& store, const AuditQuery& q);

}  // namespace ttpgraph
