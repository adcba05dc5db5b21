// The executive coverage report of a real organization, fetched through
// ReportService.GetCoverageReport and checked in a real browser (issue 13):
// an in-process server with enterprise 17.1 and 18.1, an organization mapped
// against 17.1 with every SigmaHQ rule, its inventory inferred, D3FEND and
// Atomic loaded; the report on 18.1 over all groups (trend 17.1 -> 18.1,
// next release 17.1 -> 18.1) in HTML, Markdown and JSON. The JSON's numbers
// are checked against GetCoverage, GetGap, GetOrganization and PlanMigration;
// tests/e2e/report_browser.py loads the HTML in headless Chromium and checks
// it against the RPC answers themselves (expect.json): no console error or
// network request, one heatmap cell per (tactic, technique) of GetCoverage
// colored by its status, the tactic percentages of GetCoverage, the top 10 of
// GetGap (BLIND first), a screenshot with the status colors and a two-page A4
// landscape PDF (summary, then the whole heatmap). The Markdown is parsed by
// Python-Markdown. A second report of the same organization against three
// groups with roll-up "any" checks the folded heatmap. `ttpctl report` writes
// the same documents.
//
// Artifacts (HTML, Markdown, JSON, PNG, PDF) are left in
// <build>/tests/report_artifacts/ for people to look at.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <regex>

#include "server/log.h"
#include "tests/e2e/report_org.h"
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

// The documents of one report request, and the RPC answers it must agree with.
struct Fetched {
  v1::CoverageReportRequest request;
  std::string html, markdown, json;
  v1::CoverageResponse coverage;  // same release and roll-up
  v1::GapResponse gap;            // same threat, every page, D3FEND and Atomic joined
};

absl::Status Fetch(Client& c, Fetched* f) {
  for (auto [format, doc] : {std::pair{v1::REPORT_FORMAT_HTML, &f->html},
                             std::pair{v1::REPORT_FORMAT_MARKDOWN, &f->markdown},
                             std::pair{v1::REPORT_FORMAT_JSON, &f->json}}) {
    v1::CoverageReportRequest req = f->request;
    req.set_format(format);
    if (absl::Status s = c.GetCoverageReport(req, doc); !s.ok()) return s;
  }
  v1::CoverageRequest cov;
  cov.set_org_id(f->request.org_id());
  cov.set_release(f->request.release());
  cov.set_rollup(f->request.rollup());
  if (absl::Status s = c.Call(&v1::OrgService::Stub::GetCoverage, cov, &f->coverage); !s.ok()) return s;
  v1::GapRequest gap;
  gap.set_org_id(f->request.org_id());
  gap.set_release(f->request.release());
  *gap.mutable_threat() = f->request.threat();
  gap.set_include_countermeasures(true);
  gap.set_include_atomic_tests(true);
  return c.CallAllPages(&v1::AnalysisService::Stub::GetGap, gap, &f->gap);
}

// What the page must show, taken from the RPC answers (not from the report).
std::string ExpectJson(const Fetched& f) {
  const v1::CoverageResponse& cov = f.coverage;
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
  for (int i = 0; i < f.gap.gaps_size(); ++i)
    out += Cat(i ? "," : "", "{\"technique\":", JsonQuote(f.gap.gaps(i).technique().attack_id()), ",\"status\":\"",
               StatusName(f.gap.gaps(i).status()), "\"}");
  out += "]}";
  return out;
}

// The gap RPC's gaps with BLIND ones first, the first ten.
std::vector<const v1::Gap*> TopTen(const v1::GapResponse& gap) {
  std::vector<const v1::Gap*> out;
  for (bool blind : {true, false})
    for (const v1::Gap& g : gap.gaps())
      if ((g.status() == v1::COVERAGE_STATUS_BLIND) == blind && out.size() < 10) out.push_back(&g);
  return out;
}

class ReportBrowserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetQuietLogs(true);
    server_ = new testing::TestServer();
    Client& c = server_->client();
    ASSERT_OK(testing::SetUpSigmaOrg(c, {"17.1", "18.1"}, "acme", "17.1"));
    dir_ = new std::string(ArtifactDir());
    all_ = new Fetched();
    all_->request.set_org_id("acme");
    all_->request.set_release("enterprise-attack@18.1");
    all_->request.mutable_threat()->set_all_groups(true);
    all_->request.add_trend_releases("enterprise-attack@17.1");  // 18.1, the report's, is added
    ASSERT_OK(Fetch(c, all_));
    // The same organization against three groups, sub-techniques rolled up ("any").
    any_ = new Fetched();
    any_->request = all_->request;
    for (const char* g : {"G0007", "G0016", "G0032"}) any_->request.mutable_threat()->mutable_groups()->add_ids(g);
    any_->request.set_rollup(v1::ROLLUP_POLICY_ANY);
    ASSERT_OK(Fetch(c, any_));
    WriteArtifacts("report", *all_);
    WriteArtifacts("report-any", *any_);
    ASSERT_EQ(json_.parse(all_->json).get(doc_), simdjson::SUCCESS);
    ASSERT_EQ(any_json_.parse(any_->json).get(any_doc_), simdjson::SUCCESS);
  }
  // NAME.html, .md, .json and .expect.json in the artifact directory;
  // report_browser.py adds NAME.png and NAME.pdf.
  static void WriteArtifacts(const std::string& name, const Fetched& f) {
    const std::string base = *dir_ + "/" + name;
    for (const char* ext : {".html", ".md", ".json", ".expect.json", ".png", ".pdf"})
      std::filesystem::remove(base + ext);
    testing::WriteFile(base + ".html", f.html);
    testing::WriteFile(base + ".md", f.markdown);
    testing::WriteFile(base + ".json", f.json);
    testing::WriteFile(base + ".expect.json", ExpectJson(f));
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete all_;
    delete any_;
    delete server_;
  }
  static testing::TestServer* server_;
  static Fetched* all_;
  static Fetched* any_;
  static std::string* dir_;
  static simdjson::dom::parser json_, any_json_;
  static simdjson::dom::element doc_, any_doc_;
};
testing::TestServer* ReportBrowserTest::server_ = nullptr;
Fetched* ReportBrowserTest::all_ = nullptr;
Fetched* ReportBrowserTest::any_ = nullptr;
std::string* ReportBrowserTest::dir_ = nullptr;
simdjson::dom::parser ReportBrowserTest::json_, ReportBrowserTest::any_json_;
simdjson::dom::element ReportBrowserTest::doc_, ReportBrowserTest::any_doc_;

int64_t Int(simdjson::dom::element e) { return int64_t(e); }
std::string Str(simdjson::dom::element e) { return std::string(std::string_view(e.get_string())); }

