// ReleaseSync: keeps the stored releases in step with a collection index
// (ttpgraphd --sync-index), the way ATT&CK Workbench subscribes to one. Each
// pass reads the index (a path under the import root or an allow-listed https
// URL: the fetch rules of every server-side import, fetch.h), and imports every
// release of the chosen domains that the store lacks, newest version first, each through the import
// gate, its sha256 checked when the index gives one. A release that fails
// (unreadable, wrong digest, not a bundle) is skipped whole and named in the
// status; the others still import, and the next pass tries it again. Nothing
// is ever deleted or replaced: a release already stored stays as it is.
//
//   ReleaseSync sync(&app, SyncOptions{"/srv/attack/index.json", absl::Hours(6), {"enterprise-attack"}});
//   sync.Start();              // a pass now, then one every interval, on its own thread
//   sync.status().last_error;  // what the last pass could not do ("" when it did everything)
//   sync.Stop();               // interrupts a running fetch (CANCELLED) and joins
//
// Thread safety: safe for concurrent use; `app` must outlive it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "graph/query_limits.h"

namespace ttpgraph::core {

class Application;

struct SyncOptions {
  // A collection index: an https URL or an absolute path. Default: "" (no sync).
  std::string index;
  // Time between the end of one pass and the start of the next. Default: 6 h.
  absl::Duration interval = absl::Hours(6);
  // ATT&CK domains to import (enterprise-attack, mobile-attack, ics-attack).
  // Default: empty = every domain the index lists.
  std::vector<std::string> domains;
};

struct SyncStatus {
  std::string index;                   // as configured, credentials redacted; "" when sync is off
  int64_t last_attempt_unix_ms = 0;    // when the last pass ended; 0 = none yet
  int64_t last_success_unix_ms = 0;    // when a pass last ended with nothing left undone; 0 = never
  std::string last_error;              // why the last pass left something undone; "" otherwise
  std::vector<std::string> last_imported;  // releases the last pass imported
  uint64_t passes = 0, failed_passes = 0;  // since start
  uint64_t releases_imported = 0;          // since start
  uint64_t releases_failed = 0;            // release imports that failed, since start
};

class ReleaseSync {
 public:
  // INVALID_ARGUMENT (from Validate) is the caller's to check before Start.
  ReleaseSync(Application* app, SyncOptions options);
  ~ReleaseSync() { Stop(); }
  ReleaseSync(const ReleaseSync&) = delete;
  ReleaseSync& operator=(const ReleaseSync&) = delete;

  // INVALID_ARGUMENT for an unknown domain, an interval under a minute, an
  // index that is neither an https URL nor an absolute path.
  static absl::Status Validate(const SyncOptions& options);

  // Starts the background thread: one pass at once, then one per interval;
  // `after_first_pass` (may be empty) runs on it once the first pass ends.
  void Start(std::function<void()> after_first_pass = nullptr);
  // Wakes the thread, cancels a pass in progress (its current release import
  // ends CANCELLED, nothing partial) and joins. Idempotent.
  void Stop();
  // One pass on the calling thread; the status it leaves is also returned:
  // OK when every listed release of the chosen domains is stored afterwards.
  absl::Status RunOnce();

  SyncStatus status() const;
  // True once the first pass has ended, whatever its outcome (readiness).
  bool first_pass_done() const;
  const SyncOptions& options() const { return options_; }

 private:
  class StopFlag final : public Cancellation {
   public:
    explicit StopFlag(const ReleaseSync* sync) : sync_(sync) {}
    bool Cancelled() const override;

   private:
    const ReleaseSync* sync_;
  };
  void Loop(std::function<void()> after_first_pass);

  Application* app_;
  const SyncOptions options_;
  StopFlag stop_flag_{this};
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  SyncStatus status_;      // guarded by mu_
  std::mutex pass_mu_;     // one pass at a time
  std::thread thread_;
};

}  // namespace ttpgraph::core
