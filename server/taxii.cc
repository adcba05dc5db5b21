#include "server/taxii.h"

#include <string_view>

#include "storage/strings.h"

namespace ttpgraph {
namespace {

HttpResponse Json(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  return HttpResponse{status, kTaxiiMediaType, std::move(body), std::move(headers)};
}

// A TAXII error message (section 3.6.1): title, description, http_status.
HttpResponse Error(int status, std::string_view title, std::string_view description) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (status == 401) headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ttpgraphd taxii\"");
  return Json(status,
              Cat("{\"title\":", JsonQuote(title), ",\"description\":", JsonQuote(description), ",\"http_status\":\"",
                  status, "\"}"),
              std::move(headers));
}

HttpResponse FromStatus(const absl::Status& status) {
  const std::string message(status.message());
  const std::string_view m = message;
  switch (status.code()) {
    case absl::StatusCode::kUnauthenticated: return Error(401, "Unauthorized", m);
    case absl::StatusCode::kPermissionDenied: return Error(403, "Forbidden", m);
    case absl::StatusCode::kNotFound: return Error(404, "Not Found", m);
    case absl::StatusCode::kInvalidArgument: return Error(400, "Bad Request", m);
    case absl::StatusCode::kUnavailable: return Error(503, "Service Unavailable", m);
    default: return Error(500, "Internal Server Error", m);
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether an Accept header admits TAXII 2.1: a media range
// application/taxii+json (with version=2.1 or none), application/* or */*,
// not at q=0. No header at all admits anything (RFC 9110 12.5.1).
bool AcceptsTaxii(std::string_view accept) {
  if (Trim(accept).empty()) return true;
  for (const std::string& range : Split(accept, ',')) {
    std::vector<std::string> parts = Split(range, ';');
    const std::string type = ToLower(Trim(parts[0]));
    bool version_ok = true, refused = false;
    for (size_t i = 1; i < parts.size(); ++i) {
      const std::string param = ToLower(Trim(parts[i]));
      std::string_view p = param;
      const size_t eq = p.find('=');
      const std::string_view name = Trim(p.substr(0, eq));
      const std::string_view value = eq == std::string_view::npos ? "" : Trim(p.substr(eq + 1));
      if (name == "version") version_ok = value == "2.1" || value == "\"2.1\"";
      if (name == "q") refused = value == "0" || value == "0.0" || value == "0.00" || value == "0.000";
    }
    if (refused) continue;
    if (type == "*/*" || type == "application/*") return true;
    if (type == "application/taxii+json" && version_ok) return true;
  }
  return false;
}

// The query parameters of the objects, manifest and object endpoints.
absl::StatusOr<core::TaxiiQuery> ParseQuery(const HttpRequest& req) {
  core::TaxiiQuery q;
  for (const auto& [name, value] : req.query) {
    auto list = [&value = value](std::vector<std::string>* out) {
      for (const std::string& v : Split(value, ','))
        if (!Trim(v).empty()) out->emplace_back(Trim(v));
    };
    if (name == "limit") {
      if (!ParseNumber(value, &q.limit) || q.limit == 0)
        return absl::InvalidArgumentError(Cat("limit '", value, "' is not a positive number (the server pages at most ",
                                              core::kTaxiiMaxLimit, " objects)"));
    } else if (name == "next") {
      q.next = value;
    } else if (name == "added_after") {
      auto t = core::ParseTaxiiTime(value, "added_after");
      if (!t.ok()) return t.status();
      q.added_after_ms = *t;
    } else if (name == "match[type]") {
      list(&q.types);
    } else if (name == "match[id]") {
      list(&q.ids);
    } else if (name == "match[version]") {
      list(&q.versions);
    } else if (name == "match[spec_version]") {
      list(&q.spec_versions);
    } else if (name.rfind("match[", 0) == 0) {
      return absl::InvalidArgumentError(
          Cat(name, " is not a filter this server knows (match[type], match[id], match[version], match[spec_version])"));
    }  // other parameters are not TAXII's: ignored
  }
  return q;
}

// X-TAXII-Date-Added-First/-Last of a page (none when it is empty).
std::vector<std::pair<std::string, std::string>> DateHeaders(const core::TaxiiPage& page) {
  if (page.indexes.empty()) return {};
  const auto& objects = page.content->objects();
  return {{"X-TAXII-Date-Added-First", core::FormatTaxiiTime(objects[page.indexes.front()].date_added_ms)},
          {"X-TAXII-Date-Added-Last", core::FormatTaxiiTime(objects[page.indexes.back()].date_added_ms)}};
}

// `"more":...,"next":"..."` of a page, with the comma after it.
std::string Paging(const core::TaxiiPage& page) {
  if (!page.more) return "\"more\":false,";
  return Cat("\"more\":true,\"next\":", JsonQuote(page.next), ",");
}

std::string StixMediaType(std::string_view spec_version) {
  return JsonQuote(Cat("application/stix+json;version=", spec_version));
}

std::string CollectionJson(const core::TaxiiCollection& c) {
  std::string media_types;
  for (const auto& v : c.spec_versions) media_types += Cat(media_types.empty() ? "" : ",", StixMediaType(v));
  return Cat("{\"id\":", JsonQuote(c.id), ",\"title\":", JsonQuote(c.title), ",\"description\":",
             JsonQuote(c.description), ",\"can_read\":true,\"can_write\":false,\"media_types\":[", media_types, "]}");
}

enum class Listing { kObjects, kManifest, kVersions };

HttpResponse Page(const core::Taxii& taxii, const core::Caller& caller, std::string_view collection,
                  const HttpRequest& req, Listing listing, std::string_view object_id) {
  auto query = ParseQuery(req);
  if (!query.ok()) return FromStatus(query.status());
  if (!object_id.empty()) {  // the object endpoints: that id, any type
    query->ids = {std::string(object_id)};
    query->types.clear();
    if (listing == Listing::kVersions) query->versions = {"all"};
  }
  auto page = taxii.Objects(caller, collection, *query, !object_id.empty());
  if (!page.ok()) return FromStatus(page.status());
  const auto& objects = page->content->objects();
  std::string body = "{" + Paging(*page);
  if (listing == Listing::kObjects) {
    auto json = taxii.Json(*page);
    if (!json.ok()) return FromStatus(json.status());
    size_t bytes = body.size() + 16;
    for (const auto& j : *json) bytes += j.size() + 1;
    body.reserve(bytes);
    body += "\"objects\":[";
    for (size_t i = 0; i < json->size(); ++i) {
      if (i) body += ',';
      body += (*json)[i];
    }
  } else if (listing == Listing::kManifest) {
    body += "\"objects\":[";
    for (size_t i = 0; i < page->indexes.size(); ++i) {
      const core::TaxiiObject& o = objects[page->indexes[i]];
      body += Cat(i ? "," : "", "{\"id\":", JsonQuote(o.id), ",\"date_added\":\"", core::FormatTaxiiTime(o.date_added_ms),
                  "\",\"version\":", JsonQuote(o.version), ",\"media_type\":",
                  StixMediaType(o.spec_version), "}");
    }
  } else {
    body += "\"versions\":[";
    for (size_t i = 0; i < page->indexes.size(); ++i)
      body += Cat(i ? "," : "", JsonQuote(objects[page->indexes[i]].version));
  }
  body += "]}";
  return Json(200, std::move(body), DateHeaders(*page));
}

}  // namespace

HttpResponse AnswerTaxii(const core::Taxii& taxii, const TaxiiHttpOptions& options, const HttpRequest& req) {
  if (options.require_tls && !req.tls)
    return Error(403, "Forbidden",
                 "this server serves TAXII over HTTPS only (--https-listen): a bearer token must not cross plain HTTP");
  auto caller = taxii.Authenticate(req.authorization);
  if (!caller.ok()) return FromStatus(caller.status());
  if (!AcceptsTaxii(req.accept))
    return Error(406, "Not Acceptable",
                 Cat("Accept '", req.accept, "' does not admit ", kTaxiiMediaType, ", the only media type served here"));

  std::vector<std::string> seg;  // seg[0] is "taxii2" (the handler's prefix)
  for (std::string& part : Split(req.path, '/'))
    if (!part.empty()) seg.push_back(std::move(part));
  if (seg.size() == 1) {
    const std::string root = req.host.empty() ? std::string(kTaxiiApiRoot)
                                              : Cat(req.tls ? "https://" : "http://", req.host, kTaxiiApiRoot);
    return Json(200, Cat("{\"title\":\"ttpgraph TAXII 2.1\",\"description\":\"MITRE ATT&CK releases stored in this "
                         "ttpgraphd, read-only\",\"default\":",
                         JsonQuote(root), ",\"api_roots\":[", JsonQuote(root), "]}"));
  }
  if (seg[1] != "ttpgraph")
    return Error(404, "Not Found", Cat("no API root ", req.path, " (the API root is ", kTaxiiApiRoot, ")"));
  if (seg.size() == 2)
    return Json(200, Cat("{\"title\":\"ttpgraph\",\"description\":\"One read-only collection per stored ATT&CK "
                         "release\",\"versions\":[\"",
                         kTaxiiMediaType, "\"],\"max_content_length\":0}"));
  if (seg[2] != "collections" || seg.size() > 7)
    return Error(404, "Not Found", Cat("no TAXII endpoint ", req.path));
  if (seg.size() == 3) {
    auto all = taxii.Collections(*caller);
    if (!all.ok()) return FromStatus(all.status());
    if (all->empty()) return Json(200, "{}");
    std::string body = "{\"collections\":[";
    for (size_t i = 0; i < all->size(); ++i) body += Cat(i ? "," : "", CollectionJson((*all)[i]));
    return Json(200, body + "]}");
  }
  const std::string_view id = seg[3];
  if (seg.size() == 4) {
    auto c = taxii.Collection(*caller, id);
    if (!c.ok()) return FromStatus(c.status());
    return Json(200, CollectionJson(*c));
  }
  if (seg.size() == 5 && seg[4] == "objects") return Page(taxii, *caller, id, req, Listing::kObjects, "");
  if (seg.size() == 5 && seg[4] == "manifest") return Page(taxii, *caller, id, req, Listing::kManifest, "");
  if (seg.size() == 6 && seg[4] == "objects") return Page(taxii, *caller, id, req, Listing::kObjects, seg[5]);
  if (seg.size() == 7 && seg[4] == "objects" && seg[6] == "versions")
    return Page(taxii, *caller, id, req, Listing::kVersions, seg[5]);
  return Error(404, "Not Found", Cat("no TAXII endpoint ", req.path));
}

void ServeTaxii(HttpListener* http, const core::Taxii* taxii, TaxiiHttpOptions options) {
  http->Handle("/taxii2", [taxii, options](const HttpRequest& req) { return AnswerTaxii(*taxii, options, req); });
}

}  // namespace ttpgraph
