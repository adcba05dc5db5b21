#include "server/core/knowledge.h"

#include <simdjson.h>

#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

const std::vector<std::string_view> kTechniqueTypes = {"attack-pattern"};
const std::vector<std::string_view> kGroupTypes = {"intrusion-set"};

absl::StatusOr<Subject> Resolve(Application& app, std::string_view release, std::string_view id,
                                const std::vector<std::string_view>& types, std::string_view what,
                                const QueryLimits& limits) {
  auto ctx = app.releases().Get(release);
  if (!ctx.ok()) return ctx.status();
  auto object = ResolveActive((*ctx)->graph(), id, types, what, limits);
  if (!object.ok()) return object.status();
  return Subject{std::move(*ctx), std::move(*object)};
}

}  // namespace

absl::StatusOr<ObjectAnswer> GetObject(Application& app, std::string_view release, std::string_view id,
                                       std::string_view type, const QueryLimits& limits) {
  auto ctx = app.releases().Get(release);
  if (!ctx.ok()) return ctx.status();
  const ReleaseGraph& g = (*ctx)->graph();
  auto n = ResolveObject(g, id, type);
  if (!n.ok()) return n.status();
  ObjectAnswer a;
  a.release = *ctx;
  a.node = *n;
  if (g.node(*n).revoked) a.revoked_by = FollowRevokedBy(g, *n, limits);
  a.parent = g.ParentOf(*n);
  auto json = app.store().GetReleaseObjects({g.id()}, {g.node(*n).object_key});
  if (!json.ok()) return json.status();
  a.stix_json = std::move((*json)[0]);
  simdjson::dom::parser parser;
  std::string_view description;
  if (parser.parse(a.stix_json)["description"].get_string().get(description) == simdjson::SUCCESS)
    a.description = std::string(description);
  return a;
}

absl::StatusOr<NodeList> ListTechniques(Application& app, std::string_view release, const TechniqueFilter& filter) {
  auto ctx = app.releases().Get(release);
  if (!ctx.ok()) return ctx.status();
  auto ids = ttpgraph::ListTechniques((*ctx)->graph(), filter);
  if (!ids.ok()) return ids.status();
  return NodeList{std::move(*ctx), std::move(*ids)};
}

absl::StatusOr<NodeList> SearchObjects(Application& app, std::string_view release, std::string_view query,
                                       const std::vector<std::string>& types, bool include_revoked,
                                       bool include_deprecated) {
  if (query.empty()) return absl::InvalidArgumentError("query must not be empty");
  auto ctx = app.releases().Get(release);
  if (!ctx.ok()) return ctx.status();
  auto ids = ttpgraph::SearchObjects((*ctx)->graph(), query, types, include_revoked, include_deprecated);
  return NodeList{std::move(*ctx), std::move(ids)};
}

absl::StatusOr<NodeList> ListTactics(Application& app, std::string_view release) {
  auto ctx = app.releases().Get(release);
  if (!ctx.ok()) return ctx.status();
  const ReleaseGraph& g = (*ctx)->graph();
  NodeList out{*ctx, {}};
  for (NodeId t : g.tactics())
    if (g.node(t).active() && g.node(t).in_domain) out.nodes.push_back(t);
  return out;
}

absl::StatusOr<Subject> ResolveTechnique(Application& app, std::string_view release, std::string_view id,
                                         const QueryLimits& limits) {
  return Resolve(app, release, id, kTechniqueTypes, "technique", limits);
}

absl::StatusOr<Subject> ResolveGroup(Application& app, std::string_view release, std::string_view id,
                                     const QueryLimits& limits) {
  return Resolve(app, release, id, kGroupTypes, "group", limits);
}

absl::StatusOr<SubjectList> TechniqueTactics(Application& app, std::string_view release, std::string_view technique,
                                             const QueryLimits& limits) {
  auto s = ResolveTechnique(app, release, technique, limits);
  if (!s.ok()) return s.status();
  auto nodes = ttpgraph::TechniqueTactics(s->graph(), s->node());
  return SubjectList{std::move(*s), std::move(nodes)};
}

