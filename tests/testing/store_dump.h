// A canonical dump of a Store: every release (its record and each object's key
// and text), organization (record without its generation and incarnation),
// detection, inventory entry, token and audit record, and every key-value
// entry, one line each in a fixed order; and its sha256. Two stores hold the
// same data exactly when their dumps are equal (a restored backup, an
// organization exported and imported again).
//
//   EXPECT_EQ(DumpStore(*restored), DumpStore(*source));      // gtest shows the differing lines
//   EXPECT_EQ(DumpHash(*restored), DumpHash(*source));
#pragma once

#include <string>
#include <vector>

#include "storage/store.h"

namespace ttpgraph::testing {

// The whole store, one line per fact.
std::vector<std::string> DumpStore(Store& store);
// One organization: its record (times kept; generation and incarnation left
// out, as an import gives new ones), its detections and its inventory.
std::vector<std::string> DumpOrg(Store& store, const std::string& org);
// sha256 (hex) of the lines joined by '\n'.
std::string DumpHash(const std::vector<std::string>& lines);

}  // namespace ttpgraph::testing
