// The executive report renderers (server/export/report_render.h) on the small
// hand-made model of tests/testdata/report/README.md: exact content (section
// order, counts and percentages, the telemetry phrasing, heatmap cells per
// tactic and status, escaping of hostile names), the Markdown and JSON
// against golden files, the Markdown parsed by Python-Markdown with its tactic
// table checked (tests/e2e/report_markdown_check.py), and the model helpers
// (TopBlindSpots, AttributeTelemetryGaps, ValidateReportModel).
//
// Regenerate the golden files (then read their diff):
//   TTPGRAPH_UPDATE_GOLDEN=1 build/tests/report_render_test
#include "server/export/report_render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <map>
#include <regex>
#include <set>

#include "server/export/report_text.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::StatusIs;

constexpr ReportStatus D = ReportStatus::kDetected, L = ReportStatus::kLogged, B = ReportStatus::kBlind;

ReportTechnique Tech(std::string id, std::string name, std::vector<std::string> tactics, ReportStatus s, int groups = 0,
                     std::vector<std::string> detections = {}) {
  ReportTechnique t;
  t.id = std::move(id);
  t.name = std::move(name);
  t.tactics = std::move(tactics);
  t.status = t.rollup_status = s;
  t.groups_using = groups;
  t.detections = std::move(detections);
  size_t dot = t.id.find('.');
  if (dot != std::string::npos) {
    t.is_subtechnique = true;
    t.parent = t.id.substr(0, dot);
  }
  return t;
}

ReportBlindSpot Spot(std::string id, std::string name, ReportStatus s, std::vector<std::string> groups) {
  ReportBlindSpot b;
  b.technique_id = std::move(id);
  b.technique_name = std::move(name);
  b.status = s;
  b.groups = std::move(groups);
  return b;
}

// The model drawn in tests/testdata/report/README.md.
ReportModel SmallModel() {
  ReportModel m;
  m.header = {"Acme <Corp> & Sons",
              "acme",
              "enterprise-attack@18.1",
              "2026-12-03T09:00:00Z",
              12,
              3,
              1,
              4,
              "3 groups: APT28 (G0007), APT29 (G0016), FIN7 | <b>evil</b> (G0046)",
              3};
  m.rollup = ReportRollup::kNone;
  m.overall = {8, 3, 2, 3};
  m.tactics = {{"TA0001", "initial-access", "Initial Access", {3, 1, 1, 1}},
               {"TA0002", "execution", "Execution", {5, 2, 1, 2}},
               {"TA0003", "persistence", "Persistence", {3, 1, 1, 1}}};
  std::vector<std::string> powershell = {"<script>alert(1)</script>", "Pipe | in name", "*bold* _under_ [link](x)"};
  for (int i = 4; i <= 13; ++i) powershell.push_back(Cat("PowerShell rule ", i));
  m.techniques = {
      Tech("T1053", "Scheduled Task/Job", {"execution", "persistence"}, L, 1),
      Tech("T1053.005", "Scheduled Task", {"execution", "persistence"}, B, 1),
      Tech("T1059", "Command and Scripting Interpreter", {"execution"}, D, 2, {"Suspicious shell"}),
      Tech("T1059.001", "PowerShell", {"execution"}, D, 0, powershell),
      Tech("T1059.003", "Windows Command Shell", {"execution"}, B, 2),
      Tech("T1078", "Valid Accounts", {"initial-access", "persistence"}, D, 0, {"Impossible travel"}),
      Tech("T1566", "Phishing", {"initial-access"}, B, 3),
      Tech("T1566.001", "Spearphishing Attachment", {"initial-access"}, L, 3),
  };
  m.techniques[0].subtechniques = 1, m.techniques[0].sub_blind = 1;
  m.techniques[2].subtechniques = 2, m.techniques[2].sub_detected = 1, m.techniques[2].sub_blind = 1;
  m.techniques[6].subtechniques = 1, m.techniques[6].sub_logged = 1;
  // The gap report's order: groups using it, then ATT&CK ID.
  std::vector<ReportBlindSpot> gaps = {
      Spot("T1566", "Phishing", B, {"APT28 (G0007)", "APT29 (G0016)", "FIN7 | <b>evil</b> (G0046)"}),
      Spot("T1566.001", "Spearphishing Attachment", L,
           {"APT28 (G0007)", "APT29 (G0016)", "FIN7 | <b>evil</b> (G0046)"}),
      Spot("T1059.003", "Windows Command Shell", B, {"APT28 (G0007)", "APT29 (G0016)"}),
      Spot("T1053", "Scheduled Task/Job", L, {"APT29 (G0016)"}),
      Spot("T1053.005", "Scheduled Task", B, {"APT29 (G0016)"}),
  };
  gaps[0].data_components = {"DC0029 Network Traffic Content"};
  gaps[0].countermeasures = {{"D3-MA", "Message Analysis"}, {"D3-SFA", "Sender Reputation <Analysis>"}};
  gaps[0].atomic_tests = {
      {1, "Download Macro-Enabled Phishing Attachment"}, {2, "Word spawned a command shell"}, {3, "Third"}};
  gaps[1].collected_components = {"DC0039 File Creation"};
  gaps[2].data_components = {"DC0017 Command Execution", "DC0032 Process Creation"};
  gaps[3].collected_components = {"DC0001 Scheduled Job Creation"};
  gaps[4].data_components = {"DC0017 Command Execution", "DC0029 Network Traffic Content"};
  m.blind_spots = TopBlindSpots(gaps);
  m.d3fend_loaded = true;
  m.atomic_loaded = true;
  m.telemetry = {
      {"DC0017", "Command Execution", {"WinEventLog:Security EventCode=4688", "auditd:SYSCALL execve"}, 2, 2, {}},
      {"DC0029", "Network Traffic Content", {}, 1, 3, {}}};
  AttributeTelemetryGaps({{"T1566", {"initial-access"}, {"DC0029"}},
                          {"T1059.003", {"execution"}, {"DC0017", "DC0032"}},
                          {"T1053.005", {"execution", "persistence"}, {"DC0029", "DC0017"}}},
                         m.tactics, &m.telemetry);
  m.trend = {{"enterprise-attack@17.1", {7, 2, 1, 4}}, {"enterprise-attack@18.1", {8, 3, 2, 3}}};
  ReportNextRelease next;
  next.from_release = "enterprise-attack@17.1";
  next.target_release = "enterprise-attack@18.1";
  next.detections_in_scope = 4;
  next.unchanged = 2, next.auto_migrated = 1, next.needs_review = 1, next.orphaned = 1;
  next.coverage_before = {7, 2, 1, 4};
  next.coverage_after = {8, 3, 2, 3};
  next.review = {{"det-7", "Old rule | with pipe", "T1086", "review", {"revoked by T1059.001", "tactic moved"}},
                 {"det-9", "<img src=x>", "T1064", "orphaned", {"deprecated"}}};
  m.next_release = next;
  return m;
}

