// Options for opening a Store.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "storage/disk_faults.h"

namespace ttpgraph {

struct StoreOptions {
  // Directory of the embedded RocksDB database. Default: "./var/ttpgraph".
  std::string path = "./var/ttpgraph";
  // Create the database when the directory holds none. Default: true.
  bool create_if_missing = true;
  // Shared LRU block cache for all column families, in MiB. Default: 64.
  size_t block_cache_mib = 64;
  // fsync the write-ahead log on every release replace, delete and KvWrite.
  // (A new release is always written as fsynced table files.) Default: true.
  bool sync_writes = true;
  // After a write failed for lack of space or an I/O error, how often the
  // store probes the disk and resumes writes (ResumeWrites). Default: 1000.
  int resume_interval_ms = 1000;
  // Called on the store's compaction thread each time the compaction that
  // compresses imported table files ends (it reads and rewrites every imported
  // byte). ttpgraphd hands the memory it freed back to the OS. Default: none.
  std::function<void()> after_compaction;
  // Tests only: a switch that makes the disk fail (storage/disk_faults.h).
  // ttpgraphd never sets it. Default: null (the plain file system).
  std::shared_ptr<DiskFaults> disk_faults;
};

}  // namespace ttpgraph
