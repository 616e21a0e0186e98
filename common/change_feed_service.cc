#include "common/change_feed_service.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/paging.h"
#include "common/sql_time.h"
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
  out->set_last_sequence(after);
  return WithConnection(
      *pool_, call.deadline, "reading the change feed", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        // Two fixed statements rather than a composed one: with and
        // without the subject filter.
        sql::PreparedStatement& query =
            subject.empty()
                ? db.Prepare(
                      "SELECT sequence, event_time, subject, role, "
                      "on_behalf_of, request_id, method, resource, action, "
                      "organization_id, payload_json FROM outbox "
                      "WHERE sequence > ? ORDER BY sequence LIMIT ?")
                : db.Prepare(
                      "SELECT sequence, event_time, subject, role, "
                      "on_behalf_of, request_id, method, resource, action, "
                      "organization_id, payload_json FROM outbox "
                      "WHERE sequence > ? AND subject = ? "
                      "ORDER BY sequence LIMIT ?");
        int index = 1;
        query.setInt64(index++, after);
        if (!subject.empty()) query.setString(index++, std::string(subject));
        query.setInt(index, limit);
        std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
        while (rows->next()) {
          const int64_t sequence = rows->getInt64(1);
          out->set_last_sequence(sequence);
          const int64_t organization =
              rows->isNull(10) ? 0 : rows->getInt64(10);
          if (visible_ && !visible_(call.caller, organization)) continue;
          chibo::feed::v1::Change* change = out->add_changes();
          change->set_sequence(sequence);
          *change->mutable_event_time() = SqlToTimestamp(rows->getString(2));
          change->set_subject(rows->getString(3));
          change->set_role(rows->getString(4));
          change->set_on_behalf_of(rows->getString(5));
          change->set_request_id(rows->getString(6));
          change->set_method(rows->getString(7));
          change->set_resource(rows->getString(8));
          change->set_action(rows->getString(9));
          if (organization > 0) {
            change->set_organization(
                absl::StrCat("organizations/", organization));
          }
          change->set_payload_json(rows->getString(11));
        }
        return absl::OkStatus();
      });
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
          return absl::ResourceExhaustedError(
              "too many open WatchChanges streams; use ListChanges or retry "
              "later");
        }
        int64_t after = request->after_sequence();
        absl::Status status;
        while (!context->IsCancelled()) {
          CallContext page_call = call;
          // Each poll gets a short deadline of its own: the stream itself
          // may last for hours.
          page_call.deadline = absl::Now() + absl::Seconds(10);
          chibo::feed::v1::ListChangesResponse page;
          status =
              ReadChanges(page_call, after, request->subject(), 500, &page);
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
          if (page.changes_size() == 0) absl::SleepFor(poll_interval_);
        }
        watchers_.fetch_sub(1);
        return status;
      });
}

}  // namespace chibo
