#include "server/core/defense.h"

#include <set>

#include "server/core/fetch.h"
#include "server/log.h"
#include "storage/import/atomic_csv.h"
#include "storage/import/decompress.h"
#include "storage/import/turtle_d3fend.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

std::string SourceOf(const BlobImportOptions& o) { return o.source_name.empty() ? "upload" : o.source_name; }

// The ATT&CK ID a technique is known by: resolved in `release` by the
// revoked-object rule, or as given (upper-cased) without a release.
absl::StatusOr<std::pair<std::optional<Subject>, std::string>> TechniqueIn(Application& app, std::string_view release,
                                                                           std::string_view technique,
                                                                           const QueryLimits& limits) {
  if (release.empty()) return std::make_pair(std::optional<Subject>(), ToUpper(technique));
  auto s = ResolveTechnique(app, release, technique, limits);
  if (!s.ok()) return s.status();
  std::string id = s->graph().node(s->node()).attack_id;
  return std::make_pair(std::optional<Subject>(std::move(*s)), std::move(id));
}

// ---- imports ---------------------------------------------------------------------

// How far an uploaded ontology or index may inflate.
GunzipLimits InflateLimits(const Application& app) {
  return GunzipLimits{app.limits().max_bundle_bytes, app.limits().max_inflation_ratio};
}

}  // namespace

absl::StatusOr<D3fendImport> ImportD3fend(Application& app, std::string bytes, const BlobImportOptions& options,
                                          const QueryLimits& limits, AuditEntry* audit) {
  auto slot = app.imports().Enter(limits);
  if (!slot.ok()) return slot.status();
  std::string held = std::move(bytes);  // freed before the slot
  ImportMeter meter(app.observer(), "d3fend", held.size());
  const std::string source = SourceOf(options);
  if (options.version.empty())
    return absl::InvalidArgumentError(Cat(source, ": give the D3FEND version (e.g. 1.2.0); the ontology does not carry one"));
  if (auto key = D3fendStore::VersionKey(options.version); !key.ok()) return key.status();
  auto text = VerifyAndGunzip(std::move(held), options.sha256, source, InflateLimits(app));
  if (!text.ok()) return text.status();
  if (auto s = limits.Check("reading the ontology"); !s.ok()) return s;
  auto onto = ParseD3fendTurtle(*text, source);
  if (!onto.ok()) return onto.status();
  *text = std::string();
  if (audit) audit->Affect(options.version);
  auto put = app.defense().PutD3fend(options.version, *onto, options.replace, audit);
  if (!put.ok()) {
    if (absl::IsInvalidArgument(put.status()))
      return absl::Status(put.status().code(), Cat(source, ": ", put.status().message()));
    return put.status();
  }
  LogInfo("d3fend import", {{"version", options.version},
                            {"outcome", put->put.outcome == BlobPutOutcome::kCreated     ? "CREATED"
                                        : put->put.outcome == BlobPutOutcome::kUnchanged ? "UNCHANGED"
                                                                                         : "REPLACED"},
                            {"triples", std::to_string(onto->triple_count)},
                            {"pairs", std::to_string(put->index->links().size())}});
  return meter.Result(absl::StatusOr<D3fendImport>(D3fendImport{std::move(*put), onto->triple_count}));
}

absl::StatusOr<D3fendImport> ImportD3fendFrom(Application& app, const std::string& path, BlobImportOptions options,
                                              const QueryLimits& limits, AuditEntry* audit) {
  auto bytes = ReadImportFile(path, app.limits().max_upload_bytes, app.limits());
  if (!bytes.ok()) return bytes.status();
  if (options.source_name.empty()) options.source_name = path;
  return ImportD3fend(app, std::move(*bytes), options, limits, audit);
}

absl::StatusOr<DefenseCatalog::AtomicPut> ImportAtomic(Application& app, std::string bytes,
                                                       const BlobImportOptions& options, const QueryLimits& limits,
                                                       AuditEntry* audit) {
  auto slot = app.imports().Enter(limits);
  if (!slot.ok()) return slot.status();
  std::string held = std::move(bytes);  // freed before the slot
  ImportMeter meter(app.observer(), "atomic", held.size());
  const std::string source = SourceOf(options);
  const std::string name = options.version.empty() ? std::string(kDefaultAtomicIndex) : options.version;
  if (auto s = AtomicStore::ValidateName(name); !s.ok()) return s;
  auto text = VerifyAndGunzip(std::move(held), options.sha256, source, InflateLimits(app));
  if (!text.ok()) return text.status();
  if (auto s = limits.Check("reading the index"); !s.ok()) return s;
  auto data = ParseAtomicCsv(*text, source);
  if (!data.ok()) return data.status();
  if (data->tests.empty()) return absl::InvalidArgumentError(Cat(source, ": the index lists no test"));
  if (audit) audit->Affect(name);
  return meter.Result(app.defense().PutAtomic(name, std::move(*data), options.replace, audit));
}

absl::StatusOr<DefenseCatalog::AtomicPut> ImportAtomicFrom(Application& app, const std::string& path,
                                                           BlobImportOptions options, const QueryLimits& limits,
                                                           AuditEntry* audit) {
  auto bytes = ReadImportFile(path, app.limits().max_upload_bytes, app.limits());
  if (!bytes.ok()) return bytes.status();
  if (options.source_name.empty()) options.source_name = path;
  return ImportAtomic(app, std::move(*bytes), options, limits, audit);
}

