#include "server/release_convert.h"

#include "storage/strings.h"

namespace ttpgraph {

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
    case Store::PutOutcome::kCreated: out->set_outcome(v1::ImportReleaseResponse::CREATED); break;
    case Store::PutOutcome::kUnchanged: out->set_outcome(v1::ImportReleaseResponse::UNCHANGED); break;
    case Store::PutOutcome::kReplaced: out->set_outcome(v1::ImportReleaseResponse::REPLACED); break;
  }
  for (const std::string& id : r.dangling_relationship_ids) out->add_dangling_relationship_ids(id);
}

core::ReleaseImportOptions FromProto(const v1::ImportOptions& o) {
  core::ReleaseImportOptions out;
  out.domain = o.domain();
  out.version = o.version();
  out.replace = o.replace();
  out.sha256 = o.sha256();
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
