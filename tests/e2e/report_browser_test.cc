// The executive coverage report of a real organization in a real browser
// (issue 13): an in-process server with enterprise 17.1 and 18.1, an
// organization mapped against 17.1 with every SigmaHQ rule, its inventory
// inferred, D3FEND and Atomic loaded; the report on 18.1 (trend 17.1 -> 18.1,
// next release 17.1 -> 18.1) is built from the RPC answers
// (report_from_rpc.h), rendered, and loaded in headless Chromium by
// tests/e2e/report_browser.py, which checks it against the RPC answers
// themselves (expect.json): no console error or network request, one heatmap
// cell per (tactic, technique) of GetCoverage colored by its status, the
// tactic percentages of GetCoverage, the top 10 of GetGap (BLIND first), a
// screenshot with the status colors and a two-page A4 landscape PDF (summary,
// then the whole heatmap). The Markdown is parsed by Python-Markdown. A
// second report of the same organization against three groups with roll-up
// "any" checks the folded heatmap.
//
// Artifacts (HTML, Markdown, JSON, PNG, PDF) are left in
// <build>/tests/report_artifacts/ for people to look at.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "server/export/report_render.h"
#include "server/log.h"
#include "tests/e2e/report_from_rpc.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace ttpgraph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// <directory of this test binary>/report_artifacts
std::string ArtifactDir() {
  std::string dir = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "report_artifacts";
  std::filesystem::create_directories(dir);
  return dir;
}

// Runs `cmd`; its exit code and everything it printed.
std::pair<int, std::string> RunCommand(const std::string& cmd) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, "popen failed"};
  std::string output;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) output.append(buf, n);
  int rc = pclose(p);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, output};
}

std::string StatusName(v1::CoverageStatus s) {
  return s == v1::COVERAGE_STATUS_DETECTED ? "DETECTED" : s == v1::COVERAGE_STATUS_LOGGED ? "LOGGED" : "BLIND";
}

// What the page must show, taken from the RPC answers (not from the model).
std::string ExpectJson(const testing::LiveReport& live) {
  const v1::CoverageResponse& cov = live.coverage;
  const char* rollup = cov.rollup() == v1::ROLLUP_POLICY_ANY ? "any" : cov.rollup() == v1::ROLLUP_POLICY_ALL ? "all" : "none";
  std::string out = Cat("{\"rollup\":\"", rollup, "\",\"total\":", cov.total(), ",\"techniques\":{");
  for (int i = 0; i < cov.techniques_size(); ++i) {
    const auto& t = cov.techniques(i);
    out += Cat(i ? "," : "", JsonQuote(t.attack_id()), ":{\"status\":\"", StatusName(t.rollup_status()),
               "\",\"is_subtechnique\":", t.is_subtechnique(), ",\"parent\":", JsonQuote(t.parent()), ",\"tactics\":[");
    for (int j = 0; j < t.tactics_size(); ++j) out += Cat(j ? "," : "", JsonQuote(t.tactics(j)));
    out += "]}";
  }
  out += "},\"tactics\":[";
  for (int i = 0; i < cov.tactics_size(); ++i) {
    const auto& t = cov.tactics(i);
    out += Cat(i ? "," : "", "{\"shortname\":", JsonQuote(t.shortname()), ",\"name\":", JsonQuote(t.name()),
               ",\"techniques\":", t.techniques(), ",\"detected_pct\":", t.detected_pct(),
               ",\"logged_pct\":", t.logged_pct(), ",\"blind_pct\":", t.blind_pct(), "}");
  }
  // Every gap in the gap RPC's order; the checker puts BLIND first and takes ten.
  out += "],\"gaps\":[";
  for (int i = 0; i < live.gap.gaps_size(); ++i)
    out += Cat(i ? "," : "", "{\"technique\":", JsonQuote(live.gap.gaps(i).technique().attack_id()), ",\"status\":\"",
               StatusName(live.gap.gaps(i).status()), "\"}");
  out += "]}";
  return out;
}

class ReportBrowserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetQuietLogs(true);
    server_ = new testing::TestServer();
    ASSERT_OK(testing::SetUpSigmaOrg(server_->client(), {"17.1", "18.1"}, "acme", "17.1"));
    live_ = new testing::LiveReport();
    testing::LiveReportRequest req;
    req.org_id = "acme";
    req.release = "enterprise-attack@18.1";
    req.trend_releases = {"enterprise-attack@17.1", "enterprise-attack@18.1"};
    req.with_d3fend = req.with_atomic = true;
    ASSERT_OK(testing::BuildLiveReport(server_->client(), req, live_));
    // The same organization against three groups, sub-techniques rolled up ("any").
    any_ = new testing::LiveReport();
    testing::LiveReportRequest any_req;
    any_req.org_id = "acme";
    any_req.release = "enterprise-attack@18.1";
    any_req.groups = {"G0007", "G0016", "G0032"};
    any_req.rollup = v1::ROLLUP_POLICY_ANY;
    ASSERT_OK(testing::BuildLiveReport(server_->client(), any_req, any_));
    dir_ = new std::string(ArtifactDir());
    html_ = new std::string(RenderReportHtml(live_->model));
    WriteArtifacts("report", *live_);
    WriteArtifacts("report-any", *any_);
  }
  // NAME.html, .md, .json and .expect.json in the artifact directory;
  // report_browser.py adds NAME.png and NAME.pdf.
  static void WriteArtifacts(const std::string& name, const testing::LiveReport& live) {
    const std::string base = *dir_ + "/" + name;
    for (const char* ext : {".html", ".md", ".json", ".expect.json", ".png", ".pdf"})
      std::filesystem::remove(base + ext);
    testing::WriteFile(base + ".html", RenderReportHtml(live.model));
    testing::WriteFile(base + ".md", RenderReportMarkdown(live.model));
    testing::WriteFile(base + ".json", RenderReportJson(live.model));
    testing::WriteFile(base + ".expect.json", ExpectJson(live));
  }
  static void TearDownTestSuite() {
    delete html_;
    delete dir_;
    delete live_;
    delete any_;
    delete server_;
  }
  static testing::TestServer* server_;
  static testing::LiveReport* live_;
  static testing::LiveReport* any_;
  static std::string* dir_;
  static std::string* html_;
};
testing::TestServer* ReportBrowserTest::server_ = nullptr;
testing::LiveReport* ReportBrowserTest::live_ = nullptr;
testing::LiveReport* ReportBrowserTest::any_ = nullptr;
std::string* ReportBrowserTest::dir_ = nullptr;
std::string* ReportBrowserTest::html_ = nullptr;