// Every element of `html` with class "cell": its attributes.
struct CellInfo {
  std::string classes, technique, tactic, status, title;
};
std::vector<CellInfo> Cells(const std::string& html) {
  static const std::regex cell(
      R"re(<g class="(cell[^"]*)" data-technique="([^"]*)" data-tactic="([^"]*)" data-status="([^"]*)"><title>([^<]*)</title>)re");
  std::vector<CellInfo> out;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), cell); it != std::sregex_iterator(); ++it)
    out.push_back({(*it)[1], (*it)[2], (*it)[3], (*it)[4], (*it)[5]});
  return out;
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

// Positions of `needles` in `s`, each after the one before; npos when missing.
std::vector<size_t> InOrder(const std::string& s, const std::vector<std::string>& needles) {
  std::vector<size_t> out;
  size_t from = 0;
  for (const std::string& n : needles) {
    size_t p = s.find(n, from);
    out.push_back(p);
    if (p != std::string::npos) from = p;
  }
  return out;
}

TEST(ReportModelTest, SmallModelIsValid) { EXPECT_OK(ValidateReportModel(SmallModel())); }

TEST(ReportModelTest, PercentMatchesTheCoverageRpc) {
  EXPECT_EQ(ReportPercent(1, 3), 33.3);
  EXPECT_EQ(ReportPercent(2, 3), 66.7);
  EXPECT_EQ(ReportPercent(1, 8), 12.5);
  EXPECT_EQ(ReportPercent(0, 0), 0.0);
  EXPECT_EQ(report_text::Percent(ReportPercent(1, 8)), "12.5%");
  EXPECT_EQ(report_text::Percent(ReportPercent(3, 8)), "37.5%");
  EXPECT_EQ(report_text::Count(3728), "3,728");
  EXPECT_EQ(report_text::Count(1234567), "1,234,567");
  EXPECT_EQ(report_text::Count(999), "999");
}

