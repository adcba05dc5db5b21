// ttpgraph C++ client: the stubs of every service, with a deadline on every
// call, paging loops and the chunked bundle upload.
//
//   ttpgraph::Client client("127.0.0.1:50051");
//   v1::GroupTechniquesRequest req;
//   req.set_release("enterprise-attack@latest");
//   req.set_group("G0016");
//   v1::GroupTechniquesResponse resp;
//   absl::Status s = client.CallAllPages(&v1::KnowledgeService::Stub::GetGroupTechniques, req, &resp);
//
// Thread safety: a Client may be shared by threads (gRPC stubs are).
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ttpgraph/v1/knowledge_service.grpc.pb.h"
#include "ttpgraph/v1/release_service.grpc.pb.h"

namespace ttpgraph {

absl::Status FromGrpc(const grpc::Status& s);

// Calls `call_page(req, &page)` for page after page (1000 at a time) until
// the last, merging every page into `resp` (repeated fields concatenate);
// resp's page info is cleared.
template <typename Req, typename Resp, typename CallPage>
absl::Status MergeAllPages(Req req, Resp* resp, CallPage call_page) {
  req.set_page_size(1000);
  while (true) {
    Resp page;
    if (absl::Status s = call_page(req, &page); !s.ok()) return s;
    std::string next = page.page().next_page_token();
    page.clear_page();
    resp->MergeFrom(page);
    if (next.empty()) return absl::OkStatus();
    req.set_page_token(next);
  }
}

class Client {
 public:
  // Deadline for queries. Default: 30 s. Imports get `import_timeout`.
  // `args` tunes the channel (e.g. reconnect backoff); the receive limit is raised to 64 MiB.
  explicit Client(const std::string& target, absl::Duration timeout = absl::Seconds(30),
                  absl::Duration import_timeout = absl::Minutes(10),
                  grpc::ChannelArguments args = grpc::ChannelArguments());

  v1::ReleaseService::Stub& releases() { return *releases_; }
  v1::KnowledgeService::Stub& knowledge() { return *knowledge_; }

  // One unary call with the client's deadline.
  template <typename Stub, typename Req, typename Resp>
  absl::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), const Req& req,
                    Resp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
    return FromGrpc((StubFor<Stub>().*method)(&ctx, req, resp));
  }

  // Calls a paged method until the last page, merging every page into `resp`
  // (repeated fields concatenate); resp's page info is cleared.
  template <typename Stub, typename Req, typename Resp>
  absl::Status CallAllPages(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), Req req,
                            Resp* resp) {
    return MergeAllPages(std::move(req), resp, [&](const Req& r, Resp* page) { return Call(method, r, page); });
  }

  // Streams a bundle (plain or gzip bytes) in 1 MiB chunks. `progress` is
  // called with (bytes sent, total).
  absl::Status ImportBundle(const std::string& bytes, const v1::ImportOptions& options,
                            v1::ImportReleaseResponse* resp,
                            const std::function<void(size_t, size_t)>& progress = nullptr);
  absl::Status ImportFrom(const v1::ImportReleaseFromRequest& req, v1::ImportReleaseFromResponse* resp);

 private:
  template <typename Stub>
  Stub& StubFor();

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ReleaseService::Stub> releases_;
  std::unique_ptr<v1::KnowledgeService::Stub> knowledge_;
  absl::Duration timeout_;
  absl::Duration import_timeout_;
};

template <>
inline v1::ReleaseService::Stub& Client::StubFor<v1::ReleaseService::Stub>() { return *releases_; }
template <>
inline v1::KnowledgeService::Stub& Client::StubFor<v1::KnowledgeService::Stub>() { return *knowledge_; }

}  // namespace ttpgraph