absl::StatusOr<SubjectList> Subtechniques(Application& app, std::string_view release, std::string_view technique,
                                          const QueryLimits& limits) {
  auto s = ResolveTechnique(app, release, technique, limits);
  if (!s.ok()) return s.status();
  auto nodes = ttpgraph::Subtechniques(s->graph(), s->node());
  return SubjectList{std::move(*s), std::move(nodes)};
}

absl::StatusOr<SubjectList> GroupSoftware(Application& app, std::string_view release, std::string_view group,
                                          const QueryLimits& limits) {
  auto s = ResolveGroup(app, release, group, limits);
  if (!s.ok()) return s.status();
  auto nodes = ttpgraph::GroupSoftware(s->graph(), s->node());
  return SubjectList{std::move(*s), std::move(nodes)};
}

absl::StatusOr<SubjectList> GroupCampaigns(Application& app, std::string_view release, std::string_view group,
                                           const QueryLimits& limits) {
  auto s = ResolveGroup(app, release, group, limits);
  if (!s.ok()) return s.status();
  auto nodes = ttpgraph::GroupCampaigns(s->graph(), s->node());
  return SubjectList{std::move(*s), std::move(nodes)};
}

absl::StatusOr<GroupTechniquesAnswer> GroupTechniques(Application& app, std::string_view release,
                                                      std::string_view group, const UsagePaths& paths,
                                                      const QueryLimits& limits) {
  if (absl::Status st = CheckUsagePaths(paths); !st.ok()) return st;
  auto s = ResolveGroup(app, release, group, limits);
  if (!s.ok()) return s.status();
  auto usage = s->release->Usage(paths, limits);
  if (!usage.ok()) return usage.status();
  GroupTechniquesAnswer a{std::move(*s), paths, nullptr};
  if (const std::vector<GroupTechnique>* uses = (*usage)->UsesOf(a.subject.node())) {
    a.techniques = std::shared_ptr<const std::vector<GroupTechnique>>(*usage, uses);  // shares the index
  } else {  // an active group outside the release's domain: not indexed
    a.techniques = std::make_shared<const std::vector<GroupTechnique>>(
        TechniquesUsedByGroup(a.subject.graph(), a.subject.node(), paths));
  }
  return a;
}

absl::StatusOr<TechniqueUsersAnswer> TechniqueUsers(Application& app, std::string_view release,
                                                    std::string_view technique, UserKind kind,
                                                    const QueryLimits& limits) {
  auto s = ResolveTechnique(app, release, technique, limits);
  if (!s.ok()) return s.status();
  auto users = ttpgraph::TechniqueUsers(s->graph(), s->node(), kind);
  return TechniqueUsersAnswer{std::move(*s), std::move(users)};
}

absl::StatusOr<RelatedAnswer> Mitigations(Application& app, std::string_view release, std::string_view technique,
                                          const QueryLimits& limits) {
  auto s = ResolveTechnique(app, release, technique, limits);
  if (!s.ok()) return s.status();
  auto items = ttpgraph::Mitigations(s->graph(), s->node());
  return RelatedAnswer{std::move(*s), std::move(items)};
}

absl::StatusOr<RelatedAnswer> ProcedureExamples(Application& app, std::string_view release,
                                                std::string_view technique, const QueryLimits& limits) {
  auto s = ResolveTechnique(app, release, technique, limits);
  if (!s.ok()) return s.status();
  auto items = ttpgraph::ProcedureExamples(s->graph(), s->node());
  return RelatedAnswer{std::move(*s), std::move(items)};
}

absl::StatusOr<DetectabilityAnswer> TechniqueDetectability(Application& app, std::string_view release,
                                                           std::string_view technique, const QueryLimits& limits) {
  auto s = ResolveTechnique(app, release, technique, limits);
  if (!s.ok()) return s.status();
  auto d = ttpgraph::TechniqueDetectability(s->graph(), s->node());
  return DetectabilityAnswer{std::move(*s), std::move(d)};
}

}  // namespace ttpgraph::core
