// Shared pieces of the benchmark programs (tests/bench/*_bench.cc): timing,
// medians and percentiles, and the report line that prints a figure next to
// its target. Header-only: each benchmark is one program built from its own
// .cc (tests/CMakeLists.txt), so there is nothing else to link.
//
//   bench::Reporter report({/*label_width=*/64, /*precision=*/3, /*unit_width=*/3});
//   report.Target("diff 17.1 -> 18.1", bench::MedianMs(7, [&] { ... }), "ms", 300);
//   report.Info("  of which the pure part", pure_ms, "ms");
//   return report.failures() ? 1 : 0;
#pragma once

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace ttpgraph::bench {

using Clock = std::chrono::steady_clock;

inline double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// CPU time of the process (default) or of the calling thread, in ms.
inline double CpuMs(clockid_t clock = CLOCK_PROCESS_CPUTIME_ID) {
  timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// The value below which a fraction `p` of `v` lies (v[p * n], clamped).
inline double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}
inline double Median(std::vector<double> v) { return Percentile(std::move(v), 0.5); }

// Runs `fn` `runs` times; the median wall time in ms.
template <typename Fn>
double MedianMs(int runs, Fn fn) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    fn();
    t.push_back(Ms(Clock::now() - start));
  }
  return Median(std::move(t));
}

// Exits with status 1 and `what: status` on stderr unless `s` is OK.
inline void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    exit(1);
  }
}

// Prints one figure a line, "label value unit target <= T ok|MISSED", in
// columns each benchmark chooses, and counts the targets missed.
class Reporter {
 public:
  struct Columns {
    int label_width = 64;
    int precision = 3;   // digits after the point of the value (10 wide)
    int unit_width = 3;
  };
  explicit Reporter(Columns c) : c_(c) {}

  // A figure with a target: at most `target`, or at least it when
  // `lower_is_better` is false. `note` is printed after the verdict.
  bool Target(const std::string& what, double value, const char* unit, double target, bool lower_is_better = true,
              const std::string& note = "") {
    bool ok = lower_is_better ? value <= target : value >= target;
    if (!ok) ++failures_;
    ++reports_;
    printf("%-*s %10.*f %-*s target %s %-8.6g %s%s\n", c_.label_width, what.c_str(), c_.precision, value,
           c_.unit_width, unit, lower_is_better ? "<=" : ">=", target, ok ? "ok" : "MISSED", note.c_str());
    fflush(stdout);
    return ok;
  }
  // A figure shown for reading the others, without a target.
  void Info(const std::string& what, double value, const char* unit) {
    printf("%-*s %10.*f %-*s (no target)\n", c_.label_width, what.c_str(), c_.precision, value, c_.unit_width, unit);
    fflush(stdout);
  }
  int failures() const { return failures_; }
  int reports() const { return reports_; }

 private:
  Columns c_;
  int failures_ = 0;
  int reports_ = 0;
};

}  // namespace ttpgraph::bench
