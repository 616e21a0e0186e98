#ifndef CHIBO_COMMON_TESTING_EXPECT_STATUS_H_
#define CHIBO_COMMON_TESTING_EXPECT_STATUS_H_

#include <string>

#include "grpcpp/grpcpp.h"

namespace chibo::testing {

// Expects `status` to carry `code` and mention `fragment` (the field or
// resource it names), and never any SQL.
void ExpectError(const grpc::Status& status, grpc::StatusCode code,
                 const std::string& fragment);

}  // namespace chibo::testing

#endif  // CHIBO_COMMON_TESTING_EXPECT_STATUS_H_
