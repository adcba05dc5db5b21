// The executive coverage report (issue 13) as plain data: everything the page
// shows, as strings and numbers, with no graph node ids, protobufs or gRPC, so
// that the renderers (server/export/report_render.h) are pure functions of it.
// core::BuildCoverageReport (report.h) fills it from the coverage, gap, trend
// and migration results; it lives on the application floor for that reason.
//
//   ReportModel m;
//   m.header.organization = "Acme Corp";
//   m.header.release = "enterprise-attack@18.1";  // ... and the other header fields
//   m.rollup = ReportRollup::kNone;
//   m.tactics = ...;       // matrix order, from the coverage's tactic rows
//   m.techniques = ...;    // every technique the coverage lists
//   m.blind_spots = TopBlindSpots(all_gaps_in_gap_order);
//   m.telemetry = ...;     // the gap report's recommendations, then:
//   AttributeTelemetryGaps(blind_gaps, m.tactics, &m.telemetry);
//   if (absl::Status s = ValidateReportModel(m); !s.ok()) return s;
//   std::string html = RenderReportHtml(m);
//
// Counting rules are those of SPEC.md "Coverage" and graph/coverage.h: a
// technique is DETECTED (100), LOGGED (50) or BLIND (0); a tactic counts every
// technique and sub-technique listed under it; `overall` counts each technique
// once. Percentages are derived from the counts (ReportPercent), never stored,
// so a model cannot disagree with itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace ttpgraph {

// The Navigator score of each state.
enum class ReportStatus : uint8_t { kBlind = 0, kLogged = 50, kDetected = 100 };
const char* ReportStatusName(ReportStatus s);  // "DETECTED", "LOGGED", "BLIND"

// How a parent technique's sub-techniques count (SPEC.md "Coverage"): kNone,
// a parent's status is its own and every sub-technique is its own cell in the
// heatmap; kAny / kAll, a parent shows its roll-up status (best of itself and
// any sub-technique / itself or all sub-techniques) and its sub-techniques are
// folded into its cell.
enum class ReportRollup : uint8_t { kNone, kAny, kAll };
const char* ReportRollupName(ReportRollup r);  // "none", "any", "all"

// 100 * part / whole rounded to one decimal (as the coverage RPC's *_pct); 0
// when whole is 0.
double ReportPercent(int part, int whole);

struct ReportTotals {
  int techniques = 0, detected = 0, logged = 0, blind = 0;
  double detected_pct() const { return ReportPercent(detected, techniques); }
  double logged_pct() const { return ReportPercent(logged, techniques); }
  double blind_pct() const { return ReportPercent(blind, techniques); }
};

struct ReportHeader {
  std::string organization;     // display name; the id when it has none
  std::string organization_id;  // acme
  std::string release;          // enterprise-attack@18.1
  std::string generated_at;     // given by the caller (RFC 3339); the renderers read no clock
  int rules_enabled = 0, rules_disabled = 0, rules_testing = 0;
  int data_components_collected = 0;
  // The threat selection in words, e.g. "3 groups: APT28 (G0007), APT29
  // (G0016), FIN7 (G0046)" or "all 172 active groups".
  std::string threat_selection;
  int groups_selected = 0;
};

// One tactic of the matrix (a column of the heatmap, a row of the table).
struct ReportTactic {
  std::string id;         // TA0002
  std::string shortname;  // execution: the key ReportTechnique::tactics uses
  std::string name;       // Execution
  ReportTotals counts;    // by the roll-up status, sub-techniques included
};

struct ReportTechnique {
  std::string id;                    // T1059.001
  std::string name;                  // PowerShell
  std::vector<std::string> tactics;  // ReportTactic::shortname of each tactic it belongs to
  bool is_subtechnique = false;
  std::string parent;                                 // sub-techniques: the parent's ATT&CK ID
  ReportStatus status = ReportStatus::kBlind;         // its own
  ReportStatus rollup_status = ReportStatus::kBlind;  // under the model's policy; == status under kNone
  int groups_using = 0;                               // selected groups using it (0: not used by the selection)
  // Names of the counting detections mapped to it, all of them (the HTML
  // tooltip lists the first ReportModel::max_detections_listed).
  std::vector<std::string> detections;
  // Parents: active sub-techniques and how many of them are detected / logged / blind.
  int subtechniques = 0, sub_detected = 0, sub_logged = 0, sub_blind = 0;
};

struct ReportCountermeasure {
  std::string id;     // D3-EAL
  std::string label;  // Executable Allowlisting
};

struct ReportAtomicTest {
  int number = 0;  // Atomic Red Team test number within the technique
  std::string name;
};

