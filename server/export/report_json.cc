// The JSON report (report_render.h): the model as data, every list whole (no
// display caps), percentages as numbers beside their counts. Field names are
// snake_case and stable: new fields may be added, none renamed or removed.
#include <cstdio>
#include <unordered_map>

#include "server/export/report_render.h"
#include "server/export/report_text.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

std::string Num(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Strings(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += Cat(i ? "," : "", JsonQuote(v[i]));
  return out + "]";
}

template <typename T, typename Fn>
std::string Array(const std::vector<T>& v, Fn fn) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += Cat(i ? "," : "", fn(v[i]));
  return out + "]";
}

std::string Totals(const ReportTotals& t) {
  return Cat("{\"techniques\":", t.techniques, ",\"detected\":", t.detected, ",\"logged\":", t.logged,
             ",\"blind\":", t.blind, ",\"detected_pct\":", Num(t.detected_pct()), ",\"logged_pct\":",
             Num(t.logged_pct()), ",\"blind_pct\":", Num(t.blind_pct()), "}");
}

std::string Status(ReportStatus s) { return Cat("\"", ReportStatusName(s), "\""); }

}  // namespace

std::string RenderReportJson(const ReportModel& m) {
  const ReportHeader& h = m.header;
  std::unordered_map<std::string, std::string> tactic_name;
  for (const ReportTactic& t : m.tactics) tactic_name[t.shortname] = t.name;
  std::string out;
  out.reserve(100000 + m.techniques.size() * 300);
  out += Cat("{\"format\":\"ttpgraph.coverage-report\",\"format_version\":1,\"header\":{\"organization\":",
             JsonQuote(h.organization), ",\"organization_id\":", JsonQuote(h.organization_id), ",\"release\":",
             JsonQuote(h.release), ",\"generated_at\":", JsonQuote(h.generated_at), ",\"rules_enabled\":", h.rules_enabled,
             ",\"rules_disabled\":", h.rules_disabled, ",\"rules_testing\":", h.rules_testing,
             ",\"data_components_collected\":", h.data_components_collected, ",\"threat_selection\":",
             JsonQuote(h.threat_selection), ",\"groups_selected\":", h.groups_selected, "}");
  out += Cat(",\"rollup\":\"", ReportRollupName(m.rollup), "\",\"overall\":", Totals(m.overall));
  out += Cat(",\"tactics\":", Array(m.tactics, [](const ReportTactic& t) {
               return Cat("{\"id\":", JsonQuote(t.id), ",\"shortname\":", JsonQuote(t.shortname), ",\"name\":",
                          JsonQuote(t.name), ",\"coverage\":", Totals(t.counts), "}");
             }));
  out += Cat(",\"techniques\":", Array(m.techniques, [](const ReportTechnique& t) {
               return Cat("{\"id\":", JsonQuote(t.id), ",\"name\":", JsonQuote(t.name), ",\"tactics\":", Strings(t.tactics),
                          ",\"is_subtechnique\":", t.is_subtechnique, ",\"parent\":", JsonQuote(t.parent),
                          ",\"status\":", Status(t.status), ",\"rollup_status\":", Status(t.rollup_status),
                          ",\"score\":", static_cast<int>(t.rollup_status), ",\"groups_using\":", t.groups_using,
                          ",\"detections\":", Strings(t.detections), ",\"subtechniques\":", t.subtechniques,
                          ",\"sub_detected\":", t.sub_detected, ",\"sub_logged\":", t.sub_logged,
                          ",\"sub_blind\":", t.sub_blind, "}");
             }));
  out += Cat(",\"d3fend_loaded\":", m.d3fend_loaded, ",\"atomic_loaded\":", m.atomic_loaded);
  out += Cat(",\"blind_spots\":", Array(m.blind_spots, [](const ReportBlindSpot& b) {
               return Cat("{\"rank\":", b.rank, ",\"technique_id\":", JsonQuote(b.technique_id), ",\"technique_name\":",
                          JsonQuote(b.technique_name), ",\"status\":", Status(b.status), ",\"reason\":",
                          JsonQuote(report_text::BlindReason(b)), ",\"groups\":", Strings(b.groups),
                          ",\"data_components\":", Strings(b.data_components), ",\"collected_components\":",
                          Strings(b.collected_components), ",\"countermeasures\":",
                          Array(b.countermeasures,
                                [](const ReportCountermeasure& c) {
                                  return Cat("{\"id\":", JsonQuote(c.id), ",\"label\":", JsonQuote(c.label), "}");
                                }),
                          ",\"atomic_tests\":", Array(b.atomic_tests, [](const ReportAtomicTest& a) {
                            return Cat("{\"number\":", a.number, ",\"name\":", JsonQuote(a.name), "}");
                          }),
                          "}");
             }));
  out += Cat(",\"telemetry\":", Array(m.telemetry, [&](const ReportTelemetry& r) {
               return Cat("{\"data_component_id\":", JsonQuote(r.data_component_id), ",\"data_component_name\":",
                          JsonQuote(r.data_component_name), ",\"log_sources\":", Strings(r.log_sources),
                          ",\"gaps_added\":", r.gaps_added, ",\"cumulative\":", r.cumulative, ",\"by_tactic\":",
                          Array(r.by_tactic,
                                [&](const ReportTelemetry::TacticGaps& tg) {
                                  return Cat("{\"tactic\":", JsonQuote(tg.tactic), ",\"technique_ids\":",
                                             Strings(tg.technique_ids), ",\"line\":",
                                             JsonQuote(report_text::TelemetryLine(r, tg, tactic_name[tg.tactic])), "}");
                                }),
                          "}");
             }));
  out += Cat(",\"trend\":", Array(m.trend, [](const ReportTrendPoint& p) {
               return Cat("{\"release\":", JsonQuote(p.release), ",\"coverage\":", Totals(p.counts), "}");
             }));
  out += ",\"next_release\":";
  if (!m.next_release) {
    out += "null";
  } else {
    const ReportNextRelease& n = *m.next_release;
    out += Cat("{\"from_release\":", JsonQuote(n.from_release), ",\"target_release\":", JsonQuote(n.target_release),
               ",\"detections_in_scope\":", n.detections_in_scope, ",\"unchanged\":", n.unchanged,
               ",\"auto_migrated\":", n.auto_migrated, ",\"needs_review\":", n.needs_review, ",\"orphaned\":", n.orphaned,
               ",\"coverage_before\":", Totals(n.coverage_before), ",\"coverage_after\":", Totals(n.coverage_after),
               ",\"review\":", Array(n.review, [](const ReportReviewItem& r) {
                 return Cat("{\"detection_id\":", JsonQuote(r.detection_id), ",\"detection_name\":",
                            JsonQuote(r.detection_name), ",\"technique\":", JsonQuote(r.technique), ",\"action\":",
                            JsonQuote(r.action), ",\"reasons\":", Strings(r.reasons), "}");
               }),
               "}");
  }
  out += Cat(",\"method\":{\"coverage_rule\":", JsonQuote(report_text::CoverageRuleParagraph()), ",\"rollup\":",
             JsonQuote(report_text::RollupParagraph(m.rollup)), "}}\n");
  return out;
}

}  // namespace ttpgraph
