#ifndef CHIBO_COMMON_FLAGS_H_
#define CHIBO_COMMON_FLAGS_H_

#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/mysql_pool.h"
#include "common/server.h"

// Flags every chibo service takes. Each may also come from the environment
// as CHIBO_<NAME IN CAPITALS> (e.g. CHIBO_DB_HOST); a flag on the command
// line wins over the environment.
ABSL_DECLARE_FLAG(int, port);
ABSL_DECLARE_FLAG(std::string, port_file);
ABSL_DECLARE_FLAG(int, max_threads);
ABSL_DECLARE_FLAG(int, shutdown_grace_seconds);
ABSL_DECLARE_FLAG(absl::Duration, shutdown_drain);
ABSL_DECLARE_FLAG(std::string, db_host);
ABSL_DECLARE_FLAG(std::string, db_user);
ABSL_DECLARE_FLAG(std::string, db_password);
ABSL_DECLARE_FLAG(std::string, db_password_file);
ABSL_DECLARE_FLAG(std::string, db_schema);
ABSL_DECLARE_FLAG(int, db_pool_size);
ABSL_DECLARE_FLAG(int, db_write_group_max);
ABSL_DECLARE_FLAG(int, db_timeout_ms);
ABSL_DECLARE_FLAG(int, db_wait_seconds);
ABSL_DECLARE_FLAG(bool, migrate);
ABSL_DECLARE_FLAG(bool, migrate_only);
ABSL_DECLARE_FLAG(std::string, log_level);

namespace chibo {

// Applies CHIBO_* environment values, then parses argv (which wins), then
// validates. On a bad value prints the reason and exits with status 2.
std::vector<char*> InitFlags(int argc, char** argv, const char* usage);

// The environment variable that backs `flag_name`: "db_host" -> CHIBO_DB_HOST.
std::string EnvNameForFlag(const std::string& flag_name);

// Builds option structs from the parsed flags, checking them.
absl::StatusOr<MysqlOptions> MysqlOptionsFromFlags();
ServerOptions ServerOptionsFromFlags();

}  // namespace chibo

#endif  // CHIBO_COMMON_FLAGS_H_
