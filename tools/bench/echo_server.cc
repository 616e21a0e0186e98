// chibo-echo-server: the benchmark's baseline. It is started through
// chibo::StartServer() and every handler runs through chibo::RpcGate::Serve,
// exactly like a real service's handler (thread quota, health, reflection,
// admission, access log), so the ratio registry/echo isolates the database
// work.
//
//   chibo-echo-server [--port=0] [--port_file=PATH] [--max_threads=32]
//                     [--log_level=info]
//
// SIGTERM or SIGINT drain and stop it.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/log.h"
#include "common/rpc.h"
#include "common/server.h"
#include "echo.grpc.pb.h"

namespace chibo {
namespace bench {
namespace {

constexpr char kUsage[] =
    "usage: chibo-echo-server [--port=0] [--port_file=PATH] "
    "[--max_threads=32] [--log_level=debug|info|warning|error]\n";

class EchoServiceImpl final : public v1::EchoService::Service {
 public:
  explicit EchoServiceImpl(const RpcGate* gate) : gate_(gate) {}

  grpc::Status Echo(grpc::ServerContext* context,
                    const v1::EchoRequest* request,
                    v1::EchoResponse* response) override {
    return gate_->Serve(context, "chibo.bench.v1.EchoService/Echo", *request,
                        [&](const CallContext&) {
                          response->set_message(request->message());
                          return absl::OkStatus();
                        });
  }

 private:
  const RpcGate* gate_;
};

struct Options {
  int port = 0;
  std::string port_file;
  int max_threads = 32;
  LogLevel log_level = LogLevel::kInfo;
};

[[noreturn]] void BadArgs(const std::string& why) {
  std::fprintf(stderr, "chibo-echo-server: %s\n%s", why.c_str(), kUsage);
  std::exit(2);
}

// Accepts "--name=value" and "--name value".
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
    if (name == "port") {
      if (!absl::SimpleAtoi(value, &options.port) || options.port < 0 ||
          options.port > 65535) {
        BadArgs("--port must be 0..65535");
      }
    } else if (name == "port_file") {
      options.port_file = value;
    } else if (name == "max_threads") {
      if (!absl::SimpleAtoi(value, &options.max_threads) ||
          options.max_threads < 2) {
        BadArgs("--max_threads must be an integer >= 2");
      }
    } else if (name == "log_level") {
      if (!ParseLogLevel(value, &options.log_level)) {
        BadArgs("--log_level must be debug, info, warning or error");
      }
    } else {
      BadArgs(absl::StrCat("unknown flag --", name));
    }
  }
  return options;
}

int Main(int argc, char** argv) {
  // Before any thread exists, so every gRPC thread inherits the mask.
  BlockTerminationSignals();
  const Options options = ParseArgs(argc, argv);
  SetMinLogLevel(options.log_level);

  InsecureDevAuthorizer authorizer;
  RpcGate gate(&authorizer);
  EchoServiceImpl service(&gate);

  ServerOptions server_options;
  server_options.listen_address = absl::StrCat("0.0.0.0:", options.port);
  server_options.port_file = options.port_file;
  server_options.max_threads = options.max_threads;
  const absl::Status status = RunServerUntilSignal(server_options, {&service});
  if (!status.ok()) {
    Log(LogLevel::kError, "server failed", {{"error", status.message()}});
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace chibo

int main(int argc, char** argv) { return chibo::bench::Main(argc, argv); }
