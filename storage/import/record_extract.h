// Extracts an ObjectRecord from a parsed STIX object (simdjson DOM).
#pragma once

#include <simdjson.h>

#include "storage/record.h"

namespace ttpgraph {

// Never fails on missing optional fields; INVALID_ARGUMENT when the object
// has no string id or type.
absl::StatusOr<ObjectRecord> ExtractRecord(simdjson::dom::object obj);

}  // namespace ttpgraph