absl::StatusOr<BlobVersionInfo> DeleteD3fend(Application& app, std::string_view version, AuditEntry* audit) {
  if (version.empty() || version == "latest")
    return absl::InvalidArgumentError("name the exact D3FEND version to delete, not latest");
  if (audit) audit->Affect(version);
  return app.defense().DeleteD3fend(version, audit);
}

// ---- queries ---------------------------------------------------------------------

absl::StatusOr<CountermeasuresAnswer> Countermeasures(Application& app, std::string_view d3fend_version,
                                                      std::string_view release, std::string_view technique,
                                                      const QueryLimits& limits) {
  if (technique.empty()) return absl::InvalidArgumentError("give a technique (ATT&CK ID such as T1059)");
  auto index = app.defense().D3fend(d3fend_version);
  if (!index.ok()) return index.status();
  CountermeasuresAnswer a;
  a.index = *index;
  if (!release.empty()) {
    auto s = ResolveTechnique(app, release, technique, limits);
    if (!s.ok()) return s.status();
    const ReleaseContext& ctx = *s->release;
    auto rc = CountermeasuresInRelease(*a.index, ctx.graph(), technique, limits, &ctx.revoked_into());
    if (!rc.ok()) return rc.status();
    a.attack_id = ctx.graph().node(rc->resolved).attack_id;
    a.answer = std::move(rc->answer);
    for (auto* l : a.answer.links) a.items.push_back({l, ""});
    for (auto& prev : rc->via_revoked)
      for (auto* l : prev.links) a.items.push_back({l, prev.technique->attack_id});
    a.subject = std::move(*s);
  } else {
    a.attack_id = ToUpper(technique);
    a.answer = a.index->CountermeasuresFor(a.attack_id);
    for (auto* l : a.answer.links) a.items.push_back({l, ""});
  }
  a.mapped_via_revoked = !a.items.empty() && a.answer.status != MappingStatus::kMapped;
  return a;
}

absl::StatusOr<AtomicTestsAnswer> AtomicTests(Application& app, std::string_view index_name, std::string_view release,
                                              std::string_view technique, bool include_subtechniques,
                                              const QueryLimits& limits) {
  if (technique.empty()) return absl::InvalidArgumentError("give a technique (ATT&CK ID such as T1059.001)");
  auto index = app.defense().Atomic(index_name);
  if (!index.ok()) return index.status();
  auto t = TechniqueIn(app, release, technique, limits);
  if (!t.ok()) return t.status();
  AtomicTestsAnswer a;
  a.index = *index;
  a.subject = std::move(t->first);
  a.attack_id = std::move(t->second);
  a.tests = a.index->TestsFor(a.attack_id, include_subtechniques);
  return a;
}

absl::StatusOr<ValidatableAnswer> ValidatableTechniques(Application& app, std::string_view index_name,
                                                        std::string_view release,
                                                        const std::vector<std::string>& techniques,
                                                        bool include_subtechniques, const QueryLimits& limits) {
  auto index = app.defense().Atomic(index_name);
  if (!index.ok()) return index.status();
  ValidatableAnswer a;
  a.index = *index;
  const std::vector<std::string> asked = techniques.empty() ? a.index->Techniques() : techniques;
  for (const std::string& t : asked) {
    if (auto s = limits.Check("looking up Atomic tests"); !s.ok()) return s;
    auto resolved = TechniqueIn(app, release, t, limits);
    if (!resolved.ok()) return resolved.status();
    auto tests = a.index->TestsFor(resolved->second, include_subtechniques);
    if (tests.empty()) a.without_tests.push_back(t);
    else a.with_tests.push_back(ValidatableTechnique{t, resolved->second, std::move(tests)});
  }
  return a;
}

// ---- the join --------------------------------------------------------------------

absl::StatusOr<DefenseJoin> OpenDefenseJoin(Application& app, bool countermeasures, std::string_view d3fend_version,
                                            bool atomic_tests, std::string_view atomic_index) {
  DefenseJoin join;
  if (countermeasures) {
    auto idx = app.defense().D3fend(d3fend_version);
    if (!idx.ok())
      return absl::NotFoundError(Cat("include_countermeasures: ", idx.status().message(),
                                     " (import D3FEND with DefenseService.ImportD3fend)"));
    join.d3fend = *idx;
  }
  if (atomic_tests) {
    auto idx = app.defense().Atomic(atomic_index);
    if (!idx.ok())
      return absl::NotFoundError(Cat("include_atomic_tests: ", idx.status().message(),
                                     " (import it with DefenseService.ImportAtomicIndex)"));
    join.atomic = *idx;
  }
  return join;
}

absl::StatusOr<TechniqueDefense> DefenseJoin::For(const ReleaseContext& release, NodeId technique,
                                                  const QueryLimits& limits) const {
  TechniqueDefense out;
  const ReleaseGraph& g = release.graph();
  const std::string& attack_id = g.node(technique).attack_id;
  if (d3fend) {
    auto rc = CountermeasuresInRelease(*d3fend, g, attack_id, limits, &release.revoked_into());
    if (!rc.ok()) return rc.status();
    std::set<uint32_t> seen;
    auto add = [&](const std::vector<const CountermeasureLink*>& links) {
      for (const CountermeasureLink* l : links)
        if (seen.insert(l->defense).second) out.countermeasures.push_back(l->defense);
    };
    add(rc->answer.links);
    for (const CountermeasureAnswer& a : rc->via_revoked) add(a.links);
    out.countermeasure_status =
        std::string(MappingStatusName(out.countermeasures.empty() ? rc->answer.status : MappingStatus::kMapped));
  }
  if (atomic) out.atomic_tests = atomic->TestsFor(attack_id);
  return out;
}

}  // namespace ttpgraph::core
