// Wording shared by the report renderers (report_render.h), as plain
// unescaped text: each renderer escapes it for its format, so the HTML and the
// Markdown say exactly the same thing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/core/report_model.h"
#include "storage/strings.h"

namespace ttpgraph::report_text {

// Section titles, in document order.
inline constexpr const char* kTacticsTitle = "Coverage by tactic";
inline constexpr const char* kHeatmapTitle = "ATT&CK matrix";
inline constexpr const char* kBlindSpotsTitle = "Top 10 blind spots";
inline constexpr const char* kTelemetryTitle = "Telemetry to add";
inline constexpr const char* kTrendTitle = "Trend across releases";
inline constexpr const char* kNextReleaseTitle = "What changes in the next release";
inline constexpr const char* kMethodTitle = "How the numbers are computed";

std::string Percent(double pct);  // "26.1%"
std::string Count(int n);         // "3,728"
// "a, b, c and 4 more" (at most `max` items named; all when max == 0).
std::string ListWithMore(const std::vector<std::string>& items, size_t max, const char* sep = ", ");
// "DC0032 Process Creation", or the name alone before ATT&CK 18.
std::string DataComponentLabel(const ReportTelemetry& r);
// "+12 gaps become LOGGED (30 in all)".
std::string GapsAdded(const ReportTelemetry& r);
// "Collect DC0032 Process Creation (WinEventLog:Security EventCode=4688, ...)
// to address 2 Execution gaps: T1059.001, T1059.003" ("1 ... gap" in the
// singular; no parentheses when ATT&CK names no log source).
std::string TelemetryLine(const ReportTelemetry& r, const ReportTelemetry::TacticGaps& gaps,
                          const std::string& tactic_name);
// Why a blind spot is blind: "no data component collected", "no data
// component collected; ATT&CK names none that can see it", or "telemetry
// collected but no rule".
std::string BlindReason(const ReportBlindSpot& b);
// "Rules: 3,100 enabled, 600 disabled, 28 testing"-style pieces of the header.
std::string RulesLine(const ReportHeader& h);
std::string Title(const ReportHeader& h);  // "ATT&CK coverage report: Acme Corp"
// The footer: the coverage rule, then the roll-up policy, one paragraph each.
std::string CoverageRuleParagraph();
std::string RollupParagraph(ReportRollup r);

// Appending writer: Put(&out, "<td>", HtmlText{name}, "</td>", 42) appends
// each argument to one buffer without temporaries; HtmlText is escaped for
// HTML text and quoted attribute values (C0 controls other than tab and
// newline become spaces), JsonString is written as a quoted JSON string.
struct HtmlText {
  std::string_view s;
};
struct JsonString {
  std::string_view s;
};
void PutOne(std::string* out, HtmlText t);
void PutOne(std::string* out, JsonString t);
template <typename T>
void PutOne(std::string* out, const T& v) {
  strings_internal::Append(out, v);
}
template <typename... Args>
void Put(std::string* out, const Args&... args) {
  (PutOne(out, args), ...);
}

}  // namespace ttpgraph::report_text
