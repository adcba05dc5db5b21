#include "server/defense_join.h"

#include <set>
#include <vector>

#include "storage/strings.h"

namespace ttpgraph {

absl::StatusOr<DefenseJoin> OpenDefenseJoin(DefenseCache* defense, bool countermeasures,
                                            std::string_view d3fend_version, bool atomic_tests,
                                            std::string_view atomic_index) {
  DefenseJoin join;
  if (countermeasures) {
    if (defense == nullptr) return absl::NotFoundError("no D3FEND ontology is available on this server");
    auto idx = defense->D3fend(d3fend_version);
    if (!idx.ok())
      return absl::NotFoundError(Cat("include_countermeasures: ", idx.status().message(),
                                     " (import D3FEND with `ttpctl d3fend import`)"));
    join.d3fend = *idx;
  }
  if (atomic_tests) {
    if (defense == nullptr) return absl::NotFoundError("no Atomic Red Team index is available on this server");
    auto idx = defense->Atomic(atomic_index);
    if (!idx.ok())
      return absl::NotFoundError(Cat("include_atomic_tests: ", idx.status().message(),
                                     " (import it with `ttpctl atomic import`)"));
    join.atomic = *idx;
  }
  return join;
}

absl::StatusOr<bool> DefenseJoin::AddCountermeasures(
    const ReleaseGraph& g, const std::string& attack_id, const QueryLimits& limits, std::string* status,
    google::protobuf::RepeatedPtrField<v1::GapCountermeasure>* out) const {
  auto rc = CountermeasuresInRelease(*d3fend, g, attack_id, limits);
  if (!rc.ok()) return rc.status();
  std::vector<const CountermeasureLink*> links = rc->answer.links;
  for (const CountermeasureAnswer& a : rc->via_revoked) links.insert(links.end(), a.links.begin(), a.links.end());
  std::set<uint32_t> seen;
  for (const CountermeasureLink* l : links) {
    if (!seen.insert(l->defense).second) continue;
    const D3fendTechnique& t = d3fend->technique(l->defense);
    auto* cm = out->Add();
    cm->set_d3fend_id(t.d3fend_id);
    cm->set_label(t.label);
    cm->set_tactic(std::string(D3fendTacticName(t.tactic)));
  }
  *status = std::string(MappingStatusName(seen.empty() ? rc->answer.status : MappingStatus::kMapped));
  return !seen.empty();
}

void DefenseJoin::AddAtomicTests(const std::string& attack_id,
                                 google::protobuf::RepeatedPtrField<v1::GapAtomicTest>* out) const {
  for (const AtomicTest* t : atomic->TestsFor(attack_id)) {
    auto* at = out->Add();
    at->set_guid(t->guid);
    at->set_test_number(t->test_number);
    at->set_name(t->name);
    at->set_executor(t->executor);
  }
}

}  // namespace ttpgraph
