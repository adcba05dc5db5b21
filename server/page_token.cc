#include "server/page_token.h"

#include <memory>

#include "storage/strings.h"

namespace ttpgraph {
namespace {

uint64_t Fingerprint(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  const auto* d = copy->GetDescriptor();
  const auto* r = copy->GetReflection();
  for (const char* f : {"page_token", "page_size"})
    if (const auto* field = d->FindFieldByName(f)) r->ClearField(copy.get(), field);
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&coded);
  }
  bytes += d->full_name();
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

absl::StatusOr<PageWindow> ComputePage(const google::protobuf::Message& request, size_t total) {
  const auto* d = request.GetDescriptor();
  const auto* r = request.GetReflection();
  int page_size = r->GetInt32(request, d->FindFieldByName("page_size"));
  std::string token = r->GetString(request, d->FindFieldByName("page_token"));
  if (page_size < 0) return absl::InvalidArgumentError(Cat("page_size must not be negative (got ", page_size, ")"));
  if (page_size == 0) page_size = kDefaultPageSize;
  if (page_size > kMaxPageSize) page_size = kMaxPageSize;
  const uint64_t fp = Fingerprint(request);
  size_t offset = 0;
  if (!token.empty()) {
    auto dot = token.find('.');
    uint64_t token_fp = 0;
    if (dot == std::string::npos ||
        std::from_chars(token.data(), token.data() + dot, token_fp, 16).ec != std::errc() ||
        !ParseNumber(std::string_view(token).substr(dot + 1), &offset))
      return absl::InvalidArgumentError(Cat("page_token '", token, "' is malformed"));
    if (token_fp != fp)
      return absl::InvalidArgumentError(
          "page_token was issued for a different query (release, filters or ids changed); start again without it");
    if (offset > total) return absl::InvalidArgumentError("page_token points past the end of the results");
  }
  PageWindow w;
  w.begin = offset;
  w.end = std::min(total, offset + static_cast<size_t>(page_size));
  if (w.end < total) {
    char buf[32];
    snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(fp));
    w.next_page_token = Cat(buf, ".", w.end);
  }
  return w;
}

}  // namespace ttpgraph
