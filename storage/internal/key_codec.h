// Key layout of the RocksDB store (see storage/README.md).
//
//   column family      key                                   value
//   releases           ReleaseKey(domain, version)          encoded ReleaseInfo
//   release_objects    ReleaseKey(domain, version)          object keys, '\n'-separated, sorted
//   objects            "<stix id>|<modified>|<digest16>"     minified STIX JSON
//   records            object key                            EncodeRecord(): the graph fields (record.h)
//   refs               object key                            fixed32 LE: releases holding it
//   kv                 "<store prefix>/..."                  owned by the store of that prefix (KvWrite)
//
// ReleaseKey = domain '\0' then each of 4 version parts as big-endian uint32,
// so versions sort numerically (9.0 before 15.1) within a domain.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "storage/model.h"

namespace ttpgraph::internal {

std::string ReleaseKey(const ReleaseId& id);
absl::StatusOr<ReleaseId> DecodeReleaseKey(std::string_view key);

std::string EncodeReleaseInfo(const ReleaseInfo& info);
absl::StatusOr<ReleaseInfo> DecodeReleaseInfo(std::string_view value);

std::string EncodeFixed32(uint32_t v);
uint32_t DecodeFixed32(std::string_view v);

}  // namespace ttpgraph::internal
