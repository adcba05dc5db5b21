#include "server/core/taxii.h"

#include <openssl/evp.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <tuple>
#include <unordered_map>

#include "absl/time/time.h"
#include "server/core/extensions.h"
#include "storage/status_macros.h"
#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

// A TAXII read is a read of the shared knowledge: the policy of
// KnowledgeService/GetObject, checked by the same Authorize.
constexpr MethodPolicy kTaxiiRead{"taxii2/read", Role::kReader, false, false};

// 8d1f445f-effa-5189-a01d-0df883978402 (see CollectionIdFor).
constexpr unsigned char kCollectionNamespace[16] = {0x8d, 0x1f, 0x44, 0x5f, 0xef, 0xfa, 0x51, 0x89,
                                                    0xa0, 0x1d, 0x0d, 0xf8, 0x83, 0x97, 0x84, 0x02};

uint64_t Fnv(uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return (h ^ 0xff) * 1099511628211ull;  // a separator, so ("ab","c") differs from ("a","bc")
}

// The fingerprint a `next` token carries: the collection, its content and
// every filter (not the limit, which a client may change between pages).
uint64_t Fingerprint(std::string_view collection, uint64_t incarnation, const TaxiiQuery& q) {
  uint64_t h = Fnv(1469598103934665603ull, collection);
  h = Fnv(h, std::to_string(incarnation));
  h = Fnv(h, q.added_after_ms ? std::to_string(*q.added_after_ms) : "-");
  for (const auto* list : {&q.types, &q.ids, &q.versions, &q.spec_versions}) {
    for (const auto& v : *list) h = Fnv(h, v);
    h = Fnv(h, "|");
  }
  return h;
}

