// ttpctl report: the executive coverage report (ReportService), as HTML,
// Markdown or JSON, to stdout or --output FILE.
#include "clients/cpp/ttpctl/common.h"

namespace ttpctl {
namespace {

int Report(Client& c, const Args& a) {
  v1::CoverageReportRequest req;
  req.set_org_id(a.Org());
  req.set_release(a.Get("--release"));
  ThreatFromFlags(a, req.mutable_threat());
  req.set_rollup(RollupFromFlags(a));
  for (const std::string& r : a.List("--trend")) req.add_trend_releases(r);
  // --json alone asks the JSON document (ttpctl --json prints one JSON document).
  const std::string format = a.Has("--format") || !JsonOutput() ? a.Get("--format") : "json";
  req.set_format(format == "markdown" ? v1::REPORT_FORMAT_MARKDOWN
                 : format == "json"   ? v1::REPORT_FORMAT_JSON
                                      : v1::REPORT_FORMAT_HTML);
  req.set_d3fend_version(a.Get("--d3fend"));
  req.set_atomic_index(a.Get("--index"));
  std::string doc;
  Check(c.GetCoverageReport(req, &doc));
  WriteDocument(a, doc);
  return 0;
}

}  // namespace

void AddReportCommands(CommandTable& t) {
  Flag trend = Value("--trend", FlagType::kList, "R1,R2", "earlier releases for the trend chart (the report's release is added)");
  trend.release = true;
  t.Add("report", Report)
      .Summary("The executive coverage report: tactics, ATT&CK heatmap, top 10 blind spots, telemetry to add, trend.")
      .Details("Computed by the server from the organization's detections and inventory against the release\n"
               "and the threat (--groups or --all-groups): coverage by tactic, the matrix as an SVG heatmap\n"
               "(HTML), the ten blind spots most used by the selected groups with D3FEND countermeasures and\n"
               "Atomic tests when those are loaded, the telemetry to collect, the trend across --trend\n"
               "releases, and what changes in the newest stored release. HTML is one self-contained file\n"
               "(no network); Markdown has GitHub tables; JSON has the same numbers as data.")
      .Flags({OrgFlag(), OrgReleaseFlag(), GroupsFlag("the threat: these groups"),
              Switch("--all-groups", "the threat: every active group"), trend,
              Value("--format", FlagType::kString, "FORMAT", "the document format")
                  .Default("html", "html (json with --json)")
                  .Choices({"html", "markdown", "json"}),
              Value("--rollup", FlagType::kString, "POLICY", "how sub-techniques roll up into their parent")
                  .Default("none")
                  .Choices({"none", "any", "all"}),
              D3fendFlag(), AtomicIndexFlag(), OutputFlag()})
      .Example("ttpctl --org acme report --release enterprise-attack@18.1 --all-groups --trend 17.1 --output acme.html")
      .Example("ttpctl --org acme report --groups G0007,G0016 --format markdown --output acme.md");
}

}  // namespace ttpctl