TEST(ReportModelTest, TopBlindSpotsPutsBlindFirstAndKeepsTheGapOrder) {
  ReportModel m = SmallModel();
  std::vector<std::string> ids;
  std::vector<int> ranks;
  for (const auto& b : m.blind_spots) ids.push_back(b.technique_id), ranks.push_back(b.rank);
  EXPECT_THAT(ids, ElementsAre("T1566", "T1059.003", "T1053.005", "T1566.001", "T1053"));
  EXPECT_THAT(ranks, ElementsAre(1, 2, 3, 4, 5));
  // Cut at n, after the reordering.
  auto top2 = TopBlindSpots(m.blind_spots, 2);
  ASSERT_EQ(top2.size(), 2u);
  EXPECT_EQ(top2[1].technique_id, "T1059.003");
  // More LOGGED than n: LOGGED ones only fill what BLIND ones leave.
  std::vector<ReportBlindSpot> gaps;
  for (int i = 0; i < 12; ++i) gaps.push_back(Spot(Cat("T1", 100 + i), "x", i % 4 == 3 ? B : L, {}));
  auto top = TopBlindSpots(gaps);
  ASSERT_EQ(top.size(), 10u);
  EXPECT_EQ(top[0].technique_id, "T1103");
  EXPECT_EQ(top[1].technique_id, "T1107");
  EXPECT_EQ(top[2].technique_id, "T1111");
  EXPECT_EQ(top[3].technique_id, "T1100");
  EXPECT_EQ(top[9].technique_id, "T1108");
  EXPECT_EQ(top[9].rank, 10);
}

TEST(ReportModelTest, AttributeTelemetryGapsGivesEachGapToTheFirstRecommendation) {
  ReportModel m = SmallModel();
  ASSERT_EQ(m.telemetry.size(), 2u);
  const auto& first = m.telemetry[0].by_tactic;
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].tactic, "execution");
  EXPECT_THAT(first[0].technique_ids, ElementsAre("T1053.005", "T1059.003"));
  EXPECT_EQ(first[1].tactic, "persistence");
  EXPECT_THAT(first[1].technique_ids, ElementsAre("T1053.005"));
  const auto& second = m.telemetry[1].by_tactic;
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].tactic, "initial-access");
  EXPECT_THAT(second[0].technique_ids, ElementsAre("T1566"));
  // A data component without an ATT&CK ID (before ATT&CK 18) matches by name.
  std::vector<ReportTelemetry> v17 = {{"", "Process Creation", {}, 1, 1, {}}};
  AttributeTelemetryGaps({{"T1059.003", {"execution"}, {"Process Creation"}}}, m.tactics, &v17);
  ASSERT_EQ(v17[0].by_tactic.size(), 1u);
  EXPECT_THAT(v17[0].by_tactic[0].technique_ids, ElementsAre("T1059.003"));
}

TEST(ReportModelTest, BlindReasons) {
  ReportBlindSpot b = Spot("T1001", "Data Obfuscation", B, {});
  EXPECT_EQ(report_text::BlindReason(b), "no data component collected; ATT&CK names none that can see it");
  b.data_components = {"DC0029 Network Traffic Content"};
  EXPECT_EQ(report_text::BlindReason(b), "no data component collected");
  b.status = L;
  EXPECT_EQ(report_text::BlindReason(b), "telemetry collected but no rule");
}

