// The Markdown report (report_render.h): GitHub-flavoured tables, one line per
// table row, nothing that needs HTML.
#include <unordered_map>

#include "server/export/report_render.h"
#include "server/export/report_text.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

namespace rt = report_text;

bool IsAlnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// True when s[i] == '&' starts an entity or character reference ("&lt;", "&#60;").
bool StartsReference(std::string_view s, size_t i) {
  size_t j = i + 1;
  if (j < s.size() && s[j] == '#') ++j;
  const size_t start = j;
  while (j < s.size() && IsAlnum(s[j])) ++j;
  return j > start && j < s.size() && s[j] == ';';
}

// Escapes text for Markdown inline content and table cells: backslash escapes
// for the inline markup characters and the cell separator, character
// references for what would be raw HTML, an entity or strikethrough (those
// read the same in CommonMark, GFM and Python-Markdown), spaces for line breaks.
std::string Md(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (c) {
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '|':
        out += '\\';
        out += c;
        break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '~': out += "&#126;"; break;
      case '&': out += StartsReference(s, i) ? "&amp;" : "&"; break;
      default: out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
  }
  return out;
}

void Heading(std::string* out, const char* title) { *out += Cat("\n## ", Md(title), "\n\n"); }

std::string TotalsCells(const ReportTotals& t) {
  return Cat(" | ", rt::Count(t.techniques), " | ", rt::Count(t.detected), " | ", rt::Percent(t.detected_pct()), " | ",
             rt::Count(t.logged), " | ", rt::Percent(t.logged_pct()), " | ", rt::Count(t.blind), " | ",
             rt::Percent(t.blind_pct()), " |\n");
}

}  // namespace