std::string Hex(uint64_t v) {
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

absl::StatusOr<size_t> ParseNext(std::string_view next, uint64_t fingerprint, size_t total) {
  const size_t dot = next.find('.');
  uint64_t fp = 0;
  size_t offset = 0;
  if (dot != 16 || std::from_chars(next.data(), next.data() + dot, fp, 16).ptr != next.data() + dot ||
      !ParseNumber(next.substr(dot + 1), &offset))
    return absl::InvalidArgumentError(Cat("next '", next, "' is not a token this server issued"));
  if (fp != fingerprint || offset > total)
    return absl::InvalidArgumentError(
        Cat("next '", next, "' was issued for another collection or other filters, or the collection changed since; "
                            "start again without it"));
  return offset;
}

bool Contains(const std::vector<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// What one page's filters need beyond the query: versions asked by time.
struct Matcher {
  const TaxiiQuery& q;
  bool all = false, first = false, last = false;
  std::vector<int64_t> at_ms;  // versions named by timestamp

  static absl::StatusOr<Matcher> Make(const TaxiiQuery& q) {
    Matcher m{q};
    if (q.versions.empty()) m.last = true;
    for (const auto& v : q.versions) {
      if (v == "all") m.all = true;
      else if (v == "first") m.first = true;
      else if (v == "last") m.last = true;
      else {
        TTP_ASSIGN_OR_RETURN(int64_t ms, ParseTaxiiTime(v, "match[version]"));
        m.at_ms.push_back(ms);
      }
    }
    return m;
  }
  bool operator()(const TaxiiObject& o) const {
    if (q.added_after_ms && o.date_added_ms <= *q.added_after_ms) return false;
    if (!q.types.empty() && !Contains(q.types, o.type)) return false;
    if (!q.ids.empty() && !Contains(q.ids, o.id)) return false;
    if (!q.spec_versions.empty() && !Contains(q.spec_versions, o.spec_version)) return false;
    if (all || (first && o.first) || (last && o.last)) return true;
    if (at_ms.empty()) return false;
    auto ms = ParseTaxiiTime(o.version, "version");
    return ms.ok() && std::find(at_ms.begin(), at_ms.end(), *ms) != at_ms.end();
  }
};

// A release's index; the JSON is read from the store per page.
class ReleaseContent final : public CollectionContent {
 public:
  ReleaseContent(std::vector<TaxiiObject> objects, uint64_t incarnation, const Store* store)
      : CollectionContent(std::move(objects), incarnation), store_(store) {}
  absl::StatusOr<std::vector<std::string>> Json(const std::vector<size_t>& indexes) const override {
    std::vector<std::string> keys;
    keys.reserve(indexes.size());
    for (size_t i : indexes) keys.push_back(objects()[i].ref);
    return store_->GetObjects(keys);
  }

 private:
  const Store* store_;
};

uint64_t ReleaseIncarnation(const ReleaseInfo& r) {
  return Fnv(Fnv(Fnv(1469598103934665603ull, r.id.Name()), std::to_string(r.imported_at_unix_ms)), r.content_sha256);
}

// The TAXII fields of one object's JSON; `where` names it in an error.
absl::StatusOr<TaxiiObject> DescribeObject(simdjson::dom::parser& parser, std::string_view json,
                                           const std::string& default_spec, int64_t date_added_ms,
                                           std::string_view where) {
  simdjson::dom::object obj;
  if (parser.parse(json.data(), json.size()).get(obj) != simdjson::SUCCESS)
    return absl::DataLossError(Cat("stored object ", where, " is not JSON"));
  auto field = [&obj](const char* name) {
    std::string_view v;
    return obj[name].get_string().get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
  };
  TaxiiObject o;
  o.id = field("id");
  o.type = field("type");
  o.version = field("modified");
  if (o.version.empty()) o.version = field("created");
  if (o.version.empty()) o.version = FormatTaxiiTime(date_added_ms);
  o.spec_version = field("spec_version");
  if (o.spec_version.empty()) o.spec_version = default_spec;
  o.date_added_ms = date_added_ms;
  return o;
}

absl::StatusOr<std::vector<TaxiiObject>> IndexRelease(const Store& store, const ReleaseInfo& r) {
  TTP_ASSIGN_OR_RETURN(std::vector<StoredObject> stored, store.LoadReleaseObjects(r.id));
  const std::string default_spec = r.spec_version.empty() ? "2.0" : r.spec_version;
  std::vector<TaxiiObject> objects;
  objects.reserve(stored.size());
  simdjson::dom::parser parser;
  for (auto& s : stored) {
    TTP_ASSIGN_OR_RETURN(TaxiiObject o, DescribeObject(parser, s.json, default_spec, r.imported_at_unix_ms,
                                                       Cat(s.key, " of ", r.id.Name())));
    o.ref = std::move(s.key);
    objects.push_back(std::move(o));
    s.json = std::string();  // hand the bytes back as we go
  }
  SortCollectionObjects(&objects);
  return objects;
}

// A view's objects with their JSON, held in memory (a view is merged per
// request; the store holds no such collection).
class ViewContent final : public CollectionContent {
 public:
  ViewContent(std::vector<TaxiiObject> objects, std::vector<std::string> json, uint64_t incarnation)
      : CollectionContent(std::move(objects), incarnation), json_(std::move(json)) {}
  absl::StatusOr<std::vector<std::string>> Json(const std::vector<size_t>& indexes) const override {
    std::vector<std::string> out;
    out.reserve(indexes.size());
    for (size_t i : indexes) out.push_back(json_[i]);
    return out;
  }

 private:
  std::vector<std::string> json_;  // in the order of objects()
};

std::string ViewName(const ReadableView& v) { return Cat(v.org, "/", v.name); }
std::string ViewCollectionId(const std::string& org, const std::string& name) {
  return CollectionIdFor(Cat("view:", org, "/", name));  // a release name has no '/': no collision
}

TaxiiCollection ViewCollection(const ReadableView& v) {
  return {ViewCollectionId(v.org, v.name), ViewName(v),
          Cat("Extension view ", ViewName(v), " (version ", v.version, ") on ", v.base_release,
              ": the release's objects with the extension's versions in place, and its own objects, as STIX 2.1"),
          {"2.1"}};
}

}  // namespace

void SortCollectionObjects(std::vector<TaxiiObject>* objects) {
  // Versions compare as times (precision varies: ".125Z" and "Z"); parsed once each.
  std::vector<std::tuple<int64_t, std::string_view, int64_t, size_t>> keys;
  keys.reserve(objects->size());
  for (size_t i = 0; i < objects->size(); ++i) {
    const TaxiiObject& o = (*objects)[i];
    auto v = ParseTaxiiTime(o.version, "version");
    keys.emplace_back(o.date_added_ms, o.id, v.ok() ? *v : 0, i);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<TaxiiObject> sorted;
  sorted.reserve(objects->size());
  std::vector<int64_t> version_ms;
  version_ms.reserve(objects->size());
  for (const auto& k : keys) {
    version_ms.push_back(std::get<2>(k));
    sorted.push_back(std::move((*objects)[std::get<3>(k)]));
  }
  // first/last over an id's versions, wherever they sit in the date order.
  std::unordered_map<std::string_view, std::pair<int64_t, int64_t>> range;  // id -> {min, max} version
  for (size_t i = 0; i < sorted.size(); ++i) {
    auto [it, fresh] = range.try_emplace(sorted[i].id, version_ms[i], version_ms[i]);
    if (!fresh) {
      it->second.first = std::min(it->second.first, version_ms[i]);
      it->second.second = std::max(it->second.second, version_ms[i]);
    }
  }
  for (size_t i = 0; i < sorted.size(); ++i) {
    const auto& r = range.at(sorted[i].id);
    sorted[i].first = version_ms[i] == r.first;
    sorted[i].last = version_ms[i] == r.second;
  }
  *objects = std::move(sorted);
}

std::string CollectionIdFor(std::string_view name) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  std::string input(reinterpret_cast<const char*>(kCollectionNamespace), 16);
  input.append(name);
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha1(), nullptr);
  digest[6] = (digest[6] & 0x0f) | 0x50;  // version 5
  digest[8] = (digest[8] & 0x3f) | 0x80;  // RFC 4122 variant
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

absl::StatusOr<int64_t> ParseTaxiiTime(std::string_view text, std::string_view param) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &err))
    return absl::InvalidArgumentError(
        Cat(param, " '", text, "' is not an RFC 3339 timestamp (e.g. 2026-12-03T08:37:12.123Z)"));
  return absl::ToUnixMillis(t);
}

