// Knowledge queries: read-only questions about one release (the
// KnowledgeService). Each finds the release through the registry, applies the
// revoked-object rule to the ID asked (graph/queries.h ResolveActive: the
// answer is about the active object at the end of a revoked-by chain, and says
// so) and runs one pure graph query.
//
//   TTP_ASSIGN_OR_RETURN(core::SubjectList a, core::TechniqueTactics(app, "enterprise-attack@18.1", "T1086", limits));
//   // a.subject.asked is T1086 (revoked), a.subject.answered T1059.001; a.nodes its tactics
//
// Errors: INVALID_ARGUMENT for a malformed release or an ambiguous or
// mistyped ID, NOT_FOUND for an unknown release or ID, FAILED_PRECONDITION
// for a deprecated object or a revoked one whose chain ends in none.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/queries.h"
#include "graph/release_registry.h"
#include "server/core/application.h"

namespace ttpgraph::core {

using ReleasePtr = std::shared_ptr<const ReleaseContext>;

// The release a query ran on and the object it is about.
struct Subject {
  ReleasePtr release;
  ActiveObject object;
  const ReleaseGraph& graph() const { return release->graph(); }
  NodeId node() const { return object.answered; }
  bool revoked() const { return object.asked != object.answered; }
};

struct NodeList {
  ReleasePtr release;
  std::vector<NodeId> nodes;
};

struct SubjectList {
  Subject subject;
  std::vector<NodeId> nodes;
};

struct ObjectAnswer {
  ReleasePtr release;
  NodeId node = kNoNode;
  RevokedChain revoked_by;  // hops when the object is revoked (GetObject shows the revoked object itself)
  NodeId parent = kNoNode;
  std::string stix_json;    // as stored
  std::string description;
};

// The object itself, revoked or not, with its whole revoked-by chain.
absl::StatusOr<ObjectAnswer> GetObject(Application& app, std::string_view release, std::string_view id,
                                       std::string_view type, const QueryLimits& limits);
absl::StatusOr<NodeList> ListTechniques(Application& app, std::string_view release, const TechniqueFilter& filter);
// INVALID_ARGUMENT for an empty query.
absl::StatusOr<NodeList> SearchObjects(Application& app, std::string_view release, std::string_view query,
                                       const std::vector<std::string>& types, bool include_revoked,
                                       bool include_deprecated);
// Active in-domain tactics in matrix order.
absl::StatusOr<NodeList> ListTactics(Application& app, std::string_view release);

// The release and the technique (or group) an ID names, by the revoked-object rule.
absl::StatusOr<Subject> ResolveTechnique(Application& app, std::string_view release, std::string_view id,
                                         const QueryLimits& limits);
absl::StatusOr<Subject> ResolveGroup(Application& app, std::string_view release, std::string_view id,
                                     const QueryLimits& limits);

absl::StatusOr<SubjectList> TechniqueTactics(Application& app, std::string_view release, std::string_view technique,
                                             const QueryLimits& limits);
absl::StatusOr<SubjectList> Subtechniques(Application& app, std::string_view release, std::string_view technique,
                                          const QueryLimits& limits);
absl::StatusOr<SubjectList> GroupSoftware(Application& app, std::string_view release, std::string_view group,
                                          const QueryLimits& limits);
absl::StatusOr<SubjectList> GroupCampaigns(Application& app, std::string_view release, std::string_view group,
                                           const QueryLimits& limits);

struct GroupTechniquesAnswer {
  Subject subject;
  UsagePaths paths;
  // The group's techniques with provenance (shared from the release's usage
  // index, or computed for a group the index does not hold).
  std::shared_ptr<const std::vector<GroupTechnique>> techniques;
};
// INVALID_ARGUMENT when every usage path is excluded.
absl::StatusOr<GroupTechniquesAnswer> GroupTechniques(Application& app, std::string_view release,
                                                      std::string_view group, const UsagePaths& paths,
                                                      const QueryLimits& limits);

struct TechniqueUsersAnswer {
  Subject subject;
  std::vector<TechniqueUser> users;
};
absl::StatusOr<TechniqueUsersAnswer> TechniqueUsers(Application& app, std::string_view release,
                                                    std::string_view technique, UserKind kind,
                                                    const QueryLimits& limits);

struct RelatedAnswer {
  Subject subject;
  std::vector<RelatedVia> items;
};
absl::StatusOr<RelatedAnswer> Mitigations(Application& app, std::string_view release, std::string_view technique,
                                          const QueryLimits& limits);
absl::StatusOr<RelatedAnswer> ProcedureExamples(Application& app, std::string_view release,
                                                std::string_view technique, const QueryLimits& limits);

struct DetectabilityAnswer {
  Subject subject;
  Detectability detectability;
};
absl::StatusOr<DetectabilityAnswer> TechniqueDetectability(Application& app, std::string_view release,
                                                           std::string_view technique, const QueryLimits& limits);

}  // namespace ttpgraph::core
