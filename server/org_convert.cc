#include "server/org_convert.h"

#include <cmath>

#include "server/knowledge_convert.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

double Pct(int part, int whole) { return whole == 0 ? 0.0 : std::round(1000.0 * part / whole) / 10.0; }

void TacticsToProto(const ReleaseGraph& g, const CoverageReport& r,
                    google::protobuf::RepeatedPtrField<v1::TacticCoverage>* out) {
  for (const TacticCoverage& t : r.tactics) {
    auto* p = out->Add();
    const Node& n = g.node(t.tactic);
    p->set_attack_id(n.attack_id);
    p->set_shortname(n.tactics.empty() ? "" : n.tactics[0]);
    p->set_name(n.name);
    p->set_techniques(t.techniques);
    p->set_detected(t.detected);
    p->set_logged(t.logged);
    p->set_blind(t.blind);
    p->set_detected_pct(Pct(t.detected, t.techniques));
    p->set_logged_pct(Pct(t.logged, t.techniques));
    p->set_blind_pct(Pct(t.blind, t.techniques));
  }
}

}  // namespace

void ToProto(const Organization& o, v1::Organization* out) {
  out->set_org_id(o.id);
  out->set_display_name(o.display_name);
  out->set_release(o.release);
  out->set_detection_count(o.detection_count);
  out->set_inventory_count(o.inventory_count);
  out->set_created_at(FormatRfc3339(o.created_at_unix_ms));
  out->set_updated_at(FormatRfc3339(o.updated_at_unix_ms));
  out->set_generation(o.generation);
}

v1::DetectionState ToProto(DetectionState s) {
  switch (s) {
    case DetectionState::kDisabled: return v1::DETECTION_STATE_DISABLED;
    case DetectionState::kTesting: return v1::DETECTION_STATE_TESTING;
    default: return v1::DETECTION_STATE_ENABLED;
  }
}

DetectionState FromProto(v1::DetectionState s) {
  switch (s) {
    case v1::DETECTION_STATE_DISABLED: return DetectionState::kDisabled;
    case v1::DETECTION_STATE_TESTING: return DetectionState::kTesting;
    default: return DetectionState::kEnabled;
  }
}

void ToProto(const Detection& d, bool with_query, v1::Detection* out) {
  out->set_id(d.id);
  out->set_name(d.name);
  out->set_source_format(d.source_format);
  if (with_query) out->set_query(d.query);
  for (auto& t : d.techniques) out->add_techniques(t);
  for (auto& c : d.data_components) out->add_data_components(c);
  out->set_state(ToProto(d.state));
  out->set_release(d.release);
  for (auto& t : d.tags) out->add_tags(t);
  out->set_description(d.description);
  if (d.source_format == "sigma") ToProto(d, out->mutable_sigma());
  for (auto& t : d.unresolved_techniques) out->add_unresolved_techniques(t);
  for (auto& t : d.stale_techniques) out->add_stale_techniques(t);
  for (auto& n : d.notes) out->add_notes(n);
  out->set_created_at(FormatRfc3339(d.created_at_unix_ms));
  out->set_updated_at(FormatRfc3339(d.updated_at_unix_ms));
}

void ToProto(const Detection& d, v1::SigmaInfo* out) {
  out->set_status(d.sigma_status);
  out->set_category(d.sigma_category);
  out->set_product(d.sigma_product);
  out->set_service(d.sigma_service);
  out->set_path(d.sigma_path);
  out->set_level(d.sigma_level);
  out->set_author(d.sigma_author);
}

Detection FromProto(const v1::Detection& in) {
  Detection d;
  d.id = in.id();
  d.name = in.name();
  d.source_format = in.source_format();
  d.query = in.query();
  d.techniques.assign(in.techniques().begin(), in.techniques().end());
  d.data_components.assign(in.data_components().begin(), in.data_components().end());
  d.state = FromProto(in.state());
  d.release = in.release();
  d.tags.assign(in.tags().begin(), in.tags().end());
  d.description = in.description();
  if (in.has_sigma()) {
    d.sigma_status = in.sigma().status();
    d.sigma_category = in.sigma().category();
    d.sigma_product = in.sigma().product();
    d.sigma_service = in.sigma().service();
    d.sigma_path = in.sigma().path();
    d.sigma_level = in.sigma().level();
    d.sigma_author = in.sigma().author();
  }
  return d;
}

v1::CoverageStatus ToProto(CoverageStatus s) {
  switch (s) {
    case CoverageStatus::kDetected: return v1::COVERAGE_STATUS_DETECTED;
    case CoverageStatus::kLogged: return v1::COVERAGE_STATUS_LOGGED;
    default: return v1::COVERAGE_STATUS_BLIND;
  }
}

