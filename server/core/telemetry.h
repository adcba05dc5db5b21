// Observer: what the application floor reports as it happens, for the
// server's metrics (server/metrics.h implements it with prometheus-cpp). The
// floor stays free of the metrics library: counters it can keep itself (token
// checks, cache hits, sizes) are read through its getters at scrape time; what
// only has a meaning as an event (one call, one import with its duration)
// comes through here.
//
//   app.set_observer(&metrics);  // before serving; never changed while serving
//
// Thread safety: implementations are called concurrently from every call's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "absl/status/status.h"

namespace ttpgraph::core {

class Observer {
 public:
  virtual ~Observer() = default;
  // One RPC (full method name "ttpgraph.v1.OrgService/GetCoverage"), before its access check...
  virtual void CallStarted(std::string_view method) {}
  // ...and its answer, with the time since it started; `org` is the
  // organization the call was about ("" for none or not known).
  virtual void CallHandled(std::string_view method, std::string_view org, absl::StatusCode code, double seconds) {}
  // One import (kind: release, d3fend, atomic, detections), its bytes as
  // received or read, whether it succeeded, and how long it took.
  virtual void ImportDone(std::string_view kind, uint64_t bytes, bool ok, double seconds) {}
};

// Times one import from its construction and reports it to the observer
// when it goes away: a failure unless Result() saw an ok result.
//
//   ImportMeter meter(app.observer(), "release", bytes.size());
//   ...
//   return meter.Result(ImportText(...));
class ImportMeter {
 public:
  ImportMeter(Observer& observer, std::string_view kind, uint64_t bytes = 0)
      : observer_(observer), kind_(kind), bytes_(bytes), start_(std::chrono::steady_clock::now()) {}
  ImportMeter(const ImportMeter&) = delete;
  ImportMeter& operator=(const ImportMeter&) = delete;
  ~ImportMeter() {
    observer_.ImportDone(kind_, bytes_, ok_,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }
  void AddBytes(uint64_t n) { bytes_ += n; }
  // `result` (a Status or StatusOr), noting whether it succeeded.
  template <typename T>
  T Result(T result) {
    ok_ = result.ok();
    return result;
  }

 private:
  Observer& observer_;
  std::string_view kind_;  // a literal
  uint64_t bytes_;
  bool ok_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace ttpgraph::core