std::string FormatTaxiiTime(int64_t unix_ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(unix_ms), absl::UTCTimeZone());
}

// ---- RecentContents

std::shared_ptr<const CollectionContent> RecentContents::Find(const std::string& name, uint64_t incarnation) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = recent_.begin(); it != recent_.end(); ++it) {
    if (it->first != name) continue;
    if (it->second->incarnation() != incarnation) {  // replaced or edited since
      recent_.erase(it);
      return nullptr;
    }
    recent_.splice(recent_.begin(), recent_, it);
    return recent_.front().second;
  }
  return nullptr;
}

void RecentContents::Keep(const std::string& name, std::shared_ptr<const CollectionContent> content) {
  std::lock_guard<std::mutex> lock(mu_);
  recent_.remove_if([&](const auto& kept) { return kept.first == name; });
  recent_.emplace_front(name, std::move(content));
  if (recent_.size() > max_) recent_.pop_back();
}

// ---- ReleaseCollections

absl::StatusOr<std::vector<TaxiiCollection>> ReleaseCollections::List(const Caller&) {
  TTP_ASSIGN_OR_RETURN(std::vector<ReleaseInfo> releases, store_->ListReleases());
  std::vector<TaxiiCollection> out;
  for (const auto& r : releases) {
    const std::string name = r.id.Name();
    out.push_back({CollectionIdFor(name), name,
                   Cat("ATT&CK release ", name, " as imported (STIX ", r.spec_version, ", ", r.object_count,
                       " objects), added ", FormatTaxiiTime(r.imported_at_unix_ms)),
                   {r.spec_version.empty() ? "2.0" : r.spec_version}});
  }
  return out;
}

absl::StatusOr<ReleaseInfo> ReleaseCollections::Release(std::string_view id) const {
  TTP_ASSIGN_OR_RETURN(std::vector<ReleaseInfo> releases, store_->ListReleases());
  for (auto& r : releases)
    if (CollectionIdFor(r.id.Name()) == id) return std::move(r);
  return absl::NotFoundError(Cat("no collection ", id));
}

