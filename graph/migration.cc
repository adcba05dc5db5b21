#include "graph/migration.h"

#include <map>
#include <set>

#include <algorithm>

#include "graph/queries.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

std::string IdOf(const ReleaseGraph& g, NodeId n) {
  return g.node(n).attack_id.empty() ? g.node(n).stix_id : g.node(n).attack_id;
}

std::string IdList(const ReleaseGraph& g, const std::vector<NodeId>& ids) {
  std::vector<std::string> out;
  for (NodeId n : ids) out.push_back(IdOf(g, n));
  return Join(out, ", ");
}

// The attack-pattern a mapping names in `g`, or kNoNode.
NodeId FindTechnique(const ReleaseGraph& g, const std::string& id) {
  auto n = ResolveObject(g, id, "attack-pattern");
  return n.ok() ? *n : kNoNode;
}

std::string DomainOf(const std::string& release) {
  size_t at = release.find('@');
  return at == std::string::npos ? release : release.substr(0, at);
}

MappingPlan PlanMapping(const ReleaseGraph& from, const ReleaseGraph& to, const std::vector<int32_t>& fate_of,
                        const DiffReport& diff, const std::string& technique, const QueryLimits& limits) {
  MappingPlan m;
  m.technique = technique;
  NodeId n = FindTechnique(from, technique);
  if (n == kNoNode) {
    NodeId t = FindTechnique(to, technique);
    if (t != kNoNode && to.node(t).active() && to.node(t).in_domain) {
      m.action = MigrationAction::kAtTarget;
      m.target = t;
      m.reasons.push_back(Cat("not in ", from.id().Name(), ", active in ", to.id().Name()));
    } else {
      m.action = MigrationAction::kUnknown;
      m.reasons.push_back(Cat("no technique ", technique, " in ", from.id().Name(), " or ", to.id().Name()));
    }
    return m;
  }
  const NodeId asked = n;
  if (from.node(n).revoked) {
    RevokedChain chain = FollowRevokedBy(from, n, limits);
    if (!chain.ends_active(from)) {
      m.from_node = n;
      m.action = MigrationAction::kOrphaned;
      m.reasons.push_back(Cat("revoked in ", from.id().Name(), " without an active successor"));
      return m;
    }
    const NodeId end = chain.hops.back();
    m.reasons.push_back(Cat("revoked in ", from.id().Name(), " by ", IdOf(from, end)));
    n = end;
  }
  m.from_node = n;
  if (from.node(n).deprecated) {
    m.action = MigrationAction::kOrphaned;
    m.reasons.push_back(Cat("deprecated in ", from.id().Name()));
    return m;
  }
  if (fate_of[n] < 0) {  // active but out of the domain: no fate was computed
    m.action = MigrationAction::kUnknown;
    m.reasons.push_back(Cat(IdOf(from, n), " is not a technique of the ", from.id().domain, " domain"));
    return m;
  }
  const TechniqueFate& f = diff.technique_fates[fate_of[n]];
  m.fate = &f;
  switch (f.kind) {
    case TechniqueFateKind::kDeprecated:
      m.action = MigrationAction::kOrphaned;
      m.reasons.push_back(Cat("deprecated in ", to.id().Name()));
      return m;
    case TechniqueFateKind::kDeleted:
      m.action = MigrationAction::kOrphaned;
      m.reasons.push_back(Cat("deleted from ", to.id().Name()));
      return m;
    case TechniqueFateKind::kRevoked:
      if (f.successor == kNoNode) {
        m.action = MigrationAction::kOrphaned;
        m.reasons.push_back(Cat("revoked in ", to.id().Name(), f.chain_cycle ? " (revoked-by cycle)" : "",
                                " without an active successor"));
        return m;
      }
      m.target = f.successor;
      m.reasons.push_back(Cat("revoked in ", to.id().Name(), " by ", IdOf(to, f.successor)));
      break;
    case TechniqueFateKind::kMajorChange:
      m.target = f.to;
      m.reasons.push_back("major version change");
      break;
    case TechniqueFateKind::kSame:
      m.target = f.to;
      break;
  }
  if (f.tactic_moved) m.reasons.push_back("tactic moved");
  if (f.parent_changed) m.reasons.push_back("parent changed");
  if (f.split) m.reasons.push_back(Cat("split into ", IdList(to, f.split_into)));
  if (!f.merged_with.empty()) m.reasons.push_back(Cat("merged with ", IdList(from, f.merged_with)));
  if (f.NeedsReview()) m.action = MigrationAction::kReview;
  else if (f.kind == TechniqueFateKind::kRevoked || m.from_node != asked)
    m.action = MigrationAction::kAuto;  // revoked now, or revoked already in `from`: the ID changes
  else
    m.action = MigrationAction::kUnchanged;
  return m;
}

}  // namespace