TEST(ReportModelTest, ValidateNamesTheInconsistency) {
  auto invalid = [](auto mutate, const std::string& message) {
    ReportModel m = SmallModel();
    mutate(m);
    EXPECT_THAT(ValidateReportModel(m), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(message)));
  };
  invalid([](ReportModel& m) { m.techniques.push_back(m.techniques[0]); }, "technique T1053: duplicate ATT&CK ID");
  invalid([](ReportModel& m) { m.techniques[2].tactics.push_back("stealth"); },
          "techniques[2] (T1059): tactic \"stealth\" is not in tactics");
  invalid([](ReportModel& m) { m.techniques[3].parent = "T9999"; },
          "techniques[3] (T1059.001): parent \"T9999\" is not in techniques");
  invalid([](ReportModel& m) { m.techniques[2].rollup_status = L; }, "rollup_status differs from status");
  invalid([](ReportModel& m) { m.tactics[1].counts.blind = 1; },
          "tactics[1] (execution): detected + logged + blind = 4, not techniques = 5");
  invalid([](ReportModel& m) { m.telemetry[0].gaps_added = 3; },
          "telemetry[0] (DC0017 Command Execution): its tactic lists name 2 gaps, gaps_added is 3");
  invalid([](ReportModel& m) { m.blind_spots[0].status = D; }, "a DETECTED technique is no blind spot");
  invalid([](ReportModel& m) { m.tactics[2].shortname = "execution"; }, "tactics[2] (execution): duplicate tactic");
  invalid([](ReportModel& m) { m.techniques[2].sub_blind = 0; }, "sub_detected + sub_logged + sub_blind");
  invalid([](ReportModel& m) { m.next_release->coverage_after.detected = 4; }, "next_release.coverage_after");
  // Under a roll-up policy a parent may differ from its own status.
  ReportModel any = SmallModel();
  any.rollup = ReportRollup::kAny;
  any.techniques[6].rollup_status = L;
  EXPECT_OK(ValidateReportModel(any));
}

TEST(ReportHtmlTest, SectionsInTheIssueOrder) {
  const std::string html = RenderReportHtml(SmallModel());
  auto pos = InOrder(html, {"id=\"summary\"", "id=\"tactics\"", "id=\"matrix\"", "id=\"blind-spots\"",
                            "id=\"telemetry\"", "id=\"trend\"", "id=\"next-release\"", "id=\"method\""});
  for (size_t i = 0; i < pos.size(); ++i) EXPECT_NE(pos[i], std::string::npos) << "section " << i;
  // Without a next release the section is left out, the others stay.
  ReportModel m = SmallModel();
  m.next_release.reset();
  const std::string without = RenderReportHtml(m);
  EXPECT_THAT(without, Not(HasSubstr("id=\"next-release\"")));
  EXPECT_THAT(without, HasSubstr("id=\"method\""));
}

TEST(ReportHtmlTest, HeaderAndTacticTable) {
  const std::string html = RenderReportHtml(SmallModel());
  EXPECT_THAT(html, HasSubstr("<h1>ATT&amp;CK coverage report: Acme &lt;Corp&gt; &amp; Sons</h1>"));
  EXPECT_THAT(html, HasSubstr("<b data-field=\"release\">enterprise-attack@18.1</b>"));
  EXPECT_THAT(html, HasSubstr("<b data-field=\"generated-at\">2026-12-03T09:00:00Z</b>"));
  EXPECT_THAT(html, HasSubstr("<b>12</b><span>rules enabled; 3 disabled, 1 testing</span>"));
  EXPECT_THAT(html, HasSubstr("<b>4</b><span>data components collected</span>"));
  EXPECT_THAT(html, HasSubstr("<b>3 groups: APT28 (G0007), APT29 (G0016), FIN7 | &lt;b&gt;evil&lt;/b&gt; (G0046)</b>"));
  EXPECT_THAT(html, HasSubstr("<b>37.5%</b><span>DETECTED: 3 of 8 techniques</span>"));
  // One row per tactic in matrix order, counts and percentages.
  auto pos = InOrder(html, {"<tr data-tactic=\"initial-access\">", "<tr data-tactic=\"execution\">",
                            "<tr data-tactic=\"persistence\">"});
  for (size_t p : pos) EXPECT_NE(p, std::string::npos);
  EXPECT_THAT(html, HasSubstr("<tr data-tactic=\"execution\"><td>Execution<span class=\"id\">TA0002</span></td>"
                              "<td class=\"num n-techniques\">5</td><td class=\"num n-detected\">2</td>"
                              "<td class=\"num p-detected\">40.0%</td><td class=\"num n-logged\">1</td>"
                              "<td class=\"num p-logged\">20.0%</td><td class=\"num n-blind\">2</td>"
                              "<td class=\"num p-blind\">40.0%</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"num p-detected\">33.3%</td>"));
  EXPECT_THAT(html, HasSubstr("<th class=\"num n-techniques\">8</th><th class=\"num n-detected\">3</th>"
                              "<th class=\"num p-detected\">37.5%</th>"));
}

