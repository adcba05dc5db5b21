#include "storage/atomic_store.h"

#include <algorithm>
#include <cctype>

#include "storage/strings.h"

namespace ttpgraph {

AtomicIndex::AtomicIndex(std::string name, AtomicIndexData data) : name_(std::move(name)), data_(std::move(data)) {
  // data_.tests is sorted by technique ID: one contiguous range per technique.
  for (size_t i = 0; i < data_.tests.size();) {
    size_t j = i;
    while (j < data_.tests.size() && data_.tests[j].technique_id == data_.tests[i].technique_id) ++j;
    range_[data_.tests[i].technique_id] = {i, j};
    i = j;
  }
}

std::vector<const AtomicTest*> AtomicIndex::TestsFor(std::string_view attack_id, bool include_subtechniques) const {
  std::vector<const AtomicTest*> out;
  std::string id = ToUpper(attack_id);
  if (auto it = range_.find(id); it != range_.end())
    for (size_t i = it->second.first; i < it->second.second; ++i) out.push_back(&data_.tests[i]);
  if (include_subtechniques && id.find('.') == std::string::npos) {
    // Sub-techniques "T1059.xxx" sort right after "T1059".
    std::string prefix = id + ".";
    auto first = std::lower_bound(data_.tests.begin(), data_.tests.end(), prefix,
                                  [](const AtomicTest& t, const std::string& p) { return t.technique_id < p; });
    for (auto it = first; it != data_.tests.end() && StartsWith(it->technique_id, prefix); ++it) out.push_back(&*it);
  }
  return out;
}

std::vector<std::string> AtomicIndex::Techniques() const {
  std::vector<std::string> out;
  out.reserve(range_.size());
  for (auto& [id, r] : range_) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

absl::Status AtomicStore::ValidateName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
  if (!ok)
    return absl::InvalidArgumentError(
        Cat("atomic index name '", name, "' must be 1-64 characters of letters, digits, '.', '_' or '-'"));
  return absl::OkStatus();
}

absl::StatusOr<AtomicStore::PutResult> AtomicStore::Put(std::string_view name, const AtomicIndexData& data,
                                                         bool replace, const AuditEntry* audit) {
  if (auto s = ValidateName(name); !s.ok()) return s;
  BlobVersionInfo info;
  info.version = std::string(name);
  info.item_count = static_cast<int64_t>(data.tests.size());
  info.source_count = data.rows;
  auto r = blobs_.Put(std::string(name), info, EncodeAtomicIndex(data), replace, audit);
  if (!r.ok() && r.status().code() == absl::StatusCode::kAlreadyExists)
    return absl::AlreadyExistsError(Cat("atomic index ", r.status().message()));
  return r;
}

absl::StatusOr<std::vector<BlobVersionInfo>> AtomicStore::List() const { return blobs_.List(); }

absl::StatusOr<BlobVersionInfo> AtomicStore::Get(std::string_view name) const {
  if (auto s = ValidateName(name); !s.ok()) return s;
  auto info = blobs_.Get(std::string(name));
  if (!info.ok() && info.status().code() == absl::StatusCode::kNotFound)
    return absl::NotFoundError(Cat("atomic index '", name, "' is not imported (DefenseService.ImportAtomicIndex imports it)"));
  return info;
}

absl::StatusOr<std::shared_ptr<const AtomicIndex>> AtomicStore::LoadIndex(std::string_view name) const {
  if (auto s = ValidateName(name); !s.ok()) return s;
  auto record = blobs_.LoadRecord(std::string(name));
  if (!record.ok()) {
    if (record.status().code() == absl::StatusCode::kNotFound)
      return absl::NotFoundError(Cat("atomic index '", name, "' is not imported (DefenseService.ImportAtomicIndex imports it)"));
    return record.status();
  }
  auto data = DecodeAtomicIndex(*record);
  if (!data.ok()) return data.status();
  return std::make_shared<const AtomicIndex>(std::string(name), std::move(*data));
}

absl::StatusOr<BlobVersionInfo> AtomicStore::Delete(std::string_view name, const AuditEntry* audit) {
  if (auto s = ValidateName(name); !s.ok()) return s;
  auto info = blobs_.Delete(std::string(name), audit);
  if (!info.ok() && info.status().code() == absl::StatusCode::kNotFound)
    return absl::NotFoundError(Cat("atomic index '", name, "' is not imported"));
  return info;
}

}  // namespace ttpgraph
