// The RocksDB file system behind StoreOptions::disk_faults (storage/disk_faults.h).
#pragma once

#include <rocksdb/file_system.h>

#include <memory>

#include "storage/disk_faults.h"

namespace ttpgraph::internal {

// `base` with every writable file's Append and PositionedAppend failing with
// IOStatus::NoSpace past the faults' write budget, and Sync, Fsync and
// RangeSync with IOStatus::IOError while syncs fail.
std::shared_ptr<rocksdb::FileSystem> NewFaultFileSystem(std::shared_ptr<rocksdb::FileSystem> base,
                                                        std::shared_ptr<DiskFaults> faults);

}  // namespace ttpgraph::internal