TEST(ReportHtmlTest, OneHeatmapCellPerTacticAndTechniqueColoredByStatus) {
  const ReportModel m = SmallModel();
  const std::string html = RenderReportHtml(m);
  std::vector<CellInfo> cells = Cells(html);
  std::set<std::pair<std::string, std::string>> expected, seen;
  for (const ReportTechnique& t : m.techniques)
    for (const std::string& tactic : t.tactics) expected.insert({tactic, t.id});
  ASSERT_EQ(cells.size(), 11u);
  ASSERT_EQ(expected.size(), 11u);
  std::map<std::string, const ReportTechnique*> by_id;
  for (const ReportTechnique& t : m.techniques) by_id[t.id] = &t;
  for (const CellInfo& c : cells) {
    EXPECT_TRUE(seen.insert({c.tactic, c.technique}).second) << "two cells for " << c.technique << " in " << c.tactic;
    const ReportTechnique& t = *by_id.at(c.technique);
    EXPECT_EQ(c.status, ReportStatusName(t.status));
    const std::string status_class = ToLower(ReportStatusName(t.status));
    EXPECT_THAT(c.classes, HasSubstr(" " + status_class)) << c.technique;
    EXPECT_EQ(c.classes.find(" used") != std::string::npos, t.groups_using > 0) << c.technique;
    EXPECT_EQ(c.classes.find(" sub ") != std::string::npos, t.is_subtechnique) << c.technique;
  }
  EXPECT_EQ(seen, expected);
  // Cells per status (a technique in two tactics counts twice).
  EXPECT_EQ(Count(html, "<g class=\"cell detected"), 3u);      // T1059, T1078 x2
  EXPECT_EQ(Count(html, "<g class=\"cell sub detected"), 1u);  // T1059.001
  EXPECT_EQ(Count(html, "<g class=\"cell blind"), 1u);         // T1566
  EXPECT_EQ(Count(html, "<g class=\"cell sub blind"), 3u);     // T1059.003, T1053.005 x2
  EXPECT_EQ(Count(html, "<g class=\"cell logged"), 2u);        // T1053 x2
  EXPECT_EQ(Count(html, "<g class=\"cell sub logged"), 1u);    // T1566.001
  // The Navigator gradient's colors, by class.
  EXPECT_THAT(html, HasSubstr("--detected:#8ec843;--logged:#ffe766;--blind:#ff6666"));
  EXPECT_THAT(html, HasSubstr("svg#heatmap .detected rect{fill:var(--detected)}"));
}

TEST(ReportHtmlTest, TooltipsCapDetectionsAndEscapeThem) {
  const std::string html = RenderReportHtml(SmallModel());
  std::map<std::string, std::string> title;
  for (const CellInfo& c : Cells(html)) title[c.technique] = c.title;
  EXPECT_EQ(
      title["T1059.001"],
      "T1059.001 PowerShell\nDETECTED\n13 detections:\n- &lt;script&gt;alert(1)&lt;/script&gt;\n- Pipe | in name\n"
      "- *bold* _under_ [link](x)\n- PowerShell rule 4\n- PowerShell rule 5\n- PowerShell rule 6\n"
      "- PowerShell rule 7\n- PowerShell rule 8\n- PowerShell rule 9\n- PowerShell rule 10\nand 3 more");
  EXPECT_EQ(title["T1059"],
            "T1059 Command and Scripting Interpreter\nDETECTED\nUsed by 2 selected groups\n"
            "Sub-techniques: 1 detected, 0 logged, 1 blind\n1 detection:\n- Suspicious shell");
  EXPECT_EQ(title["T1566"],
            "T1566 Phishing\nBLIND\nUsed by 3 selected groups\nSub-techniques: 0 detected, 1 logged, "
            "0 blind\nNo detection");
}