absl::StatusOr<TaxiiCollection> ReleaseCollections::Find(const Caller& caller, std::string_view id) {
  TTP_ASSIGN_OR_RETURN(std::vector<TaxiiCollection> all, List(caller));
  for (auto& c : all)
    if (c.id == id) return std::move(c);
  return absl::NotFoundError(Cat("no collection ", id));
}

absl::StatusOr<std::shared_ptr<const CollectionContent>> ReleaseCollections::Open(const Caller&, std::string_view id) {
  TTP_ASSIGN_OR_RETURN(ReleaseInfo release, Release(id));
  const uint64_t incarnation = ReleaseIncarnation(release);
  const std::string name = release.id.Name();
  if (auto kept = recent_.Find(name, incarnation)) return kept;
  // Built outside any lock: two first readers may both build; one is kept.
  TTP_ASSIGN_OR_RETURN(std::vector<TaxiiObject> objects, IndexRelease(*store_, release));
  auto content = std::make_shared<const ReleaseContent>(std::move(objects), incarnation, store_);
  recent_.Keep(name, content);
  return content;
}

// ---- ViewCollections

absl::StatusOr<std::vector<TaxiiCollection>> ViewCollections::List(const Caller& caller) {
  TTP_ASSIGN_OR_RETURN(std::vector<ReadableView> views, ReadableViews(*app_, caller));
  std::vector<TaxiiCollection> out;
  for (const auto& v : views) out.push_back(ViewCollection(v));
  return out;
}

absl::StatusOr<ReadableView> ViewCollections::View(const Caller& caller, std::string_view id) {
  TTP_ASSIGN_OR_RETURN(std::vector<ReadableView> views, ReadableViews(*app_, caller));
  for (auto& v : views)
    if (ViewCollectionId(v.org, v.name) == id) return std::move(v);
  if (caller.role != Role::kAdmin) {  // another organization's view?
    TTP_ASSIGN_OR_RETURN(auto orgs, app_->orgs().ListOrgs());
    for (const auto& org : orgs) {
      if (org.id == caller.org) continue;
      TTP_ASSIGN_OR_RETURN(auto extensions, app_->extensions().List(OrgId(org.id)));
      for (const auto& e : extensions)
        if (ViewCollectionId(e.org, e.name) == id)
          return absl::PermissionDeniedError(Cat("collection ", id, " is a view of another organization's extension; "
                                                 "this token is for organization '", caller.org, "'"));
    }
  }
  return absl::NotFoundError(Cat("no collection ", id));
}

absl::StatusOr<TaxiiCollection> ViewCollections::Find(const Caller& caller, std::string_view id) {
  TTP_ASSIGN_OR_RETURN(ReadableView v, View(caller, id));
  return ViewCollection(v);
}

absl::StatusOr<std::shared_ptr<const CollectionContent>> ViewCollections::Open(const Caller& caller,
                                                                               std::string_view id) {
  TTP_ASSIGN_OR_RETURN(ReadableView v, View(caller, id));
  const std::string name = ViewName(v);
  // The content changes with the extension (its version and last change) and with its base release.
  uint64_t incarnation = Fnv(Fnv(Fnv(1469598103934665603ull, name), std::to_string(v.version)),
                             std::to_string(v.updated_at_unix_ms));
  if (auto ref = ReleaseRef::Parse(v.base_release); ref.ok())
    if (auto id_ = app_->store().Resolve(*ref); id_.ok())
      if (auto base = app_->store().GetRelease(*id_); base.ok()) incarnation ^= ReleaseIncarnation(*base);
  if (auto kept = recent_.Find(name, incarnation)) return kept;
  // Merged outside any lock: two first readers may both merge; one is kept.
  TTP_ASSIGN_OR_RETURN(std::vector<ViewObject> merged, ViewObjects(*app_, caller, OrgId(v.org), v.name));
  std::vector<TaxiiObject> objects;
  objects.reserve(merged.size());
  simdjson::dom::parser parser;
  for (size_t i = 0; i < merged.size(); ++i) {
    TTP_ASSIGN_OR_RETURN(TaxiiObject o, DescribeObject(parser, merged[i].json, "2.1", merged[i].date_added_unix_ms,
                                                       Cat(merged[i].stix_id, " of view ", name)));
    o.ref = std::to_string(i);
    objects.push_back(std::move(o));
  }
  SortCollectionObjects(&objects);
  std::vector<std::string> json;
  json.reserve(objects.size());
  for (const TaxiiObject& o : objects) json.push_back(std::move(merged[std::stoul(o.ref)].json));
  auto content = std::make_shared<const ViewContent>(std::move(objects), std::move(json), incarnation);
  recent_.Keep(name, content);
  return content;
}

