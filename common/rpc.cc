#include "common/rpc.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/metrics.h"

namespace chibo {
namespace {

std::string RequestIdOf(const google::protobuf::Message& request) {
  const google::protobuf::FieldDescriptor* field =
      request.GetDescriptor()->FindFieldByName("request_id");
  if (field == nullptr ||
      field->type() != google::protobuf::FieldDescriptor::TYPE_STRING ||
      field->is_repeated()) {
    return "";
  }
  return request.GetReflection()->GetString(request, field);
}

absl::string_view CodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "OK";
    case absl::StatusCode::kCancelled:
      return "CANCELLED";
    case absl::StatusCode::kUnknown:
      return "UNKNOWN";
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case absl::StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case absl::StatusCode::kNotFound:
      return "NOT_FOUND";
    case absl::StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case absl::StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case absl::StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case absl::StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case absl::StatusCode::kAborted:
      return "ABORTED";
    case absl::StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case absl::StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case absl::StatusCode::kInternal:
      return "INTERNAL";
    case absl::StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case absl::StatusCode::kDataLoss:
      return "DATA_LOSS";
    case absl::StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

}  // namespace

absl::StatusOr<Caller> InsecureDevAuthorizer::Admit(
    const grpc::ServerContext&, absl::string_view,
    const google::protobuf::Message&) const {
  return Caller{"dev:insecure", "system_admin", "*", "", {}, {}};
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

RpcGate::RpcGate(const Authorizer* authorizer, absl::Duration max_deadline)
    : authorizer_(authorizer), max_deadline_(max_deadline) {}

grpc::Status RpcGate::Serve(
    grpc::ServerContext* context, absl::string_view method,
    const google::protobuf::Message& request,
    const std::function<absl::Status(const CallContext&)>& body) const {
  const absl::Time start = absl::Now();
  RpcStarted(method);
  CallContext call;
  call.method = std::string(method);
  call.request_id = RequestIdOf(request);
  call.deadline =
      std::min(absl::FromChrono(context->deadline()), start + max_deadline_);
  absl::Status status;
  try {
    absl::StatusOr<Caller> caller =
        authorizer_->Admit(*context, method, request);
    if (caller.ok()) {
      call.caller = *std::move(caller);
      status = body(call);
    } else {
      status = caller.status();
    }
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "unhandled exception",
        {{"method", method}, {"detail", e.what()}});
    status = absl::InternalError("internal error; the incident was logged");
  } catch (...) {
    // Not a std::exception: uncaught, gRPC would answer UNKNOWN and the call
    // would miss its access-log line.
    Log(LogLevel::kError, "unhandled exception",
        {{"method", method}, {"detail", "not a std::exception"}});
    status = absl::InternalError("internal error; the incident was logged");
  }
  if (context->IsCancelled() && status.ok()) {
    status = absl::CancelledError("the call was cancelled");
  }
  const absl::Duration latency = absl::Now() - start;
  RpcFinished(method, CodeName(status.code()), latency);
  Log(status.ok() || status.code() != absl::StatusCode::kInternal
          ? LogLevel::kInfo
          : LogLevel::kError,
      "rpc",
      {{"method", method},
       {"code", CodeName(status.code())},
       {"latency_ms", absl::ToDoubleMilliseconds(latency)},
       {"request_id", call.request_id},
       {"subject", call.caller.subject},
       {"peer", context->peer()},
       {"error", status.message()}});
  return ToGrpcStatus(status);
}

}  // namespace chibo
