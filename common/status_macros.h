#ifndef CHIBO_COMMON_STATUS_MACROS_H_
#define CHIBO_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Abseil 20220623 ships no status macros; these are the usual two.

#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    const absl::Status chibo_status_ = (expr);     \
    if (!chibo_status_.ok()) return chibo_status_; \
  } while (false)

#define CHIBO_STATUS_CONCAT_INNER_(a, b) a##b
#define CHIBO_STATUS_CONCAT_(a, b) CHIBO_STATUS_CONCAT_INNER_(a, b)

#define ASSIGN_OR_RETURN(lhs, rexpr) \
  CHIBO_ASSIGN_OR_RETURN_IMPL_(      \
      CHIBO_STATUS_CONCAT_(chibo_statusor_, __LINE__), lhs, rexpr)

#define CHIBO_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return statusor.status();            \
  lhs = std::move(statusor).value()

#endif  // CHIBO_COMMON_STATUS_MACROS_H_
