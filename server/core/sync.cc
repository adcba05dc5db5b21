#include "server/core/sync.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"
#include "server/core/application.h"
#include "server/core/fetch.h"
#include "server/core/releases.h"
#include "server/log.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

// Messages of the failed releases kept in last_error; the rest are counted.
constexpr size_t kErrorsShown = 5;

}  // namespace

ReleaseSync::ReleaseSync(Application* app, SyncOptions options) : app_(app), options_(std::move(options)) {
  status_.index = RedactUrl(options_.index);
}

absl::Status ReleaseSync::Validate(const SyncOptions& o) {
  if (o.index.empty()) return absl::InvalidArgumentError("--sync-index needs a collection index (https URL or path)");
  if (!IsRemoteUrl(o.index) && !StartsWith(o.index, "/") && !StartsWith(ToLower(o.index), "file:"))
    return absl::InvalidArgumentError(Cat("--sync-index '", RedactUrl(o.index),
                                          "' is neither an https URL nor an absolute path under --import-root"));
  if (o.interval < absl::Minutes(1))
    return absl::InvalidArgumentError(Cat("--sync-interval ", absl::FormatDuration(o.interval),
                                          " is under a minute; use e.g. 6h"));
  for (const std::string& d : o.domains)
    if (!IsKnownDomain(d))
      return absl::InvalidArgumentError(Cat("--sync-domains: unknown domain '", d,
                                            "' (enterprise-attack, mobile-attack, ics-attack)"));
  return absl::OkStatus();
}

bool ReleaseSync::StopFlag::Cancelled() const {
  std::lock_guard<std::mutex> lock(sync_->mu_);
  return sync_->stopping_;
}

void ReleaseSync::Start(std::function<void()> after_first_pass) {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this, f = std::move(after_first_pass)]() mutable { Loop(std::move(f)); });
}

void ReleaseSync::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReleaseSync::Loop(std::function<void()> after_first_pass) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    RunOnce().IgnoreError();  // the pass leaves its outcome in the status, logs and metrics
    if (after_first_pass) std::exchange(after_first_pass, nullptr)();
    lock.lock();
    wake_.wait_for(lock, absl::ToChronoMilliseconds(options_.interval), [this] { return stopping_; });
  }
}

absl::Status ReleaseSync::RunOnce() {
  std::lock_guard<std::mutex> pass(pass_mu_);
  // Each step is bounded like an admin's import: the server's write time limit.
  auto limits = [&] {
    return QueryLimitsFor(CallKind::kWrite, absl::InfiniteFuture(), &stop_flag_, app_->limits());
  };
  std::vector<std::string> imported, errors;
  uint64_t failed = 0;
  absl::StatusCode first_code = absl::StatusCode::kOk;
  absl::Status index_status;
  auto listed = ReadReleaseIndex(*app_, options_.index, limits());
  if (!listed.ok()) {
    index_status = listed.status();
    errors.push_back(std::string(listed.status().message()));
  } else {
    // Newest first: a shard's first pass over a long index (attack-stix-data lists every
    // version since 1.0) makes the releases people use available soonest.
    std::stable_sort(listed->begin(), listed->end(),
                     [](const IndexedRelease& a, const IndexedRelease& b) { return b.id.version < a.id.version; });
    for (const IndexedRelease& r : *listed) {
      if (!options_.domains.empty() &&
          std::find(options_.domains.begin(), options_.domains.end(), r.id.domain) == options_.domains.end())
        continue;
      auto stored = app_->store().GetRelease(r.id);
      if (stored.ok()) continue;
      if (!absl::IsNotFound(stored.status())) {
        errors.push_back(Cat(r.id.Name(), ": ", stored.status().message()));
        if (!failed++) first_code = stored.status().code();
        continue;
      }
      if (stop_flag_.Cancelled()) break;
      AuditEntry audit;
      audit.time_ms = absl::ToUnixMillis(absl::Now());
      audit.method = "ttpgraphd/ReleaseSync";
      audit.role = "server";
      auto done = ImportIndexedRelease(*app_, r, limits(), &audit);
      if (done.ok()) {
        imported.push_back(r.id.Name());
        LogInfo("sync imported", {{"release", r.id.Name()}, {"index", RedactUrl(options_.index)}});
      } else {
        if (!failed++) first_code = done.status().code();
        errors.push_back(std::string(done.status().message()));
        LogWarn("sync could not import a release: it is skipped until the next pass",
                {{"release", r.id.Name()}, {"code", absl::StatusCodeToString(done.status().code())},
                 {"error", std::string(done.status().message())}});
      }
    }
  }
  std::string error;
  if (!errors.empty()) {
    std::vector<std::string> shown(errors.begin(), errors.begin() + std::min(errors.size(), kErrorsShown));
    error = Join(shown, "; ");
    if (errors.size() > kErrorsShown) error += Cat("; and ", errors.size() - kErrorsShown, " more");
  }
  const int64_t now = absl::ToUnixMillis(absl::Now());
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_.last_attempt_unix_ms = now;
    if (error.empty()) status_.last_success_unix_ms = now;
    status_.last_error = error;
    status_.last_imported = imported;
    ++status_.passes;
    if (!error.empty()) ++status_.failed_passes;
    status_.releases_imported += imported.size();
    status_.releases_failed += failed;
  }
  if (!index_status.ok())
    LogWarn("sync could not read the collection index: nothing imported, the next pass tries again",
            {{"index", RedactUrl(options_.index)}, {"error", error}});
  else
    LogInfo("sync pass", {{"index", RedactUrl(options_.index)}, {"imported", std::to_string(imported.size())},
                          {"failed", std::to_string(failed)}});
  if (!index_status.ok()) return index_status;
  if (failed) return absl::Status(first_code, error);  // the first failure's code; the message names each
  return absl::OkStatus();
}

SyncStatus ReleaseSync::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

bool ReleaseSync::first_pass_done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_.passes > 0;
}

}  // namespace ttpgraph::core
