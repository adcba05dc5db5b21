#include "server/analysis_convert.h"

#include "server/knowledge_convert.h"
#include "server/org_convert.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

v1::TechniqueFate::Kind KindOf(TechniqueFateKind k) {
  switch (k) {
    case TechniqueFateKind::kSame: return v1::TechniqueFate::KIND_SAME;
    case TechniqueFateKind::kMajorChange: return v1::TechniqueFate::KIND_MAJOR_CHANGE;
    case TechniqueFateKind::kRevoked: return v1::TechniqueFate::KIND_REVOKED;
    case TechniqueFateKind::kDeprecated: return v1::TechniqueFate::KIND_DEPRECATED;
    case TechniqueFateKind::kDeleted: return v1::TechniqueFate::KIND_DELETED;
  }
  return v1::TechniqueFate::KIND_UNSPECIFIED;
}

void DeltaToProto(const ReleaseGraph& from, const ReleaseGraph& to, const SetDelta& d, v1::ObjectDelta* out) {
  for (NodeId n : d.gained) ToProto(to, n, out->add_gained());
  for (NodeId n : d.lost) ToProto(from, n, out->add_lost());
}

v1::MappingMigration::Action ActionToProto(MigrationAction a) {
  switch (a) {
    case MigrationAction::kUnchanged: return v1::MappingMigration::ACTION_UNCHANGED;
    case MigrationAction::kAuto: return v1::MappingMigration::ACTION_AUTO;
    case MigrationAction::kReview: return v1::MappingMigration::ACTION_REVIEW;
    case MigrationAction::kOrphaned: return v1::MappingMigration::ACTION_ORPHANED;
    case MigrationAction::kUnknown: return v1::MappingMigration::ACTION_UNKNOWN;
    case MigrationAction::kAtTarget: return v1::MappingMigration::ACTION_AT_TARGET;
  }
  return v1::MappingMigration::ACTION_UNSPECIFIED;
}

void Totals(const ReleaseGraph& g, const CoverageReport& r, v1::CoverageTotals* out) {
  out->set_release(g.id().Name());
  out->set_techniques(r.total);
  out->set_detected(r.detected);
  out->set_logged(r.logged);
  out->set_blind(r.blind);
  out->set_stale_mappings(static_cast<int32_t>(r.stale.size()));
}

}  // namespace

void FillRelationshipDiffs(const ReleaseGraph& from, const ReleaseGraph& to, const DiffReport& r,
                           v1::DiffReleasesResponse* resp) {
  for (const GroupDelta& d : r.groups) {
    auto* g = resp->add_groups();
    ToProto(to, d.to, g->mutable_group());
    DeltaToProto(from, to, d.techniques, g->mutable_techniques());
    DeltaToProto(from, to, d.software, g->mutable_software());
  }
  for (const CampaignDelta& d : r.campaigns) {
    auto* c = resp->add_campaigns();
    ToProto(to, d.to, c->mutable_campaign());
    DeltaToProto(from, to, d.techniques, c->mutable_techniques());
    DeltaToProto(from, to, d.groups, c->mutable_attributed_groups());
  }
  for (const TechniqueRelDelta& d : r.techniques) {
    auto* t = resp->add_techniques();
    ToProto(to, d.to, t->mutable_technique());
    DeltaToProto(from, to, d.mitigations, t->mutable_mitigations());
    DeltaToProto(from, to, d.strategies, t->mutable_detection_strategies());
    DeltaToProto(from, to, d.data_components, t->mutable_data_components());
  }
  for (const TacticChange& tc : r.tactic_changes) {
    auto* t = resp->add_tactic_changes();
    ToProto(to, tc.to, t->mutable_technique());
    for (auto& s : tc.removed) t->add_removed(s);
    for (auto& s : tc.added) t->add_added(s);
  }
  for (const TacticMove& m : r.tactic_moves) {
    auto* t = resp->add_tactic_moves();
    t->set_from_tactic(m.from_tactic);
    t->set_to_tactic(m.to_tactic);
    t->set_techniques(m.techniques);
  }
  for (const TacticFate& f : r.removed_tactics) {
    auto* t = resp->add_removed_tactics();
    ToProto(from, f.from, t->mutable_tactic());
    for (auto& s : f.destinations) t->add_destinations(s);
  }
  for (auto& s : r.added_tactics) resp->add_added_tactics(s);
  for (const ParentChange& pc : r.parent_changes) {
    auto* p = resp->add_parent_changes();
    ToProto(to, pc.to, p->mutable_technique());
    if (pc.old_parent != kNoNode) ToProto(from, pc.old_parent, p->mutable_old_parent());
    if (pc.new_parent != kNoNode) ToProto(to, pc.new_parent, p->mutable_new_parent());
  }
  auto detects = [](const DetectsModel& m, v1::DetectsModel* out) {
    out->set_from_data_components(m.from_data_components);
    out->set_from_detection_strategies(m.from_detection_strategies);
    out->set_other(m.other);
  };
  detects(r.from_detects, resp->mutable_from_detects());
  detects(r.to_detects, resp->mutable_to_detects());
  for (const TechniqueFate& f : r.technique_fates) {
    auto* t = resp->add_technique_fates();
    ToProto(from, f.from, t->mutable_technique());
    t->set_kind(KindOf(f.kind));
    t->set_category(ChangeCategoryName(f.category));
    if (f.successor != kNoNode) ToProto(to, f.successor, t->mutable_successor());
    t->set_chain_cycle(f.chain_cycle);
    t->set_tactic_moved(f.tactic_moved);
    t->set_parent_changed(f.parent_changed);
    for (NodeId m : f.merged_with) ToProto(from, m, t->add_merged_with());
    t->set_split(f.split);
    for (NodeId s : f.split_into) ToProto(to, s, t->add_split_into());
    t->set_migration(MigrationActionName(MigrationActionFor(f)));
  }
}

