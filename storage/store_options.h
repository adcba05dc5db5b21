// Options for opening a Store.
#pragma once

#include <cstddef>
#include <string>

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
};

}  // namespace ttpgraph
