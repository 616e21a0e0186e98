#include "common/bad_request.h"

#include <deque>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/logging.h"
#include "grpcpp/server_context.h"

namespace chibo {
namespace {

namespace gpb = google::protobuf;

constexpr absl::string_view kUtf8Prefix = "String field '";
constexpr absl::string_view kUtf8Parsing =
    "' contains invalid UTF-8 data when parsing";

// The slot a request's parse reports into; see bad_request.h.
struct Utf8Slot {
  bool open = false;
  std::string field;  // full name of the refused field
};
thread_local Utf8Slot utf8_slot;

void ProtobufLogHandler(gpb::LogLevel level, const char* filename, int line,
                        const std::string& message) {
  absl::string_view text = message;
  if (utf8_slot.open && absl::ConsumePrefix(&text, kUtf8Prefix)) {
    const size_t end = text.find(kUtf8Parsing);
    if (end != absl::string_view::npos) {
      // A client's mistake, reported to it and logged as an rpc line.
      utf8_slot.field = std::string(text.substr(0, end));
      return;
    }
  }
  LogLevel ours = LogLevel::kError;
  switch (level) {
    case gpb::LOGLEVEL_INFO:
      ours = LogLevel::kInfo;
      break;
    case gpb::LOGLEVEL_WARNING:
      ours = LogLevel::kWarning;
      break;
    default:
      break;
  }
  Log(ours, "protobuf",
      {{"detail", message},
       {"file", filename},
       {"line", static_cast<int64_t>(line)}});
}

// The request type of "/pkg.Service/Method", or null.
const gpb::Descriptor* RequestTypeOf(absl::string_view method) {
  absl::ConsumePrefix(&method, "/");
  const gpb::MethodDescriptor* descriptor =
      gpb::DescriptorPool::generated_pool()->FindMethodByName(
          absl::StrReplaceAll(method, {{"/", "."}}));
  return descriptor == nullptr ? nullptr : descriptor->input_type();
}

class BadRequestInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BadRequestInterceptor(grpc::experimental::ServerRpcInfo* info)
      : info_(info),
        // Only these read their one request before any handler runs; a
        // streaming read that ends reports a null message too.
        request_first_(
            info->type() == grpc::experimental::ServerRpcInfo::Type::UNARY ||
            info->type() ==
                grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING) {
    // The sync server parses the request right after creating this, on
    // this thread.
    utf8_slot.open = request_first_;
    utf8_slot.field.clear();
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (request_first_ && methods->QueryInterceptionHookPoint(
                              InterceptionHookPoints::POST_RECV_MESSAGE)) {
      request_first_ = false;
      if (methods->GetRecvMessage() == nullptr) {
        unparsed_ = true;
        utf8_field_ = std::move(utf8_slot.field);
      }
      utf8_slot.open = false;
      utf8_slot.field.clear();
    }
    if (unparsed_ && methods->QueryInterceptionHookPoint(
                         InterceptionHookPoints::PRE_SEND_STATUS)) {
      // No handler ran, so nothing else can have set this status.
      const grpc::Status status = methods->GetSendStatus();
      if (status.error_code() == grpc::StatusCode::INTERNAL) {
        const std::string message =
            DescribeUnparsedRequest(info_->method(), utf8_field_);
        methods->ModifySendStatus(
            grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message));
        const std::string peer = info_->server_context() != nullptr
                                     ? info_->server_context()->peer()
                                     : "";
        Log(LogLevel::kInfo, "rpc",
            {{"method", absl::StripPrefix(info_->method(), "/")},
             {"code", "INVALID_ARGUMENT"},
             {"peer", peer},
             {"error", message}});
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  bool request_first_;
  bool unparsed_ = false;
  std::string utf8_field_;
};

class BadRequestInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new BadRequestInterceptor(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewBadRequestInterceptorFactory() {
  InstallProtobufLogHandler();
  return std::make_unique<BadRequestInterceptorFactory>();
}

void InstallProtobufLogHandler() {
  static const bool installed = [] {
    gpb::SetLogHandler(&ProtobufLogHandler);
    return true;
  }();
  (void)installed;
}

std::string FieldPathIn(absl::string_view request_type,
                        absl::string_view full_field_name) {
  const gpb::DescriptorPool* pool = gpb::DescriptorPool::generated_pool();
  const gpb::Descriptor* root =
      pool->FindMessageTypeByName(std::string(request_type));
  const gpb::FieldDescriptor* target =
      pool->FindFieldByName(std::string(full_field_name));
  if (root == nullptr || target == nullptr) {
    return std::string(full_field_name);
  }
  // Breadth first, so the shortest path wins; each type is visited once.
  std::deque<std::pair<const gpb::Descriptor*, std::string>> queue = {
      {root, ""}};
  std::set<const gpb::Descriptor*> seen = {root};
  while (!queue.empty()) {
    auto [type, prefix] = std::move(queue.front());
    queue.pop_front();
    if (type == target->containing_type()) {
      return absl::StrCat(prefix, target->name());
    }
    for (int i = 0; i < type->field_count(); ++i) {
      const gpb::FieldDescriptor* field = type->field(i);
      const gpb::Descriptor* inner = field->message_type();
      if (inner != nullptr && seen.insert(inner).second) {
        queue.emplace_back(inner, absl::StrCat(prefix, field->name(), "."));
      }
    }
  }
  return std::string(full_field_name);
}

std::string DescribeUnparsedRequest(absl::string_view method,
                                    absl::string_view utf8_field) {
  const gpb::Descriptor* request = RequestTypeOf(method);
  if (!utf8_field.empty()) {
    const std::string path = request != nullptr
                                 ? FieldPathIn(request->full_name(), utf8_field)
                                 : std::string(utf8_field);
    return absl::StrCat(path,
                        ": is not valid UTF-8; every string field must hold "
                        "UTF-8 text (use a bytes field for raw bytes)");
  }
  return absl::StrCat(
      "request is not valid: it does not parse as ",
      request != nullptr ? request->full_name() : "the method's request",
      " (malformed or truncated protocol buffer)");
}

}  // namespace chibo