void ToProto(const ReleaseGraph& from, const ReleaseGraph& to, const ObjectChange& c, v1::ObjectChange* out) {
  out->set_object_type(DiffObjectTypeName(c.object_type));
  out->set_category(ChangeCategoryName(c.category));
  if (c.to != kNoNode) ToProto(to, c.to, out->mutable_object());
  else ToProto(from, c.from, out->mutable_object());
  out->set_old_version(c.old_version);
  out->set_new_version(c.new_version);
  for (auto& f : c.changed_fields) out->add_changed_fields(f);
  if (!c.revoked_by.empty()) ToProto(to, RevokedChain{c.revoked_by, c.revoked_by_cycle, false}, out->mutable_revoked_by());
}

void ToProto(const core::GapAnswer& a, bool first_page, size_t begin, size_t end, v1::GapResponse* out) {
  const ReleaseGraph& g = a.release->graph();
  const GapReport& r = a.report;
  if (a.join.d3fend) out->set_d3fend_version(a.join.d3fend->version());
  if (a.join.atomic) out->set_atomic_index(a.join.atomic->name());
  out->set_org_id(a.org.org.id);
  out->set_release(g.id().Name());
  out->set_techniques_used(r.techniques_used);
  out->set_detected(r.detected);
  out->set_logged(r.logged);
  out->set_blind(r.blind);
  out->set_blind_without_telemetry(r.blind_without_telemetry);
  if (first_page) {
    for (NodeId n : r.groups) ToProtoRef(g, n, out->add_groups());
    for (const TelemetryRecommendation& rec : r.recommendations) {
      auto* o = out->add_recommendations();
      ToProtoRef(g, rec.data_component, o->mutable_data_component());
      o->set_gaps_added(rec.gaps_added);
      o->set_cumulative(rec.cumulative);
    }
    for (const ActiveObject& res : a.resolved) {
      const Node& asked = g.node(res.asked);
      ToProto(g, asked.attack_id.empty() ? asked.stix_id : asked.attack_id, res, out->add_resolutions());
    }
    for (const core::ExtensionGroup& c : a.custom_groups) {
      auto* o = out->add_custom_groups();
      o->set_attack_id(c.attack_id);
      o->set_stix_id(c.stix_id);
      o->set_name(c.name);
      o->set_type("intrusion-set");
    }
  }
  for (size_t i = begin; i < end; ++i) {
    const ttpgraph::Gap& gap = r.gaps[i];
    auto* o = out->add_gaps();
    o->set_rank(static_cast<int32_t>(i + 1));
    ToProto(g, gap.technique, o->mutable_technique());
    o->set_status(ToProto(gap.status));
    for (NodeId n : gap.groups) ToProtoRef(g, n, o->add_groups());
    for (NodeId n : gap.software) ToProtoRef(g, n, o->add_software());
    for (NodeId n : gap.campaigns) ToProtoRef(g, n, o->add_campaigns());
    for (NodeId n : gap.data_components) ToProtoRef(g, n, o->add_data_components());
    for (NodeId n : gap.collected_components) ToProtoRef(g, n, o->add_collected_components());
    if (a.join.any()) ToProto(a.join, a.defenses[i], o);
  }
}

