#include "server/core/report_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "storage/strings.h"

namespace ttpgraph {

const char* ReportStatusName(ReportStatus s) {
  switch (s) {
    case ReportStatus::kDetected: return "DETECTED";
    case ReportStatus::kLogged: return "LOGGED";
    default: return "BLIND";
  }
}

const char* ReportRollupName(ReportRollup r) {
  switch (r) {
    case ReportRollup::kAny: return "any";
    case ReportRollup::kAll: return "all";
    default: return "none";
  }
}

double ReportPercent(int part, int whole) {
  // The formula of the coverage RPC (server/org_service.cc), so the report shows its numbers.
  return whole == 0 ? 0.0 : std::round(1000.0 * part / whole) / 10.0;
}

std::vector<ReportBlindSpot> TopBlindSpots(std::vector<ReportBlindSpot> gaps, size_t n) {
  std::stable_partition(gaps.begin(), gaps.end(),
                        [](const ReportBlindSpot& g) { return g.status == ReportStatus::kBlind; });
  if (gaps.size() > n) gaps.resize(n);
  for (size_t i = 0; i < gaps.size(); ++i) gaps[i].rank = static_cast<int>(i + 1);
  return gaps;
}

void AttributeTelemetryGaps(const std::vector<ReportTelemetryGap>& blind_gaps, const std::vector<ReportTactic>& tactics,
                            std::vector<ReportTelemetry>* telemetry) {
  std::unordered_map<std::string, size_t> rec_of;  // component key -> first recommendation naming it
  for (size_t i = telemetry->size(); i-- > 0;) {
    const ReportTelemetry& r = (*telemetry)[i];
    rec_of[r.data_component_id.empty() ? r.data_component_name : r.data_component_id] = i;
  }
  // recommendation -> tactic -> technique IDs
  std::vector<std::map<std::string, std::set<std::string>>> found(telemetry->size());
  for (const ReportTelemetryGap& gap : blind_gaps) {
    size_t best = telemetry->size();
    for (const std::string& dc : gap.data_components)
      if (auto it = rec_of.find(dc); it != rec_of.end()) best = std::min(best, it->second);
    if (best == telemetry->size()) continue;
    for (const std::string& tactic : gap.tactics) found[best][tactic].insert(gap.technique_id);
  }
  for (size_t i = 0; i < telemetry->size(); ++i) {
    auto& by_tactic = (*telemetry)[i].by_tactic;
    by_tactic.clear();
    for (const ReportTactic& t : tactics) {
      auto it = found[i].find(t.shortname);
      if (it == found[i].end()) continue;
      by_tactic.push_back({t.shortname, {it->second.begin(), it->second.end()}});
    }
  }
}

namespace {

absl::Status Invalid(const std::string& where, const std::string& what) {
  return absl::InvalidArgumentError(Cat("report model: ", where, ": ", what));
}

absl::Status CheckTotals(const ReportTotals& t, const std::string& where) {
  if (t.techniques < 0 || t.detected < 0 || t.logged < 0 || t.blind < 0) return Invalid(where, "negative count");
  if (t.detected + t.logged + t.blind != t.techniques)
    return Invalid(where, Cat("detected + logged + blind = ", t.detected + t.logged + t.blind,
                              ", not techniques = ", t.techniques));
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateReportModel(const ReportModel& m) {
  if (absl::Status s = CheckTotals(m.overall, "overall"); !s.ok()) return s;
  std::unordered_set<std::string> tactics;
  for (size_t i = 0; i < m.tactics.size(); ++i) {
    const ReportTactic& t = m.tactics[i];
    const std::string where = Cat("tactics[", i, "] (", t.shortname, ")");
    if (t.shortname.empty()) return Invalid(where, "empty shortname");
    if (!tactics.insert(t.shortname).second) return Invalid(where, "duplicate tactic");
    if (absl::Status s = CheckTotals(t.counts, where); !s.ok()) return s;
  }
  std::unordered_map<std::string, const ReportTechnique*> techniques;
  for (const ReportTechnique& t : m.techniques)
    if (!techniques.emplace(t.id, &t).second) return Invalid(Cat("technique ", t.id), "duplicate ATT&CK ID");
  for (size_t i = 0; i < m.techniques.size(); ++i) {
    const ReportTechnique& t = m.techniques[i];
    const std::string where = Cat("techniques[", i, "] (", t.id, ")");
    if (t.id.empty()) return Invalid(where, "empty ATT&CK ID");
    for (const std::string& tactic : t.tactics)
      if (!tactics.count(tactic)) return Invalid(where, Cat("tactic \"", tactic, "\" is not in tactics"));
    if (t.is_subtechnique) {
      auto p = techniques.find(t.parent);
      if (p == techniques.end()) return Invalid(where, Cat("parent \"", t.parent, "\" is not in techniques"));
      if (p->second->is_subtechnique) return Invalid(where, Cat("parent ", t.parent, " is a sub-technique"));
    }
    if (m.rollup == ReportRollup::kNone && t.rollup_status != t.status)
      return Invalid(where, "rollup_status differs from status under roll-up policy none");
    if (t.groups_using < 0 || t.subtechniques < 0 || t.sub_detected < 0 || t.sub_logged < 0 || t.sub_blind < 0)
      return Invalid(where, "negative count");
    if (t.sub_detected + t.sub_logged + t.sub_blind != t.subtechniques)
      return Invalid(where, "sub_detected + sub_logged + sub_blind differs from subtechniques");
  }
  for (size_t i = 0; i < m.blind_spots.size(); ++i) {
    const ReportBlindSpot& b = m.blind_spots[i];
    const std::string where = Cat("blind_spots[", i, "] (", b.technique_id, ")");
    if (b.status == ReportStatus::kDetected) return Invalid(where, "a DETECTED technique is no blind spot");
    if (b.rank != static_cast<int>(i + 1)) return Invalid(where, Cat("rank ", b.rank, ", expected ", i + 1));
  }
  for (size_t i = 0; i < m.telemetry.size(); ++i) {
    const ReportTelemetry& r = m.telemetry[i];
    const std::string where = Cat("telemetry[", i, "] (", r.data_component_id, " ", r.data_component_name, ")");
    std::unordered_set<std::string> ids;
    for (const auto& tg : r.by_tactic) {
      if (!tactics.count(tg.tactic)) return Invalid(where, Cat("tactic \"", tg.tactic, "\" is not in tactics"));
      ids.insert(tg.technique_ids.begin(), tg.technique_ids.end());
    }
    if (static_cast<int>(ids.size()) != r.gaps_added)
      return Invalid(where, Cat("its tactic lists name ", ids.size(), " gaps, gaps_added is ", r.gaps_added));
  }
  for (size_t i = 0; i < m.trend.size(); ++i)
    if (absl::Status s = CheckTotals(m.trend[i].counts, Cat("trend[", i, "] (", m.trend[i].release, ")")); !s.ok())
      return s;
  if (m.next_release) {
    const ReportNextRelease& n = *m.next_release;
    if (n.unchanged < 0 || n.auto_migrated < 0 || n.needs_review < 0 || n.orphaned < 0 || n.detections_in_scope < 0)
      return Invalid("next_release", "negative count");
    if (absl::Status s = CheckTotals(n.coverage_before, "next_release.coverage_before"); !s.ok()) return s;
    if (absl::Status s = CheckTotals(n.coverage_after, "next_release.coverage_after"); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace ttpgraph
