// The JSON report (report_render.h): the model as data, every list whole (no
// display caps), percentages as numbers beside their counts. Field names are
// snake_case and stable: new fields may be added, none renamed or removed.
// One element of each top-level list a line, so the document diffs well.
#include <cstdio>
#include <unordered_map>

#include "server/export/report_render.h"
#include "server/export/report_text.h"

namespace ttpgraph {
namespace {

using J = report_text::JsonString;
using report_text::Put;

std::string Num(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

const char* Bool(bool b) { return b ? "true" : "false"; }

void Strings(std::string* out, const std::vector<std::string>& v) {
  out->push_back('[');
  for (size_t i = 0; i < v.size(); ++i) Put(out, i ? "," : "", J{v[i]});
  out->push_back(']');
}

// `[` fn(out, v[0]) `,` ... `]`, with `sep` between elements.
template <typename T, typename Fn>
void Array(std::string* out, const std::vector<T>& v, Fn fn, const char* sep = ",\n") {
  out->push_back('[');
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out->append(sep);
    fn(out, v[i]);
  }
  out->push_back(']');
}

void Totals(std::string* out, const ReportTotals& t) {
  Put(out, "{\"techniques\":", t.techniques, ",\"detected\":", t.detected, ",\"logged\":", t.logged,
      ",\"blind\":", t.blind, ",\"detected_pct\":", Num(t.detected_pct()), ",\"logged_pct\":", Num(t.logged_pct()),
      ",\"blind_pct\":", Num(t.blind_pct()), "}");
}

void Technique(std::string* out, const ReportTechnique& t) {
  Put(out, "{\"id\":", J{t.id}, ",\"name\":", J{t.name}, ",\"tactics\":");
  Strings(out, t.tactics);
  Put(out, ",\"is_subtechnique\":", Bool(t.is_subtechnique), ",\"parent\":", J{t.parent}, ",\"status\":\"",
      ReportStatusName(t.status), "\",\"rollup_status\":\"", ReportStatusName(t.rollup_status),
      "\",\"score\":", static_cast<int>(t.rollup_status), ",\"groups_using\":", t.groups_using, ",\"detections\":");
  Strings(out, t.detections);
  Put(out, ",\"subtechniques\":", t.subtechniques, ",\"sub_detected\":", t.sub_detected,
      ",\"sub_logged\":", t.sub_logged, ",\"sub_blind\":", t.sub_blind, "}");
}

void BlindSpot(std::string* out, const ReportBlindSpot& b) {
  Put(out, "{\"rank\":", b.rank, ",\"technique_id\":", J{b.technique_id}, ",\"technique_name\":", J{b.technique_name},
      ",\"status\":\"", ReportStatusName(b.status), "\",\"reason\":", J{report_text::BlindReason(b)}, ",\"groups\":");
  Strings(out, b.groups);
  out->append(",\"data_components\":");
  Strings(out, b.data_components);
  out->append(",\"collected_components\":");
  Strings(out, b.collected_components);
  out->append(",\"countermeasures\":");
  Array(
      out, b.countermeasures,
      [](std::string* o, const ReportCountermeasure& c) {
        Put(o, "{\"id\":", J{c.id}, ",\"label\":", J{c.label}, "}");
      },
      ",");
  out->append(",\"atomic_tests\":");
  Array(
      out, b.atomic_tests,
      [](std::string* o, const ReportAtomicTest& a) { Put(o, "{\"number\":", a.number, ",\"name\":", J{a.name}, "}"); },
      ",");
  out->push_back('}');
}

}  // namespace

std::string RenderReportJson(const ReportModel& m) {
  const ReportHeader& h = m.header;
  std::unordered_map<std::string, std::string> tactic_name;
  for (const ReportTactic& t : m.tactics) tactic_name[t.shortname] = t.name;
  std::string out;
  size_t names = 0;
  for (const ReportTechnique& t : m.techniques) names += t.detections.size();
  out.reserve(20000 + m.techniques.size() * 400 + names * 80);
  Put(&out, "{\"format\":\"ttpgraph.coverage-report\",\"format_version\":1,\n\"header\":{\"organization\":",
      J{h.organization}, ",\"organization_id\":", J{h.organization_id}, ",\"release\":", J{h.release},
      ",\"generated_at\":", J{h.generated_at}, ",\"rules_enabled\":", h.rules_enabled,
      ",\"rules_disabled\":", h.rules_disabled, ",\"rules_testing\":", h.rules_testing,
      ",\"data_components_collected\":", h.data_components_collected, ",\"threat_selection\":", J{h.threat_selection},
      ",\"groups_selected\":", h.groups_selected, "},\n\"rollup\":\"", ReportRollupName(m.rollup), "\",\n\"overall\":");
  Totals(&out, m.overall);
  out.append(",\n\"tactics\":");
  Array(&out, m.tactics, [](std::string* o, const ReportTactic& t) {
    Put(o, "{\"id\":", J{t.id}, ",\"shortname\":", J{t.shortname}, ",\"name\":", J{t.name}, ",\"coverage\":");
    Totals(o, t.counts);
    o->push_back('}');
  });
  out.append(",\n\"techniques\":");
  Array(&out, m.techniques, Technique);
  Put(&out, ",\n\"d3fend_loaded\":", Bool(m.d3fend_loaded), ",\"atomic_loaded\":", Bool(m.atomic_loaded),
      ",\n\"blind_spots\":");
  Array(&out, m.blind_spots, BlindSpot);
  out.append(",\n\"telemetry\":");
  Array(&out, m.telemetry, [&](std::string* o, const ReportTelemetry& r) {
    Put(o, "{\"data_component_id\":", J{r.data_component_id}, ",\"data_component_name\":", J{r.data_component_name},
        ",\"log_sources\":");
    Strings(o, r.log_sources);
    Put(o, ",\"gaps_added\":", r.gaps_added, ",\"cumulative\":", r.cumulative, ",\"by_tactic\":");
    Array(
        o, r.by_tactic,
        [&](std::string* o2, const ReportTelemetry::TacticGaps& tg) {
          Put(o2, "{\"tactic\":", J{tg.tactic}, ",\"technique_ids\":");
          Strings(o2, tg.technique_ids);
          Put(o2, ",\"line\":", J{report_text::TelemetryLine(r, tg, tactic_name[tg.tactic])}, "}");
        },
        ",");
    o->push_back('}');
  });
  out.append(",\n\"trend\":");
  Array(&out, m.trend, [](std::string* o, const ReportTrendPoint& p) {
    Put(o, "{\"release\":", J{p.release}, ",\"coverage\":");
    Totals(o, p.counts);
    o->push_back('}');
  });
  out.append(",\n\"next_release\":");
  if (!m.next_release) {
    out.append("null");
  } else {
    const ReportNextRelease& n = *m.next_release;
    Put(&out, "{\"from_release\":", J{n.from_release}, ",\"target_release\":", J{n.target_release},
        ",\"detections_in_scope\":", n.detections_in_scope, ",\"unchanged\":", n.unchanged,
        ",\"auto_migrated\":", n.auto_migrated, ",\"needs_review\":", n.needs_review, ",\"orphaned\":", n.orphaned,
        ",\"coverage_before\":");
    Totals(&out, n.coverage_before);
    out.append(",\"coverage_after\":");
    Totals(&out, n.coverage_after);
    out.append(",\"review\":");
    Array(&out, n.review, [](std::string* o, const ReportReviewItem& r) {
      Put(o, "{\"detection_id\":", J{r.detection_id}, ",\"detection_name\":", J{r.detection_name},
          ",\"technique\":", J{r.technique}, ",\"action\":", J{r.action}, ",\"reasons\":");
      Strings(o, r.reasons);
      o->push_back('}');
    });
    out.push_back('}');
  }
  Put(&out, ",\n\"method\":{\"coverage_rule\":", J{report_text::CoverageRuleParagraph()},
      ",\"rollup\":", J{report_text::RollupParagraph(m.rollup)}, "}}\n");
  return out;
}

}  // namespace ttpgraph