TEST(ReportHtmlTest, HostileNamesRenderAsText) {
  const std::string html = RenderReportHtml(SmallModel());
  // The only script element is the report's own; the only tags are the renderer's.
  EXPECT_EQ(Count(html, "<script"), 1u);
  EXPECT_EQ(Count(html, "<img"), 0u);
  EXPECT_EQ(Count(html, "<b>evil"), 0u);
  EXPECT_THAT(html, HasSubstr("&lt;img src=x&gt;"));
  EXPECT_THAT(html, HasSubstr("Sender Reputation &lt;Analysis&gt;"));
  // Nothing is loaded: no source, link, stylesheet import or remote URL.
  for (const char* s : {" src=\"", " href=\"", "url(", "@import", "https://", "<link", "<iframe"})
    EXPECT_EQ(Count(html, s), 0u) << s;
  EXPECT_EQ(Count(html, "http://"), Count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(html, HasSubstr("content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                              "img-src data:\""));
}

TEST(ReportHtmlTest, BlindSpotsTelemetryTrendNextRelease) {
  const std::string html = RenderReportHtml(SmallModel());
  auto rows = InOrder(html, {"<tr data-technique=\"T1566\" data-status=\"BLIND\">",
                             "<tr data-technique=\"T1059.003\" data-status=\"BLIND\">",
                             "<tr data-technique=\"T1053.005\" data-status=\"BLIND\">",
                             "<tr data-technique=\"T1566.001\" data-status=\"LOGGED\">",
                             "<tr data-technique=\"T1053\" data-status=\"LOGGED\">"});
  for (size_t p : rows) EXPECT_NE(p, std::string::npos);
  EXPECT_THAT(html, HasSubstr("<td class=\"why\">no data component collected<div class=\"small\">collect: "
                              "DC0029 Network Traffic Content</div></td><td>D3-MA Message Analysis, D3-SFA Sender "
                              "Reputation &lt;Analysis&gt;</td><td><b>3</b>: #1 Download Macro-Enabled Phishing "
                              "Attachment; #2 Word spawned a command shell and 1 more</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"why\">telemetry collected but no rule<div class=\"small\">collected: "
                              "DC0039 File Creation</div>"));
  EXPECT_THAT(
      html,
      HasSubstr(
          "<b class=\"groups-count\">3</b> APT28 (G0007), APT29 (G0016), FIN7 | &lt;b&gt;evil&lt;/b&gt; (G0046)"));
  // The telemetry lines, phrased exactly.
  auto lines = InOrder(
      html, {"<li class=\"telemetry-line\">Collect DC0017 Command Execution (WinEventLog:Security EventCode=4688, "
             "auditd:SYSCALL execve) to address 2 Execution gaps: T1053.005, T1059.003</li>",
             "<li class=\"telemetry-line\">Collect DC0017 Command Execution (WinEventLog:Security EventCode=4688, "
             "auditd:SYSCALL execve) to address 1 Persistence gap: T1053.005</li>",
             "<li class=\"telemetry-line\">Collect DC0029 Network Traffic Content to address 1 Initial Access gap: "
             "T1566</li>"});
  for (size_t p : lines) EXPECT_NE(p, std::string::npos);
  EXPECT_EQ(Count(html, "<li class=\"telemetry-line\">"), 3u);
  // Trend: a point per release and series, and the table beside it.
  EXPECT_EQ(Count(html, "<g class=\"series\""), 3u);
  EXPECT_THAT(html, HasSubstr("<title>enterprise-attack@17.1: 28.6% DETECTED</title>"));
  EXPECT_THAT(html, HasSubstr("<title>enterprise-attack@18.1: 37.5% BLIND</title>"));
  EXPECT_THAT(html,
              HasSubstr("<tr><td>enterprise-attack@17.1</td><td class=\"num\">7</td><td class=\"num p-detected\">"
                        "28.6%</td><td class=\"num p-logged\">14.3%</td><td class=\"num p-blind\">57.1%</td></tr>"));
  // Next release.
  EXPECT_THAT(html,
              HasSubstr("<b data-field=\"auto\">1</b> migrate automatically, <b data-field=\"review\">1</b> need "
                        "review, <b data-field=\"orphaned\">1</b> are orphaned, 2 are unchanged. DETECTED moves "
                        "from 28.6% on enterprise-attack@17.1 to 37.5% on enterprise-attack@18.1 once migrated."));
  EXPECT_THAT(html, HasSubstr("<tr><td>Old rule | with pipe<span class=\"id\">det-7</span></td><td>T1086</td><td>review"
                              "</td><td>revoked by T1059.001; tactic moved</td></tr>"));
  // The footer: the coverage rule and the roll-up, one paragraph each.
  EXPECT_THAT(html, HasSubstr("<p>Coverage rule. Each active technique"));
  EXPECT_THAT(html, HasSubstr("<p>Sub-techniques. A detection of a parent technique does not cover"));
  EXPECT_THAT(html, HasSubstr("roll-up policy &quot;none&quot;"));
}

TEST(ReportHtmlTest, RollupAnyFoldsSubtechniquesIntoTheirParent) {
  ReportModel m = SmallModel();
  m.rollup = ReportRollup::kAny;
  m.techniques[6].rollup_status = L;  // T1566: BLIND itself, a LOGGED sub-technique
  ASSERT_OK(ValidateReportModel(m));
  const std::string html = RenderReportHtml(m);
  std::multiset<std::string> drawn;
  for (const CellInfo& c : Cells(html)) {
    drawn.insert(c.technique);
    if (c.technique == "T1566") {
      EXPECT_EQ(c.status, "LOGGED");
      EXPECT_THAT(c.classes, HasSubstr(" logged"));
      EXPECT_THAT(c.title, HasSubstr("LOGGED (roll-up any; own status BLIND)"));
    }
  }
  EXPECT_EQ(drawn, (std::multiset<std::string>{"T1053", "T1053", "T1059", "T1078", "T1078", "T1566"}));
  EXPECT_THAT(html, HasSubstr("sub-techniques folded into their parent"));
  EXPECT_THAT(html, HasSubstr("roll-up policy &quot;any&quot;"));
}

TEST(ReportHtmlTest, EmptyModelRenders) {
  ReportModel m;
  ASSERT_OK(ValidateReportModel(m));
  const std::string html = RenderReportHtml(m);
  EXPECT_THAT(html, HasSubstr("No blind spot"));
  EXPECT_THAT(html, HasSubstr("No recommendation"));
  EXPECT_THAT(html, HasSubstr("No trend"));
  EXPECT_EQ(Cells(html).size(), 0u);
  const std::string md = RenderReportMarkdown(m);
  EXPECT_THAT(md, HasSubstr("No blind spot"));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  const std::string json = RenderReportJson(m);
  EXPECT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS);
}

