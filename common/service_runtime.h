#ifndef CHIBO_COMMON_SERVICE_RUNTIME_H_
#define CHIBO_COMMON_SERVICE_RUNTIME_H_

#include <memory>
#include <string>
#include <vector>

#include "common/change_feed_service.h"
#include "common/migrations.h"
#include "common/mysql_pool.h"
#include "common/rpc.h"
#include "grpcpp/grpcpp.h"

namespace chibo {

// What every service's main() needs, built once from the flags: logging,
// the connection pool, migrations, the authoriser and the change feed.
// main.cc then only constructs its store and service and calls Run().
class ServiceRuntime {
 public:
  // Parses flags (with CHIBO_* fallbacks), waits for the database, applies
  // `migrations` after the common ones. Returns nullptr after logging why
  // the service cannot start; with --migrate_only, migrates and returns
  // nullptr with `*exit_code` 0.
  static std::unique_ptr<ServiceRuntime> Init(
      int argc, char** argv, const std::string& service_name,
      const std::vector<Migration>& migrations, int* exit_code);

  ~ServiceRuntime();

  MysqlPool& pool() { return *pool_; }
  const RpcGate& gate() const { return *gate_; }

  // Serves `services` plus the change feed until SIGTERM/SIGINT, then
  // drains. Returns the process exit code.
  int Run(const std::vector<grpc::Service*>& services);

 private:
  ServiceRuntime() = default;

  std::string service_name_;
  std::unique_ptr<MysqlPool> pool_;
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<RpcGate> gate_;
  std::unique_ptr<ChangeFeedService> feed_;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_SERVICE_RUNTIME_H_
