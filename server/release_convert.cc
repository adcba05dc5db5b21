#include "server/release_convert.h"

#include "storage/strings.h"

namespace ttpgraph {

void ToProto(const core::SyncOptions& options, const core::SyncStatus& status, v1::SyncStatus* out) {
  out->set_index(status.index);
  out->set_interval(absl::FormatDuration(options.interval));
  for (const std::string& d : options.domains) out->add_domains(d);
  if (status.last_attempt_unix_ms) out->set_last_attempt(FormatRfc3339(status.last_attempt_unix_ms));
  if (status.last_success_unix_ms) out->set_last_success(FormatRfc3339(status.last_success_unix_ms));
  out->set_last_error(status.last_error);
  for (const std::string& r : status.last_imported) out->add_last_imported(r);
  out->set_releases_imported(static_cast<int64_t>(status.releases_imported));
  out->set_releases_failed(static_cast<int64_t>(status.releases_failed));
  out->set_passes(static_cast<int64_t>(status.passes));
  out->set_failed_passes(static_cast<int64_t>(status.failed_passes));
}

void ToProto(const ReleaseInfo& info, v1::Release* out) {
  out->set_domain(info.id.domain);
  out->set_version(info.id.version.ToString());
  out->set_name(info.id.Name());
  out->set_spec_version(info.spec_version);
  out->set_content_sha256(info.content_sha256);
  out->set_source_sha256(info.source_sha256);
  out->set_object_count(info.object_count);
  for (auto& [type, n] : info.counts_by_type) (*out->mutable_counts_by_type())[type] = n;
  out->set_dangling_relationships(info.dangling_relationships);
  out->set_imported_at(FormatRfc3339(info.imported_at_unix_ms));
  out->set_new_objects_stored(info.new_objects_stored);
}

void ToProto(const core::ReleaseImport& r, v1::ImportReleaseResponse* out) {
  ToProto(r.info, out->mutable_release());
  switch (r.outcome) {
    case Store::PutOutcome::kCreated: out->set_outcome(v1::ImportReleaseResponse::OUTCOME_CREATED); break;
    case Store::PutOutcome::kUnchanged: out->set_outcome(v1::ImportReleaseResponse::OUTCOME_UNCHANGED); break;
    case Store::PutOutcome::kReplaced: out->set_outcome(v1::ImportReleaseResponse::OUTCOME_REPLACED); break;
  }
  for (const std::string& id : r.dangling_relationship_ids) out->add_dangling_relationship_ids(id);
  for (const ReidentifiedObject& o : r.reidentified) {
    v1::ReidentifiedObject* p = out->add_reidentified();
    p->set_index(static_cast<int64_t>(o.index));
    p->set_type(o.type);
    p->set_old_id(o.old_id);
    p->set_new_id(o.new_id);
  }
  for (const std::string& n : r.sources.source_names) out->add_source_names(n);
  for (const std::string& n : r.sources.kill_chains) out->add_kill_chains(n);
}

core::ReleaseImportOptions FromProto(const v1::ImportOptions& o) {
  core::ReleaseImportOptions out;
  out.domain = o.domain();
  out.version = o.version();
  out.replace = o.replace();
  out.sha256 = o.sha256();
  out.source_name = o.source_name();
  out.kill_chain = o.kill_chain();
  out.lenient = o.lenient();
  return out;
}

core::ReleaseSource FromProto(const v1::ImportReleaseFromRequest& req) {
  core::ReleaseSource s;
  s.path = req.path();
  s.url = req.url();
  s.collection_index = req.collection_index();
  s.collection = req.collection();
  s.versions.assign(req.versions().begin(), req.versions().end());
  return s;
}

}  // namespace ttpgraph
