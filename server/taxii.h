// TAXII 2.1 (read-only) over the HTTP listener: the protocol side of
// core::Taxii (server/core/taxii.h), which lists and pages the collections.
//
//   GET /taxii2/                                              discovery
//   GET /taxii2/ttpgraph/                                     the API root
//   GET /taxii2/ttpgraph/collections/                         collections
//   GET /taxii2/ttpgraph/collections/{id}/                    one collection
//   GET /taxii2/ttpgraph/collections/{id}/objects/            objects (envelope)
//   GET /taxii2/ttpgraph/collections/{id}/manifest/           manifest
//   GET /taxii2/ttpgraph/collections/{id}/objects/{object}/   one object's versions (envelope)
//   GET /taxii2/ttpgraph/collections/{id}/objects/{object}/versions/
//
// Objects, manifest and object endpoints take `limit`, `next`, `added_after`,
// `match[type]`, `match[id]`, `match[version]` and `match[spec_version]`
// (comma-separated values), answer with `more`/`next` and the
// X-TAXII-Date-Added-First/-Last headers. Every request needs
// `Authorization: Bearer <token>` (the gRPC tokens) and an Accept that admits
// `application/taxii+json;version=2.1`; every answer, errors included, is
// that media type. Errors are TAXII error messages: 400 (bad parameter or
// `next`), 401 (no, a bad or expired token), 403 (may not read; or plain HTTP
// on a server that has TLS), 404, 406.
//
//   ServeTaxii(http, &taxii, {.require_tls = true});
//
// `taxii` must outlive the listener's handlers.
#pragma once

#include "server/core/taxii.h"
#include "server/http_listener.h"

namespace ttpgraph {

struct TaxiiHttpOptions {
  // Refuse TAXII on plain-HTTP connections (403): set when the server has a
  // certificate, so a token never crosses the network in clear. Default: false.
  bool require_tls = false;
};

inline constexpr char kTaxiiMediaType[] = "application/taxii+json;version=2.1";
inline constexpr char kTaxiiApiRoot[] = "/taxii2/ttpgraph/";

// Answers one TAXII request (the handler ServeTaxii installs; for tests).
HttpResponse AnswerTaxii(const core::Taxii& taxii, const TaxiiHttpOptions& options, const HttpRequest& request);

void ServeTaxii(HttpListener* http, const core::Taxii* taxii, TaxiiHttpOptions options);

}  // namespace ttpgraph
