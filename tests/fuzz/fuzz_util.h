// Shared by the libFuzzer targets in tests/fuzz: the bytes as text, and
// invariant checks whose failure libFuzzer reports as a crash (with the input).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace ttpgraph::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

[[noreturn]] inline void Fail(const char* file, int line, const char* what, const std::string& detail) {
  fprintf(stderr, "%s:%d: invariant failed: %s %s\n", file, line, what, detail.c_str());
  abort();
}

// A parser refuses bad bytes with one of `codes` and a message a person can read.
inline void CheckRefusal(const absl::Status& s, std::initializer_list<absl::StatusCode> codes, const char* file,
                         int line) {
  bool known = false;
  for (auto c : codes) known |= s.code() == c;
  if (!known || s.message().empty()) Fail(file, line, "unexpected status", s.ToString());
}

}  // namespace ttpgraph::fuzz

#define FUZZ_CHECK(cond) \
  ((cond) ? void() : ::ttpgraph::fuzz::Fail(__FILE__, __LINE__, #cond, ""))
#define FUZZ_CHECK_EQ(a, b) \
  (((a) == (b)) ? void() : ::ttpgraph::fuzz::Fail(__FILE__, __LINE__, #a " == " #b, ""))
// Parsers of user bytes: INVALID_ARGUMENT for malformed input, RESOURCE_EXHAUSTED past a limit.
#define FUZZ_CHECK_INPUT_ERROR(status)                                                                      \
  ::ttpgraph::fuzz::CheckRefusal(status, {absl::StatusCode::kInvalidArgument, absl::StatusCode::kResourceExhausted}, \
                                 __FILE__, __LINE__)
// Decoders of stored records: DATA_LOSS.
#define FUZZ_CHECK_DATA_LOSS(status) \
  ::ttpgraph::fuzz::CheckRefusal(status, {absl::StatusCode::kDataLoss}, __FILE__, __LINE__)
