#include "clients/cpp/ttpgraph_client.h"

namespace ttpgraph {

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

Client::Client(const std::string& target, absl::Duration timeout, absl::Duration import_timeout,
               grpc::ChannelArguments args)
    : timeout_(timeout), import_timeout_(import_timeout) {
  args.SetMaxReceiveMessageSize(64 << 20);
  channel_ = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  releases_ = v1::ReleaseService::NewStub(channel_);
  knowledge_ = v1::KnowledgeService::NewStub(channel_);
}

absl::Status Client::ImportBundle(const std::string& bytes, const v1::ImportOptions& options,
                                  v1::ImportReleaseResponse* resp,
                                  const std::function<void(size_t, size_t)>& progress) {
  constexpr size_t kChunk = 1 << 20;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(import_timeout_));
  auto writer = releases_->ImportRelease(&ctx, resp);
  v1::ImportReleaseRequest msg;
  *msg.mutable_header() = options;
  msg.mutable_header()->set_expected_bytes(static_cast<int64_t>(bytes.size()));
  size_t sent = 0;
  do {
    size_t n = std::min(kChunk, bytes.size() - sent);
    msg.set_chunk(bytes.data() + sent, n);
    if (!writer->Write(msg)) break;  // the server ended the call early; Finish says why
    sent += n;
    if (progress) progress(sent, bytes.size());
    msg.clear_header();
  } while (sent < bytes.size());
  writer->WritesDone();
  return FromGrpc(writer->Finish());
}

absl::Status Client::ImportFrom(const v1::ImportReleaseFromRequest& req, v1::ImportReleaseFromResponse* resp) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(import_timeout_));
  return FromGrpc(releases_->ImportReleaseFrom(&ctx, req, resp));
}

}  // namespace ttpgraph
