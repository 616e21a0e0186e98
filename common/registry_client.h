#ifndef CHIBO_COMMON_REGISTRY_CLIENT_H_
#define CHIBO_COMMON_REGISTRY_CLIENT_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "chibo/feed/v1/feed.grpc.pb.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "common/auth/service_identity.h"
#include "common/rpc.h"

namespace chibo {

// How a service asks the registry the questions it needs at write time
// ("is this a cell?", "who are its members on that day?"). Every call runs
// as the service's own identity on behalf of the original caller, within
// the caller's deadline; UNAVAILABLE is retried a few times with a short
// backoff and then returned as UNAVAILABLE ("registry unavailable: ..."),
// so writes that need the registry fail fast while it is down. An attempt
// the registry leaves unanswered is not retried (a hung peer will not answer
// the next one either) and opens the circuit for a few seconds; running out
// of the caller's own deadline is DEADLINE_EXCEEDED and opens nothing.
class RegistryClient {
 public:
  struct Options {
    int attempts = 3;
    absl::Duration attempt_timeout = absl::Seconds(2);
    absl::Duration backoff = absl::Milliseconds(50);
    // After the registry failed to answer, calls fail at once for this
    // long instead of each waiting out its deadline (a circuit breaker):
    // callers with a local fallback answer quickly while it is down.
    absl::Duration open_circuit_for = absl::Seconds(3);
  };

  // `identity` may be null (--insecure_dev): calls then carry no token.
  RegistryClient(std::shared_ptr<grpc::Channel> channel,
                 const auth::ServiceIdentity* identity, Options options);
  RegistryClient(std::shared_ptr<grpc::Channel> channel,
                 const auth::ServiceIdentity* identity)
      : RegistryClient(std::move(channel), identity, Options()) {}

  // The path from the province root down to `organization` on `as_of`.
  absl::StatusOr<registry::v1::OrganizationAncestry> Ancestry(
      const CallContext& call, int64_t organization, absl::CivilDay as_of);

  // `organization` and every organisation below it today (all pages).
  absl::StatusOr<std::vector<registry::v1::Organization>> Subtree(
      const CallContext& call, int64_t organization);

  // The members of `cell` on `day` with their status then (all pages).
  absl::StatusOr<std::vector<registry::v1::CellMember>> CellMembers(
      const CallContext& call, int64_t cell, absl::CivilDay day);

  // The registry's change feed after `after` (for caches of the tree).
  absl::StatusOr<feed::v1::ListChangesResponse> ListChanges(
      const CallContext& call, int64_t after, int page_size);

  // A call context for work the service does by itself (cache refreshes):
  // the service's own subject and a deadline `timeout` from now.
  CallContext BackgroundCall(absl::Duration timeout) const;

 private:
  template <typename Request, typename Response, typename Method>
  absl::Status Invoke(const CallContext& call, const Request& request,
                      Response* response, Method method) const;

  std::unique_ptr<registry::v1::RegistryService::Stub> registry_;
  std::unique_ptr<feed::v1::ChangeFeedService::Stub> feed_;
  const auth::ServiceIdentity* identity_;
  Options options_;
  mutable std::mutex mu_;
  mutable absl::Time circuit_open_until_ = absl::InfinitePast();
};

}  // namespace chibo

#endif  // CHIBO_COMMON_REGISTRY_CLIENT_H_
