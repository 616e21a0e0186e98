#include "common/change_feed_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/feed_consumer.h"
#include "common/metrics.h"
#include "common/outbox.h"
#include "common/paging.h"
#include "common/status_macros.h"

namespace chibo {
namespace {

constexpr char kListMethod[] = "chibo.feed.v1.ChangeFeedService/ListChanges";
constexpr char kWatchMethod[] = "chibo.feed.v1.ChangeFeedService/WatchChanges";

absl::Status ValidateFeedRequest(int64_t after, absl::string_view subject) {
  if (after < 0) {
    return absl::InvalidArgumentError("after_sequence: must not be negative");
  }
  if (subject.size() > 255) {
    return absl::InvalidArgumentError("subject: at most 255 characters");
  }
  return absl::OkStatus();
}

}  // namespace

ChangeFeedService::ChangeFeedService(MysqlPool* pool, const RpcGate* gate,
                                     VisibilityCheck visible, int max_watchers,
                                     absl::Duration poll_interval)
    : pool_(pool),
      gate_(gate),
      visible_(std::move(visible)),
      max_watchers_(max_watchers),
      poll_interval_(poll_interval) {}

absl::Status ChangeFeedService::ReadChanges(
    const CallContext& call, int64_t after, absl::string_view subject,
    int limit, chibo::feed::v1::ListChangesResponse* out) {
  RETURN_IF_ERROR(
      ReadOutbox(*pool_, call.deadline, after, subject, limit, out));
  if (!visible_) return absl::OkStatus();
  auto* changes = out->mutable_changes();
  changes->erase(std::remove_if(changes->begin(), changes->end(),
                                [&](const chibo::feed::v1::Change& change) {
                                  return !visible_(call.caller,
                                                   OrganizationIdOf(change));
                                }),
                 changes->end());
  return absl::OkStatus();
}

grpc::Status ChangeFeedService::ListChanges(
    grpc::ServerContext* context,
    const chibo::feed::v1::ListChangesRequest* request,
    chibo::feed::v1::ListChangesResponse* response) {
  return gate_->Serve(
      context, kListMethod, *request,
      [&](const CallContext& call) -> absl::Status {
        RETURN_IF_ERROR(
            ValidateFeedRequest(request->after_sequence(), request->subject()));
        ASSIGN_OR_RETURN(int limit,
                         NormalizePageSize(request->page_size(), 100, 1000));
        return ReadChanges(call, request->after_sequence(), request->subject(),
                           limit, response);
      });
}

grpc::Status ChangeFeedService::WatchChanges(
    grpc::ServerContext* context,
    const chibo::feed::v1::WatchChangesRequest* request,
    grpc::ServerWriter<chibo::feed::v1::WatchChangesResponse>* writer) {
  return gate_->Serve(
      context, kWatchMethod, *request,
      [&](const CallContext& call) -> absl::Status {
        RETURN_IF_ERROR(
            ValidateFeedRequest(request->after_sequence(), request->subject()));
        if (watchers_.fetch_add(1) >= max_watchers_) {
          watchers_.fetch_sub(1);
          RpcRefused(kWatchMethod, "streams");
          return absl::ResourceExhaustedError(
              "too many open WatchChanges streams; use ListChanges or retry "
              "later");
        }
        int64_t after = request->after_sequence();
        absl::Status status;
        while (!context->IsCancelled() && !ending_.HasBeenNotified()) {
          CallContext page_call = call;
          // Each poll gets a short deadline of its own: the stream itself
          // may last for hours.
          page_call.deadline = absl::Now() + absl::Seconds(10);
          chibo::feed::v1::ListChangesResponse page;
          status = ReadChanges(page_call, after, request->subject(),
                               kFeedPageSize, &page);
          if (!status.ok()) break;
          bool write_failed = false;
          for (const auto& change : page.changes()) {
            chibo::feed::v1::WatchChangesResponse message;
            *message.mutable_change() = change;
            if (!writer->Write(message)) {
              write_failed = true;
              break;
            }
          }
          if (write_failed) break;
          after = page.last_sequence();
          if (page.changes_size() == 0) {
            ending_.WaitForNotificationWithTimeout(poll_interval_);
          }
        }
        watchers_.fetch_sub(1);
        if (status.ok() && ending_.HasBeenNotified() &&
            !context->IsCancelled()) {
          status = absl::UnavailableError(absl::StrCat(
              "the server is shutting down; resume with after_sequence=", after,
              " on another replica"));
        }
        return status;
      });
}

}  // namespace chibo