std::string RenderReportMarkdown(const ReportModel& m) {
  const ReportHeader& h = m.header;
  const ReportTotals& o = m.overall;
  std::string out = Cat("# ", Md(rt::Title(h)), "\n\n");
  out += Cat("Organization **", Md(h.organization_id), "** · release **", Md(h.release), "** · generated ",
             Md(h.generated_at), "\n\n");
  out += Cat("- **DETECTED:** ", rt::Percent(o.detected_pct()), " (", rt::Count(o.detected), " of ",
             rt::Count(o.techniques), " techniques)\n");
  out += Cat("- **LOGGED:** ", rt::Percent(o.logged_pct()), " (", rt::Count(o.logged), " of ", rt::Count(o.techniques),
             " techniques)\n");
  out += Cat("- **BLIND:** ", rt::Percent(o.blind_pct()), " (", rt::Count(o.blind), " of ", rt::Count(o.techniques),
             " techniques)\n");
  out += Cat("- **Rules:** ", rt::RulesLine(h), "\n");
  out += Cat("- **Data components collected:** ", rt::Count(h.data_components_collected), "\n");
  out += Cat("- **Threat selection:** ", Md(h.threat_selection), "\n");

  Heading(&out, rt::kTacticsTitle);
  out +=
      "| Tactic | ID | Techniques | DETECTED | DETECTED % | LOGGED | LOGGED % | BLIND | BLIND % |\n"
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const ReportTactic& t : m.tactics) out += Cat("| ", Md(t.name), " | ", Md(t.id), TotalsCells(t.counts));
  out += Cat("| **All techniques (each once)** | ", TotalsCells(m.overall));

  Heading(&out, rt::kHeatmapTitle);
  out += Cat("> The heatmap of the matrix (", m.tactics.size(), " tactics, ", rt::Count(o.techniques),
             " techniques, roll-up ", ReportRollupName(m.rollup),
             ") is in the HTML version of this report; Markdown has no room for it.\n");

  Heading(&out, rt::kBlindSpotsTitle);
  if (m.blind_spots.empty()) {
    out += "No blind spot: every technique the selected groups use is DETECTED.\n";
  } else {
    out +=
        "| # | Technique | Status | Selected groups | Why | D3FEND countermeasures | Atomic tests |\n"
        "| ---: | --- | --- | --- | --- | --- | --- |\n";
    for (const ReportBlindSpot& b : m.blind_spots) {
      std::string why = rt::BlindReason(b);
      const auto& dcs = b.status == ReportStatus::kBlind ? b.data_components : b.collected_components;
      if (!dcs.empty())
        why += Cat(b.status == ReportStatus::kBlind ? " (collect: " : " (collected: ", rt::ListWithMore(dcs, 3), ")");
      std::string d3fend = "D3FEND not loaded";
      if (m.d3fend_loaded) {
        std::vector<std::string> cms;
        for (const auto& c : b.countermeasures) cms.push_back(Cat(c.id, " ", c.label));
        d3fend = cms.empty() ? "none mapped" : rt::ListWithMore(cms, 3);
      }
      std::string atomic = "Atomic index not loaded";
      if (m.atomic_loaded) {
        std::vector<std::string> tests;
        for (const auto& a : b.atomic_tests) tests.push_back(Cat("#", a.number, " ", a.name));
        atomic = tests.empty() ? "none" : Cat(tests.size(), ": ", rt::ListWithMore(tests, 2, "; "));
      }
      out += Cat("| ", b.rank, " | ", Md(b.technique_id), " ", Md(b.technique_name), " | ", ReportStatusName(b.status),
                 " | ", b.groups.size(), ": ", Md(rt::ListWithMore(b.groups, m.max_groups_listed)), " | ", Md(why),
                 " | ", Md(d3fend), " | ", Md(atomic), " |\n");
    }
  }

  Heading(&out, rt::kTelemetryTitle);
  if (m.telemetry.empty()) {
    out += "No recommendation: no data component would turn a BLIND gap LOGGED.\n";
  } else {
    std::unordered_map<std::string, std::string> tactic_name;
    for (const ReportTactic& t : m.tactics) tactic_name[t.shortname] = t.name;
    for (size_t i = 0; i < m.telemetry.size(); ++i) {
      const ReportTelemetry& r = m.telemetry[i];
      out += Cat(i + 1, ". **", Md(rt::DataComponentLabel(r)), "**: ", rt::GapsAdded(r), "\n");
      for (const auto& tg : r.by_tactic)
        out += Cat("    - ", Md(rt::TelemetryLine(r, tg, tactic_name[tg.tactic])), "\n");
    }
  }

  Heading(&out, rt::kTrendTitle);
  if (m.trend.empty()) {
    out += "No trend: no earlier release was asked for.\n";
  } else {
    out += "| Release | Techniques | DETECTED | LOGGED | BLIND |\n| --- | ---: | ---: | ---: | ---: |\n";
    for (const ReportTrendPoint& p : m.trend)
      out +=
          Cat("| ", Md(p.release), " | ", rt::Count(p.counts.techniques), " | ", rt::Percent(p.counts.detected_pct()),
              " | ", rt::Percent(p.counts.logged_pct()), " | ", rt::Percent(p.counts.blind_pct()), " |\n");
  }

  if (m.next_release) {
    const ReportNextRelease& n = *m.next_release;
    Heading(&out, rt::kNextReleaseTitle);
    out += Cat(rt::Count(n.detections_in_scope), " detections mapped against ", Md(n.from_release), " move to ",
               Md(n.target_release), ". Their mappings: **", rt::Count(n.auto_migrated), "** migrate automatically, **",
               rt::Count(n.needs_review), "** need review, **", rt::Count(n.orphaned), "** are orphaned, ",
               rt::Count(n.unchanged), " are unchanged. DETECTED moves from ",
               rt::Percent(n.coverage_before.detected_pct()), " on ", Md(n.from_release), " to ",
               rt::Percent(n.coverage_after.detected_pct()), " on ", Md(n.target_release), " once migrated.\n");
    if (!n.review.empty()) {
      out += "\n| Detection | ID | Technique | Action | Why |\n| --- | --- | --- | --- | --- |\n";
      for (size_t i = 0; i < n.review.size() && i < m.max_review_listed; ++i) {
        const ReportReviewItem& r = n.review[i];
        out += Cat("| ", Md(r.detection_name), " | ", Md(r.detection_id), " | ", Md(r.technique), " | ", Md(r.action),
                   " | ", Md(Join(r.reasons, "; ")), " |\n");
      }
      if (n.review.size() > m.max_review_listed)
        out += Cat("\nand ", n.review.size() - m.max_review_listed,
                   " more detections to review (all of them are in the JSON report).\n");
    }
  }

  Heading(&out, rt::kMethodTitle);
  out += Cat(Md(rt::CoverageRuleParagraph()), "\n\n", Md(rt::RollupParagraph(m.rollup)), "\n");
  return out;
}

}  // namespace ttpgraph
