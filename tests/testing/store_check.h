// White-box consistency checks of a Store's directory, read with RocksDB
// itself (read-only, so beside nothing else: call it on a closed store), not
// through Store: what a crash or an I/O error may leave is checked against the
// layout of storage/README.md.
//
//   EXPECT_THAT(CheckStoreFiles(dir), ::testing::IsEmpty());  // every problem, one line each
//
// Checked: every release has its record and its manifest (one without the
// other is a release cut in two); every object key of a manifest is stored in
// `objects`, `records` and `refs`; every reference count equals a recount over
// the manifests; no object, record or count is left that no release holds.
#pragma once

#include <string>
#include <vector>

namespace ttpgraph::testing {

// The problems found, one per line (empty: consistent); a store that cannot
// be opened is one problem.
std::vector<std::string> CheckStoreFiles(const std::string& path);

}  // namespace ttpgraph::testing
