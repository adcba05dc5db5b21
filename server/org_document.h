// The JSON form of an organization document (v1.OrganizationDocument in
// org_service.proto): what `ttpctl org export` writes and `org import` reads.
//
//   std::string json = OrgDocumentToJson(doc, absl::Now());
//   TTP_ASSIGN_OR_RETURN(core::OrgDocument back, OrgDocumentFromJson(json));
//
// The format is "ttpgraph.organization", version kOrgDocumentVersion; times
// are RFC 3339 in UTC to the millisecond, so a round trip keeps them exactly.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/core/org_transfer.h"

namespace ttpgraph {

inline constexpr int kOrgDocumentVersion = 1;
inline constexpr std::string_view kOrgDocumentFormat = "ttpgraph.organization";

// Pretty-printed JSON (two-space indent), fields in the proto's order.
std::string OrgDocumentToJson(const core::OrgDocument& doc, absl::Time exported_at);

// INVALID_ARGUMENT for malformed JSON, an unknown field, another format or
// version, or a malformed time, each naming where.
absl::StatusOr<core::OrgDocument> OrgDocumentFromJson(std::string_view json);

}  // namespace ttpgraph
