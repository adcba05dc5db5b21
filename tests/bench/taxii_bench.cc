// TAXII 2.1 benchmark (issue 12): paging every object of enterprise 18.1's
// collection at limit=1000, following `next` to the end, and prints each figure
// next to its target:
//   - through HTTP on the loopback (libcurl, one connection per page as the
//     listener closes them): <= 1 s, median of 5 warm runs;
//   - the same pages answered in process (AnswerTaxii: the handler's whole work
//     without the socket), for reading;
//   - the first paging after the start (the collection's index is built from
//     the store then), for reading;
//   - the same for an extension view on 18.1 (one object edited): its first
//     paging merges the view, then <= 1 s like the release's.
// Usage: bash deploy/build.sh taxii_bench && build/tests/taxii_bench
// (TTPGRAPH_SHARED_DATA as for tests).
#include <curl/curl.h>
#include <simdjson.h>

#include <cstdio>
#include <string>

#include "server/core/taxii.h"
#include "ttpgraph/v1/extension_service.grpc.pb.h"
#include "ttpgraph/v1/org_service.grpc.pb.h"
#include "server/taxii.h"
#include "tests/bench/bench_util.h"
#include "storage/strings.h"
#include "tests/testing/test_env.h"

using namespace ttpgraph;  // NOLINT
using bench::Check;
namespace v1 = ::ttpgraph::v1;

namespace {

struct Walk {
  size_t objects = 0, pages = 0, bytes = 0;
};

// The `next` of an envelope ("" on the last page) and its object count.
void ReadEnvelope(const std::string& body, std::string* next, size_t* count) {
  simdjson::dom::parser parser;
  simdjson::dom::object env;
  if (parser.parse(body).get(env) != simdjson::SUCCESS) {
    fprintf(stderr, "not JSON: %.200s\n", body.c_str());
    exit(1);
  }
  simdjson::dom::array objects;
  *count = env["objects"].get_array().get(objects) == simdjson::SUCCESS ? objects.size() : 0;
  bool more = false;
  std::string_view n;
  next->clear();
  if (env["more"].get_bool().get(more) == simdjson::SUCCESS && more && env["next"].get_string().get(n) == simdjson::SUCCESS)
    *next = std::string(n);
}

size_t Append(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

Walk PageOverHttp(CURL* curl, const std::string& base, const std::string& token) {
  Walk w;
  std::string next;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  headers = curl_slist_append(headers, "Accept: application/taxii+json;version=2.1");
  do {
    std::string body;
    const std::string url = base + "?limit=1000" + (next.empty() ? "" : "&next=" + next);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    long code = 0;
    if (curl_easy_perform(curl) != CURLE_OK || (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code), code != 200)) {
      fprintf(stderr, "GET %s: HTTP %ld %s\n", url.c_str(), code, body.c_str());
      exit(1);
    }
    size_t count = 0;
    ReadEnvelope(body, &next, &count);
    w.objects += count;
    w.bytes += body.size();
    ++w.pages;
  } while (!next.empty());
  curl_slist_free_all(headers);
  return w;
}

Walk PageInProcess(const core::Taxii& taxii, const std::string& path, const std::string& token) {
  Walk w;
  std::string next;
  do {
    HttpRequest req{"GET", path, "Bearer " + token, "application/taxii+json;version=2.1", "", false,
                    {{"limit", "1000"}}};
    if (!next.empty()) req.query.emplace_back("next", next);
    HttpResponse r = AnswerTaxii(taxii, TaxiiHttpOptions{}, req);
    if (r.status != 200) {
      fprintf(stderr, "%s: %d %s\n", path.c_str(), r.status, r.body.c_str());
      exit(1);
    }
    size_t count = 0;
    ReadEnvelope(r.body, &next, &count);
    w.objects += count;
    w.bytes += r.body.size();
    ++w.pages;
  } while (!next.empty());
  return w;
}

}  // namespace

