#include "server/core/import_gate.h"

#include <malloc.h>

#include <chrono>
#include <system_error>
#include <thread>

#include "absl/time/clock.h"
#include "storage/strings.h"

// gperftools' C API, present when ttpgraphd links tcmalloc (weak: absent in
// binaries on glibc malloc, such as the tests).
extern "C" void MallocExtension_ReleaseFreeMemory(void) __attribute__((weak));
extern "C" void MallocExtension_MarkThreadIdle(void) __attribute__((weak));

namespace ttpgraph::core {

void ReleaseFreeMemory() {
  if (MallocExtension_ReleaseFreeMemory) {
    // The calling thread's cache first (an import's ~75,000 small objects are
    // freed on one thread): back in the central lists, their spans become free
    // pages, which ReleaseFreeMemory hands to the OS.
    if (MallocExtension_MarkThreadIdle) MallocExtension_MarkThreadIdle();
    MallocExtension_ReleaseFreeMemory();
  } else {
    malloc_trim(0);
  }
}

ImportGate::Slot& ImportGate::Slot::operator=(Slot&& o) noexcept {
  if (this != &o) {
    Release();
    gate_ = o.gate_;
    o.gate_ = nullptr;
  }
  return *this;
}

void ImportGate::Slot::Release() {
  if (gate_) gate_->Leave();
  gate_ = nullptr;
}

absl::StatusOr<ImportGate::Slot> ImportGate::Enter(const QueryLimits& limits) {
  const absl::Time start = absl::Now();
  absl::MutexLock lock(&mu_);
  ++waiting_;
  struct Waiting {
    int& n;
    ~Waiting() { --n; }  // under mu_: `lock` goes after it
  } waiting{waiting_};
  // Gives up 100 ms before the deadline, so the answer naming the limit
  // reaches the client before its own DEADLINE_EXCEEDED would; wakes at least
  // every 100 ms to notice a caller that went away.
  const absl::Time give_up = limits.deadline - absl::Milliseconds(100);
  while (running_ >= capacity_) {
    if (limits.cancellation && limits.cancellation->Cancelled())
      return absl::CancelledError("the client went away while the import waited for a slot");
    const absl::Time now = absl::Now();
    if (now >= give_up)
      return absl::ResourceExhaustedError(
          Cat(capacity_, " import", capacity_ == 1 ? " was" : "s were", " running (max_concurrent_imports, "
              "--max-concurrent-imports) for the ", absl::FormatDuration(absl::Trunc(now - start, absl::Milliseconds(1))),
              " this import could wait; nothing was written: try again later"));
    const absl::Time wake = std::min(give_up, now + absl::Milliseconds(100));
    mu_.AwaitWithDeadline(absl::Condition(this, &ImportGate::HasRoom), wake);
  }
  ++running_;
  return Slot(this);
}

int ImportGate::running() const {
  absl::MutexLock lock(&mu_);
  return running_;
}

int ImportGate::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

void ImportGate::Leave() {
  bool last = false;
  {
    absl::MutexLock lock(&mu_);
    last = --running_ == 0;
  }
  if (!last) return;
  // This thread's tcmalloc cache (an import's ~75,000 small objects are freed
  // here) goes back to the central lists at once: cheap, and the release below
  // runs on another thread, whose own cache holds nothing.
  if (MallocExtension_MarkThreadIdle) MallocExtension_MarkThreadIdle();
  // The release itself runs off the call's path, once the call has answered (its request buffers and
  // response are freed after the import returns, on threads the import does
  // not see) and the first queries on a new release have built its graph:
  // returning pages at once cost the import ~150 ms and made the graph build
  // that follows fault them back in (core_bench, 2026-12-03).
  try {
    std::thread([] {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      ReleaseFreeMemory();
    }).detach();
  } catch (const std::system_error&) {
  }
}

}  // namespace ttpgraph::core
