#include "server/defense_convert.h"

#include <set>

#include "storage/strings.h"

namespace ttpgraph {

void ToProto(const BlobVersionInfo& i, v1::D3fendVersion* out) {
  out->set_version(i.version);
  out->set_content_sha256(i.content_sha256);
  out->set_class_count(i.item_count);
  out->set_triple_count(i.source_count);
  out->set_imported_at(FormatRfc3339(i.imported_at_unix_ms));
}

void ToProto(const BlobVersionInfo& i, const AtomicIndex* index, v1::AtomicIndexInfo* out) {
  out->set_name(i.version);
  out->set_content_sha256(i.content_sha256);
  out->set_test_count(i.item_count);
  out->set_row_count(i.source_count);
  if (index) out->set_technique_count(static_cast<int32_t>(index->Techniques().size()));
  out->set_imported_at(FormatRfc3339(i.imported_at_unix_ms));
}

void ToProto(const D3fendIndex& idx, uint32_t t, bool with_definition, v1::D3fendTechnique* out) {
  const D3fendTechnique& d = idx.technique(t);
  out->set_d3fend_id(d.d3fend_id);
  out->set_label(d.label);
  out->set_tactic(std::string(D3fendTacticName(d.tactic)));
  out->set_name(d.name);
  if (d.parent >= 0) out->set_parent_id(idx.technique(static_cast<uint32_t>(d.parent)).d3fend_id);
  out->set_depth(d.depth);
  if (with_definition) out->set_definition(d.definition);
}

void ToProto(const D3fendIndex& idx, const ArtifactPath& p, v1::ArtifactPath* out) {
  out->set_offensive_relation(p.offensive_relation);
  out->set_offensive_artifact(p.offensive_artifact);
  out->set_offensive_artifact_label(std::string(idx.Label(p.offensive_artifact)));
  out->set_defensive_artifact(p.defensive_artifact);
  out->set_defensive_artifact_label(std::string(idx.Label(p.defensive_artifact)));
  out->set_defensive_relation(p.defensive_relation);
}

void ToProto(const AtomicTest& t, v1::AtomicTest* out) {
  out->set_guid(t.guid);
  out->set_technique_id(t.technique_id);
  out->set_technique_name(t.technique_name);
  out->set_test_number(t.test_number);
  out->set_name(t.name);
  out->set_executor(t.executor);
  for (auto& x : t.tactics) out->add_tactics(x);
}

v1::MappingStatus ToProto(MappingStatus s) {
  switch (s) {
    case MappingStatus::kMapped: return v1::MAPPING_STATUS_MAPPED;
    case MappingStatus::kNotInD3fend: return v1::MAPPING_STATUS_NOT_IN_D3FEND;
    case MappingStatus::kNoArtifactRelation: return v1::MAPPING_STATUS_NO_ARTIFACT_RELATION;
    case MappingStatus::kNoMatchingCountermeasure: return v1::MAPPING_STATUS_NO_MATCHING_COUNTERMEASURE;
  }
  return v1::MAPPING_STATUS_UNSPECIFIED;
}

std::string StatusDetail(const D3fendIndex& idx, std::string_view attack_id, const CountermeasureAnswer& a) {
  switch (a.status) {
    case MappingStatus::kMapped:
      return Cat(a.links.size(), " D3FEND technique(s) counter ", attack_id, " in D3FEND ", idx.version());
    case MappingStatus::kNotInD3fend:
      return Cat("D3FEND ", idx.version(), " does not know ATT&CK technique ", attack_id, ": no mapping");
    case MappingStatus::kNoArtifactRelation:
      return Cat("no mapping: D3FEND ", idx.version(), " writes no digital-artifact relation on ", attack_id,
                 " itself (relations are not inherited from a parent technique or tactic)");
    case MappingStatus::kNoMatchingCountermeasure: {
      std::vector<std::string> rel;
      for (auto& r : a.technique->relations) rel.push_back(Cat(r.property, " ", r.filler));
      return Cat("no mapping: ", attack_id, " ", Join(rel, ", "), ", but no D3FEND technique acts on ",
                 rel.size() > 1 ? "those artifacts" : "that artifact", " or a more general one");
    }
  }
  return "";
}

v1::D3fendImportSummary Summary(const D3fendIndex& idx) {
  v1::D3fendImportSummary s;
  s.set_d3fend_techniques(static_cast<int32_t>(idx.techniques().size()));
  s.set_attack_techniques(static_cast<int32_t>(idx.attack_techniques().size()));
  std::set<uint32_t> mapped;
  std::vector<std::set<uint32_t>> countered(kD3fendTacticCount + 1);
  for (const auto& l : idx.links()) {
    mapped.insert(l.attack);
    countered[static_cast<int>(idx.technique(l.defense).tactic)].insert(l.attack);
  }
  s.set_mapped_attack_techniques(static_cast<int32_t>(mapped.size()));
  s.set_pairs(static_cast<int32_t>(idx.links().size()));
  s.set_paths(static_cast<int32_t>(idx.path_count()));
  auto counts = idx.TacticCounts();
  for (int t = 0; t <= kD3fendTacticCount; ++t) {
    if (t == kD3fendTacticCount && counts[t] == 0) continue;  // "Unknown" only when present
    auto* c = s.add_tactics();
    c->set_tactic(std::string(D3fendTacticName(static_cast<D3fendTactic>(t))));
    c->set_techniques(counts[t]);
    c->set_countered_attack_techniques(static_cast<int32_t>(countered[t].size()));
  }
  return s;
}

core::BlobImportOptions FromProto(const v1::D3fendImportOptions& o) {
  return core::BlobImportOptions{o.version(), o.replace(), o.sha256(), o.source_name()};
}

core::BlobImportOptions FromProto(const v1::AtomicImportOptions& o) {
  return core::BlobImportOptions{o.name(), o.replace(), o.sha256(), o.source_name()};
}

}  // namespace ttpgraph
