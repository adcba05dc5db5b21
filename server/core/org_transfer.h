// Moving an organization between servers or shards: the whole organization
// read as one document (ExportOrganization) and created from one
// (ImportOrganization), in one atomic write. The document's JSON form is the
// gRPC floor's business (server/org_document.h); this floor keeps the rules.
//
//   TTP_ASSIGN_OR_RETURN(OrgDocument doc, core::ExportOrganization(app, OrgId("acme")));
//   ... on the other server:
//   TTP_ASSIGN_OR_RETURN(Organization o, core::ImportOrganization(app, std::move(doc), limits, &audit));
//
// Tokens travel as metadata only (the store keeps no secret, and a secret's
// hash is not exported either): an import creates none, the caller issues new
// ones. Thread safety: safe for concurrent use.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "server/core/application.h"
#include "storage/audit.h"

namespace ttpgraph::core {

struct OrgDocument {
  Organization org;  // id, display_name, release, created and updated times
  std::vector<Detection> detections;
  std::vector<InventoryEntry> inventory;
  std::vector<Token> tokens;  // the organization's, without secret_sha256
  std::vector<ExtensionStore::Full> extensions;  // custom extensions with objects and history (issue 12)
};

// One consistent read of the organization (one store snapshot: a concurrent
// write is either wholly in it or not at all). NOT_FOUND for an unknown
// organization.
absl::StatusOr<OrgDocument> ExportOrganization(Application& app, const OrgId& org);

// Creates `doc.org` with its detections, inventory and extensions (each
// extension's base release must be here and its objects STIX). Like every
// import it first takes a slot of the import gate (core/import_gate.h), within
// the deadline of `limits`. Errors, each before anything is written, name the
// document's JSON path: INVALID_ARGUMENT for a malformed organization id,
// detection or inventory entry, NOT_FOUND for a release (the organization's or
// a detection's) this server does not hold, ALREADY_EXISTS when the
// organization exists, RESOURCE_EXHAUSTED past a limit or when no import slot
// freed up in time.
absl::StatusOr<Organization> ImportOrganization(Application& app, OrgDocument doc, const QueryLimits& limits,
                                                AuditEntry* audit);

}  // namespace ttpgraph::core
