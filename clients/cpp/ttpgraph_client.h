// ttpgraph C++ client: one Client for every service of proto/ttpgraph/v1
// (ReleaseService, KnowledgeService, OrgService, AnalysisService,
// DefenseService, TokenService, AuditService, ReportService, BackupService, ExtensionService) and grpc.health.v1.Health, with a deadline on every call,
// paging loops and the chunked uploads.
//
//   ttpgraph::ClientOptions o;
//   o.target = "127.0.0.1:50051";
//   o.token = "...";                       // optional: authorization: Bearer <token>
//   auto client = ttpgraph::Client::Connect(o);
//   if (!client.ok()) return client.status();
//   v1::GroupTechniquesRequest req;
//   req.set_release("enterprise-attack@latest");
//   req.set_group("G0016");
//   v1::GroupTechniquesResponse resp;
//   absl::Status s = (*client)->CallAllPages(&v1::KnowledgeService::Stub::GetGroupTechniques, req, &resp);
//
// Every call goes through one place (Prepare) that sets
// - the deadline: `timeout` for queries, `import_timeout` for imports (the
//   client-streamed uploads and every request whose type starts with "Import");
// - `authorization: Bearer <token>` when a token is set;
// - `x-ttpgraph-org: <org>` on every organization-scoped call: any request
//   with a non-empty `org_id` field (found by reflection, so a new RPC needs
//   nothing here) and the detection import stream. A proxy routes on it.
// Errors are absl::Status with the gRPC code and the server's message.
//
// Thread safety: a Client may be shared by threads (gRPC stubs are).
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "ttpgraph/v1/analysis_service.grpc.pb.h"
#include "ttpgraph/v1/d3fend_service.grpc.pb.h"
#include "ttpgraph/v1/knowledge_service.grpc.pb.h"
#include "ttpgraph/v1/org_service.grpc.pb.h"
#include "ttpgraph/v1/release_service.grpc.pb.h"
#include "ttpgraph/v1/token_service.grpc.pb.h"
#include "ttpgraph/v1/audit_service.grpc.pb.h"
#include "ttpgraph/v1/report_service.grpc.pb.h"
#include "ttpgraph/v1/backup_service.grpc.pb.h"
#include "ttpgraph/v1/extension_service.grpc.pb.h"

namespace ttpgraph {

namespace health = ::grpc::health::v1;

absl::Status FromGrpc(const grpc::Status& s);

// Merges one page of a paged answer into `all`: repeated fields concatenate,
// except those a later page repeats unchanged from the first (a diff's
// per-type summary comes with every page); `all`'s page info is cleared.
void MergePage(const google::protobuf::Message& page, bool first, google::protobuf::Message* all);

// Calls `call_page(req, &page)` for page after page (1000 at a time) until
// the last, merging every page into `resp` (MergePage).
template <typename Req, typename Resp, typename CallPage>
absl::Status MergeAllPages(Req req, Resp* resp, CallPage call_page) {
  req.set_page_size(1000);
  for (bool first = true;; first = false) {
    Resp page;
    if (absl::Status s = call_page(req, &page); !s.ok()) return s;
    std::string next = page.page().next_page_token();
    MergePage(page, first, resp);
    if (next.empty()) return absl::OkStatus();
    req.set_page_token(next);
  }
}

struct ClientOptions {
  // HOST:PORT of ttpgraphd. Default: 127.0.0.1:50051.
  std::string target = "127.0.0.1:50051";
  // Deadline of every query. Default: 60 s.
  absl::Duration timeout = absl::Seconds(60);
  // Deadline of imports (uploads and Import*From calls). Default: 10 min.
  absl::Duration import_timeout = absl::Minutes(10);
  // Sent as `authorization: Bearer <token>` on every call. Default: "" (none).
  std::string token;
  // PEM files. TLS is used when `ca` or `cert` is set: `ca` holds the CAs
  // that may sign the server's certificate (empty: the system's roots),
  // `cert` and `key` the client's certificate and key for mTLS (both or
  // neither). Default: "" (plaintext).
  std::string ca;
  std::string cert;
  std::string key;
  // Largest message received. Default: 256 MiB (a full diff or layer is tens of MB).
  int max_receive_bytes = 256 << 20;
  // Further channel arguments (e.g. reconnect backoff). Default: none.
  grpc::ChannelArguments channel_args;
};

class Client {
 public:
  // INVALID_ARGUMENT for a `cert` without `key` (or the reverse), NOT_FOUND
  // for a PEM file that cannot be read. Connecting itself is lazy: an
  // unreachable server shows as UNAVAILABLE on the first call.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(ClientOptions options);
  // Plaintext, no token: the in-process servers of tests and benchmarks.
  explicit Client(const std::string& target, absl::Duration timeout = absl::Seconds(60),
                  absl::Duration import_timeout = absl::Minutes(10),
                  grpc::ChannelArguments args = grpc::ChannelArguments());

  v1::ReleaseService::Stub& releases() { return *releases_; }
  v1::KnowledgeService::Stub& knowledge() { return *knowledge_; }
  v1::OrgService::Stub& orgs() { return *orgs_; }
  v1::AnalysisService::Stub& analysis() { return *analysis_; }
  v1::DefenseService::Stub& defense() { return *defense_; }
  v1::TokenService::Stub& tokens() { return *tokens_; }
  v1::AuditService::Stub& audit() { return *audit_; }
  v1::ReportService::Stub& reports() { return *reports_; }
  v1::BackupService::Stub& backups() { return *backups_; }
  v1::ExtensionService::Stub& extensions() { return *extensions_; }
  health::Health::Stub& health() { return *health_; }
  const ClientOptions& options() const { return options_; }

