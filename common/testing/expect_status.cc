#include "common/testing/expect_status.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace chibo::testing {

void ExpectError(const grpc::Status& status, grpc::StatusCode code,
                 const std::string& fragment) {
  EXPECT_EQ(status.error_code(), code) << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), fragment))
      << "\"" << status.error_message() << "\" should mention \"" << fragment
      << "\"";
  for (const char* sql : {"SELECT", "INSERT", "UPDATE ", "DELETE FROM",
                          "syntax", "You have an error"}) {
    EXPECT_FALSE(absl::StrContains(status.error_message(), sql))
        << status.error_message();
  }
}

}  // namespace chibo::testing
