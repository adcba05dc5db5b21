// DiskFaults: a switch for tests that makes the Store's disk fail, so that the
// paths a full disk or a failing device take can be tested (issue 11). Given
// in StoreOptions::disk_faults, the Store reaches every file through a RocksDB
// FileSystemWrapper (disk_faults.cc) that asks it before each write and sync;
// ttpgraphd never sets it, so in production the Store uses the plain file
// system.
//
//   auto faults = std::make_shared<DiskFaults>();
//   auto store = Store::Open({.path = dir, .disk_faults = faults});
//   faults->FailWritesAfter(0);        // the disk is full: ENOSPC on the next byte
//   ... a write answers RESOURCE_EXHAUSTED; reads go on ...
//   faults->Heal();                    // space returns; the store resumes writes
//
// Thread safety: safe for concurrent use (RocksDB's threads ask it too).
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>

namespace ttpgraph {

class DiskFaults {
 public:
  // Appends to files succeed for `bytes` more bytes, then fail with "No space
  // left on device" (IOStatus::NoSpace) until Heal().
  void FailWritesAfter(uint64_t bytes) { write_budget_ = static_cast<int64_t>(bytes); }
  // Every Sync, Fsync and RangeSync fails with an I/O error until Heal().
  void FailSyncs() { fail_syncs_ = true; }
  // Everything works again.
  void Heal() {
    write_budget_ = kUnlimited;
    fail_syncs_ = false;
  }

  // Asked by the file system: may `n` more bytes be written (taking them from
  // the budget)? Should syncs fail?
  bool TakeWrite(uint64_t n) {
    if (write_budget_.load() == kUnlimited) return true;
    return write_budget_.fetch_sub(static_cast<int64_t>(n)) >= static_cast<int64_t>(n);
  }
  bool SyncFails() const { return fail_syncs_; }
  // Failures handed out so far (writes and syncs).
  int64_t failures() const { return failures_; }
  void CountFailure() { ++failures_; }

 private:
  static constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();
  std::atomic<int64_t> write_budget_{kUnlimited};
  std::atomic<bool> fail_syncs_{false};
  std::atomic<int64_t> failures_{0};
};

}  // namespace ttpgraph
