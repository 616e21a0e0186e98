#include "common/service_runtime.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/server.h"

ABSL_FLAG(bool, insecure_dev, false,
          "Development only: accept every call as a system admin without a "
          "token. Never use in production.");

namespace chibo {

std::unique_ptr<ServiceRuntime> ServiceRuntime::Init(
    int argc, char** argv, const std::string& service_name,
    const std::vector<Migration>& migrations, int* exit_code) {
  *exit_code = 1;
  InitFlags(
      argc, argv,
      absl::StrCat("chibo-", service_name, ": serves chibo.", service_name,
                   ".v1 over gRPC.\n"
                   "Every flag can also be set as CHIBO_<FLAG>.")
          .c_str());
  std::unique_ptr<ServiceRuntime> runtime(new ServiceRuntime());
  runtime->service_name_ = service_name;

  absl::StatusOr<MysqlOptions> mysql = MysqlOptionsFromFlags();
  if (!mysql.ok()) {
    Log(LogLevel::kError, "bad database configuration",
        {{"error", mysql.status().message()}});
    return nullptr;
  }
  runtime->pool_ = std::make_unique<MysqlPool>(*mysql);
  absl::Status ready = WaitForDatabase(
      *runtime->pool_, absl::Seconds(absl::GetFlag(FLAGS_db_wait_seconds)));
  if (!ready.ok()) {
    Log(LogLevel::kError, "database not reachable",
        {{"error", ready.message()}, {"db_host", mysql->host}});
    return nullptr;
  }
  if (absl::GetFlag(FLAGS_migrate) || absl::GetFlag(FLAGS_migrate_only)) {
    std::vector<Migration> all = CommonMigrations();
    all.insert(all.end(), migrations.begin(), migrations.end());
    absl::Status migrated = ApplyMigrations(*runtime->pool_, all);
    if (!migrated.ok()) {
      Log(LogLevel::kError, "migration failed",
          {{"error", migrated.message()}});
      return nullptr;
    }
    if (absl::GetFlag(FLAGS_migrate_only)) {
      Log(LogLevel::kInfo, "migrations applied; exiting (--migrate_only)");
      *exit_code = 0;
      return nullptr;
    }
  }

  if (absl::GetFlag(FLAGS_insecure_dev)) {
    Log(LogLevel::kWarning,
        "INSECURE: --insecure_dev is set; every caller is treated as a "
        "system admin. Never run this in production.");
    runtime->authorizer_ = std::make_unique<InsecureDevAuthorizer>();
  } else {
    Log(LogLevel::kError,
        "no authentication configured: pass --auth_keys_file (or "
        "--insecure_dev for local development only)");
    return nullptr;
  }
  runtime->gate_ = std::make_unique<RpcGate>(runtime->authorizer_.get());
  runtime->feed_ = std::make_unique<ChangeFeedService>(runtime->pool_.get(),
                                                       runtime->gate_.get());
  *exit_code = 0;
  return runtime;
}

ServiceRuntime::~ServiceRuntime() = default;

int ServiceRuntime::Run(const std::vector<grpc::Service*>& services) {
  std::vector<grpc::Service*> all = services;
  all.push_back(feed_.get());
  absl::Status status = RunServerUntilSignal(ServerOptionsFromFlags(), all);
  if (!status.ok()) {
    Log(LogLevel::kError, "server failed", {{"error", status.message()}});
    return 1;
  }
  return 0;
}

}  // namespace chibo
