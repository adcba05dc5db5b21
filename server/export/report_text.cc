#include "server/export/report_text.h"

#include <array>
#include <cstdio>

#include "storage/strings.h"

namespace ttpgraph::report_text {

// Log sources named in one telemetry line, then "and N more".
constexpr size_t kMaxLogSources = 4;

std::string Percent(double pct) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f%%", pct);
  return buf;
}

std::string Count(int n) {
  std::string digits = std::to_string(n < 0 ? -static_cast<long long>(n) : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string ListWithMore(const std::vector<std::string>& items, size_t max, const char* sep) {
  if (max == 0 || items.size() <= max) return Join(items, sep);
  std::vector<std::string> shown(items.begin(), items.begin() + max);
  return Cat(Join(shown, sep), " and ", items.size() - max, " more");
}

std::string DataComponentLabel(const ReportTelemetry& r) {
  return r.data_component_id.empty() ? r.data_component_name : Cat(r.data_component_id, " ", r.data_component_name);
}

std::string GapsAdded(const ReportTelemetry& r) {
  return Cat("+", r.gaps_added, r.gaps_added == 1 ? " gap becomes" : " gaps become", " LOGGED (", r.cumulative,
             " in all)");
}

std::string TelemetryLine(const ReportTelemetry& r, const ReportTelemetry::TacticGaps& gaps,
                          const std::string& tactic_name) {
  std::string out = Cat("Collect ", DataComponentLabel(r));
  if (!r.log_sources.empty()) out += Cat(" (", ListWithMore(r.log_sources, kMaxLogSources), ")");
  const size_t n = gaps.technique_ids.size();
  out += Cat(" to address ", n, " ", tactic_name, n == 1 ? " gap: " : " gaps: ", Join(gaps.technique_ids, ", "));
  return out;
}

std::string BlindReason(const ReportBlindSpot& b) {
  if (b.status == ReportStatus::kLogged) return "telemetry collected but no rule";
  if (b.data_components.empty()) return "no data component collected; ATT&CK names none that can see it";
  return "no data component collected";
}

std::string RulesLine(const ReportHeader& h) {
  std::string out = Cat(Count(h.rules_enabled), " enabled, ", Count(h.rules_disabled), " disabled");
  if (h.rules_testing > 0) out += Cat(", ", Count(h.rules_testing), " testing");
  return out;
}

std::string Title(const ReportHeader& h) {
  return Cat("ATT&CK coverage report: ", h.organization.empty() ? h.organization_id : h.organization);
}

std::string CoverageRuleParagraph() {
  return "Coverage rule. Each active technique and sub-technique of the release is DETECTED (score 100) when at "
         "least one enabled detection maps to that exact technique (Sigma rules with status deprecated or "
         "unsupported do not count); LOGGED (score 50) when it is not detected but the organization collects at "
         "least one data component that ATT&CK says can detect it (a collected log source counts for every data "
         "component that lists it); BLIND (score 0) otherwise. A tactic counts every technique and sub-technique "
         "listed under it, so a technique in two tactics counts in both; the overall figures count each technique "
         "once. Percentages are of the techniques counted, rounded to one decimal. Blind spots are the techniques "
         "the selected groups use that are not DETECTED, BLIND before LOGGED, ranked by the number of selected "
         "groups that use them; telemetry recommendations are chosen greedily, each by the number of BLIND gaps it "
         "turns LOGGED that no earlier recommendation did.";
}

std::string RollupParagraph(ReportRollup r) {
  const std::string base =
      "Sub-techniques. A detection of a parent technique does not cover its sub-techniques, and a detection of a "
      "sub-technique does not make its parent DETECTED. ";
  switch (r) {
    case ReportRollup::kAny:
      return base +
             "This report uses the roll-up policy \"any\": a parent counts as the best of its own status and any of "
             "its sub-techniques' statuses. The heatmap draws parents only, each colored by its roll-up status, "
             "with its sub-techniques' counts in its tooltip; the tactic table counts sub-techniques by their own "
             "status.";
    case ReportRollup::kAll:
      return base +
             "This report uses the roll-up policy \"all\": a parent counts as DETECTED (or LOGGED) when it is itself, "
             "or when all of its sub-techniques are. The heatmap draws parents only, each colored by its roll-up "
             "status, with its sub-techniques' counts in its tooltip; the tactic table counts sub-techniques by "
             "their own status.";
    default:
      return base +
             "This report uses the roll-up policy \"none\": every parent shows its own status, and every "
             "sub-technique is a small cell of its own below its parent in the heatmap. A parent's roll-up (how "
             "many of its sub-techniques are detected, logged or blind) is in its tooltip, beside its status, never "
             "instead of it.";
  }
}

namespace {

using EscapeTable = std::array<const char*, 256>;  // replacement of each byte; nullptr: kept

void Escape(std::string* out, std::string_view s, const EscapeTable& table) {
  size_t run = 0;  // start of the bytes not yet appended
  for (size_t i = 0; i < s.size(); ++i) {
    const char* rep = table[static_cast<unsigned char>(s[i])];
    if (rep == nullptr) continue;
    out->append(s.data() + run, i - run);
    out->append(rep);
    run = i + 1;
  }
  out->append(s.data() + run, s.size() - run);
}

}  // namespace

void PutOne(std::string* out, HtmlText t) {
  static const EscapeTable table = [] {
    EscapeTable e{};
    for (int c = 0; c < 0x20; ++c) e[c] = " ";
    e['\t'] = e['\n'] = nullptr;
    e['&'] = "&amp;";
    e['<'] = "&lt;";
    e['>'] = "&gt;";
    e['"'] = "&quot;";
    e['\''] = "&#39;";
    return e;
  }();
  Escape(out, t.s, table);
}

void PutOne(std::string* out, JsonString t) {
  static const EscapeTable table = [] {
    static char unicode[0x20][8];
    EscapeTable e{};
    for (int c = 0; c < 0x20; ++c) {
      snprintf(unicode[c], sizeof unicode[c], "\\u%04x", c);
      e[c] = unicode[c];
    }
    e['\n'] = "\\n";
    e['\r'] = "\\r";
    e['\t'] = "\\t";
    e['"'] = "\\\"";
    e['\\'] = "\\\\";
    return e;
  }();
  out->push_back('"');
  Escape(out, t.s, table);
  out->push_back('"');
}

}  // namespace ttpgraph::report_text
