// Test side: a ReportModel filled from a running server's RPC answers
// (GetCoverage, GetGap, GetGroupTechniques, GetDetectability,
// GetCoverageTrend, PlanMigration, ListDetections, GetInventory), the way the
// ReportService will fill it from the same results in-process. The raw
// answers are kept beside the model so a test can check the rendered page
// against the RPCs, not only against the model.
//
//   LiveReportRequest req;
//   req.org_id = "acme";
//   req.release = "enterprise-attack@18.1";
//   LiveReport live;
//   ASSERT_OK(BuildLiveReport(server.client(), req, &live));
//   std::string html = RenderReportHtml(live.model);
//
// Header-only: used by tests/e2e/report_browser_test.cc and
// tests/bench/report_bench.cc, each one program.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "clients/cpp/ttpgraph_client.h"
#include "server/export/report_model.h"
#include "storage/model.h"
#include "storage/strings.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/analysis_service.grpc.pb.h"
#include "ttpgraph/v1/d3fend_service.grpc.pb.h"
#include "ttpgraph/v1/knowledge_service.grpc.pb.h"
#include "ttpgraph/v1/org_service.grpc.pb.h"
#include "ttpgraph/v1/release_service.grpc.pb.h"

namespace ttpgraph::testing {

struct LiveReportRequest {
  std::string org_id;
  std::string release;                      // the report's release, e.g. enterprise-attack@18.1
  std::vector<std::string> trend_releases;  // oldest first; empty: no trend
  std::vector<std::string> groups;          // the threat selection; empty: all groups
  v1::RollupPolicy rollup = v1::ROLLUP_POLICY_NONE;
  bool with_d3fend = false, with_atomic = false;
  std::string generated_at = "2026-12-03T09:00:00Z";
};

struct LiveReport {
  v1::Organization org;
  v1::CoverageResponse coverage;
  v1::GapResponse gap;  // every page
  v1::CoverageTrendResponse trend;
  std::optional<v1::MigrationPlan> plan;  // when a release newer than the organization's is stored
  ReportModel model;
};

namespace report_internal {

inline std::string Label(const v1::AttackObject& o) {
  return o.attack_id().empty() ? o.name() : Cat(o.attack_id(), " ", o.name());
}

inline ReportStatus Status(v1::CoverageStatus s) {
  return s == v1::COVERAGE_STATUS_DETECTED ? ReportStatus::kDetected : s == v1::COVERAGE_STATUS_LOGGED ? ReportStatus::kLogged : ReportStatus::kBlind;
}

inline ReportTotals Totals(int techniques, int detected, int logged, int blind) {
  return ReportTotals{techniques, detected, logged, blind};
}

inline bool VersionLess(const std::string& a, const std::string& b) {
  auto va = Version::Parse(a), vb = Version::Parse(b);
  return va.ok() && vb.ok() && *va < *vb;
}

}  // namespace report_internal

// The organization the browser test and the benchmark report on: `org_id`
// ("Acme Corp"), mapped against enterprise-attack@`org_version`, with every
// SigmaHQ rule of sigma-rules.tar.gz imported against that release, its
// inventory inferred from the rules' logsources, and D3FEND 1.2.0 and the
// Atomic Red Team index loaded. The releases `versions` of enterprise-attack
// are imported first (from $TTPGRAPH_SHARED_DATA/attack).
inline absl::Status SetUpSigmaOrg(Client& client, const std::vector<std::string>& versions,
                                  const std::string& org_id, const std::string& org_version) {
  for (const std::string& v : versions)
    if (absl::Status s =
            ImportFile(client, SharedData(Cat("attack/enterprise-attack-", v, ".json.gz")), "enterprise-attack", v);
        !s.ok())
      return s;
  const std::string release = Cat("enterprise-attack@", org_version);
  v1::CreateOrganizationRequest create;
  create.set_org_id(org_id);
  create.set_display_name("Acme Corp");
  create.set_release(release);
  v1::Organization org;
  if (absl::Status s = client.Call(&v1::OrgService::Stub::CreateOrganization, create, &org); !s.ok()) return s;
  {
    // The tarball in one message named sigma-rules.tar.gz (Client::ImportDetections names files by their path).
    grpc::ClientContext ctx;
    v1::ImportDetectionsResponse resp;
    v1::ImportDetectionsRequest header, file;
    header.set_org_id(org_id);
    header.mutable_header()->set_release(release);
    file.set_org_id(org_id);
    file.mutable_file()->set_path("sigma-rules.tar.gz");
    file.mutable_file()->set_content(ReadFile(SharedData("sigma/sigma-rules.tar.gz")));
    client.Prepare(&ctx, header);
    auto writer = client.orgs().ImportDetections(&ctx, &resp);
    writer->Write(header);
    writer->Write(file);
    writer->WritesDone();
    if (absl::Status s = FromGrpc(writer->Finish()); !s.ok()) return s;
  }
  v1::InferInventoryRequest infer;
  infer.set_org_id(org_id);
  infer.set_release(release);
  v1::InferInventoryResponse inferred;
  if (absl::Status s = client.Call(&v1::OrgService::Stub::InferInventory, infer, &inferred); !s.ok()) return s;
  v1::D3fendImportOptions d3fend;
  d3fend.set_version("1.2.0");
  v1::ImportD3fendResponse d3fend_resp;
  if (absl::Status s =
          client.ImportD3fend(ReadFile(SharedData("d3fend/d3fend-protege-1.2.0.ttl.gz")), d3fend, &d3fend_resp);
      !s.ok())
    return s;
  v1::AtomicImportOptions atomic;
  atomic.set_source_name("index.csv");
  v1::ImportAtomicIndexResponse atomic_resp;
  return client.ImportAtomicIndex(ReadFile(SharedData("atomic/index.csv")), atomic, &atomic_resp);
}

inline absl::Status BuildLiveReport(Client& client, const LiveReportRequest& req, LiveReport* out) {
  using namespace report_internal;
  ReportModel& m = out->model;

  v1::GetOrganizationRequest org_req;
  org_req.set_org_id(req.org_id);
  if (absl::Status s = client.Call(&v1::OrgService::Stub::GetOrganization, org_req, &out->org); !s.ok()) return s;

  v1::CoverageRequest cov_req;
  cov_req.set_org_id(req.org_id);
  cov_req.set_release(req.release);
  cov_req.set_rollup(req.rollup);
  if (absl::Status s = client.Call(&v1::OrgService::Stub::GetCoverage, cov_req, &out->coverage); !s.ok()) return s;
  const v1::CoverageResponse& cov = out->coverage;

  v1::GapRequest gap_req;
  gap_req.set_org_id(req.org_id);
  gap_req.set_release(req.release);
  if (req.groups.empty()) {
    gap_req.mutable_threat()->set_all_groups(true);
  } else {
    for (const std::string& g : req.groups) gap_req.mutable_threat()->mutable_groups()->add_ids(g);
  }
  gap_req.set_include_countermeasures(req.with_d3fend);
  gap_req.set_include_atomic_tests(req.with_atomic);
  if (absl::Status s = client.CallAllPages(&v1::AnalysisService::Stub::GetGap, gap_req, &out->gap); !s.ok()) return s;
  const v1::GapResponse& gap = out->gap;

  // Header.
  m.header.organization = out->org.display_name().empty() ? out->org.org_id() : out->org.display_name();
  m.header.organization_id = out->org.org_id();
  m.header.release = cov.release();
  m.header.generated_at = req.generated_at;
  v1::ListDetectionsRequest det_req;
  det_req.set_org_id(req.org_id);
  det_req.set_omit_query(true);
  v1::ListDetectionsResponse dets;
  if (absl::Status s = client.CallAllPages(&v1::OrgService::Stub::ListDetections, det_req, &dets); !s.ok()) return s;
  for (const v1::Detection& d : dets.detections()) {
    if (d.state() == v1::DETECTION_STATE_ENABLED) ++m.header.rules_enabled;
    if (d.state() == v1::DETECTION_STATE_DISABLED) ++m.header.rules_disabled;
    if (d.state() == v1::DETECTION_STATE_TESTING) ++m.header.rules_testing;
  }
  v1::GetInventoryRequest inv_req;
  inv_req.set_org_id(req.org_id);
  inv_req.set_release(req.release);
  v1::Inventory inventory;
  if (absl::Status s = client.Call(&v1::OrgService::Stub::GetInventory, inv_req, &inventory); !s.ok()) return s;
  std::set<std::string> collected;
  for (const auto& e : inventory.entries()) collected.insert(e.resolved().begin(), e.resolved().end());
  m.header.data_components_collected = static_cast<int>(collected.size());
  m.header.groups_selected = gap.groups_size();
  if (req.groups.empty()) {
    m.header.threat_selection = Cat("all ", gap.groups_size(), " active groups of ", cov.release());
  } else {
    std::vector<std::string> names;
    for (const v1::AttackObject& g : gap.groups()) names.push_back(Cat(g.name(), " (", g.attack_id(), ")"));
    m.header.threat_selection = Cat(names.size(), names.size() == 1 ? " group: " : " groups: ", Join(names, ", "));
  }

  // Tactics and techniques, as the coverage counts them.
  m.rollup = cov.rollup() == v1::ROLLUP_POLICY_ANY   ? ReportRollup::kAny
             : cov.rollup() == v1::ROLLUP_POLICY_ALL ? ReportRollup::kAll
                                              : ReportRollup::kNone;
  m.overall = Totals(cov.total(), cov.detected(), cov.logged(), cov.blind());
  for (const v1::TacticCoverage& t : cov.tactics())
    m.tactics.push_back(
        {t.attack_id(), t.shortname(), t.name(), Totals(t.techniques(), t.detected(), t.logged(), t.blind())});
  // Groups using each technique: every selected group's techniques, over the
  // same usage paths as the gap (all three).
  std::map<std::string, int> groups_using;
  for (const v1::AttackObject& g : gap.groups()) {
    v1::GroupTechniquesRequest gt_req;
    gt_req.set_release(req.release);
    gt_req.set_group(g.attack_id());
    v1::GroupTechniquesResponse gt;
    if (absl::Status s = client.CallAllPages(&v1::KnowledgeService::Stub::GetGroupTechniques, gt_req, &gt); !s.ok())
      return s;
    for (const v1::GroupTechnique& t : gt.techniques()) ++groups_using[t.technique().attack_id()];
  }
  for (const v1::TechniqueCoverage& t : cov.techniques()) {
    ReportTechnique r;
    r.id = t.attack_id();
    r.name = t.name();
    r.tactics.assign(t.tactics().begin(), t.tactics().end());
    r.is_subtechnique = t.is_subtechnique();
    r.parent = t.parent();
    r.status = Status(t.status());
    r.rollup_status = Status(t.rollup_status());
    r.groups_using = groups_using.count(r.id) ? groups_using[r.id] : 0;
    r.detections.assign(t.detection_names().begin(), t.detection_names().end());
    r.subtechniques = t.subtechniques();
    r.sub_detected = t.sub_detected();
    r.sub_logged = t.sub_logged();
    r.sub_blind = t.sub_blind();
    m.techniques.push_back(std::move(r));
  }

  // Blind spots: the gaps, BLIND first.
  std::vector<ReportBlindSpot> spots;
  std::vector<ReportTelemetryGap> blind_gaps;
  for (const v1::Gap& g : gap.gaps()) {
    ReportBlindSpot b;
    b.technique_id = g.technique().attack_id();
    b.technique_name = g.technique().name();
    b.status = Status(g.status());
    for (const auto& o : g.groups()) b.groups.push_back(Cat(o.name(), " (", o.attack_id(), ")"));
    for (const auto& o : g.data_components()) b.data_components.push_back(Label(o));
    for (const auto& o : g.collected_components()) b.collected_components.push_back(Label(o));
    for (const auto& c : g.countermeasures()) b.countermeasures.push_back({c.d3fend_id(), c.label()});
    for (const auto& a : g.atomic_tests()) b.atomic_tests.push_back({a.test_number(), a.name()});
    spots.push_back(std::move(b));
    if (g.status() == v1::COVERAGE_STATUS_BLIND) {
      ReportTelemetryGap tg{
          g.technique().attack_id(), {g.technique().tactics().begin(), g.technique().tactics().end()}, {}};
      for (const auto& o : g.data_components())
        tg.data_components.push_back(o.attack_id().empty() ? o.name() : o.attack_id());
      blind_gaps.push_back(std::move(tg));
    }
  }
  m.blind_spots = TopBlindSpots(std::move(spots));
  m.d3fend_loaded = req.with_d3fend;
  m.atomic_loaded = req.with_atomic;

  // Telemetry: the greedy recommendations, each gap under the first that
  // covers it, with the log sources ATT&CK names for the component on them.
  for (const v1::TelemetryRecommendation& r : gap.recommendations())
    m.telemetry.push_back(
        {r.data_component().attack_id(), r.data_component().name(), {}, r.gaps_added(), r.cumulative(), {}});
  AttributeTelemetryGaps(blind_gaps, m.tactics, &m.telemetry);
  for (ReportTelemetry& r : m.telemetry) {
    std::set<std::string> techniques, seen;
    for (const auto& tg : r.by_tactic) techniques.insert(tg.technique_ids.begin(), tg.technique_ids.end());
    for (const std::string& id : techniques) {
      v1::TechniqueRequest d_req;
      d_req.set_release(req.release);
      d_req.set_technique(id);
      v1::DetectabilityResponse d;
      if (absl::Status s = client.CallAllPages(&v1::KnowledgeService::Stub::GetDetectability, d_req, &d); !s.ok())
        return s;
      for (const v1::DetectingComponent& dc : d.data_components()) {
        if (dc.data_component().attack_id() != r.data_component_id ||
            dc.data_component().name() != r.data_component_name)
          continue;
        for (const v1::LogSource& ls : dc.log_sources()) {
          std::string label = ls.channel().empty() ? ls.name() : Cat(ls.name(), " ", ls.channel());
          if (seen.insert(label).second) r.log_sources.push_back(label);
        }
      }
    }
  }

  // Trend.
  if (!req.trend_releases.empty()) {
    v1::CoverageTrendRequest t_req;
    t_req.set_org_id(req.org_id);
    for (const std::string& r : req.trend_releases) t_req.add_releases(r);
    if (absl::Status s = client.Call(&v1::OrgService::Stub::GetCoverageTrend, t_req, &out->trend); !s.ok()) return s;
    for (const v1::CoverageTrendRow& row : out->trend.rows())
      m.trend.push_back({row.release(), Totals(row.total(), row.detected(), row.logged(), row.blind())});
  }

  // Next release: the newest stored release of the domain, when newer than the organization's.
  const std::string org_release = out->org.release();
  const std::string domain = org_release.substr(0, org_release.find('@'));
  v1::ListReleasesRequest rel_req;
  v1::ListReleasesResponse rels;
  if (absl::Status s = client.CallAllPages(&v1::ReleaseService::Stub::ListReleases, rel_req, &rels); !s.ok()) return s;
  v1::GetReleaseRequest own_req;
  own_req.set_release(org_release);
  v1::Release own;
  if (absl::Status s = client.Call(&v1::ReleaseService::Stub::GetRelease, own_req, &own); !s.ok()) return s;
  std::string newest;
  for (const v1::Release& r : rels.releases())
    if (r.domain() == domain && VersionLess(own.version(), r.version()) &&
        (newest.empty() || VersionLess(newest.substr(newest.find('@') + 1), r.version())))
      newest = Cat(r.domain(), "@", r.version());
  if (!newest.empty()) {
    v1::MigrationRequest p_req;
    p_req.set_org_id(req.org_id);
    p_req.set_from_release(org_release);
    p_req.set_to_release(newest);
    v1::MigrationPlan plan;
    if (absl::Status s = client.CallAllPages(&v1::AnalysisService::Stub::PlanMigration, p_req, &plan); !s.ok()) return s;
    ReportNextRelease n;
    n.from_release = plan.from_release();
    n.target_release = plan.to_release();
    n.detections_in_scope = plan.detections_in_scope();
    n.unchanged = plan.unchanged();
    n.auto_migrated = plan.auto_migrated();
    n.needs_review = plan.needs_review();
    n.orphaned = plan.orphaned();
    const auto& b = plan.coverage_before();
    const auto& a = plan.coverage_after();
    n.coverage_before = Totals(b.techniques(), b.detected(), b.logged(), b.blind());
    n.coverage_after = Totals(a.techniques(), a.detected(), a.logged(), a.blind());
    for (int pass = 0; pass < 2; ++pass) {  // needs review first, then orphaned
      const auto action = pass == 0 ? v1::MappingMigration::ACTION_REVIEW : v1::MappingMigration::ACTION_ORPHANED;
      for (const v1::DetectionMigration& d : plan.detections())
        for (const v1::MappingMigration& mm : d.mappings())
          if (mm.action() == action)
            n.review.push_back({d.detection_id(),
                                d.name(),
                                mm.technique(),
                                pass == 0 ? "review" : "orphaned",
                                {mm.reasons().begin(), mm.reasons().end()}});
    }
    m.next_release = std::move(n);
    out->plan = std::move(plan);
  }
  return ValidateReportModel(m);
}

}  // namespace ttpgraph::testing