const char* MigrationActionName(MigrationAction a) {
  switch (a) {
    case MigrationAction::kUnchanged: return "UNCHANGED";
    case MigrationAction::kAuto: return "AUTO";
    case MigrationAction::kReview: return "REVIEW";
    case MigrationAction::kOrphaned: return "ORPHANED";
    case MigrationAction::kUnknown: return "UNKNOWN";
    case MigrationAction::kAtTarget: return "AT_TARGET";
  }
  return "?";
}

MigrationAction MigrationActionFor(const TechniqueFate& f) {
  if (f.kind == TechniqueFateKind::kDeprecated || f.kind == TechniqueFateKind::kDeleted ||
      (f.kind == TechniqueFateKind::kRevoked && f.successor == kNoNode))
    return MigrationAction::kOrphaned;
  return f.NeedsReview() ? MigrationAction::kReview : MigrationAction::kAuto;
}

int MigrationSeverity(MigrationAction a) {
  switch (a) {
    case MigrationAction::kUnchanged: return 0;
    case MigrationAction::kAtTarget: return 1;
    case MigrationAction::kAuto: return 2;
    case MigrationAction::kReview: return 3;
    case MigrationAction::kUnknown: return 4;
    case MigrationAction::kOrphaned: return 5;
  }
  return 0;
}

absl::StatusOr<MigrationPlan> PlanMigration(const ReleaseGraph& from, const ReleaseGraph& to, const DiffReport& diff,
                                            const std::vector<Detection>& detections, const QueryLimits& limits) {
  if (from.id().domain != to.id().domain)
    return absl::InvalidArgumentError(Cat("from_release ", from.id().Name(), " and to_release ", to.id().Name(),
                                          " belong to different domains; a migration stays within one domain"));
  if (!(diff.from_release == from.id()) || !(diff.to_release == to.id()))
    return absl::InvalidArgumentError(Cat("the diff given is ", diff.from_release.Name(), " -> ",
                                          diff.to_release.Name(), ", not ", from.id().Name(), " -> ", to.id().Name()));
  std::vector<int32_t> fate_of(from.nodes().size(), -1);
  for (size_t i = 0; i < diff.technique_fates.size(); ++i) fate_of[diff.technique_fates[i].from] = static_cast<int32_t>(i);

  MigrationPlan plan;
  plan.from_release = from.id();
  plan.to_release = to.id();
  const std::string to_name = to.id().Name();
  for (uint32_t d = 0; d < detections.size(); ++d) {
    if (d % 1024 == 0)
      if (absl::Status s = limits.Check("planning the migration"); !s.ok()) return s;
    const Detection& det = detections[d];
    if (det.release == to_name) {
      ++plan.detections_at_target;
      continue;
    }
    if (!det.release.empty() && DomainOf(det.release) != from.id().domain) {
      ++plan.detections_other_domain;
      continue;
    }
    ++plan.detections_in_scope;
    DetectionPlan dp;
    dp.detection = d;
    bool all_current = true;
    for (const std::string& t : det.techniques) {
      MappingPlan m = PlanMapping(from, to, fate_of, diff, t, limits);
      switch (m.action) {
        case MigrationAction::kUnchanged: ++plan.unchanged; dp.techniques_after.push_back(t); break;
        case MigrationAction::kAtTarget: ++plan.at_target; dp.techniques_after.push_back(t); break;
        case MigrationAction::kAuto:
          ++plan.auto_migrated;
          m.new_technique = IdOf(to, m.target);
          dp.techniques_after.push_back(m.new_technique);
          break;
        case MigrationAction::kReview:
          ++plan.needs_review;
          all_current = false;
          dp.techniques_after.push_back(t);
          break;
        case MigrationAction::kOrphaned:
          ++plan.orphaned;
          all_current = false;
          dp.techniques_after.push_back(t);
          break;
        case MigrationAction::kUnknown:
          ++plan.unknown;
          all_current = false;
          dp.techniques_after.push_back(t);
          break;
      }
      if (MigrationSeverity(m.action) > MigrationSeverity(dp.action)) dp.action = m.action;
      dp.mappings.push_back(std::move(m));
    }
    // Two old IDs revoked into one successor map once.
    std::vector<std::string> deduped;
    for (auto& t : dp.techniques_after)
      if (std::find(deduped.begin(), deduped.end(), t) == deduped.end()) deduped.push_back(t);
    dp.techniques_after = std::move(deduped);
    dp.release_after = all_current ? to_name : det.release;
    dp.changes = dp.techniques_after != det.techniques || dp.release_after != det.release;
    plan.detections_changed += dp.changes;
    plan.detections.push_back(std::move(dp));
  }
  return plan;
}

