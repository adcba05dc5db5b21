// The executive coverage report (issue 13) rendered from a ReportModel
// (report_model.h), in three formats with the same content:
//
//   RenderReportHtml      one self-contained page: inline CSS, inline SVG
//                         (heatmap, trend), a few lines of optional JavaScript
//                         (table sorting); loads nothing from the network
//                         (a Content-Security-Policy says so to the browser),
//                         reads without JavaScript and prints as two A4
//                         landscape pages (the summary, then the heatmap).
//   RenderReportMarkdown  the same sections as GitHub-flavoured Markdown
//                         tables; a note in place of the heatmap.
//   RenderReportJson      the same numbers as one JSON document with stable
//                         snake_case field names (format "ttpgraph.coverage-report", version 1).
//
// Sections, in this order: header, coverage by tactic, heatmap, top blind
// spots, telemetry to add, trend, next release (when the model has one), how
// the numbers are computed. Every string of the model is escaped for its
// format: a detection named "<script>" or "a | b" renders as that text.
//
// HTML heatmap contract (tests rely on it): one <svg id="heatmap">; one cell
// per (tactic, technique) drawn, each an element with class "cell" plus its
// status class ("detected", "logged" or "blind"), class "used" when the
// selected groups use it, and data-technique, data-tactic and data-status
// attributes; its <title> gives ID, name, status and the first
// max_detections_listed detections ("and N more"). Under roll-up none every
// technique of a tactic is drawn; under any / all, sub-techniques are folded
// into their parent (a sub-technique whose parent is not in the tactic is
// drawn on its own).
//
// Pure: no I/O, no clock; safe to call concurrently. The model should pass
// ValidateReportModel.
#pragma once

#include <string>

#include "server/core/report_model.h"

namespace ttpgraph {

std::string RenderReportHtml(const ReportModel& m);
std::string RenderReportMarkdown(const ReportModel& m);
std::string RenderReportJson(const ReportModel& m);

}  // namespace ttpgraph
