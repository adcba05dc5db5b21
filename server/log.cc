#include "server/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace ttpgraph {
namespace {
std::atomic<bool> quiet{false};
std::mutex mu;
}  // namespace

void SetQuietLogs(bool q) { quiet = q; }
bool InfoLogsEnabled() { return !quiet; }

void Log(std::string_view level, std::string_view msg, const LogFields& fields) {
  if (quiet && level == "info") return;
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = ms / 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[40];
  snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  std::string line = "{\"ts\":\"";
  line += ts;
  line += "\",\"level\":" + JsonQuote(level) + ",\"msg\":" + JsonQuote(msg);
  for (auto& [k, v] : fields) line += "," + JsonQuote(k) + ":" + JsonQuote(v);
  line += "}\n";
  std::lock_guard<std::mutex> lock(mu);
  fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace ttpgraph
