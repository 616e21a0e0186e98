// chibo-loadgen: a closed-loop load generator for any unary gRPC method.
//
//   chibo-loadgen --target=127.0.0.1:PORT
//                 [--method=/chibo.bench.v1.EchoService/Echo]
//                 [--request_json='{"message":"hi"}']
//                 [--request_type=chibo.bench.v1.EchoRequest]
//                 [--header='authorization: Bearer X']...
//                 [--concurrency=32] [--channels=N] [--duration=10s]
//                 [--warmup=1s] [--deadline_ms=5000]
//                 [--unique_fields=request_id,organization.external_code]
//                 [--id_style=random|time]
//
// --unique_fields gives each call fresh values for those string fields (dotted
// paths into the request): random hex (UUIDv4 style) or, with
// --id_style=time, ids that grow with the clock (UUIDv7/ULID style), as
// integrations make request_ids. The values are appended to the serialized
// request as an overlay, which protobuf parsing merges over the base.
//
// Each of --concurrency threads issues one call at a time and waits for it
// (closed loop). Calls go through grpc::GenericStub with the request
// serialized once, so no stubs of the target service are needed; the request
// is parsed from --request_json into a message of --request_type (by default
// the method's input type), found among the descriptors linked into this
// binary (the registry, scheduling and bench protos).
//
// Channels: the threads share --channels channels (default one per 8
// threads, rounded up), thread i using channel i % channels. Every channel
// has GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL set, so each is its own HTTP/2
// connection rather than all of them sharing one.
//
// A call is an error when its gRPC status is not OK. Calls that start during
// --warmup are not measured, but their errors are counted apart. The result
// is one JSON line on stdout:
//   {"method","calls","errors","error_codes":{"NOT_FOUND":3},"seconds",
//    "qps","p50_ms","p90_ms","p99_ms","max_ms","warmup_errors"}
// where calls counts every completed call, qps counts OK calls only (an error
// storm cannot look fast) and the latency percentiles cover every call. The
// first message of each error code goes to stderr, and so does the first
// warm-up error. Exit status: 0 after a
// run (even with errors), 2 on bad arguments.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "chibo/registry/v1/registry.pb.h"
#include "chibo/scheduling/v1/scheduling.pb.h"
#include "echo.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace chibo {
namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kUsage[] =
    "usage: chibo-loadgen --target=HOST:PORT "
    "[--method=/pkg.Service/Method] [--request_json=JSON] "
    "[--request_type=pkg.Message] [--header='key: value']... "
    "[--concurrency=32] [--channels=N] [--duration=10s] [--warmup=1s] "
    "[--deadline_ms=5000] [--unique_fields=a,b.c] [--id_style=random|time]\n";

struct Options {
  std::string target;
  std::string method = "/chibo.bench.v1.EchoService/Echo";
  std::string request_json = "{}";
  std::string request_type;
  std::vector<std::pair<std::string, std::string>> headers;
  int concurrency = 32;
  int channels = 0;  // 0: one per 8 threads
  absl::Duration duration = absl::Seconds(10);
  absl::Duration warmup = absl::Seconds(1);
  int deadline_ms = 5000;
  std::vector<std::string> unique_fields;
  bool time_ordered_ids = false;
  // The field numbers along each of unique_fields (filled by BuildRequest).
  std::vector<std::vector<int>> unique_paths;
};

[[noreturn]] void BadArgs(const std::string& why) {
  std::fprintf(stderr, "chibo-loadgen: %s\n%s", why.c_str(), kUsage);
  std::exit(2);
}

// "10s", "500ms", "1m", or a bare number of seconds ("2", "0.5").
bool ParseDurationFlag(absl::string_view text, absl::Duration* out) {
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds)) {
    if (!std::isfinite(seconds)) return false;
    *out = absl::Seconds(seconds);
    return true;
  }
  return absl::ParseDuration(text, out);
}