// ---- Taxii

Taxii::Taxii(Application* app) : app_(app) { AddSource(std::make_unique<ReleaseCollections>(&app->store())); }

void Taxii::AddSource(std::unique_ptr<CollectionSource> source) { sources_.push_back(std::move(source)); }

absl::StatusOr<Caller> Taxii::Authenticate(std::string_view authorization) const {
  TTP_ASSIGN_OR_RETURN(Caller caller, app_->auth().Authenticate(authorization));
  std::string org;
  if (auto st = Authorize(kTaxiiRead, caller, &org); !st.ok()) return st;
  return caller;
}

absl::StatusOr<std::vector<TaxiiCollection>> Taxii::Collections(const Caller& caller) const {
  std::vector<TaxiiCollection> out;
  for (const auto& s : sources_) {
    TTP_ASSIGN_OR_RETURN(std::vector<TaxiiCollection> some, s->List(caller));
    for (auto& c : some) out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<CollectionSource*> Taxii::SourceOf(const Caller& caller, std::string_view id) const {
  for (const auto& s : sources_) {
    auto found = s->Find(caller, id);
    if (found.ok()) return s.get();
    if (!absl::IsNotFound(found.status())) return found.status();
  }
  return absl::NotFoundError(Cat("no collection ", id, " (GET collections/ lists them)"));
}

absl::StatusOr<TaxiiCollection> Taxii::Collection(const Caller& caller, std::string_view id) const {
  TTP_ASSIGN_OR_RETURN(CollectionSource * source, SourceOf(caller, id));
  return source->Find(caller, id);
}

absl::StatusOr<TaxiiPage> Taxii::Objects(const Caller& caller, std::string_view id, const TaxiiQuery& query,
                                         bool object_endpoint) const {
  if (query.limit == 0) return absl::InvalidArgumentError("limit must be a positive number");
  TTP_ASSIGN_OR_RETURN(Matcher match, Matcher::Make(query));
  TTP_ASSIGN_OR_RETURN(CollectionSource * source, SourceOf(caller, id));
  TTP_ASSIGN_OR_RETURN(std::shared_ptr<const CollectionContent> content, source->Open(caller, id));
  const std::vector<TaxiiObject>& objects = content->objects();
  if (object_endpoint) {
    const bool held = std::any_of(objects.begin(), objects.end(),
                                  [&](const TaxiiObject& o) { return o.id == query.ids.front(); });
    if (!held) return absl::NotFoundError(Cat("no object ", query.ids.front(), " in collection ", id));
  }
  const uint64_t fp = Fingerprint(id, content->incarnation(), query);
  size_t i = 0;
  if (!query.next.empty()) {
    TTP_ASSIGN_OR_RETURN(i, ParseNext(query.next, fp, objects.size()));
  }
  const size_t limit = std::min(query.limit, kTaxiiMaxLimit);
  TaxiiPage page;
  for (; i < objects.size() && page.indexes.size() < limit; ++i)
    if (match(objects[i])) page.indexes.push_back(i);
  while (i < objects.size() && !match(objects[i])) ++i;
  if (i < objects.size()) {
    page.more = true;
    page.next = Cat(Hex(fp), ".", i);
  }
  page.content = std::move(content);
  return page;
}

absl::StatusOr<std::vector<std::string>> Taxii::Json(const TaxiiPage& page) const {
  return page.content->Json(page.indexes);
}

}  // namespace ttpgraph::core
