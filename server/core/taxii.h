// TAXII 2.1 (read-only) on the application floor: which collections a caller
// may read, and one collection's objects filtered and paged in a stable order.
// No HTTP here: server/taxii.h turns requests into these calls and the answers
// into TAXII envelopes, headers and error messages.
//
// Collections come from CollectionSources, asked in the order they were added.
// Taxii installs ReleaseCollections (one collection per stored MITRE release);
// the server adds ViewCollections (one per extension view) in
// TtpgraphServer::Start, before the listener serves. Another source implements
// CollectionSource the same way: List the collections a caller may read, each
// with a stable id (CollectionIdFor); Find/Open answer NOT_FOUND for an id that
// is not theirs (the next source is asked) and PERMISSION_DENIED for one the
// caller may not read; Open returns content sorted with SortCollectionObjects
// and an incarnation that changes with it.
//
//   core::Taxii taxii(&app);                  // with ReleaseCollections
//   taxii.AddSource(std::make_unique<core::ViewCollections>(&app));
//   TTP_ASSIGN_OR_RETURN(core::Caller who, taxii.Authenticate("Bearer ttpg_..."));
//   TTP_ASSIGN_OR_RETURN(core::TaxiiPage page, taxii.Objects(who, collection_id, query));
//   TTP_ASSIGN_OR_RETURN(std::vector<std::string> json, taxii.Json(page));
//
// Errors: UNAUTHENTICATED (no, a malformed, unknown or expired token),
// PERMISSION_DENIED (a collection the caller may not read), NOT_FOUND (no such
// collection or object), INVALID_ARGUMENT (a bad `next`, `limit`, `added_after`
// or match value; the message names the parameter).
// Thread safety: safe for concurrent use; `app` must outlive it. Sources are
// added before serving.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/application.h"
#include "server/core/extensions.h"
#include "server/core/identity.h"

namespace ttpgraph::core {

// One object of a collection, as TAXII filters, orders and lists it.
struct TaxiiObject {
  std::string id;            // "attack-pattern--0042a9f5-..."
  std::string type;          // "attack-pattern"
  std::string version;       // `modified`, else `created`, else the date added (RFC 3339)
  std::string spec_version;  // "2.1"
  int64_t date_added_ms = 0; // when the object entered the collection (Unix ms)
  std::string ref;           // the source's handle on the object's JSON (a store key)
  bool first = true;         // the earliest version of its id in the collection
  bool last = true;          // the latest version of its id in the collection
};

// Orders objects as every page lists them: by date added, then id, then
// version; and sets `first`/`last` of each id's versions.
void SortCollectionObjects(std::vector<TaxiiObject>* objects);

// A collection's content at one point in time: immutable, shared by the pages
// read from it.
class CollectionContent {
 public:
  virtual ~CollectionContent() = default;
  // Sorted with SortCollectionObjects.
  const std::vector<TaxiiObject>& objects() const { return objects_; }
  // Changes whenever the content does (a release replaced, a view edited): a
  // `next` token issued on other content is refused.
  uint64_t incarnation() const { return incarnation_; }
  // The JSON text of objects()[i] for each i of `indexes`, in that order.
  virtual absl::StatusOr<std::vector<std::string>> Json(const std::vector<size_t>& indexes) const = 0;

 protected:
  CollectionContent(std::vector<TaxiiObject> objects, uint64_t incarnation)
      : objects_(std::move(objects)), incarnation_(incarnation) {}

 private:
  std::vector<TaxiiObject> objects_;
  uint64_t incarnation_;
};

struct TaxiiCollection {
  std::string id;  // a UUID
  std::string title;
  std::string description;
  std::vector<std::string> spec_versions;  // of its objects: "2.1" (media type application/stix+json;version=2.1)
};

// Where collections come from (see the file comment for how to add one).
class CollectionSource {
 public:
  virtual ~CollectionSource() = default;
  // The collections `caller` may read, in a stable order.
  virtual absl::StatusOr<std::vector<TaxiiCollection>> List(const Caller& caller) = 0;
  // Collection `id`: NOT_FOUND when this source has none of that id,
  // PERMISSION_DENIED when it has one `caller` may not read.
  virtual absl::StatusOr<TaxiiCollection> Find(const Caller& caller, std::string_view id) = 0;
  // Its content (after Find succeeded for the same caller and id).
  virtual absl::StatusOr<std::shared_ptr<const CollectionContent>> Open(const Caller& caller, std::string_view id) = 0;
};

// The contents of the last `max` collections opened, by name, most recent
// first (a collection's index or merged view, reused by the pages that follow).
class RecentContents {
 public:
  explicit RecentContents(size_t max) : max_(max) {}
  // The kept content of `name` if it is at `incarnation` (one of another
  // incarnation is dropped), else null.
  std::shared_ptr<const CollectionContent> Find(const std::string& name, uint64_t incarnation);
  void Keep(const std::string& name, std::shared_ptr<const CollectionContent> content);