// The report is the real organization, with the numbers of the other RPCs.
TEST_F(ReportBrowserTest, JsonHasTheNumbersOfTheRpcs) {
  simdjson::dom::element h = doc_["header"];
  EXPECT_EQ(Str(h["organization"]), "Acme Corp");
  EXPECT_EQ(Str(h["release"]), "enterprise-attack@18.1");
  EXPECT_EQ(simdjson::dom::array(doc_["techniques"]).size(), static_cast<size_t>(all_->coverage.total()));
  EXPECT_EQ(all_->coverage.total(), 691);  // active techniques and sub-techniques of enterprise 18.1
  EXPECT_EQ(simdjson::dom::array(doc_["tactics"]).size(), 14u);
  v1::GetOrganizationRequest org_req;
  org_req.set_org_id("acme");
  v1::Organization org;
  ASSERT_OK(server_->client().Call(&v1::OrgService::Stub::GetOrganization, org_req, &org));
  EXPECT_EQ(Int(h["rules_enabled"]) + Int(h["rules_disabled"]) + Int(h["rules_testing"]), org.detection_count());
  EXPECT_EQ(Int(h["rules_enabled"]), 3728);  // SigmaHQ r2026-04-01 outside deprecated/ and unsupported/
  // The SigmaHQ rules detect 397 techniques of 18.1; the inferred inventory logs 236 more.
  simdjson::dom::element overall = doc_["overall"];
  EXPECT_EQ(Int(overall["detected"]), 397);
  EXPECT_EQ(Int(overall["logged"]), 236);
  EXPECT_EQ(Int(overall["blind"]), 58);
  EXPECT_EQ(Int(overall["detected"]), all_->coverage.detected());
  EXPECT_EQ(Int(overall["logged"]), all_->coverage.logged());
  EXPECT_EQ(Int(h["data_components_collected"]), 43);
  EXPECT_EQ(Int(h["groups_selected"]), 172);  // active groups of 18.1
  EXPECT_EQ(Int(h["groups_selected"]), all_->gap.groups_size());

  // The top 10: GetGap's, BLIND first, with its D3FEND countermeasures and Atomic tests.
  simdjson::dom::array spots = doc_["blind_spots"];
  const std::vector<const v1::Gap*> top = TopTen(all_->gap);
  ASSERT_EQ(spots.size(), 10u);
  ASSERT_EQ(top.size(), 10u);
  EXPECT_TRUE(bool(doc_["d3fend_loaded"]));
  EXPECT_TRUE(bool(doc_["atomic_loaded"]));
  size_t i = 0, with_countermeasures = 0, with_atomics = 0;
  for (simdjson::dom::element b : spots) {
    const v1::Gap& g = *top[i++];
    SCOPED_TRACE(g.technique().attack_id());
    EXPECT_EQ(Str(b["technique_id"]), g.technique().attack_id());
    EXPECT_EQ(simdjson::dom::array(b["groups"]).size(), static_cast<size_t>(g.groups_size()));
    std::vector<std::string> cms, want_cms, atomics, want_atomics;
    for (simdjson::dom::element c : simdjson::dom::array(b["countermeasures"])) cms.push_back(Str(c["id"]));
    for (const auto& c : g.countermeasures()) want_cms.push_back(c.d3fend_id());
    for (simdjson::dom::element a : simdjson::dom::array(b["atomic_tests"])) atomics.push_back(Str(a["name"]));
    for (const auto& a : g.atomic_tests()) want_atomics.push_back(a.name());
    EXPECT_EQ(cms, want_cms);
    EXPECT_EQ(atomics, want_atomics);
    with_countermeasures += !cms.empty();
    with_atomics += !atomics.empty();
  }
  // Enterprise 18.1's top ten are Reconnaissance and Resource Development
  // sub-techniques: D3FEND 1.2.0 maps none of them and the Atomic index has
  // no test for them (report_service_test pins a join that finds some).
  EXPECT_EQ(with_countermeasures, 0u);
  EXPECT_EQ(with_atomics, 0u);

  // One entry per greedy recommendation of GetGap, each with the log sources ATT&CK names.
  std::vector<std::string> telemetry;
  for (simdjson::dom::element r : simdjson::dom::array(doc_["telemetry"])) {
    telemetry.push_back(Cat(Str(r["data_component_id"]), " ", Str(r["data_component_name"]), " +",
                            Int(r["gaps_added"]), " =", Int(r["cumulative"])));
    EXPECT_GT(simdjson::dom::array(r["log_sources"]).size(), 0u) << telemetry.back();
    for (simdjson::dom::element tg : simdjson::dom::array(r["by_tactic"]))
      EXPECT_THAT(Str(tg["line"]), ::testing::StartsWith(Cat("Collect ", Str(r["data_component_id"]), " ")));
  }
  EXPECT_EQ(telemetry.size(), static_cast<size_t>(all_->gap.recommendations_size()));
  // Two components close the 19 BLIND gaps any component can close, given the inferred inventory.
  EXPECT_THAT(telemetry, ElementsAre("DC0104 Response Content +18 =18", "DC0083 Cloud Service Enumeration +1 =19"));

  // Trend: 17.1 asked, 18.1 added.
  std::vector<std::string> trend;
  for (simdjson::dom::element p : simdjson::dom::array(doc_["trend"])) trend.push_back(Str(p["release"]));
  EXPECT_THAT(trend, ElementsAre("enterprise-attack@17.1", "enterprise-attack@18.1"));

  // Next release: PlanMigration 17.1 -> 18.1.
  v1::MigrationRequest plan_req;
  plan_req.set_org_id("acme");
  plan_req.set_from_release("enterprise-attack@17.1");
  plan_req.set_to_release("enterprise-attack@18.1");
  v1::MigrationPlan plan;
  ASSERT_OK(server_->client().CallAllPages(&v1::AnalysisService::Stub::PlanMigration, plan_req, &plan));
  simdjson::dom::element next = doc_["next_release"];
  EXPECT_EQ(Str(next["target_release"]), "enterprise-attack@18.1");
  EXPECT_EQ(Int(next["detections_in_scope"]), plan.detections_in_scope());
  EXPECT_EQ(Int(next["auto_migrated"]), plan.auto_migrated());
  EXPECT_EQ(Int(next["needs_review"]), plan.needs_review());
  EXPECT_EQ(Int(next["orphaned"]), plan.orphaned());
}

TEST_F(ReportBrowserTest, HtmlSizeWithinTarget) {
  // A bound: the target is a budget (1.5 MB), not a size.
  EXPECT_LE(all_->html.size(), 1500u * 1000u) << "HTML report of enterprise 18.1 is " << all_->html.size() << " bytes";
}