absl::StatusOr<RollupPolicy> FromProto(v1::RollupPolicy p) {
  switch (p) {
    case v1::ROLLUP_POLICY_UNSPECIFIED:
    case v1::ROLLUP_POLICY_NONE: return RollupPolicy::kNone;
    case v1::ROLLUP_POLICY_ANY: return RollupPolicy::kAny;
    case v1::ROLLUP_POLICY_ALL: return RollupPolicy::kAll;
    default:
      return absl::InvalidArgumentError(
          Cat("rollup: unknown roll-up policy ", static_cast<int>(p), " (ROLLUP_POLICY_NONE, _ANY or _ALL)"));
  }
}

v1::RollupPolicy ToProto(RollupPolicy p) {
  switch (p) {
    case RollupPolicy::kAny: return v1::ROLLUP_POLICY_ANY;
    case RollupPolicy::kAll: return v1::ROLLUP_POLICY_ALL;
    default: return v1::ROLLUP_POLICY_NONE;
  }
}

core::ImportFormat FromProto(v1::ImportFormat f) {
  switch (f) {
    case v1::IMPORT_FORMAT_SIGMA: return core::ImportFormat::kSigma;
    case v1::IMPORT_FORMAT_NAVIGATOR_LAYER: return core::ImportFormat::kNavigatorLayer;
    case v1::IMPORT_FORMAT_CSV: return core::ImportFormat::kCsv;
    default: return core::ImportFormat::kByName;
  }
}

core::DetectionImportOptions FromProto(const v1::ImportDetectionsHeader& h) {
  core::DetectionImportOptions o;
  o.format = FromProto(h.format());
  o.release = h.release();
  o.dry_run = h.dry_run();
  o.layer_score_threshold = h.layer_score_threshold();
  o.skip_logsource_mapping = h.skip_logsource_mapping();
  return o;
}

void ToProto(const core::DetectionImportReport& r, v1::ImportDetectionsResponse* out) {
  out->set_release(r.release);
  out->set_dry_run(r.dry_run);
  out->mutable_rules()->Reserve(static_cast<int>(r.rules.size()));
  for (const core::ImportedRule& rule : r.rules) {
    v1::RuleReport* p = out->add_rules();
    p->set_id(rule.id);
    p->set_name(rule.name);
    p->set_path(rule.where);
    p->set_state(ToProto(rule.state));
    for (auto& t : rule.techniques) p->add_techniques(t);
    for (auto& t : rule.unresolved) p->add_unresolved_techniques(t);
    for (auto& t : rule.stale) p->add_stale_techniques(t);
    p->set_no_technique(rule.techniques.empty());
    for (auto& n : rule.notes) p->add_notes(n);
    switch (rule.outcome) {
      case OrgStore::PutOutcome::kCreated: p->set_outcome(v1::RuleReport::OUTCOME_CREATED); break;
      case OrgStore::PutOutcome::kUpdated: p->set_outcome(v1::RuleReport::OUTCOME_UPDATED); break;
      case OrgStore::PutOutcome::kUnchanged: p->set_outcome(v1::RuleReport::OUTCOME_UNCHANGED); break;
    }
  }
  out->set_created(r.created);
  out->set_updated(r.updated);
  out->set_unchanged(r.unchanged);
  out->set_disabled(r.disabled);
  out->set_no_technique(r.no_technique);
  out->set_with_unresolved(r.with_unresolved);
  out->set_files_read(r.files_read);
  out->set_files_skipped(r.files_skipped);
}

InventoryEntry FromProto(const v1::InventoryEntry& in) {
  InventoryEntry e;
  e.data_component = in.data_component();
  e.log_source_name = in.log_source_name();
  e.log_source_channel = in.log_source_channel();
  e.source = in.source().empty() ? "manual" : in.source();
  return e;
}

void ToProto(const core::InventoryAnswer& a, v1::Inventory* out) {
  const ReleaseGraph& g = a.release->graph();
  out->set_org_id(a.org_id);
  out->set_release(g.id().Name());
  for (size_t i = 0; i < a.entries.size(); ++i) {
    const InventoryEntry& e = a.entries[i];
    auto* p = out->add_entries();
    p->set_data_component(e.data_component);
    p->set_log_source_name(e.log_source_name);
    p->set_log_source_channel(e.log_source_channel);
    p->set_source(e.source);
    p->set_data_component_stix_id(e.data_component_stix_id);
    p->set_data_component_name(e.data_component_name);
    for (NodeId dc : a.resolved[i]) p->add_resolved(ComponentLabel(g, dc));
  }
}

