#include "common/flags.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"

ABSL_FLAG(int, port, 50051, "TCP port to serve gRPC on; 0 picks a free one.");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound port is written to this file once serving.");
ABSL_FLAG(int, max_threads, 32,
          "Most threads serving RPCs at once (each may hold a DB connection).");
ABSL_FLAG(int, shutdown_grace_seconds, 10,
          "On SIGTERM, how long in-flight calls get before being cancelled.");
ABSL_FLAG(absl::Duration, shutdown_drain, absl::Seconds(5),
          "On SIGTERM, how long readiness says NOT_SERVING while the port "
          "still takes calls (so endpoints update first), e.g. 5s; then "
          "streams end and the listener closes.");
ABSL_FLAG(std::string, db_host, "tcp://127.0.0.1:3306",
          "MySQL/MariaDB address: tcp://HOST:PORT or unix:///path/to/socket.");
ABSL_FLAG(std::string, db_user, "", "Database user (the service's own).");
ABSL_FLAG(std::string, db_password, "",
          "Database password; prefer --db_password_file.");
ABSL_FLAG(std::string, db_password_file, "",
          "File holding the database password (e.g. a mounted Secret).");
ABSL_FLAG(std::string, db_schema, "", "The service's own schema.");
ABSL_FLAG(int, db_pool_size, 16, "Most open database connections.");
ABSL_FLAG(int, db_write_group_max, 16,
          "Most calls that group commit (common/group_write.h) writes in one "
          "transaction; 1 writes every call in a transaction of its own.");
ABSL_FLAG(int, db_timeout_ms, 5000,
          "Connect/read/write timeout of a database call, in milliseconds.");
ABSL_FLAG(int, db_wait_seconds, 30,
          "At start, how long to wait for the database to accept connections.");
ABSL_FLAG(bool, migrate, true, "Apply pending schema migrations at start.");
ABSL_FLAG(bool, migrate_only, false,
          "Apply pending migrations and exit (for a Kubernetes Job).");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error.");

namespace chibo {
namespace {

[[noreturn]] void FailFlag(absl::string_view message) {
  std::cerr << "invalid configuration: " << message << "\n";
  std::exit(2);
}

void ApplyEnvironment() {
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const std::string env_name = EnvNameForFlag(std::string(name));
    const char* value = std::getenv(env_name.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      FailFlag(absl::StrCat(env_name, ": ", error));
    }
  }
}

void Validate() {
  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535) FailFlag("--port must be within 0..65535");
  if (absl::GetFlag(FLAGS_max_threads) < 2) {
    FailFlag("--max_threads must be at least 2");
  }
  if (absl::GetFlag(FLAGS_shutdown_grace_seconds) < 0) {
    FailFlag("--shutdown_grace_seconds must not be negative");
  }
  if (absl::GetFlag(FLAGS_shutdown_drain) < absl::ZeroDuration()) {
    FailFlag("--shutdown_drain must not be negative");
  }
  const int pool = absl::GetFlag(FLAGS_db_pool_size);
  if (pool < 1 || pool > 1000) FailFlag("--db_pool_size must be 1..1000");
  const int group = absl::GetFlag(FLAGS_db_write_group_max);
  if (group < 1 || group > 128) {
    FailFlag("--db_write_group_max must be 1..128");
  }
  if (absl::GetFlag(FLAGS_db_timeout_ms) < 100) {
    FailFlag("--db_timeout_ms must be at least 100");
  }
  const std::string host = absl::GetFlag(FLAGS_db_host);
  if (!absl::StartsWith(host, "tcp://") && !absl::StartsWith(host, "unix://")) {
    FailFlag("--db_host must start with tcp:// or unix://");
  }
  if (absl::GetFlag(FLAGS_db_user).empty()) FailFlag("--db_user is required");
  if (absl::GetFlag(FLAGS_db_schema).empty()) {
    FailFlag("--db_schema is required");
  }
  LogLevel level;
  if (!ParseLogLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    FailFlag("--log_level must be debug, info, warning or error");
  }
  SetMinLogLevel(level);
}

}  // namespace

std::string EnvNameForFlag(const std::string& flag_name) {
  return absl::StrCat("CHIBO_", absl::AsciiStrToUpper(flag_name));
}

std::vector<char*> InitFlags(int argc, char** argv, const char* usage) {
  absl::SetProgramUsageMessage(usage);
  ApplyEnvironment();
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  Validate();
  return rest;
}

absl::StatusOr<MysqlOptions> MysqlOptionsFromFlags() {
  MysqlOptions options;
  options.host = absl::GetFlag(FLAGS_db_host);
  options.user = absl::GetFlag(FLAGS_db_user);
  options.schema = absl::GetFlag(FLAGS_db_schema);
  options.password = absl::GetFlag(FLAGS_db_password);
  const std::string password_file = absl::GetFlag(FLAGS_db_password_file);
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat("--db_password_file: cannot read ", password_file));
    }
    std::stringstream content;
    content << in.rdbuf();
    options.password = std::string(absl::StripAsciiWhitespace(content.str()));
  }
  options.pool_size = absl::GetFlag(FLAGS_db_pool_size);
  options.write_group_max = absl::GetFlag(FLAGS_db_write_group_max);
  options.io_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_db_timeout_ms));
  return options;
}

ServerOptions ServerOptionsFromFlags() {
  ServerOptions options;
  options.listen_address = absl::StrCat("0.0.0.0:", absl::GetFlag(FLAGS_port));
  options.max_threads = absl::GetFlag(FLAGS_max_threads);
  options.shutdown_grace =
      absl::Seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds));
  options.port_file = absl::GetFlag(FLAGS_port_file);
  options.drain = absl::GetFlag(FLAGS_shutdown_drain);
  return options;
}

}  // namespace chibo