// One of the top blind spots: a gap (technique used by the selection, not
// DETECTED). Why it is blind follows from the status and data components:
// BLIND: "no data component collected" (`data_components` lists what would
// make it LOGGED; empty when ATT&CK names none); LOGGED: "telemetry
// collected but no rule".
struct ReportBlindSpot {
  int rank = 0;  // 1-based, as shown
  std::string technique_id, technique_name;
  ReportStatus status = ReportStatus::kBlind;         // kBlind or kLogged
  std::vector<std::string> groups;                    // selected groups using it, "APT28 (G0007)"
  std::vector<std::string> data_components;           // BLIND: "DC0032 Process Creation" that would make it LOGGED
  std::vector<std::string> collected_components;      // LOGGED: the collected ones that see it
  std::vector<ReportCountermeasure> countermeasures;  // D3FEND, when loaded
  std::vector<ReportAtomicTest> atomic_tests;         // when an Atomic index is loaded
};

// One greedy telemetry recommendation: collecting this data component turns
// `gaps_added` BLIND gaps LOGGED that no earlier recommendation did. Shown as
// one line per tactic: "Collect <data component> (<log sources>) to address
// N <tactic> gaps: T..., T...".
struct ReportTelemetry {
  std::string data_component_id;         // DC0032 (empty before ATT&CK 18)
  std::string data_component_name;       // Process Creation
  std::vector<std::string> log_sources;  // "WinEventLog:Security EventCode=4688"
  int gaps_added = 0;
  int cumulative = 0;  // with every recommendation before it
  struct TacticGaps {
    std::string tactic;                      // ReportTactic::shortname
    std::vector<std::string> technique_ids;  // the gaps it addresses there, by ATT&CK ID
  };
  std::vector<TacticGaps> by_tactic;  // matrix order; AttributeTelemetryGaps fills it
};

struct ReportTrendPoint {
  std::string release;  // enterprise-attack@17.1
  ReportTotals counts;  // each technique once
};

// A detection whose mapping cannot move to the next release by itself.
struct ReportReviewItem {
  std::string detection_id, detection_name;
  std::string technique;             // as the detection maps it
  std::string action;                // "review" or "orphaned"
  std::vector<std::string> reasons;  // "split into T1, T2", "deprecated", ...
};

// What changes when the organization moves to the newest stored release
// (the migration plan from its release to that one).
struct ReportNextRelease {
  std::string from_release, target_release;
  int detections_in_scope = 0;
  // Mappings by action.
  int unchanged = 0, auto_migrated = 0, needs_review = 0, orphaned = 0;
  ReportTotals coverage_before, coverage_after;  // on from_release, and on target_release as migrated
  std::vector<ReportReviewItem> review;          // needs review first, then orphaned
};

struct ReportModel {
  ReportHeader header;
  ReportRollup rollup = ReportRollup::kNone;
  ReportTotals overall;                      // each technique once
  std::vector<ReportTactic> tactics;         // matrix order
  std::vector<ReportTechnique> techniques;   // every active technique, by ATT&CK ID
  std::vector<ReportBlindSpot> blind_spots;  // as shown: TopBlindSpots
  bool d3fend_loaded = false;                // false: "D3FEND not loaded" instead of "none"
  bool atomic_loaded = false;
  std::vector<ReportTelemetry> telemetry;  // greedy order
  std::vector<ReportTrendPoint> trend;     // oldest first; may be empty
  std::optional<ReportNextRelease> next_release;
  // Display caps (the JSON keeps everything).
  size_t max_detections_listed = 10;  // per heatmap tooltip, then "and N more"
  size_t max_groups_listed = 3;       // per blind spot
  size_t max_review_listed = 25;      // next-release detections needing review
};

// The first `n` gaps with BLIND ones first, then LOGGED, each kept in the
// order given (the gap report's: number of selected groups, then
// software/campaign use, then ATT&CK ID); ranks renumbered from 1.
std::vector<ReportBlindSpot> TopBlindSpots(std::vector<ReportBlindSpot> gaps, size_t n = 10);

// A BLIND gap as the greedy recommendation saw it.
struct ReportTelemetryGap {
  std::string technique_id;
  std::vector<std::string> tactics;          // shortnames
  std::vector<std::string> data_components;  // ReportTelemetry::data_component_id (or name) of each that can detect it
};

// Fills every recommendation's `by_tactic` the way the greedy choice counted
// it: a BLIND gap belongs to the first recommendation whose data component
// can detect it; within a recommendation, one entry per tactic (in the order
// of `tactics`) listing its gaps by ATT&CK ID. A gap in two tactics appears
// under both. Components match by ID, or by name when the ID is empty.
void AttributeTelemetryGaps(const std::vector<ReportTelemetryGap>& blind_gaps, const std::vector<ReportTactic>& tactics,
                            std::vector<ReportTelemetry>* telemetry);

// INVALID_ARGUMENT naming the first inconsistency (a duplicate technique
// ID, a tactic or parent that is not in the model, a blind spot that is
// DETECTED, a recommendation whose tactic lists do not add up to gaps_added,
// a roll-up status that differs from the status under kNone, negative
// counts). The renderers expect a valid model; on an invalid one they still
// escape everything and never crash, but may leave out what they cannot place.
absl::Status ValidateReportModel(const ReportModel& m);

}  // namespace ttpgraph