int main() {
  ServerOptions options;
  options.http_listen = "127.0.0.1:0";
  testing::TestServer server(options);
  Check(testing::ImportFile(server.client(), testing::SharedData("attack/enterprise-attack-18.1.json.gz"),
                            "enterprise-attack", "18.1"),
        "import enterprise 18.1");
  const std::string collection = core::CollectionIdFor("enterprise-attack@18.1");
  const std::string path = Cat(kTaxiiApiRoot, "collections/", collection, "/objects/");
  const std::string base = Cat("http://127.0.0.1:", server.server().http_port(), path);
  const std::string& token = server.admin_token();
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL* curl = curl_easy_init();

  bench::Reporter report({64, 3, 3});
  auto t0 = bench::Clock::now();
  Walk first = PageOverHttp(curl, base, token);
  report.Info(Cat("first paging after the start (index built), ", first.pages, " pages"),
              bench::Ms(bench::Clock::now() - t0) / 1000, "s");
  Walk w;
  const double http_s = bench::MedianMs(5, [&] { w = PageOverHttp(curl, base, token); }) / 1000;
  report.Target(Cat("page all enterprise 18.1 at limit 1000 over HTTP (", w.objects, " objects, ", w.pages, " pages, ",
                    w.bytes >> 20, " MiB)"),
                http_s, "s", 1.0);
  const double local_s = bench::MedianMs(5, [&] { w = PageInProcess(server.server().taxii(), path, token); }) / 1000;
  report.Info("  of which the handler's work (in process, no socket)", local_s, "s");
  // The collection's index in memory: each object's fields and their heap bytes.
  auto admin = server.server().taxii().Authenticate("Bearer " + token);
  Check(admin.status(), "token");
  auto page = server.server().taxii().Objects(*admin, collection, core::TaxiiQuery{});
  Check(page.status(), "page");
  size_t index_bytes = 0;
  for (const core::TaxiiObject& o : page->content->objects()) {
    index_bytes += sizeof o;
    for (const std::string* s : {&o.id, &o.type, &o.version, &o.spec_version, &o.ref})
      if (s->capacity() > 15) index_bytes += s->capacity() + 1;  // beyond the small-string buffer
  }
  report.Info("the collection's index in memory", index_bytes / 1048576.0, "MiB");

  // An extension view on 18.1 (acme/main, G0016 edited): merged on its first paging, then held.
  {
    v1::CreateOrganizationRequest org;
    org.set_org_id("acme");
    org.set_release("enterprise-attack@18.1");
    v1::Organization created;
    Check(server.client().Call(&v1::OrgService::Stub::CreateOrganization, org, &created), "org acme");
    v1::CreateExtensionRequest ext;
    ext.set_org_id("acme");
    ext.set_name("main");
    ext.set_release("enterprise-attack@18.1");
    v1::Extension e;
    Check(server.client().Call(&v1::ExtensionService::Stub::CreateExtension, ext, &e), "extension acme/main");
    v1::SetExtensionFieldRequest set;
    set.set_org_id("acme");
    set.set_name("main");
    set.set_object_id("G0016");
    set.set_field("x_acme_sector");
    set.set_value("finance");
    v1::SetExtensionFieldResponse edited;
    Check(server.client().Call(&v1::ExtensionService::Stub::SetExtensionField, set, &edited), "edit G0016");
  }
  const std::string view_base = Cat("http://127.0.0.1:", server.server().http_port(), kTaxiiApiRoot, "collections/",
                                    core::CollectionIdFor("view:acme/main"), "/objects/");
  t0 = bench::Clock::now();
  Walk view_first = PageOverHttp(curl, view_base, token);
  report.Info(Cat("view acme/main on 18.1: first paging (merged then), ", view_first.pages, " pages"),
              bench::Ms(bench::Clock::now() - t0) / 1000, "s");
  Walk view;
  const double view_s = bench::MedianMs(5, [&] { view = PageOverHttp(curl, view_base, token); }) / 1000;
  report.Target(Cat("page all of view acme/main at limit 1000 over HTTP (", view.objects, " objects)"), view_s, "s",
                1.0);
  curl_easy_cleanup(curl);
  if (view.objects != 24771) {
    fprintf(stderr, "paged %zu objects of the view, it has 24771\n", view.objects);
    return 1;
  }
  if (w.objects != 24771) {
    fprintf(stderr, "paged %zu objects, the bundle has 24771\n", w.objects);
    return 1;
  }
  return report.failures() ? 1 : 0;
}