Options ParseArgs(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (!absl::StartsWith(arg, "--")) BadArgs(absl::StrCat("unexpected ", arg));
    arg.remove_prefix(2);
    std::string name;
    std::string value;
    const size_t eq = arg.find('=');
    if (eq != absl::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
    } else {
      name = std::string(arg);
      if (i + 1 >= argc) BadArgs(absl::StrCat("--", name, " needs a value"));
      value = argv[++i];
    }
    if (name == "target") {
      options.target = value;
    } else if (name == "method") {
      options.method = value;
    } else if (name == "request_json") {
      options.request_json = value;
    } else if (name == "request_type") {
      options.request_type = value;
    } else if (name == "header") {
      const size_t colon = value.find(':');
      if (colon == std::string::npos || colon == 0) {
        BadArgs("--header must be 'key: value'");
      }
      std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(
          absl::string_view(value).substr(0, colon)));
      std::string val(absl::StripAsciiWhitespace(
          absl::string_view(value).substr(colon + 1)));
      options.headers.emplace_back(std::move(key), std::move(val));
    } else if (name == "concurrency") {
      if (!absl::SimpleAtoi(value, &options.concurrency) ||
          options.concurrency < 1 || options.concurrency > 10000) {
        BadArgs("--concurrency must be 1..10000");
      }
    } else if (name == "channels") {
      if (!absl::SimpleAtoi(value, &options.channels) || options.channels < 1) {
        BadArgs("--channels must be >= 1");
      }
    } else if (name == "duration") {
      if (!ParseDurationFlag(value, &options.duration) ||
          options.duration <= absl::ZeroDuration()) {
        BadArgs("--duration must be a positive duration such as 10s");
      }
    } else if (name == "warmup") {
      if (!ParseDurationFlag(value, &options.warmup) ||
          options.warmup < absl::ZeroDuration()) {
        BadArgs("--warmup must be a duration such as 1s or 0");
      }
    } else if (name == "deadline_ms") {
      if (!absl::SimpleAtoi(value, &options.deadline_ms) ||
          options.deadline_ms < 1) {
        BadArgs("--deadline_ms must be a positive integer");
      }
    } else if (name == "unique_fields") {
      options.unique_fields = absl::StrSplit(value, ',', absl::SkipEmpty());
    } else if (name == "id_style") {
      if (value != "random" && value != "time") {
        BadArgs("--id_style must be random or time");
      }
      options.time_ordered_ids = value == "time";
    } else {
      BadArgs(absl::StrCat("unknown flag --", name));
    }
  }
  if (options.target.empty()) BadArgs("--target is required");
  // "/pkg.Service/Method": exactly two slashes, the first leading.
  if (options.method.size() < 4 || options.method[0] != '/' ||
      std::count(options.method.begin(), options.method.end(), '/') != 2 ||
      options.method.back() == '/') {
    BadArgs("--method must be a full path such as /pkg.Service/Method");
  }
  if (options.channels == 0) options.channels = (options.concurrency + 7) / 8;
  options.channels = std::min(options.channels, options.concurrency);
  return options;
}

// The serialized request, from --request_json and --request_type (or the
// method's input type when the method's descriptor is linked in).
std::string BuildRequest(Options& options) {
  // Referencing one message of each linked proto file keeps the linker from
  // dropping their descriptors from the generated pool.
  (void)chibo::bench::v1::EchoRequest::descriptor();
  (void)chibo::registry::v1::GetOrganizationRequest::descriptor();
  (void)chibo::scheduling::v1::RecordMeetingRequest::descriptor();
  const google::protobuf::DescriptorPool* pool =
      google::protobuf::DescriptorPool::generated_pool();

  // "/pkg.Service/Method" -> "pkg.Service.Method".
  const std::string method_name =
      absl::StrReplaceAll(options.method.substr(1), {{"/", "."}});
  const google::protobuf::MethodDescriptor* method =
      pool->FindMethodByName(method_name);
  const google::protobuf::Descriptor* type = nullptr;
  if (!options.request_type.empty()) {
    type = pool->FindMessageTypeByName(options.request_type);
    if (type == nullptr) {
      BadArgs(absl::StrCat("unknown --request_type ", options.request_type,
                           " (not linked into chibo-loadgen)"));
    }
    if (method != nullptr && method->input_type() != type) {
      BadArgs(absl::StrCat(options.method, " takes ",
                           method->input_type()->full_name(), ", not ",
                           options.request_type));
    }
  } else if (method != nullptr) {
    type = method->input_type();
  } else {
    BadArgs(absl::StrCat("method ", options.method,
                         " is not linked in; pass --request_type"));
  }
  if (method != nullptr &&
      (method->client_streaming() || method->server_streaming())) {
    BadArgs(absl::StrCat(options.method, " is streaming; only unary works"));
  }

  google::protobuf::DynamicMessageFactory factory(pool);
  std::unique_ptr<google::protobuf::Message> request(
      factory.GetPrototype(type)->New());
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      options.request_json, request.get());
  if (!parsed.ok()) {
    BadArgs(absl::StrCat("--request_json is not a valid ", type->full_name(),
                         ": ", parsed.ToString()));
  }
  for (const std::string& path : options.unique_fields) {
    std::vector<int> numbers;
    const google::protobuf::Descriptor* message = type;
    const google::protobuf::FieldDescriptor* field = nullptr;
    for (absl::string_view part : absl::StrSplit(path, '.')) {
      if (message == nullptr) BadArgs(absl::StrCat(path, ": not a message"));
      field = message->FindFieldByName(std::string(part));
      if (field == nullptr || field->is_repeated()) {
        BadArgs(absl::StrCat("--unique_fields: no singular field ", path));
      }
      numbers.push_back(field->number());
      message = field->message_type();
    }
    if (field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
      BadArgs(absl::StrCat("--unique_fields: ", path, " is not a string"));
    }
    options.unique_paths.push_back(std::move(numbers));
  }
  std::string bytes;
  if (!request->SerializeToString(&bytes)) BadArgs("cannot serialize");
  return bytes;
}

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// A length-delimited field `numbers[depth..]` holding `value`, as bytes.
std::string EncodeOverlay(const std::vector<int>& numbers, size_t depth,
                          const std::string& value) {
  const std::string inner = depth + 1 == numbers.size()
                                ? value
                                : EncodeOverlay(numbers, depth + 1, value);
  std::string out;
  AppendVarint((static_cast<uint64_t>(numbers[depth]) << 3) | 2, &out);
  AppendVarint(inner.size(), &out);
  out += inner;
  return out;
}

