// TTP_ASSIGN_OR_RETURN(lhs, expr): evaluates an absl::StatusOr expression,
// returns its status from the enclosing function when not ok, else assigns
// (moves) the value to `lhs` (a declaration or an lvalue).
//
//   TTP_ASSIGN_OR_RETURN(Organization o, orgs.GetOrg(id));
#pragma once

#define TTP_ASSIGN_OR_RETURN(lhs, expr)                                             \
  auto TTP_CONCAT(_st_, __LINE__) = (expr);                                         \
  if (!TTP_CONCAT(_st_, __LINE__).ok()) return TTP_CONCAT(_st_, __LINE__).status(); \
  lhs = std::move(*TTP_CONCAT(_st_, __LINE__))
#define TTP_CONCAT_INNER(a, b) a##b
#define TTP_CONCAT(a, b) TTP_CONCAT_INNER(a, b)
