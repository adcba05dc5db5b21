#include "storage/d3fend_store.h"

#include <chrono>

#include "storage/import/sha256.h"
#include "storage/import/turtle_d3fend.h"
#include "storage/model.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace internal {
namespace {

std::string EncodeManifest(const BlobVersionInfo& i) {
  return Cat(i.content_sha256, "\t", i.item_count, "\t", i.source_count, "\t", i.imported_at_unix_ms, "\t", i.version);
}

absl::StatusOr<BlobVersionInfo> DecodeManifest(std::string_view key, std::string_view v) {
  auto f = Split(v, '\t');
  BlobVersionInfo i;
  if (f.size() != 5 || !ParseNumber(f[1], &i.item_count) || !ParseNumber(f[2], &i.source_count) ||
      !ParseNumber(f[3], &i.imported_at_unix_ms))
    return absl::DataLossError(Cat("corrupt manifest at key ", key));
  i.content_sha256 = f[0];
  i.version = f[4];
  return i;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

absl::StatusOr<VersionedBlobs::PutResult> VersionedBlobs::Put(const std::string& key, BlobVersionInfo info,
                                                               const std::string& record, bool replace, const AuditEntry* audit) {
  info.content_sha256 = Sha256Hex(record);
  absl::MutexLock lock(&mu_);
  const std::string manifest_key = Cat(prefix_, "v/", key);
  const std::string blob_key = Cat(prefix_, "blob/", info.content_sha256);
  auto old = Get(key);
  if (!old.ok() && old.status().code() != absl::StatusCode::kNotFound) return old.status();
  BlobPutOutcome outcome = BlobPutOutcome::kCreated;
  std::vector<Store::KvOp> ops;
  if (old.ok()) {
    if (old->content_sha256 == info.content_sha256) return PutResult{*old, BlobPutOutcome::kUnchanged};
    if (!replace)
      return absl::AlreadyExistsError(Cat(info.version, " is already stored with different content (sha256 ",
                                          old->content_sha256.substr(0, 12), "..., new ",
                                          info.content_sha256.substr(0, 12), "...); import with replace to overwrite"));
    outcome = BlobPutOutcome::kReplaced;
    // Drop the old record unless another version still points at it.
    bool shared = false;
    auto all = List();
    if (!all.ok()) return all.status();
    for (auto& v : *all)
      if (v.version != old->version && v.content_sha256 == old->content_sha256) shared = true;
    if (!shared) ops.push_back({Store::KvOp::kDelete, Cat(prefix_, "blob/", old->content_sha256), ""});
  }
  auto existing = store_->KvGet(blob_key);
  if (!existing.ok() && existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
  if (!existing.ok()) ops.push_back({Store::KvOp::kPut, blob_key, record});
  info.imported_at_unix_ms = NowMs();
  ops.push_back({Store::KvOp::kPut, manifest_key, EncodeManifest(info)});
  if (auto s = store_->KvWrite(ops, audit); !s.ok()) return s;
  return PutResult{info, outcome};
}

absl::StatusOr<BlobVersionInfo> VersionedBlobs::Get(const std::string& key) const {
  const std::string k = Cat(prefix_, "v/", key);
  auto v = store_->KvGet(k);
  if (!v.ok()) return v.status();
  return DecodeManifest(k, *v);
}

absl::StatusOr<std::vector<BlobVersionInfo>> VersionedBlobs::List() const {
  std::vector<BlobVersionInfo> out;
  absl::Status decode_error;
  auto s = store_->KvScan(Cat(prefix_, "v/"), [&](std::string_view k, std::string_view v) {
    auto info = DecodeManifest(k, v);
    if (!info.ok()) {
      decode_error = info.status();
      return false;
    }
    out.push_back(std::move(*info));
    return true;
  });
  if (!s.ok()) return s;
  if (!decode_error.ok()) return decode_error;
  return out;
}

absl::StatusOr<std::string> VersionedBlobs::LoadRecord(const std::string& key) const {
  auto info = Get(key);
  if (!info.ok()) return info.status();
  auto record = store_->KvGet(Cat(prefix_, "blob/", info->content_sha256));
  if (!record.ok()) {
    if (record.status().code() == absl::StatusCode::kNotFound)
      return absl::DataLossError(Cat(info->version, ": record ", info->content_sha256, " is missing"));
    return record.status();
  }
  if (Sha256Hex(*record) != info->content_sha256)
    return absl::DataLossError(Cat(info->version, ": record ", info->content_sha256, " fails its digest"));
  return record;
}

absl::StatusOr<BlobVersionInfo> VersionedBlobs::Delete(const std::string& key, const AuditEntry* audit) {
  absl::MutexLock lock(&mu_);
  auto info = Get(key);
  if (!info.ok()) return info.status();
  auto all = List();
  if (!all.ok()) return all.status();
  bool shared = false;
  for (auto& v : *all)
    if (v.version != info->version && v.content_sha256 == info->content_sha256) shared = true;
  std::vector<Store::KvOp> ops = {{Store::KvOp::kDelete, Cat(prefix_, "v/", key), ""}};
  if (!shared) ops.push_back({Store::KvOp::kDelete, Cat(prefix_, "blob/", info->content_sha256), ""});
  if (auto s = store_->KvWrite(ops, audit); !s.ok()) return s;
  return info;
}

}  // namespace internal

absl::StatusOr<std::string> D3fendStore::VersionKey(std::string_view version) {
  auto v = Version::Parse(version);
  if (!v.ok())
    return absl::InvalidArgumentError(Cat("D3FEND version '", version, "' is not a dotted version such as 1.2.0"));
  std::vector<std::string> parts;
  for (uint32_t p : v->parts) {
    char buf[16];
    snprintf(buf, sizeof buf, "%08x", p);
    parts.emplace_back(buf);
  }
  return Join(parts, ".");
}

absl::StatusOr<D3fendStore::PutResult> D3fendStore::Put(std::string_view version, const D3fendOntology& onto,
                                                         bool replace, const AuditEntry* audit) {
  auto key = VersionKey(version);
  if (!key.ok()) return key.status();
  BlobVersionInfo info;
  info.version = std::string(version);
  info.item_count = static_cast<int64_t>(onto.classes.size());
  info.source_count = onto.triple_count;
  auto r = blobs_.Put(*key, info, EncodeD3fendOntology(onto), replace, audit);
  if (!r.ok() && r.status().code() == absl::StatusCode::kAlreadyExists)
    return absl::AlreadyExistsError(Cat("D3FEND ", r.status().message()));
  return r;
}

absl::StatusOr<std::vector<BlobVersionInfo>> D3fendStore::List() const { return blobs_.List(); }

absl::StatusOr<BlobVersionInfo> D3fendStore::Get(std::string_view version) const {
  auto key = VersionKey(version);
  if (!key.ok()) return key.status();
  auto info = blobs_.Get(*key);
  if (!info.ok() && info.status().code() == absl::StatusCode::kNotFound)
    return absl::NotFoundError(Cat("D3FEND version ", version, " is not imported"));
  return info;
}

absl::StatusOr<std::string> D3fendStore::Resolve(std::string_view version) const {
  if (version.empty() || version == "latest") {
    auto all = List();
    if (!all.ok()) return all.status();
    if (all->empty()) return absl::NotFoundError("no D3FEND version is imported (DefenseService.ImportD3fend imports one)");
    return all->back().version;
  }
  auto info = Get(version);
  if (!info.ok()) return info.status();
  return info->version;
}

absl::StatusOr<D3fendOntology> D3fendStore::Load(std::string_view version) const {
  auto key = VersionKey(version);
  if (!key.ok()) return key.status();
  auto record = blobs_.LoadRecord(*key);
  if (!record.ok()) {
    if (record.status().code() == absl::StatusCode::kNotFound)
      return absl::NotFoundError(Cat("D3FEND version ", version, " is not imported"));
    return record.status();
  }
  return DecodeD3fendOntology(*record);
}

absl::StatusOr<BlobVersionInfo> D3fendStore::Delete(std::string_view version, const AuditEntry* audit) {
  auto key = VersionKey(version);
  if (!key.ok()) return key.status();
  auto info = blobs_.Delete(*key, audit);
  if (!info.ok() && info.status().code() == absl::StatusCode::kNotFound)
    return absl::NotFoundError(Cat("D3FEND version ", version, " is not imported"));
  return info;
}

}  // namespace ttpgraph