 private:
  const size_t max_;
  std::mutex mu_;
  std::list<std::pair<std::string, std::shared_ptr<const CollectionContent>>> recent_;
};

// The stable collection id of a name: the UUID v5 of `name` in ttpgraph's
// collection namespace (8d1f445f-effa-5189-a01d-0df883978402, itself the UUID v5
// of "ttpgraph:taxii:release" in the URL namespace).
// CollectionIdFor("enterprise-attack@18.1") is the same on every server.
std::string CollectionIdFor(std::string_view name);

// One collection per stored release, titled with its name
// ("enterprise-attack@18.1"): the release's objects as imported (their JSON
// as in the bundle), each added at the release's import time (a replaced
// release is added anew). Every role may read them, as every role reads the
// shared knowledge over gRPC. The object index of the last kMaxIndexes
// releases opened is kept (8.2 MiB for enterprise 18.1, taxii_bench; the JSON
// stays in the store and is read per page).
class ReleaseCollections final : public CollectionSource {
 public:
  static constexpr size_t kMaxIndexes = 4;
  explicit ReleaseCollections(Store* store) : store_(store) {}
  absl::StatusOr<std::vector<TaxiiCollection>> List(const Caller& caller) override;
  absl::StatusOr<TaxiiCollection> Find(const Caller& caller, std::string_view id) override;
  absl::StatusOr<std::shared_ptr<const CollectionContent>> Open(const Caller& caller, std::string_view id) override;

 private:
  absl::StatusOr<ReleaseInfo> Release(std::string_view id) const;
  Store* store_;
  RecentContents recent_{kMaxIndexes};
};

// One collection per extension view the caller may read (core/extensions.h),
// titled ORG/NAME, with the id CollectionIdFor("view:ORG/NAME"): the view's
// merged objects (the base release's with the extension's versions in place,
// then the extension's own), all as STIX 2.1, each added at its last change in
// the extension (the release's objects at the release's import). Admins read
// every organization's views, other roles their own organization's; another
// organization's view answers PERMISSION_DENIED. The content of the last
// kMaxViews views opened is kept with its JSON (~45 MB for a view on
// enterprise 18.1) and merged again once the extension or its base release
// changes.
class ViewCollections final : public CollectionSource {
 public:
  static constexpr size_t kMaxViews = 2;
  explicit ViewCollections(Application* app) : app_(app) {}
  absl::StatusOr<std::vector<TaxiiCollection>> List(const Caller& caller) override;
  absl::StatusOr<TaxiiCollection> Find(const Caller& caller, std::string_view id) override;
  absl::StatusOr<std::shared_ptr<const CollectionContent>> Open(const Caller& caller, std::string_view id) override;

 private:
  absl::StatusOr<ReadableView> View(const Caller& caller, std::string_view id);
  Application* app_;
  RecentContents recent_{kMaxViews};
};

inline constexpr size_t kTaxiiDefaultLimit = 1000;
inline constexpr size_t kTaxiiMaxLimit = 1000;

// The filters and paging of an objects, manifest or object request. Lists
// hold the comma-separated values of one match[...] parameter (any of them
// matches); an empty list does not filter.
struct TaxiiQuery {
  std::optional<int64_t> added_after_ms;  // objects added strictly after
  std::vector<std::string> types;         // match[type]
  std::vector<std::string> ids;           // match[id] (the object endpoints put their id here)
  std::vector<std::string> versions;      // match[version]: "last" (when empty), "first", "all" or a version
  std::vector<std::string> spec_versions; // match[spec_version]
  size_t limit = kTaxiiDefaultLimit;      // 1..kTaxiiMaxLimit (larger ones are cut to it)
  std::string next;                       // a `next` of the previous page, or ""
};

// Parses a TAXII timestamp (RFC 3339, e.g. 2026-12-03T08:37:12.123Z) into Unix
// ms; INVALID_ARGUMENT naming `param` otherwise.
absl::StatusOr<int64_t> ParseTaxiiTime(std::string_view text, std::string_view param);
// "2026-12-03T08:37:12.123Z".
std::string FormatTaxiiTime(int64_t unix_ms);

// One page: indexes into content->objects(), in order.
struct TaxiiPage {
  std::shared_ptr<const CollectionContent> content;
  std::vector<size_t> indexes;
  bool more = false;
  std::string next;  // set when `more`
};

class Taxii {
 public:
  // Installs ReleaseCollections over the application's store.
  explicit Taxii(Application* app);
  void AddSource(std::unique_ptr<CollectionSource> source);

  // The caller of an `Authorization` header, checked as a gRPC call is (the
  // same token table; a read of the shared knowledge: every role).
  absl::StatusOr<Caller> Authenticate(std::string_view authorization) const;

  absl::StatusOr<std::vector<TaxiiCollection>> Collections(const Caller& caller) const;
  absl::StatusOr<TaxiiCollection> Collection(const Caller& caller, std::string_view id) const;
  // The objects of collection `id` matching `query`, one page. With
  // `query.ids` of one id and `object_endpoint`, NOT_FOUND when that object
  // is not in the collection at all (filters aside), as TAXII's get-object
  // endpoint answers.
  absl::StatusOr<TaxiiPage> Objects(const Caller& caller, std::string_view id, const TaxiiQuery& query,
                                    bool object_endpoint = false) const;
  // The JSON of each object of `page`, in order.
  absl::StatusOr<std::vector<std::string>> Json(const TaxiiPage& page) const;

 private:
  absl::StatusOr<CollectionSource*> SourceOf(const Caller& caller, std::string_view id) const;
  Application* app_;
  std::vector<std::unique_ptr<CollectionSource>> sources_;
};

}  // namespace ttpgraph::core