  // Deadline and metadata for a call carrying `req` (see the file comment).
  // Call and the upload helpers use it; use it too when driving a stub
  // yourself (a server-streaming Watch).
  void Prepare(grpc::ClientContext* ctx, const google::protobuf::Message& req) const;

  // One unary call of any service's method.
  template <typename Stub, typename Req, typename Resp>
  absl::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), const Req& req,
                    Resp* resp) {
    grpc::ClientContext ctx;
    Prepare(&ctx, req);
    return FromGrpc((StubFor<Stub>().*method)(&ctx, req, resp));
  }

  // Calls a paged method until the last page, merging every page into `resp`
  // (MergeAllPages).
  template <typename Stub, typename Req, typename Resp>
  absl::Status CallAllPages(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), Req req,
                            Resp* resp) {
    return MergeAllPages(std::move(req), resp, [&](const Req& r, Resp* page) { return Call(method, r, page); });
  }

  // (bytes sent, total bytes), or (files sent, total files) for detections.
  using Progress = std::function<void(size_t, size_t)>;

  // Client-streamed uploads in 1 MiB chunks; the header goes in the first
  // message with `expected_bytes` set to the size of `bytes` (plain or gzip).
  absl::Status ImportBundle(const std::string& bytes, const v1::ImportOptions& options,
                            v1::ImportReleaseResponse* resp, const Progress& progress = nullptr);
  absl::Status ImportD3fend(const std::string& bytes, const v1::D3fendImportOptions& options,
                            v1::ImportD3fendResponse* resp, const Progress& progress = nullptr);
  absl::Status ImportAtomicIndex(const std::string& bytes, const v1::AtomicImportOptions& options,
                                 v1::ImportAtomicIndexResponse* resp, const Progress& progress = nullptr);
  // A server-side path, URL or collection index (ReleaseService.ImportReleaseFrom).
  absl::Status ImportFrom(const v1::ImportReleaseFromRequest& req, v1::ImportReleaseFromResponse* resp) {
    return Call(&v1::ReleaseService::Stub::ImportReleaseFrom, req, resp);
  }
  // OrgService.ImportOrganization of an organization document (the JSON of
  // ExportOrganization), uploaded like a bundle.
  absl::Status ImportOrganization(const std::string& document, v1::ImportOrganizationResponse* resp);

  // OrgService.ImportDetections of the files under `paths`: a file is sent as
  // it is (a Sigma .yml, a .tar.gz of rules, a Navigator layer, a CSV; the
  // server tells them apart), a directory by every regular file below it, in
  // name order. Each file goes in 1 MiB pieces named by its path. NOT_FOUND
  // when a path cannot be read (nothing is sent then).
  absl::Status ImportDetections(const std::string& org_id, const v1::ImportDetectionsHeader& header,
                                const std::vector<std::string>& paths, v1::ImportDetectionsResponse* resp,
                                const Progress& progress = nullptr);

  // ReportService.GetCoverageReport: every chunk of the streamed document
  // joined into `document`, the first message's metadata into `metadata`
  // (may be null). DATA_LOSS when the bytes received differ from the
  // metadata's total_bytes.
  absl::Status GetCoverageReport(const v1::CoverageReportRequest& req, std::string* document,
                                 v1::CoverageReportMetadata* metadata = nullptr);

 private:
  Client(ClientOptions options, std::shared_ptr<grpc::ChannelCredentials> credentials);
  template <typename Stub>
  Stub& StubFor();

  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ReleaseService::Stub> releases_;
  std::unique_ptr<v1::KnowledgeService::Stub> knowledge_;
  std::unique_ptr<v1::OrgService::Stub> orgs_;
  std::unique_ptr<v1::AnalysisService::Stub> analysis_;
  std::unique_ptr<v1::DefenseService::Stub> defense_;
  std::unique_ptr<v1::TokenService::Stub> tokens_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::BackupService::Stub> backups_;
  std::unique_ptr<v1::ExtensionService::Stub> extensions_;
  std::unique_ptr<health::Health::Stub> health_;
};

template <>
inline v1::ReleaseService::Stub& Client::StubFor<v1::ReleaseService::Stub>() { return *releases_; }
template <>
inline v1::KnowledgeService::Stub& Client::StubFor<v1::KnowledgeService::Stub>() { return *knowledge_; }
template <>
inline v1::OrgService::Stub& Client::StubFor<v1::OrgService::Stub>() { return *orgs_; }
template <>
inline v1::AnalysisService::Stub& Client::StubFor<v1::AnalysisService::Stub>() { return *analysis_; }
template <>
inline v1::DefenseService::Stub& Client::StubFor<v1::DefenseService::Stub>() { return *defense_; }
template <>
inline v1::TokenService::Stub& Client::StubFor<v1::TokenService::Stub>() { return *tokens_; }
template <>
inline v1::AuditService::Stub& Client::StubFor<v1::AuditService::Stub>() { return *audit_; }
template <>
inline v1::ReportService::Stub& Client::StubFor<v1::ReportService::Stub>() { return *reports_; }
template <>
inline v1::BackupService::Stub& Client::StubFor<v1::BackupService::Stub>() { return *backups_; }
template <>
inline v1::ExtensionService::Stub& Client::StubFor<v1::ExtensionService::Stub>() { return *extensions_; }
template <>
inline health::Health::Stub& Client::StubFor<health::Health::Stub>() { return *health_; }

}  // namespace ttpgraph