// A fresh id for one call.
std::string NextId(bool time_ordered, std::mt19937_64& random) {
  static std::atomic<uint64_t> sequence{0};
  if (time_ordered) {
    const uint64_t micros =
        std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count();
    return absl::StrFormat("%014x-%06x-%08x", micros,
                           sequence.fetch_add(1) & 0xffffff,
                           static_cast<uint32_t>(random()));
  }
  return absl::StrFormat("%016x%016x", random(), random());
}

absl::string_view CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

// What one thread saw during the measured window.
struct ThreadResult {
  std::vector<int64_t> latencies_ns;  // every counted call, OK or not
  int64_t errors = 0;
  std::map<int, int64_t> error_codes;
  std::map<int, std::string> first_error;
  Clock::time_point last_finish{};
  int64_t warmup_errors = 0;
  std::string first_warmup_error;
};

void RunWorker(const Options& options, std::shared_ptr<grpc::Channel> channel,
               const grpc::Slice& request_slice,
               Clock::time_point measure_start, Clock::time_point measure_end,
               ThreadResult* result) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  std::mt19937_64 random(std::random_device{}());
  const std::string base_request(
      reinterpret_cast<const char*>(request_slice.begin()),
      request_slice.size());
  result->latencies_ns.reserve(1 << 16);
  const auto deadline = std::chrono::milliseconds(options.deadline_ms);
  while (true) {
    const Clock::time_point start = Clock::now();
    if (start >= measure_end) break;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + deadline);
    for (const auto& [key, value] : options.headers) {
      context.AddMetadata(key, value);
    }
    grpc::Slice unique_slice;
    if (!options.unique_paths.empty()) {
      // Every path gets the same fresh id: one request_id per call, and
      // codes that must be unique follow it.
      const std::string id = NextId(options.time_ordered_ids, random);
      std::string bytes = base_request;
      for (const auto& path : options.unique_paths) {
        bytes += EncodeOverlay(path, 0, id);
      }
      unique_slice = grpc::Slice(bytes);
    }
    grpc::ByteBuffer request(
        options.unique_paths.empty() ? &request_slice : &unique_slice, 1);
    grpc::ByteBuffer response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<grpc::ByteBuffer>> call =
        stub.PrepareUnaryCall(&context, options.method, request, &cq);
    call->StartCall();
    int tag = 0;
    call->Finish(&response, &status, &tag);
    void* got_tag = nullptr;
    bool ok = false;
    if (!cq.Next(&got_tag, &ok) || got_tag != &tag) {
      // Cannot happen with one call in flight; stop rather than miscount.
      std::fprintf(stderr, "chibo-loadgen: completion queue failure\n");
      break;
    }
    const Clock::time_point finish = Clock::now();
    if (start < measure_start) {  // warmup: not measured, errors counted
      if (!status.ok() && result->warmup_errors++ == 0) {
        result->first_warmup_error = absl::StrCat(CodeName(status.error_code()),
                                                  ": ", status.error_message());
      }
      continue;
    }
    result->latencies_ns.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(finish - start)
            .count());
    result->last_finish = finish;
    if (!status.ok()) {
      ++result->errors;
      const int code = static_cast<int>(status.error_code());
      if (result->error_codes[code]++ == 0) {
        result->first_error[code] = status.error_message();
      }
    }
  }
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
}

double Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank.
  size_t rank = static_cast<size_t>(std::ceil(p * sorted.size()));
  if (rank < 1) rank = 1;
  if (rank > sorted.size()) rank = sorted.size();
  return sorted[rank - 1] / 1e6;
}

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

