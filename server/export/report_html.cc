// The HTML report: one self-contained page (report_render.h). Layout of the
// heatmap: one column per tactic; in each, the techniques that are not
// sub-techniques (and sub-techniques whose parent is not in the tactic) as
// labelled rows sorted by name, each followed under roll-up none by its
// sub-techniques as small squares, ten to a line.
#include <algorithm>
#include <cstdio>
#include <string_view>
#include <unordered_map>

#include "server/export/navigator_layer.h"  // kBlindColor, kLoggedColor, kDetectedColor
#include "server/export/report_render.h"
#include "server/export/report_text.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

namespace rt = report_text;

using H = rt::HtmlText;
using rt::Put;

const char* StatusClass(ReportStatus s) {
  switch (s) {
    case ReportStatus::kDetected: return "detected";
    case ReportStatus::kLogged: return "logged";
    default: return "blind";
  }
}

std::string Fixed(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// The part of "enterprise-attack@18.1" after '@' (the whole when none).
std::string Version(const std::string& release) {
  size_t at = release.rfind('@');
  return at == std::string::npos ? release : release.substr(at + 1);
}

// ---- style and script --------------------------------------------------------

std::string Css() {
  return Cat(R"(:root{--detected:)", kDetectedColor, ";--logged:", kLoggedColor, ";--blind:", kBlindColor, R"(;
--ink:#1b2430;--muted:#5b6675;--line:#d9dee5;--paper:#fff;--bg:#f3f5f8;--accent:#1d3a5f}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"DejaVu Sans",sans-serif}
main{max-width:1500px;margin:0 auto;padding:24px 28px 40px}
section,header.top,footer{background:var(--paper);border:1px solid var(--line);border-radius:8px;padding:18px 22px;margin:0 0 18px}
h1{font-size:24px;margin:0 0 4px;letter-spacing:-.01em}
h2{font-size:17px;margin:0 0 12px;color:var(--accent)}
.meta{color:var(--muted);margin:0 0 14px}
.kpis{display:flex;flex-wrap:wrap;gap:12px}
.kpi{flex:1 1 150px;border:1px solid var(--line);border-radius:6px;padding:8px 12px;border-top-width:4px}
.kpi b{display:block;font-size:22px;font-variant-numeric:tabular-nums}
.kpi span{color:var(--muted);font-size:12px}
.kpi.detected{border-top-color:var(--detected)}.kpi.logged{border-top-color:var(--logged)}.kpi.blind{border-top-color:var(--blind)}
.kpi.wide{flex:3 1 320px}.kpi.wide b{font-size:14px;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-size:12px;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line);white-space:nowrap}
thead th.sortable{cursor:pointer}
tfoot th,tfoot td{border-top:2px solid var(--line);font-weight:700}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.id{color:var(--muted);font-size:11px;margin-left:4px;white-space:nowrap}
.bar{display:flex;height:12px;min-width:120px;border-radius:2px;overflow:hidden;background:#eee}
.bar span{display:block;height:100%}
.bar .detected,.badge.detected,.swatch.detected{background:var(--detected)}
.bar .logged,.badge.logged,.swatch.logged{background:var(--logged)}
.bar .blind,.badge.blind,.swatch.blind{background:var(--blind)}
.badge{display:inline-block;padding:0 6px;border-radius:3px;font-size:11px;font-weight:700}
.small{font-size:12px;color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:12px;margin:0 0 10px;align-items:center}
.swatch{display:inline-block;width:14px;height:11px;border-radius:2px;vertical-align:-1px;margin-right:5px}
.dot{display:inline-block;width:7px;height:7px;border-radius:50%;background:#111;margin-right:5px}
.scroll{overflow-x:auto}
svg#heatmap{display:block;width:100%;height:auto;min-width:1100px}
svg#heatmap text{font-family:inherit;pointer-events:none}
svg#heatmap .cell rect{stroke:#fff;stroke-width:.6}
svg#heatmap .detected rect{fill:var(--detected)}svg#heatmap .logged rect{fill:var(--logged)}svg#heatmap .blind rect{fill:var(--blind)}
svg#heatmap .cell:hover rect{stroke:#1d3a5f;stroke-width:2}
.blind-spots td:nth-child(2){min-width:190px}
ol.telemetry{margin:0;padding-left:22px}
ol.telemetry>li{margin:0 0 8px}
ol.telemetry ul{margin:2px 0 0;padding-left:16px}
.telemetry-line{margin:1px 0}
.trend-wrap{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
svg#trend{width:560px;max-width:100%;height:auto}
svg#trend text{font-family:inherit}
.trend-wrap table{width:auto;flex:1 1 320px}
footer p{margin:0 0 8px;font-size:12.5px;color:#333}
footer p:last-child{margin:0}
.none{color:var(--muted);font-style:italic}
.print-only{display:none}
@media print{
@page{size:A4 landscape;margin:7mm 8mm}
body{background:#fff;font-size:7pt;line-height:1.25}
main{max-width:none;padding:0;display:grid;grid-template-columns:1fr 1fr 1fr;column-gap:5mm;align-items:start;
grid-template-areas:"top top top" "tactics spots spots" "trend telemetry next" "map map map" "method method method"}
section,header.top,footer{border:0;border-radius:0;padding:0;margin:0 0 2.5mm;break-inside:avoid}
header.top{grid-area:top}#tactics{grid-area:tactics}#blind-spots{grid-area:spots}#telemetry{grid-area:telemetry}
#trend{grid-area:trend}#next-release{grid-area:next}footer{grid-area:method}
#matrix{grid-area:map;margin:0 0 2mm}
.screen-only,.bar-col,#tactics .id,#next-release .id{display:none}.blind-spots td:nth-child(2){min-width:0}.print-only{display:block}
h1{font-size:12pt}h2{font-size:8.5pt;margin:0 0 1mm}
.meta{margin:0 0 1.5mm}.kpis{gap:2mm;flex-wrap:nowrap}.kpi{padding:.8mm 2mm;border-top-width:2.5px}.kpi b{font-size:10pt}.kpi span{font-size:6.5pt}.kpi.wide b{font-size:7.5pt}
table{font-size:6.4pt;line-height:1.2}th,td{padding:.25mm 1mm}thead th{font-size:6.2pt;white-space:normal}
.id{font-size:6pt}.badge{font-size:6pt;padding:0 3px}.small{font-size:6.2pt}
.legend{font-size:6.5pt;margin:0 0 1mm;gap:1mm 5mm}
.scroll{overflow:visible}
svg#heatmap{min-width:0;width:auto;max-width:100%;height:155mm;margin:0 auto}
.trend-wrap{display:block}svg#trend{width:100%}.trend-wrap table{width:100%}
ol.telemetry{padding-left:4mm}ol.telemetry>li{margin:0 0 1mm}ol.telemetry ul{padding-left:3mm}
p{margin:0 0 1mm}footer p{font-size:6pt;margin:0 0 .8mm}
}
)");
}

// Sorting for tables with class "sortable" (click a header). Pure progressive
// enhancement: without JavaScript the tables read the same, in model order.
constexpr const char* kScript = R"(
(function(){
  document.querySelectorAll('table.sortable').forEach(function(table){
    var body = table.tBodies[0];
    table.querySelectorAll('thead th').forEach(function(th, col){
      th.classList.add('sortable');
      th.title = 'Sort';
      th.addEventListener('click', function(){
        var rows = Array.prototype.slice.call(body.rows);
        var dir = th.getAttribute('data-dir') === 'asc' ? -1 : 1;
        th.setAttribute('data-dir', dir === 1 ? 'asc' : 'desc');
        var key = function(r){
          var t = r.cells[col].textContent.trim();
          var n = parseFloat(t.replace(/[,%]/g, ''));
          return isNaN(n) ? t.toLowerCase() : n;
        };
        rows.sort(function(a, b){ var x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : 0) * dir; });
        rows.forEach(function(r){ body.appendChild(r); });
      });
    });
  });
})();
)";

// ---- sections ----------------------------------------------------------------

void Header(const ReportModel& m, std::string* out) {
  const ReportHeader& h = m.header;
  Put(out, "<header class=\"top\" id=\"summary\"><h1>", H{rt::Title(h)}, "</h1>");
  Put(out, "<p class=\"meta\">Organization <b data-field=\"organization-id\">", H{h.organization_id},
      "</b> · release <b data-field=\"release\">", H{h.release}, "</b> · generated <b data-field=\"generated-at\">",
      H{h.generated_at}, "</b></p><div class=\"kpis\">");
  const ReportTotals& o = m.overall;
  auto kpi = [&](const char* cls, const char* label, double pct, int n) {
    Put(out, "<div class=\"kpi ", cls, "\" data-field=\"overall-", cls, "\"><b>", rt::Percent(pct), "</b><span>", label,
        ": ", rt::Count(n), " of ", rt::Count(o.techniques), " techniques</span></div>");
  };
  kpi("detected", "DETECTED", o.detected_pct(), o.detected);
  kpi("logged", "LOGGED", o.logged_pct(), o.logged);
  kpi("blind", "BLIND", o.blind_pct(), o.blind);
  Put(out, "<div class=\"kpi\" data-field=\"rules\"><b>", rt::Count(h.rules_enabled), "</b><span>rules enabled; ",
      rt::Count(h.rules_disabled), " disabled",
      h.rules_testing > 0 ? Cat(", ", rt::Count(h.rules_testing), " testing") : "", "</span></div>");
  Put(out, "<div class=\"kpi\" data-field=\"data-components\"><b>", rt::Count(h.data_components_collected),
      "</b><span>data components collected</span></div>");
  Put(out, "<div class=\"kpi wide\" data-field=\"threat-selection\"><b>", H{h.threat_selection},
      "</b><span>threat selection</span></div></div></header>\n");
}

void TotalsCells(const ReportTotals& t, std::string* out, const char* cell = "td") {
  Put(out, "<", cell, " class=\"num n-techniques\">", rt::Count(t.techniques), "</", cell, ">");
  const std::pair<const char*, std::pair<int, double>> parts[] = {{"detected", {t.detected, t.detected_pct()}},
                                                                  {"logged", {t.logged, t.logged_pct()}},
                                                                  {"blind", {t.blind, t.blind_pct()}}};
  for (const auto& [name, v] : parts)
    Put(out, "<", cell, " class=\"num n-", name, "\">", rt::Count(v.first), "</", cell, "><", cell, " class=\"num p-",
        name, "\">", rt::Percent(v.second), "</", cell, ">");
  Put(out, "<", cell, " class=\"bar-col\"><div class=\"bar\" aria-hidden=\"true\">");
  for (const auto& [name, v] : parts)
    if (v.first > 0) Put(out, "<span class=\"", name, "\" style=\"width:", Fixed(v.second), "%\"></span>");
  Put(out, "</div></", cell, ">");
}

void Tactics(const ReportModel& m, std::string* out) {
  Put(out, "<section id=\"tactics\"><h2>", rt::kTacticsTitle, "</h2><table class=\"tactics sortable\"><thead><tr>",
      "<th>Tactic</th><th class=\"num\">Techniques</th><th class=\"num\">DETECTED</th><th class=\"num\">%</th>",
      "<th class=\"num\">LOGGED</th><th class=\"num\">%</th><th class=\"num\">BLIND</th><th class=\"num\">%</th>",
      "<th class=\"bar-col\">Distribution</th></tr></thead><tbody>");
  for (const ReportTactic& t : m.tactics) {
    Put(out, "<tr data-tactic=\"", H{t.shortname}, "\"><td>", H{t.name}, "<span class=\"id\">", H{t.id},
        "</span></td>");
    TotalsCells(t.counts, out);
    *out += "</tr>";
  }
  *out += "</tbody><tfoot><tr data-tactic=\"\"><th>All techniques <span class=\"id\">each counted once</span></th>";
  TotalsCells(m.overall, out, "th");
  *out += "</tr></tfoot></table></section>\n";
}

// Heatmap geometry (SVG user units).
constexpr int kColW = 100, kColGap = 5, kHeadH = 50, kRowH = 14, kRowGap = 2;
constexpr int kSubW = 9, kSubH = 8, kSubGap = 1, kSubsPerLine = (kColW + kSubGap) / (kSubW + kSubGap);
static_assert(kSubW % 2 == 1 && kSubH % 2 == 0 && kRowH % 2 == 0, "the marks' centres are written as x.5 and y");
constexpr size_t kLabelChars = 19;  // of a row's name at font-size 8 in kColW (17 beside the group mark)
// What the printed summary page lists; the screen shows the rest.
constexpr size_t kPrintTelemetryLines = 6, kPrintReview = 5;

// At most `n` characters (UTF-8 code points) of `s`, with "…" when cut.
std::string Truncate(const std::string& s, size_t n) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (chars++ == n - 1) {
      // Cut here unless the rest is this one character.
      size_t next = i + 1;
      while (next < s.size() && (static_cast<unsigned char>(s[next]) & 0xC0) == 0x80) ++next;
      if (next == s.size()) return s;
      return s.substr(0, i) + "\u2026";
    }
  }
  return s;
}

// A tactic name over at most two lines, split at the space nearest the middle.
std::pair<std::string, std::string> TwoLines(const std::string& name) {
  if (name.size() <= 17) return {name, ""};
  const size_t mid = name.size() / 2;
  auto distance = [mid](size_t i) { return i > mid ? i - mid : mid - i; };
  size_t best = std::string::npos;
  for (size_t i = 0; i < name.size(); ++i)
    if (name[i] == ' ' && (best == std::string::npos || distance(i) < distance(best))) best = i;
  if (best == std::string::npos) return {name, ""};
  return {name.substr(0, best), name.substr(best + 1)};
}

// The tooltip of a heatmap cell, escaped: ID and name, status, group use,
// roll-up counts, and the first max_detections_listed detections ("and N
// more"), one per line.
void Tooltip(const ReportModel& m, const ReportTechnique& t, std::string* out) {
  Put(out, "<title>", H{t.id}, " ", H{t.name}, "\n", ReportStatusName(t.rollup_status));
  if (t.rollup_status != t.status)
    Put(out, " (roll-up ", ReportRollupName(m.rollup), "; own status ", ReportStatusName(t.status), ")");
  if (t.groups_using > 0)
    Put(out, "\nUsed by ", t.groups_using, t.groups_using == 1 ? " selected group" : " selected groups");
  if (t.subtechniques > 0)
    Put(out, "\nSub-techniques: ", t.sub_detected, " detected, ", t.sub_logged, " logged, ", t.sub_blind, " blind");
  const size_t n = t.detections.size(), shown = std::min(n, m.max_detections_listed);
  if (n == 0) Put(out, "\nNo detection");
  if (n > 0) Put(out, "\n", n, n == 1 ? " detection:" : " detections:");
  for (size_t i = 0; i < shown; ++i) Put(out, "\n- ", H{t.detections[i]});
  if (n > shown) Put(out, "\nand ", n - shown, " more");
  out->append("</title>");
}

void Cell(const ReportModel& m, const ReportTechnique& t, const std::string& tactic, int x, int y, bool sub,
          std::string* out) {
  Put(out, "<g class=\"cell ", sub ? "sub " : "", StatusClass(t.rollup_status), t.groups_using > 0 ? " used" : "",
      "\" data-technique=\"", H{t.id}, "\" data-tactic=\"", H{tactic}, "\" data-status=\"",
      ReportStatusName(t.rollup_status), "\">");
  Tooltip(m, t, out);
  if (sub) {
    Put(out, "<rect x=\"", x, "\" y=\"", y, "\" width=\"", kSubW, "\" height=\"", kSubH, "\"/>");
    if (t.groups_using > 0) Put(out, "<circle cx=\"", x + kSubW / 2, ".5\" cy=\"", y + kSubH / 2, "\" r=\"1.4\"/>");
    *out += "</g>";
    return;
  }
  Put(out, "<rect x=\"", x, "\" y=\"", y, "\" width=\"", kColW, "\" height=\"", kRowH, "\" rx=\"1.5\"/><text x=\"",
      x + 3, "\" y=\"", y + 10, "\">", H{Truncate(t.name, t.groups_using > 0 ? kLabelChars - 2 : kLabelChars)},
      "</text>");
  if (t.groups_using > 0) Put(out, "<circle cx=\"", x + kColW - 5, "\" cy=\"", y + kRowH / 2, "\" r=\"2.2\"/>");
  *out += "</g>";
}

void Heatmap(const ReportModel& m, std::string* out) {
  std::unordered_map<std::string, size_t> column;
  for (size_t i = 0; i < m.tactics.size(); ++i) column[m.tactics[i].shortname] = i;
  // Per column: the rows (by name) and each row's sub-techniques (by ID).
  std::vector<std::vector<const ReportTechnique*>> members(m.tactics.size());
  for (const ReportTechnique& t : m.techniques)
    for (const std::string& tactic : t.tactics)
      if (auto it = column.find(tactic); it != column.end()) members[it->second].push_back(&t);
  struct Row {
    const ReportTechnique* t;
    std::string key;  // lower-case name: rows sort by it, then by ATT&CK ID
    std::vector<const ReportTechnique*> subs;
  };
  std::vector<std::vector<Row>> rows(m.tactics.size());
  int height = kHeadH;
  for (size_t c = 0; c < m.tactics.size(); ++c) {
    std::unordered_map<std::string, size_t> row_of;
    for (const ReportTechnique* t : members[c])
      if (!t->is_subtechnique) row_of[t->id] = 0;
    for (const ReportTechnique* t : members[c])
      if (!t->is_subtechnique || !row_of.count(t->parent)) rows[c].push_back({t, ToLower(t->name), {}});
    std::sort(rows[c].begin(), rows[c].end(),
              [](const Row& a, const Row& b) { return a.key != b.key ? a.key < b.key : a.t->id < b.t->id; });
    for (size_t r = 0; r < rows[c].size(); ++r) row_of[rows[c][r].t->id] = r;
    if (m.rollup == ReportRollup::kNone)
      for (const ReportTechnique* t : members[c])
        if (t->is_subtechnique && row_of.count(t->parent)) rows[c][row_of[t->parent]].subs.push_back(t);
    int h = kHeadH;
    for (Row& row : rows[c]) {
      std::sort(row.subs.begin(), row.subs.end(),
                [](const ReportTechnique* a, const ReportTechnique* b) { return a->id < b->id; });
      h += kRowH + kRowGap + static_cast<int>((row.subs.size() + kSubsPerLine - 1) / kSubsPerLine) * (kSubH + kSubGap);
    }
    height = std::max(height, h);
  }
  const int width = std::max<int>(1, static_cast<int>(m.tactics.size()) * (kColW + kColGap) - kColGap);
  Put(out, "<section id=\"matrix\"><h2>", H{rt::kHeatmapTitle}, " <span class=\"small\">", H{m.header.release},
      ", roll-up ", ReportRollupName(m.rollup), "</span></h2><div class=\"legend\">",
      "<span><i class=\"swatch detected\"></i>DETECTED (100): an enabled detection maps to it</span>",
      "<span><i class=\"swatch logged\"></i>LOGGED (50): collected telemetry can see it, no rule</span>",
      "<span><i class=\"swatch blind\"></i>BLIND (0): neither</span>",
      "<span><i class=\"dot\"></i>used by the selected groups</span>",
      m.rollup == ReportRollup::kNone ? "<span>small squares under a technique: its sub-techniques</span>"
                                      : "<span>sub-techniques folded into their parent's roll-up</span>",
      "<span class=\"small screen-only\">hover a cell for its detections</span></div>");
  Put(out, "<div class=\"scroll\"><svg id=\"heatmap\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", width, " ",
      height, "\" role=\"img\" aria-label=\"ATT&amp;CK matrix heatmap\" font-size=\"8\">");
  for (size_t c = 0; c < m.tactics.size(); ++c) {
    const ReportTactic& tactic = m.tactics[c];
    const int x = static_cast<int>(c) * (kColW + kColGap);
    auto [l1, l2] = TwoLines(tactic.name);
    Put(out, "<g class=\"tactic\" data-tactic=\"", H{tactic.shortname}, "\"><title>", H{tactic.name}, " (",
        H{tactic.id}, "): ", tactic.counts.techniques, " techniques, ", rt::Percent(tactic.counts.detected_pct()),
        " detected, ", rt::Percent(tactic.counts.logged_pct()), " logged, ", rt::Percent(tactic.counts.blind_pct()),
        " blind</title><text x=\"", x + kColW / 2,
        "\" y=\"11\" text-anchor=\"middle\" font-weight=\"700\" font-size=\"10\">", H{l1}, "</text>");
    if (!l2.empty())
      Put(out, "<text x=\"", x + kColW / 2, "\" y=\"23\" text-anchor=\"middle\" font-weight=\"700\" font-size=\"10\">",
          H{l2}, "</text>");
    Put(out, "<text x=\"", x + kColW / 2, "\" y=\"35\" text-anchor=\"middle\" fill=\"#5b6675\" font-size=\"8\">",
        tactic.counts.techniques, " · ", rt::Percent(tactic.counts.detected_pct()), " detected</text>");
    // The tactic's distribution as a thin stacked bar.
    double bx = x;
    const std::pair<const char*, int> parts[] = {{kDetectedColor, tactic.counts.detected},
                                                 {kLoggedColor, tactic.counts.logged},
                                                 {kBlindColor, tactic.counts.blind}};
    for (const auto& [color, n] : parts) {
      if (n == 0) continue;
      const double w = static_cast<double>(kColW) * n / tactic.counts.techniques;
      Put(out, "<rect x=\"", Fixed(bx), "\" y=\"40\" width=\"", Fixed(w), "\" height=\"4\" fill=\"", color, "\"/>");
      bx += w;
    }
    *out += "</g>";
    int y = kHeadH;
    for (const Row& row : rows[c]) {
      Cell(m, *row.t, tactic.shortname, x, y, false, out);
      y += kRowH + kSubGap;
      for (size_t i = 0; i < row.subs.size(); ++i) {
        const int sx = x + static_cast<int>(i % kSubsPerLine) * (kSubW + kSubGap);
        const int sy = y + static_cast<int>(i / kSubsPerLine) * (kSubH + kSubGap);
        Cell(m, *row.subs[i], tactic.shortname, sx, sy, true, out);
      }
      y +=
          static_cast<int>((row.subs.size() + kSubsPerLine - 1) / kSubsPerLine) * (kSubH + kSubGap) + kRowGap - kSubGap;
    }
  }
  *out += "</svg></div></section>\n";
}

void BlindSpots(const ReportModel& m, std::string* out) {
  Put(out, "<section id=\"blind-spots\"><h2>", rt::kBlindSpotsTitle,
      " <span class=\"small\">used by the selected groups, "
      "BLIND before LOGGED, by number of groups</span></h2>");
  if (m.blind_spots.empty()) {
    *out += "<p class=\"none\">No blind spot: every technique the selected groups use is DETECTED.</p></section>\n";
    return;
  }
  *out +=
      "<table class=\"blind-spots\"><thead><tr><th class=\"num\">#</th><th>Technique</th><th>Status</th>"
      "<th>Selected groups</th><th>Why</th><th>D3FEND countermeasures</th><th>Atomic tests</th></tr></thead><tbody>";
  for (const ReportBlindSpot& b : m.blind_spots) {
    Put(out, "<tr data-technique=\"", H{b.technique_id}, "\" data-status=\"", ReportStatusName(b.status),
        "\"><td class=\"num\">", b.rank, "</td><td><b>", H{b.technique_id}, "</b> ", H{b.technique_name},
        "</td><td><span class=\"badge ", StatusClass(b.status), "\">", ReportStatusName(b.status),
        "</span></td><td><b class=\"groups-count\">", b.groups.size(), "</b> ",
        H{rt::ListWithMore(b.groups, m.max_groups_listed)}, "</td><td class=\"why\">", H{rt::BlindReason(b)});
    const auto& dcs = b.status == ReportStatus::kBlind ? b.data_components : b.collected_components;
    if (!dcs.empty())
      Put(out, "<div class=\"small\">",
          b.status == ReportStatus::kBlind ? "collect: " : "collected: ", H{rt::ListWithMore(dcs, 3)}, "</div>");
    *out += "</td><td>";
    if (!m.d3fend_loaded) {
      *out += "<span class=\"none\">D3FEND not loaded</span>";
    } else if (b.countermeasures.empty()) {
      *out += "<span class=\"none\">none mapped</span>";
    } else {
      std::vector<std::string> cms;
      for (const auto& c : b.countermeasures) cms.push_back(Cat(c.id, " ", c.label));
      Put(out, H{rt::ListWithMore(cms, 3)});
    }
    *out += "</td><td>";
    if (!m.atomic_loaded) {
      *out += "<span class=\"none\">Atomic index not loaded</span>";
    } else if (b.atomic_tests.empty()) {
      *out += "<span class=\"none\">none</span>";
    } else {
      std::vector<std::string> tests;
      for (const auto& a : b.atomic_tests) tests.push_back(Cat("#", a.number, " ", a.name));
      Put(out, "<b>", b.atomic_tests.size(), "</b>: ", H{rt::ListWithMore(tests, 2, "; ")});
    }
    *out += "</td></tr>";
  }
  *out += "</tbody></table></section>\n";
}

void Telemetry(const ReportModel& m, std::string* out) {
  std::unordered_map<std::string, std::string> tactic_name;
  for (const ReportTactic& t : m.tactics) tactic_name[t.shortname] = t.name;
  Put(out, "<section id=\"telemetry\"><h2>", rt::kTelemetryTitle,
      " <span class=\"small\">each turns BLIND gaps LOGGED, chosen greedily</span></h2>");
  if (m.telemetry.empty()) {
    *out += "<p class=\"none\">No recommendation: no data component would turn a BLIND gap LOGGED.</p></section>\n";
    return;
  }
  // Print: the first kPrintTelemetryLines lines; a recommendation with none of them left is left out whole.
  *out += "<ol class=\"telemetry\">";
  size_t lines = 0, hidden = 0;
  for (const ReportTelemetry& r : m.telemetry) {
    Put(out, "<li", lines >= kPrintTelemetryLines ? " class=\"screen-only\"" : "", " data-component=\"",
        H{r.data_component_id.empty() ? r.data_component_name : r.data_component_id}, "\"><b>",
        H{rt::DataComponentLabel(r)}, "</b> <span class=\"small\">", rt::GapsAdded(r), "</span><ul>");
    for (const auto& tg : r.by_tactic) {
      const bool screen_only = lines++ >= kPrintTelemetryLines;
      hidden += screen_only;
      Put(out, "<li class=\"telemetry-line", screen_only ? " screen-only" : "", "\">",
          H{rt::TelemetryLine(r, tg, tactic_name[tg.tactic])}, "</li>");
    }
    *out += "</ul></li>";
  }
  *out += "</ol>";
  if (hidden > 0) Put(out, "<p class=\"print-only small\">and ", hidden, " more lines in the screen version.</p>");
  *out += "</section>\n";
}

void TrendChart(const ReportModel& m, std::string* out) {
  constexpr int kW = 560, kH = 200, kL = 40, kR = 122, kT = 12, kB = 34;
  const int plot_w = kW - kL - kR, plot_h = kH - kT - kB;
  Put(out, "<svg id=\"trend\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", kW, " ", kH,
      "\" role=\"img\" aria-label=\"Coverage trend\" font-size=\"11\">");
  for (int p = 0; p <= 100; p += 25) {
    const double y = kT + plot_h * (100 - p) / 100.0;
    Put(out, "<line x1=\"", kL, "\" x2=\"", kL + plot_w, "\" y1=\"", Fixed(y), "\" y2=\"", Fixed(y),
        "\" stroke=\"#d9dee5\"/><text x=\"", kL - 6, "\" y=\"", Fixed(y + 4),
        "\" text-anchor=\"end\" fill=\"#5b6675\">", p, "%</text>");
  }
  const size_t n = m.trend.size();
  auto px = [&](size_t i) { return n == 1 ? kL + plot_w / 2.0 : kL + plot_w * static_cast<double>(i) / (n - 1); };
  auto py = [&](double pct) { return kT + plot_h * (100 - pct) / 100.0; };
  for (size_t i = 0; i < n; ++i)
    Put(out, "<text x=\"", Fixed(px(i)), "\" y=\"", kH - 12, "\" text-anchor=\"middle\" fill=\"#5b6675\">",
        H{Version(m.trend[i].release)}, "</text>");
  // The line colors are darker than the cell colors so the lines read on white.
  const struct {
    const char* name;
    const char* color;
    double (ReportTotals::*pct)() const;
  } series[] = {{"DETECTED", "#4d8a1c", &ReportTotals::detected_pct},
                {"LOGGED", "#c9a800", &ReportTotals::logged_pct},
                {"BLIND", "#d93b3b", &ReportTotals::blind_pct}};
  for (const auto& s : series) {
    std::string points;
    for (size_t i = 0; i < n; ++i)
      points += Cat(i ? " " : "", Fixed(px(i)), ",", Fixed(py((m.trend[i].counts.*s.pct)())));
    Put(out, "<g class=\"series\" data-series=\"", s.name, "\"><polyline fill=\"none\" stroke=\"", s.color,
        "\" stroke-width=\"2.5\" points=\"", points, "\"/>");
    for (size_t i = 0; i < n; ++i) {
      const double v = (m.trend[i].counts.*s.pct)();
      Put(out, "<circle cx=\"", Fixed(px(i)), "\" cy=\"", Fixed(py(v)), "\" r=\"3.5\" fill=\"", s.color, "\"><title>",
          H{m.trend[i].release}, ": ", rt::Percent(v), " ", s.name, "</title></circle>");
    }
    const double last = (m.trend[n - 1].counts.*s.pct)();
    Put(out, "<text x=\"", kL + plot_w + 8, "\" y=\"", Fixed(py(last) + 4), "\" fill=\"", s.color,
        "\" font-weight=\"700\">", s.name, " ", rt::Percent(last), "</text></g>");
  }
  *out += "</svg>";
}

void Trend(const ReportModel& m, std::string* out) {
  Put(out, "<section id=\"trend\"><h2>", rt::kTrendTitle, "</h2>");
  if (m.trend.empty()) {
    *out += "<p class=\"none\">No trend: no earlier release was asked for.</p></section>\n";
    return;
  }
  *out += "<div class=\"trend-wrap\">";
  TrendChart(m, out);
  *out +=
      "<table class=\"trend\"><thead><tr><th>Release</th><th class=\"num\">Techniques</th><th "
      "class=\"num\">DETECTED</th>"
      "<th class=\"num\">LOGGED</th><th class=\"num\">BLIND</th></tr></thead><tbody>";
  for (const ReportTrendPoint& p : m.trend)
    Put(out, "<tr><td>", H{p.release}, "</td><td class=\"num\">", rt::Count(p.counts.techniques),
        "</td><td class=\"num p-detected\">", rt::Percent(p.counts.detected_pct()), "</td><td class=\"num p-logged\">",
        rt::Percent(p.counts.logged_pct()), "</td><td class=\"num p-blind\">", rt::Percent(p.counts.blind_pct()),
        "</td></tr>");
  *out += "</tbody></table></div></section>\n";
}

void NextRelease(const ReportModel& m, std::string* out) {
  if (!m.next_release) return;
  const ReportNextRelease& n = *m.next_release;
  Put(out, "<section id=\"next-release\"><h2>", rt::kNextReleaseTitle, " <span class=\"small\">", H{n.from_release},
      " → ", H{n.target_release}, "</span></h2>");
  Put(out, "<p>", rt::Count(n.detections_in_scope), " detections mapped against ", H{n.from_release},
      ". Their mappings: <b data-field=\"auto\">", rt::Count(n.auto_migrated),
      "</b> migrate automatically, <b data-field=\"review\">", rt::Count(n.needs_review),
      "</b> need review, <b data-field=\"orphaned\">", rt::Count(n.orphaned), "</b> are orphaned, ",
      rt::Count(n.unchanged), " are unchanged. DETECTED moves from ", rt::Percent(n.coverage_before.detected_pct()),
      " on ", H{n.from_release}, " to ", rt::Percent(n.coverage_after.detected_pct()), " on ", H{n.target_release},
      " once migrated.</p>");
  if (!n.review.empty()) {
    *out +=
        "<table "
        "class=\"review\"><thead><tr><th>Detection</th><th>Technique</th><th>Action</th><th>Why</th></tr></"
        "thead><tbody>";
    for (size_t i = 0; i < n.review.size() && i < m.max_review_listed; ++i) {
      const ReportReviewItem& r = n.review[i];
      Put(out, "<tr", i >= kPrintReview ? " class=\"screen-only\"" : "", "><td>", H{r.detection_name},
          "<span class=\"id\">", H{r.detection_id}, "</span></td><td>", H{r.technique}, "</td><td>", H{r.action},
          "</td><td>", H{Join(r.reasons, "; ")}, "</td></tr>");
    }
    *out += "</tbody></table>";
    if (n.review.size() > kPrintReview)
      Put(out, "<p class=\"print-only small\">and ", n.review.size() - kPrintReview,
          " more detections to review in the screen version and the JSON report.</p>");
    if (n.review.size() > m.max_review_listed)
      Put(out, "<p class=\"small screen-only\">and ", n.review.size() - m.max_review_listed,
          " more detections to review (all of them are in the JSON report).</p>");
  }
  *out += "</section>\n";
}

void Method(const ReportModel& m, std::string* out) {
  Put(out, "<footer id=\"method\"><h2>", rt::kMethodTitle, "</h2><p>", H{rt::CoverageRuleParagraph()}, "</p><p>",
      H{rt::RollupParagraph(m.rollup)}, "</p></footer>\n");
}

}  // namespace

std::string RenderReportHtml(const ReportModel& m) {
  std::string out;
  // One allocation: the page is mostly heatmap cells and their tooltips' detection names.
  size_t estimate = 40000;
  for (const ReportTechnique& t : m.techniques) {
    size_t cell = 400;
    for (size_t i = 0; i < t.detections.size() && i < m.max_detections_listed; ++i) cell += t.detections[i].size() + 8;
    estimate += cell * t.tactics.size();
  }
  out.reserve(estimate + estimate / 8);
  Put(&out,
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      // Nothing from the network: no fetch, image, font or frame; only the inline style and script.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "script-src 'unsafe-inline'; img-src data:\">"
      "<meta name=\"generator\" content=\"ttpgraph\"><title>",
      H{rt::Title(m.header)}, " (", H{m.header.release}, ")</title><style>", Css(), "</style></head>\n<body><main>\n");
  Header(m, &out);
  Tactics(m, &out);
  Heatmap(m, &out);
  BlindSpots(m, &out);
  Telemetry(m, &out);
  Trend(m, &out);
  NextRelease(m, &out);
  Method(m, &out);
  Put(&out, "</main><script>", kScript, "</script></body></html>\n");
  return out;
}

}  // namespace ttpgraph
