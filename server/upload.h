// Reads a client-streamed upload: the header in the first message, then the
// bytes in chunks (ImportRelease, ImportD3fend, ImportAtomicIndex), counting
// every byte against the limit while it streams.
//
//   v1::ImportOptions options;
//   std::string bytes;
//   if (auto s = ReadChunkedUpload(ctx, reader, limits.max_upload_bytes, &options, &bytes); !s.ok()) return s;
//
// Errors (nothing is written by the caller after any of them):
// RESOURCE_EXHAUSTED past `max_bytes` (or an announced size past it),
// INVALID_ARGUMENT for a header after the first message, an empty upload or
// one cut short of `expected_bytes`, CANCELLED when the client went away.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/sync_stream.h>

#include <string>

#include "absl/status/status.h"
#include "storage/strings.h"

namespace ttpgraph {

template <typename Req, typename Header>
absl::Status ReadChunkedUpload(grpc::ServerContext* ctx, grpc::ServerReaderInterface<Req>* reader, size_t max_bytes,
                               Header* header, std::string* bytes) {
  Req msg;
  bool first = true;
  while (reader->Read(&msg)) {
    if (first) {
      *header = msg.header();
      if (header->expected_bytes() > 0) {
        if (static_cast<size_t>(header->expected_bytes()) > max_bytes)
          return absl::ResourceExhaustedError(
              Cat("upload of ", header->expected_bytes(), " bytes is over the limit of ", max_bytes));
        bytes->reserve(static_cast<size_t>(header->expected_bytes()));
      }
      first = false;
    } else if (msg.has_header()) {
      return absl::InvalidArgumentError("the import header may only come in the first message");
    }
    if (bytes->size() + msg.chunk().size() > max_bytes)
      return absl::ResourceExhaustedError(Cat("upload exceeds the limit of ", max_bytes, " bytes"));
    bytes->append(msg.chunk());
  }
  if (ctx->IsCancelled())
    return absl::CancelledError(Cat("upload cancelled after ", bytes->size(), " bytes; nothing was written"));
  if (first) return absl::InvalidArgumentError("empty upload: no messages were sent");
  if (header->expected_bytes() > 0 && static_cast<int64_t>(bytes->size()) != header->expected_bytes())
    return absl::InvalidArgumentError(Cat("upload cut off: received ", bytes->size(), " of the ",
                                          header->expected_bytes(), " bytes announced; nothing was written"));
  if (bytes->empty()) return absl::InvalidArgumentError("empty upload: no file bytes were sent");
  return absl::OkStatus();
}

}  // namespace ttpgraph