TEST_F(ReportBrowserTest, StreamsInChunksOf64KiB) {
  v1::CoverageReportRequest req = all_->request;
  req.set_format(v1::REPORT_FORMAT_HTML);
  grpc::ClientContext ctx;
  server_->client().Prepare(&ctx, req);
  auto reader = server_->client().reports().GetCoverageReport(&ctx, req);
  std::vector<v1::CoverageReportChunk> chunks;
  for (v1::CoverageReportChunk c; reader->Read(&c);) chunks.push_back(c);
  ASSERT_OK(FromGrpc(reader->Finish()));
  const size_t size = all_->html.size();
  ASSERT_EQ(chunks.size(), (size + (64 << 10) - 1) / (64 << 10));
  EXPECT_EQ(chunks[0].metadata().total_bytes(), static_cast<int64_t>(size));
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].has_metadata(), i == 0);
    EXPECT_EQ(chunks[i].data().size(), i + 1 < chunks.size() ? 64u << 10 : size - i * (64 << 10));
  }
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
  EXPECT_EQ(Str(any_doc_["header"]["threat_selection"]),
            "3 groups: APT28 (G0007), APT29 (G0016), Lazarus Group (G0032)");
  EXPECT_EQ(Str(any_doc_["rollup"]), "any");
  int differs = 0;
  for (simdjson::dom::element t : simdjson::dom::array(any_doc_["techniques"]))
    differs += Str(t["rollup_status"]) != Str(t["status"]);
  EXPECT_EQ(differs, 14);                               // parents made DETECTED or LOGGED by a sub-technique
  EXPECT_EQ(Int(any_doc_["overall"]["detected"]), 411);  // 397 + the parents detected through a sub-technique
  EXPECT_EQ(Int(any_doc_["overall"]["detected"]), any_->coverage.detected());
  auto [rc, output] = RunCommand(Cat("/usr/bin/python3 ", TTPGRAPH_SOURCE_DIR, "/tests/e2e/report_browser.py --dir ",
                                     *dir_, " --name report-any"));
  EXPECT_EQ(rc, 0) << output;
  EXPECT_THAT(output, HasSubstr("heatmap: 216 techniques in 250 cells"));  // parents, once per tactic
  std::cout << output;
}

// `ttpctl report` writes the RPC's documents (the header's time aside).
TEST_F(ReportBrowserTest, TtpctlReportWritesTheDocument) {
  testing::TempDir tmp;
  testing::WriteFile(tmp.path() + "/token", server_->admin_token());
  const std::string ttpctl = Cat(getenv("TTPCTL"), " --server ", server_->address(), " --token-file ", tmp.path(),
                                 "/token --org acme report --release 18.1 --all-groups --trend 17.1");
  const std::regex time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  auto same = [&](const std::string& a, const std::string& b) {
    return std::regex_replace(a, time, "T") == std::regex_replace(b, time, "T");
  };
  {
    auto [rc, output] = RunCommand(Cat(ttpctl, " --output ", tmp.path(), "/acme.html"));
    ASSERT_EQ(rc, 0) << output;
    EXPECT_THAT(output, HasSubstr(Cat("ttpctl: wrote ", tmp.path(), "/acme.html (", all_->html.size(), " bytes)")));
    const std::string html = testing::ReadFile(tmp.path() + "/acme.html");
    EXPECT_EQ(html.size(), all_->html.size());
    EXPECT_TRUE(same(html, all_->html));
  }
  {
    auto [rc, output] = RunCommand(Cat(ttpctl, " --format json --output ", tmp.path(), "/acme.json"));
    ASSERT_EQ(rc, 0) << output;
    EXPECT_TRUE(same(testing::ReadFile(tmp.path() + "/acme.json"), all_->json));
  }
  {
    // --json alone: the JSON document on stdout.
    auto [rc, output] = RunCommand(Cat(ttpctl, " --json"));
    ASSERT_EQ(rc, 0) << output.substr(0, 500);
    EXPECT_TRUE(same(output, all_->json));
  }
  {
    auto [rc, output] = RunCommand(Cat(ttpctl, " --groups G0007 --all-groups"));
    EXPECT_EQ(rc, 2) << output;
    EXPECT_THAT(output, HasSubstr("give --groups or --all-groups, not both"));
  }
  {
    auto [rc, output] = RunCommand(Cat(getenv("TTPCTL"), " --server ", server_->address(), " --token-file ",
                                       tmp.path(), "/token --org acme report --groups G9999 --format markdown"));
    EXPECT_EQ(rc, 1) << output;
    EXPECT_THAT(output, HasSubstr("NOT_FOUND"));
    EXPECT_THAT(output, HasSubstr("G9999"));
  }
}

}  // namespace
}  // namespace ttpgraph
