// Structured logs: one JSON object per line on stderr.
//
//   LogInfo("rpc", {{"method", "GetObject"}, {"ms", "0.21"}});
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/strings.h"  // JsonQuote

namespace ttpgraph {

using LogFields = std::vector<std::pair<std::string, std::string>>;

void Log(std::string_view level, std::string_view msg, const LogFields& fields = {});
inline void LogInfo(std::string_view msg, const LogFields& fields = {}) { Log("info", msg, fields); }
inline void LogWarn(std::string_view msg, const LogFields& fields = {}) { Log("warn", msg, fields); }
inline void LogError(std::string_view msg, const LogFields& fields = {}) { Log("error", msg, fields); }
// Turns off logs below warn (tests and benchmarks).
void SetQuietLogs(bool quiet);
// False when info logs are off, so callers can skip building their fields.
bool InfoLogsEnabled();


}  // namespace ttpgraph