// The model is the RPCs' answers: a realistic, full-size report.
TEST_F(ReportBrowserTest, ModelIsTheRealOrganization) {
  const ReportModel& m = live_->model;
  EXPECT_EQ(m.header.organization, "Acme Corp");
  EXPECT_EQ(m.header.release, "enterprise-attack@18.1");
  EXPECT_EQ(m.techniques.size(), static_cast<size_t>(live_->coverage.total()));
  EXPECT_EQ(m.techniques.size(), 691u);  // active techniques and sub-techniques of enterprise 18.1
  EXPECT_EQ(m.tactics.size(), 14u);
  EXPECT_EQ(m.header.rules_enabled + m.header.rules_disabled + m.header.rules_testing, live_->org.detection_count());
  EXPECT_EQ(m.header.rules_enabled, 3728);  // SigmaHQ r2026-04-01 outside deprecated/ and unsupported/
  // The SigmaHQ rules detect 397 techniques of 18.1; the inferred inventory logs 236 more.
  EXPECT_EQ(m.overall.detected, 397);
  EXPECT_EQ(m.overall.logged, 236);
  EXPECT_EQ(m.overall.blind, 58);
  EXPECT_EQ(m.header.data_components_collected, 43);
  EXPECT_EQ(m.header.groups_selected, 172);  // active groups of 18.1
  EXPECT_EQ(m.header.groups_selected, live_->gap.groups_size());
  EXPECT_EQ(m.blind_spots.size(), 10u);
  // One entry per greedy recommendation of GetGap, each with the log sources ATT&CK names.
  EXPECT_EQ(m.telemetry.size(), static_cast<size_t>(live_->gap.recommendations_size()));
  std::vector<std::string> telemetry;
  for (const ReportTelemetry& r : m.telemetry)
    telemetry.push_back(Cat(r.data_component_id, " ", r.data_component_name, " +", r.gaps_added, " =", r.cumulative));
  // Two components close the 19 BLIND gaps any component can close, given the inferred inventory.
  EXPECT_THAT(telemetry, ElementsAre("DC0104 Response Content +18 =18", "DC0083 Cloud Service Enumeration +1 =19"));
  int without_log_sources = 0;
  for (const ReportTelemetry& r : m.telemetry) without_log_sources += r.log_sources.empty();
  EXPECT_EQ(without_log_sources, 0);
  ASSERT_EQ(m.trend.size(), 2u);
  ASSERT_TRUE(m.next_release.has_value());
  EXPECT_EQ(m.next_release->target_release, "enterprise-attack@18.1");
  EXPECT_EQ(m.next_release->needs_review, live_->plan->needs_review());
  // Everything in it is consistent.
  EXPECT_OK(ValidateReportModel(m));
}

TEST_F(ReportBrowserTest, HtmlSizeWithinTarget) {
  // A bound: the target is a budget (1.5 MB), not a size.
  EXPECT_LE(html_->size(), 1500u * 1000u) << "HTML report of enterprise 18.1 is " << html_->size() << " bytes";
}

TEST_F(ReportBrowserTest, MarkdownParsesAndItsTacticTableMatches) {
  for (const char* name : {"report", "report-any"}) {
    auto [rc, output] = RunCommand(Cat("/usr/bin/python3 ", TTPGRAPH_SOURCE_DIR, "/tests/e2e/report_markdown_check.py ",
                                       *dir_, "/", name, ".md ", *dir_, "/", name, ".json"));
    EXPECT_EQ(rc, 0) << name << ": " << output;
    EXPECT_THAT(output, HasSubstr("tactic table: 14 rows match")) << name;
  }
}

TEST_F(ReportBrowserTest, HeadlessChromium) {
  auto [rc, output] = RunCommand(
      Cat("/usr/bin/python3 ", TTPGRAPH_SOURCE_DIR, "/tests/e2e/report_browser.py --dir ", *dir_, " --name report"));
  EXPECT_EQ(rc, 0) << output;
  EXPECT_THAT(output, HasSubstr("heatmap: 691 techniques in 887 cells"));  // a cell per tactic of each
  std::cout << output;
}

// Roll-up any: parents only, colored by their roll-up status; three groups.
TEST_F(ReportBrowserTest, HeadlessChromiumRollupAny) {
  const ReportModel& m = any_->model;
  EXPECT_EQ(m.header.threat_selection, "3 groups: APT28 (G0007), APT29 (G0016), Lazarus Group (G0032)");
  EXPECT_EQ(m.rollup, ReportRollup::kAny);
  int differs = 0;
  for (const ReportTechnique& t : m.techniques) differs += t.rollup_status != t.status;
  EXPECT_EQ(differs, 14);              // parents made DETECTED or LOGGED by a sub-technique
  EXPECT_EQ(m.overall.detected, 411);  // 397 + the parents detected through a sub-technique
  auto [rc, output] = RunCommand(Cat("/usr/bin/python3 ", TTPGRAPH_SOURCE_DIR, "/tests/e2e/report_browser.py --dir ",
                                     *dir_, " --name report-any"));
  EXPECT_EQ(rc, 0) << output;
  EXPECT_THAT(output, HasSubstr("heatmap: 216 techniques in 250 cells"));  // parents, once per tactic
  std::cout << output;
}

}  // namespace
}  // namespace ttpgraph