void ToProto(const core::MigrationAnswer& a, size_t begin, size_t end, v1::MigrationPlan* out) {
  const ReleaseGraph &from = a.diff->from->graph(), &to = a.diff->to->graph();
  const MigrationPlan& p = a.plan;
  out->set_org_id(a.org.id);
  out->set_org_generation(a.org.generation);
  out->set_from_release(from.id().Name());
  out->set_to_release(to.id().Name());
  out->set_detections_in_scope(p.detections_in_scope);
  out->set_detections_at_target(p.detections_at_target);
  out->set_detections_other_domain(p.detections_other_domain);
  out->set_unchanged(p.unchanged);
  out->set_auto_migrated(p.auto_migrated);
  out->set_needs_review(p.needs_review);
  out->set_orphaned(p.orphaned);
  out->set_unknown(p.unknown);
  out->set_at_target(p.at_target);
  out->set_detections_changed(p.detections_changed);
  Totals(from, a.impact.before, out->mutable_coverage_before());
  Totals(to, a.impact.after, out->mutable_coverage_after());
  for (NodeId n : a.impact.lost_detected) ToProtoRef(from, n, out->add_lost_detected());
  for (NodeId n : a.impact.gained_detected) ToProtoRef(to, n, out->add_gained_detected());
  for (size_t i = begin; i < end && i < a.listed.size(); ++i) {
    const DetectionPlan& dp = *a.listed[i];
    const Detection& d = a.detections[dp.detection];
    auto* dm = out->add_detections();
    dm->set_detection_id(d.id);
    dm->set_name(d.name);
    dm->set_action(ActionToProto(dp.action));
    for (auto& t : d.techniques) dm->add_techniques_before(t);
    for (auto& t : dp.techniques_after) dm->add_techniques_after(t);
    dm->set_release_before(d.release);
    dm->set_release_after(dp.release_after);
    dm->set_changes(dp.changes);
    for (const MappingPlan& m : dp.mappings) {
      auto* mm = dm->add_mappings();
      mm->set_technique(m.technique);
      mm->set_action(ActionToProto(m.action));
      if (m.from_node != kNoNode) ToProtoRef(from, m.from_node, mm->mutable_from_technique());
      if (m.target != kNoNode) ToProtoRef(to, m.target, mm->mutable_target());
      if (m.fate) {
        mm->set_fate(KindOf(m.fate->kind));
        for (NodeId n : m.fate->split_into) ToProtoRef(to, n, mm->add_candidates());
        for (NodeId n : m.fate->merged_with) ToProtoRef(from, n, mm->add_candidates());
      }
      for (auto& r : m.reasons) mm->add_reasons(r);
    }
  }
}


absl::StatusOr<std::vector<std::string>> SelectedGroupIds(const v1::ThreatSelection& threat) {
  std::vector<std::string> ids;
  switch (threat.selection_case()) {
    case v1::ThreatSelection::kGroups:
      if (threat.groups().ids().empty())
        return absl::InvalidArgumentError("threat.groups.ids: give at least one group (or threat.all_groups)");
      for (int i = 0; i < threat.groups().ids_size(); ++i) {
        if (threat.groups().ids(i).empty())
          return absl::InvalidArgumentError(Cat("threat.groups.ids[", i, "]: empty group id"));
        ids.push_back(threat.groups().ids(i));
      }
      return ids;
    case v1::ThreatSelection::kAllGroups:
      if (!threat.all_groups())
        return absl::InvalidArgumentError("threat.all_groups: set it to true, or select groups by id");
      return ids;
    case v1::ThreatSelection::kCustomProperty:
      return absl::UnimplementedError(
          Cat("threat.custom_property: selecting groups by a custom property (",
              threat.custom_property().property().empty() ? std::string("x_...") : threat.custom_property().property(),
              ") is answered by GetGap and GetGapLayer; here select groups by id (threat.groups) or all groups "
              "(threat.all_groups)"));
    case v1::ThreatSelection::SELECTION_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "threat: choose the threat selection: groups by id (threat.groups) or every active group (threat.all_groups)");
}

}  // namespace ttpgraph