int Main(int argc, char** argv) {
  Options options = ParseArgs(argc, argv);
  const std::string request_bytes = BuildRequest(options);
  const grpc::Slice request_slice(request_bytes);

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < options.channels; ++i) {
    grpc::ChannelArguments args;
    // Own subchannel, hence own TCP connection, per channel.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(16 * 1024 * 1024);
    args.SetMaxSendMessageSize(16 * 1024 * 1024);
    channels.push_back(grpc::CreateCustomChannel(
        options.target, grpc::InsecureChannelCredentials(), args));
  }
  // Connect before the clock starts; a failure shows up as UNAVAILABLE
  // errors in the result rather than as an exit status.
  const auto connect_deadline =
      std::chrono::system_clock::now() + std::chrono::seconds(5);
  for (size_t i = 0; i < channels.size(); ++i) {
    if (!channels[i]->WaitForConnected(connect_deadline)) {
      std::fprintf(stderr, "chibo-loadgen: channel %zu cannot connect to %s\n",
                   i, options.target.c_str());
    }
  }

  const Clock::time_point begin = Clock::now();
  const Clock::time_point measure_start =
      begin + absl::ToChronoNanoseconds(options.warmup);
  const Clock::time_point measure_end =
      measure_start + absl::ToChronoNanoseconds(options.duration);
  std::vector<ThreadResult> results(options.concurrency);
  std::vector<std::thread> threads;
  threads.reserve(options.concurrency);
  for (int i = 0; i < options.concurrency; ++i) {
    threads.emplace_back(
        RunWorker, std::cref(options), channels[i % channels.size()],
        std::cref(request_slice), measure_start, measure_end, &results[i]);
  }
  for (std::thread& thread : threads) thread.join();

  std::vector<int64_t> latencies;
  int64_t errors = 0;
  std::map<int, int64_t> error_codes;
  std::map<int, std::string> first_error;
  Clock::time_point last_finish = measure_start;
  int64_t warmup_errors = 0;
  std::string first_warmup_error;
  for (const ThreadResult& result : results) {
    warmup_errors += result.warmup_errors;
    if (first_warmup_error.empty()) {
      first_warmup_error = result.first_warmup_error;
    }
    latencies.insert(latencies.end(), result.latencies_ns.begin(),
                     result.latencies_ns.end());
    errors += result.errors;
    for (const auto& [code, count] : result.error_codes) {
      error_codes[code] += count;
    }
    for (const auto& [code, message] : result.first_error) {
      first_error.emplace(code, message);
    }
    last_finish = std::max(last_finish, result.last_finish);
  }
  std::sort(latencies.begin(), latencies.end());
  const int64_t calls = static_cast<int64_t>(latencies.size());
  // The window runs until the last counted call finished, which may be a
  // little after measure_end.
  double seconds =
      std::chrono::duration<double>(last_finish - measure_start).count();
  if (seconds <= 0) seconds = absl::ToDoubleSeconds(options.duration);
  const double qps = (calls - errors) / seconds;

  for (const auto& [code, message] : first_error) {
    std::fprintf(
        stderr, "chibo-loadgen: %s x%lld, first: %s\n",
        std::string(CodeName(static_cast<grpc::StatusCode>(code))).c_str(),
        static_cast<long long>(error_codes[code]), message.c_str());
  }

  if (warmup_errors > 0) {
    std::fprintf(stderr, "chibo-loadgen: warmup errors x%lld, first: %s\n",
                 static_cast<long long>(warmup_errors),
                 first_warmup_error.c_str());
  }

  std::string codes_json = "{";
  bool first = true;
  for (const auto& [code, count] : error_codes) {
    if (!first) codes_json += ",";
    first = false;
    absl::StrAppend(&codes_json,
                    JsonString(CodeName(static_cast<grpc::StatusCode>(code))),
                    ":", count);
  }
  codes_json += "}";
  std::printf(
      "{\"method\":%s,\"calls\":%lld,\"errors\":%lld,\"error_codes\":%s,"
      "\"seconds\":%.3f,\"qps\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
      "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"warmup_errors\":%lld}\n",
      JsonString(options.method).c_str(), static_cast<long long>(calls),
      static_cast<long long>(errors), codes_json.c_str(), seconds, qps,
      Percentile(latencies, 0.50), Percentile(latencies, 0.90),
      Percentile(latencies, 0.99), Percentile(latencies, 1.0),
      static_cast<long long>(warmup_errors));
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace chibo

int main(int argc, char** argv) { return chibo::bench::Main(argc, argv); }
