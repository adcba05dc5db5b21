// Paging for list calls. A page token carries the fingerprint of the request
// that issued it (every field but page_size and page_token) and the offset of
// the next result, so a token replayed on another query is refused.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include <google/protobuf/message.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <vector>

namespace ttpgraph {

struct PageWindow {
  size_t begin = 0;
  size_t end = 0;
  std::string next_page_token;  // empty on the last page
};

inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;

// `request` must have string field page_token and int32 field page_size.
// INVALID_ARGUMENT for a negative page_size or a malformed or foreign token.
absl::StatusOr<PageWindow> ComputePage(const google::protobuf::Message& request, size_t total);

// Pages `items` for `request`: calls `emit` on each item of the window and
// fills `page` (a v1::PageInfo; a template parameter so that this header, linked into the
// page-token fuzz target, needs no generated code).
template <typename T, typename Page, typename Emit>
absl::Status EmitPage(const google::protobuf::Message& request, const std::vector<T>& items, Page* page, Emit emit) {
  auto window = ComputePage(request, items.size());
  if (!window.ok()) return window.status();
  for (size_t i = window->begin; i < window->end; ++i) emit(items[i]);
  page->set_next_page_token(window->next_page_token);
  page->set_total_size(static_cast<int32_t>(items.size()));
  return absl::OkStatus();
}

}  // namespace ttpgraph
