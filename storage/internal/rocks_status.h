// Converts rocksdb::Status to absl::Status, naming the operation that failed.
#pragma once

#include <rocksdb/status.h>

#include <string_view>

#include "absl/status/status.h"
#include "storage/strings.h"

namespace ttpgraph::internal {


inline absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) return absl::NotFoundError(Cat(what, ": ", s.ToString()));
  if (s.IsCorruption()) return absl::DataLossError(Cat(what, ": ", s.ToString()));
  // A full disk: the caller can free space (or wait for it). Another I/O
  // error: the device failed; retrying later may succeed (storage/README.md).
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(Cat(what, ": ", s.ToString()));
  if (s.IsIOError()) return absl::UnavailableError(Cat(what, ": ", s.ToString()));
  return absl::InternalError(Cat(what, ": ", s.ToString()));
}

}  // namespace ttpgraph::internal
