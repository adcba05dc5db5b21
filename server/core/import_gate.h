// ImportGate: at most N imports (releases, D3FEND, Atomic indexes, detection
// imports, organization imports) run at once; the others wait for a slot
// within their deadline.
// An import holds tens to hundreds of MB while it runs, so the gate bounds the
// server's peak memory as well as its CPU. When the last running import ends,
// the allocator's free memory goes back to the OS (ttpgraphd links tcmalloc,
// which otherwise keeps it).
//
//   TTP_ASSIGN_OR_RETURN(ImportGate::Slot slot, app.imports().Enter(limits));
//   ... import; the slot is released when `slot` goes away ...
//
// Declare the slot before the import's buffers, so they are freed first.
// Errors of Enter: RESOURCE_EXHAUSTED naming max_concurrent_imports when the
// deadline (less 100 ms, for the answer to reach the caller in time) passes
// while waiting, CANCELLED when the caller goes away.
//
// Thread safety: safe for concurrent use.
#pragma once

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "graph/query_limits.h"

namespace ttpgraph::core {

// Hands the allocator's free memory back to the OS (tcmalloc's
// ReleaseFreeMemory in ttpgraphd, malloc_trim under glibc malloc).
void ReleaseFreeMemory();

class ImportGate {
 public:
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& o) noexcept : gate_(o.gate_) { o.gate_ = nullptr; }
    Slot& operator=(Slot&& o) noexcept;
    ~Slot() { Release(); }
    void Release();

   private:
    friend class ImportGate;
    explicit Slot(ImportGate* gate) : gate_(gate) {}
    ImportGate* gate_ = nullptr;
  };

  // `capacity` < 1 counts as 1.
  explicit ImportGate(int capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  absl::StatusOr<Slot> Enter(const QueryLimits& limits);
  int running() const;
  // Imports waiting for a slot.
  int waiting() const;
  int capacity() const { return capacity_; }

 private:
  void Leave();
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return running_ < capacity_; }

  const int capacity_;
  mutable absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ttpgraph::core