std::vector<Detection> MigratedDetections(const MigrationPlan& plan, const std::vector<Detection>& detections) {
  std::vector<Detection> out;
  for (const DetectionPlan& dp : plan.detections) {
    if (!dp.changes) continue;
    Detection d = detections[dp.detection];
    std::vector<std::string> moved;
    for (const MappingPlan& m : dp.mappings)
      if (m.action == MigrationAction::kAuto) moved.push_back(Cat(m.technique, " -> ", m.new_technique));
    std::string note = Cat("migrated ", plan.from_release.Name(), " -> ", plan.to_release.Name());
    if (!moved.empty()) note += Cat(": re-mapped ", Join(moved, ", "));
    if (dp.release_after != plan.to_release.Name()) note += "; mappings to review keep the detection on its release";
    d.techniques = dp.techniques_after;
    d.release = dp.release_after;
    d.notes.push_back(std::move(note));
    out.push_back(std::move(d));
  }
  return out;
}

absl::StatusOr<MigrationImpact> ComputeMigrationImpact(const ReleaseGraph& from, const DetectabilityIndex& from_index,
                                                       const ReleaseGraph& to, const DetectabilityIndex& to_index,
                                                       const DiffReport& diff, const MigrationPlan& plan,
                                                       const std::vector<Detection>& planned,
                                                       const std::vector<Detection>& all,
                                                       const std::vector<InventoryEntry>& inventory,
                                                       const QueryLimits& limits) {
  std::vector<Detection> migrated = MigratedDetections(plan, planned);
  std::map<std::string, const Detection*> replaced;
  for (const Detection& d : migrated) replaced[d.id] = &d;
  std::vector<Detection> after = all;
  for (Detection& d : after)
    if (auto it = replaced.find(d.id); it != replaced.end()) d = *it->second;
  MigrationImpact impact;
  auto before_cov = ComputeCoverage(from, from_index, MakeOrgView("", all, inventory), CoverageOptions{}, limits);
  if (!before_cov.ok()) return before_cov.status();
  auto after_cov = ComputeCoverage(to, to_index, MakeOrgView("", after, inventory), CoverageOptions{}, limits);
  if (!after_cov.ok()) return after_cov.status();
  impact.before = std::move(*before_cov);
  impact.after = std::move(*after_cov);

  std::set<NodeId> detected_after;
  for (const TechniqueCoverage& c : impact.after.techniques)
    if (c.status == CoverageStatus::kDetected) detected_after.insert(c.technique);
  std::vector<NodeId> counterpart(from.nodes().size(), kNoNode);
  for (const TechniqueFate& f : diff.technique_fates)
    counterpart[f.from] = f.kind == TechniqueFateKind::kRevoked ? f.successor
                          : (f.kind == TechniqueFateKind::kSame || f.kind == TechniqueFateKind::kMajorChange) ? f.to
                                                                                                               : kNoNode;
  std::set<NodeId> kept;
  for (const TechniqueCoverage& c : impact.before.techniques) {
    if (c.status != CoverageStatus::kDetected) continue;
    const NodeId cp = counterpart[c.technique];
    if (cp != kNoNode && detected_after.count(cp)) kept.insert(cp);
    else impact.lost_detected.push_back(c.technique);
  }
  for (NodeId n : detected_after)
    if (!kept.count(n)) impact.gained_detected.push_back(n);
  return impact;
}

}  // namespace ttpgraph
