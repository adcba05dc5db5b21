// GoogleTest matchers for absl::Status, absl::StatusOr and grpc::Status.
//
//   EXPECT_THAT(store->GetRelease(id), StatusIs(absl::StatusCode::kNotFound));
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("objects[2]")));
//   ASSERT_OK(status);  ASSERT_OK_AND_ASSIGN(auto v, statusor);
#pragma once

#include <gmock/gmock.h>
#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ttpgraph::testing {

inline absl::Status ToStatus(const absl::Status& s) { return s; }
template <typename T>
absl::Status ToStatus(const absl::StatusOr<T>& s) { return s.status(); }
inline absl::Status ToStatus(const grpc::Status& s) {
  return s.ok() ? absl::OkStatus() : absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  absl::Status s = ToStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher, "has status code " + absl::StatusCodeToString(code)) {
  absl::Status s = ToStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(s.message()), result_listener);
}

MATCHER(IsOk, "is OK") {
  absl::Status s = ToStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.ok();
}

}  // namespace ttpgraph::testing

#define ASSERT_OK(expr) ASSERT_THAT(expr, ::ttpgraph::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT(expr, ::ttpgraph::testing::IsOk())
#define TTP_TEST_CONCAT_INNER(a, b) a##b
#define TTP_TEST_CONCAT(a, b) TTP_TEST_CONCAT_INNER(a, b)
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                   \
  auto TTP_TEST_CONCAT(_statusor_, __LINE__) = (expr);                    \
  ASSERT_OK(TTP_TEST_CONCAT(_statusor_, __LINE__));                       \
  lhs = std::move(*TTP_TEST_CONCAT(_statusor_, __LINE__))