// The golden file at tests/testdata/report/<name>, rewritten with TTPGRAPH_UPDATE_GOLDEN=1.
std::string Golden(const std::string& name, const std::string& got) {
  const std::string path = testing::TestData("report/" + name);
  const char* update = getenv("TTPGRAPH_UPDATE_GOLDEN");
  if (update && *update == '1') testing::WriteFile(path, got);
  return testing::ReadFile(path);
}

TEST(ReportMarkdownTest, Golden) {
  const std::string md = RenderReportMarkdown(SmallModel());
  EXPECT_EQ(md, Golden("small_report.md", md));
}

TEST(ReportMarkdownTest, SectionsTablesAndEscaping) {
  const std::string md = RenderReportMarkdown(SmallModel());
  auto pos = InOrder(
      md, {"# ATT&CK coverage report: Acme &lt;Corp&gt; & Sons\n", "\n## Coverage by tactic\n", "\n## ATT&CK matrix\n",
           "\n## Top 10 blind spots\n", "\n## Telemetry to add\n", "\n## Trend across releases\n",
           "\n## What changes in the next release\n", "\n## How the numbers are computed\n"});
  for (size_t i = 0; i < pos.size(); ++i) EXPECT_NE(pos[i], std::string::npos) << "section " << i;
  EXPECT_THAT(md, HasSubstr("| Execution | TA0002 | 5 | 2 | 40.0% | 1 | 20.0% | 2 | 40.0% |\n"));
  EXPECT_THAT(md, HasSubstr("| **All techniques (each once)** |  | 8 | 3 | 37.5% | 2 | 25.0% | 3 | 37.5% |\n"));
  EXPECT_THAT(md,
              HasSubstr("> The heatmap of the matrix (3 tactics, 8 techniques, roll-up none) is in the HTML version"));
  // A pipe in a cell is escaped, markup characters too, HTML becomes text.
  EXPECT_THAT(
      md, HasSubstr("| 1 | T1566 Phishing | BLIND | 3: APT28 (G0007), APT29 (G0016), FIN7 \\| &lt;b&gt;evil&lt;/b&gt; "
                    "(G0046) | no data component collected (collect: DC0029 Network Traffic Content) | D3-MA "
                    "Message Analysis, D3-SFA Sender Reputation &lt;Analysis&gt; | 3: #1 Download Macro-Enabled "
                    "Phishing Attachment; #2 Word spawned a command shell and 1 more |\n"));
  EXPECT_THAT(md,
              HasSubstr("| Old rule \\| with pipe | det-7 | T1086 | review | revoked by T1059.001; tactic moved |\n"));
  EXPECT_THAT(md, HasSubstr("| &lt;img src=x&gt; | det-9 | T1064 | orphaned | deprecated |\n"));
  EXPECT_THAT(md,
              HasSubstr("    - Collect DC0017 Command Execution (WinEventLog:Security EventCode=4688, auditd:SYSCALL "
                        "execve) to address 2 Execution gaps: T1053.005, T1059.003\n"));
  EXPECT_THAT(md, HasSubstr("    - Collect DC0029 Network Traffic Content to address 1 Initial Access gap: T1566\n"));
  EXPECT_THAT(md, Not(HasSubstr("<b>")));
  EXPECT_THAT(md, Not(HasSubstr("<img")));
  // Every table row has as many cells as its header.
  size_t header_cells = 0;
  for (const std::string& line : Split(md, '\n')) {
    if (line.empty() || line[0] != '|') {
      header_cells = 0;
      continue;
    }
    size_t cells = 0;
    for (size_t i = 0; i < line.size(); ++i)
      if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++cells;
    if (header_cells == 0) header_cells = cells;
    EXPECT_EQ(cells, header_cells) << line;
  }
}