void ToProto(const core::CoverageAnswer& a, v1::RollupPolicy rollup, bool omit_techniques, v1::CoverageResponse* out) {
  const ReleaseGraph& g = a.release->graph();
  const DetectabilityIndex& index = a.release->detectability();
  const CoverageReport& r = a.report;
  const OrgView& view = *a.org.view;
  out->set_org_id(a.org.org.id);
  out->set_release(g.id().Name());
  out->set_rollup(rollup);
  out->set_total(r.total);
  out->set_detected(r.detected);
  out->set_logged(r.logged);
  out->set_blind(r.blind);
  out->set_detections_counted(r.detections_counted);
  out->set_detections_ignored(r.detections_ignored);
  if (!omit_techniques) {
    out->mutable_techniques()->Reserve(static_cast<int>(r.techniques.size()));
    for (size_t i = 0; i < r.techniques.size(); ++i) {
      const TechniqueCoverage& c = r.techniques[i];
      const Node& t = g.node(c.technique);
      auto* p = out->add_techniques();
      p->set_attack_id(t.attack_id);
      p->set_name(t.name);
      p->set_is_subtechnique(t.is_subtechnique);
      if (NodeId parent = g.ParentOf(c.technique); parent != kNoNode) p->set_parent(g.node(parent).attack_id);
      p->mutable_tactics()->Reserve(static_cast<int>(t.tactics.size()));
      for (auto& tac : t.tactics) p->add_tactics(tac);
      p->mutable_platforms()->Reserve(static_cast<int>(t.platforms.size()));
      for (auto& pl : t.platforms) p->add_platforms(pl);
      p->set_status(ToProto(c.status));
      p->set_score(static_cast<int>(c.status));
      p->mutable_detections()->Reserve(static_cast<int>(c.detections.size()));
      p->mutable_detection_names()->Reserve(static_cast<int>(c.detections.size()));
      for (uint32_t d : c.detections) {
        p->add_detections(view.detections[d].id);
        p->add_detection_names(view.detections[d].name);
      }
      p->mutable_detecting_components()->Reserve(static_cast<int>(index.ComponentsFor(c.technique).size()));
      for (NodeId dc : c.collected_components) ToProtoLabel(g, dc, p->add_collected_components());
      for (NodeId dc : index.ComponentsFor(c.technique)) ToProtoLabel(g, dc, p->add_detecting_components());
      p->set_subtechniques(c.subtechniques);
      p->set_sub_detected(c.sub_detected);
      p->set_sub_logged(c.sub_logged);
      p->set_sub_blind(c.sub_blind);
      p->set_rollup_status(ToProto(c.rollup_status));
      if (a.join.any()) ToProto(a.join, a.defenses[i], p);
    }
  }
  if (a.join.d3fend) {
    out->set_d3fend_version(a.join.d3fend->version());
    out->set_blind_with_countermeasure(a.blind_with_countermeasure);
  }
  if (a.join.atomic) out->set_atomic_index(a.join.atomic->name());
  TacticsToProto(g, r, out->mutable_tactics());
  const CompiledCoverage& compiled = *a.compiled;
  out->mutable_stale()->Reserve(static_cast<int>(compiled.stale.size()));
  for (const StaleMapping& s : compiled.stale) {
    auto* p = out->add_stale();
    p->set_detection(view.detections[s.detection].id);
    p->set_technique(s.technique);
    p->set_reason(s.reason);
  }
  out->mutable_carried()->Reserve(static_cast<int>(compiled.carried.size()));
  for (const CarriedMapping& c : compiled.carried) {
    auto* p = out->add_carried();
    p->set_detection(view.detections[c.detection].id);
    p->set_from(c.from);
    p->set_to(g.node(c.chain.back()).attack_id);
    for (NodeId h : c.chain) p->add_chain(g.node(h).attack_id);
  }
  out->mutable_cannot_fire()->Reserve(static_cast<int>(compiled.cannot_fire.size()));
  for (const UnfireableDetection& u : compiled.cannot_fire) {
    auto* p = out->add_cannot_fire();
    p->set_detection(view.detections[u.detection].id);
    for (auto& m : u.missing_components) p->add_missing_components(m);
  }
  for (auto& u : compiled.unresolved_inventory) out->add_unresolved_inventory(u);
}

void ToProto(const core::CoverageAnswer& a, v1::CoverageTrendRow* row) {
  const CoverageReport& r = a.report;
  row->set_release(a.release->id().Name());
  row->set_total(r.total);
  row->set_detected(r.detected);
  row->set_logged(r.logged);
  row->set_blind(r.blind);
  row->set_detected_pct(Pct(r.detected, r.total));
  row->set_logged_pct(Pct(r.logged, r.total));
  row->set_stale(static_cast<int32_t>(a.compiled->stale.size()));
  row->set_carried(static_cast<int32_t>(a.compiled->carried.size()));
  TacticsToProto(a.release->graph(), r, row->mutable_tactics());
}

}  // namespace ttpgraph