// Python-Markdown (Debian's python3-markdown, tables extension) renders the
// document; the checker compares its tactic table with the JSON report and
// looks for the hostile names as text.
TEST(ReportMarkdownTest, ParsedByPythonMarkdown) {
  testing::TempDir dir;
  const ReportModel m = SmallModel();
  testing::WriteFile(dir.path() + "/report.md", RenderReportMarkdown(m));
  testing::WriteFile(dir.path() + "/report.json", RenderReportJson(m));
  const std::string cmd = Cat("/usr/bin/python3 ", TTPGRAPH_SOURCE_DIR, "/tests/e2e/report_markdown_check.py ",
                              dir.path(), "/report.md ", dir.path(),
                              "/report.json --expect-text 'FIN7 | <b>evil</b> (G0046)' "
                              "--expect-text 'Old rule | with pipe' --expect-text '<img src=x>' 2>&1");
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) output.append(buf, n);
  const int rc = pclose(p);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_THAT(output, HasSubstr("tactic table: 3 rows match"));
}

TEST(ReportJsonTest, Golden) {
  const std::string json = RenderReportJson(SmallModel());
  EXPECT_EQ(json, Golden("small_report.json", json));
}

TEST(ReportJsonTest, SameNumbersAsData) {
  const std::string json = RenderReportJson(SmallModel());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["format"]), "ttpgraph.coverage-report");
  EXPECT_EQ(int64_t(doc["overall"]["techniques"]), 8);
  EXPECT_EQ(double(doc["overall"]["detected_pct"]), 37.5);
  simdjson::dom::array tactics = doc["tactics"];
  ASSERT_EQ(tactics.size(), 3u);
  EXPECT_EQ(std::string_view(tactics.at(1)["shortname"]), "execution");
  EXPECT_EQ(double(tactics.at(1)["coverage"]["blind_pct"]), 40.0);
  EXPECT_EQ(double(tactics.at(0)["coverage"]["detected_pct"]), 33.3);
  simdjson::dom::array techniques = doc["techniques"];
  ASSERT_EQ(techniques.size(), 8u);
  // Every detection, uncapped, as given.
  EXPECT_EQ(simdjson::dom::array(techniques.at(3)["detections"]).size(), 13u);
  EXPECT_EQ(std::string_view(techniques.at(3)["detections"].at(0)), "<script>alert(1)</script>");
  EXPECT_EQ(int64_t(techniques.at(3)["score"]), 100);
  simdjson::dom::array spots = doc["blind_spots"];
  ASSERT_EQ(spots.size(), 5u);
  EXPECT_EQ(std::string_view(spots.at(0)["reason"]), "no data component collected");
  EXPECT_EQ(std::string_view(spots.at(3)["reason"]), "telemetry collected but no rule");
  EXPECT_EQ(std::string_view(doc["telemetry"].at(0)["by_tactic"].at(1)["line"]),
            "Collect DC0017 Command Execution (WinEventLog:Security EventCode=4688, auditd:SYSCALL execve) to address "
            "1 Persistence gap: T1053.005");
  EXPECT_EQ(int64_t(doc["next_release"]["needs_review"]), 1);
  EXPECT_EQ(std::string_view(doc["next_release"]["review"].at(1)["detection_name"]), "<img src=x>");
  ReportModel m = SmallModel();
  m.next_release.reset();
  ASSERT_EQ(parser.parse(RenderReportJson(m)).get(doc), simdjson::SUCCESS);
  EXPECT_TRUE(doc["next_release"].is_null());
}

}  // namespace
}  // namespace ttpgraph
