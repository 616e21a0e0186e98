#include "common/testing/private_mariadb.h"

#include <signal.h>
#include <unistd.h>

#include "absl/time/clock.h"

namespace chibo::testing {

PrivateMariaDb::PrivateMariaDb(const std::string& dir) : dir_(dir) {
  int status = 0;
  RunCommand({"/usr/bin/mariadb-install-db", "--no-defaults",
              "--datadir=" + dir_ + "/data", "--user=root",
              "--auth-root-authentication-method=normal", "--skip-test-db"},
             &status);
  installed_ = status == 0;
}

PrivateMariaDb::~PrivateMariaDb() {
  if (server_) {
    server_->Signal(SIGTERM);
    server_->Wait(absl::Seconds(20));
  }
}

bool PrivateMariaDb::Start() {
  server_ = std::make_unique<Subprocess>(
      std::vector<std::string>{
          "/usr/sbin/mariadbd", "--no-defaults", "--datadir=" + dir_ + "/data",
          "--socket=" + socket(), "--skip-networking", "--user=root",
          "--log-error=" + dir_ + "/err.log"},
      dir_ + "/mariadbd.out");
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up) {
    if (access(socket().c_str(), F_OK) == 0) {
      int status = 0;
      RunCommand({"/usr/bin/mariadb-admin", "--no-defaults",
                  "--socket=" + socket(), "-uroot", "ping"},
                 &status);
      if (status == 0) return true;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

void PrivateMariaDb::Crash() {
  server_->Signal(SIGKILL);
  server_->Wait(absl::Seconds(10));
  server_.reset();
}

bool PrivateMariaDb::CreateSchema(const std::string& schema) {
  int status = 0;
  RunCommand(
      {"/usr/bin/mariadb", "--no-defaults", "--socket=" + socket(), "-uroot",
       "-e", "CREATE DATABASE " + schema + " CHARACTER SET utf8mb4"},
      &status);
  return status == 0;
}

MysqlOptions PrivateMariaDb::Options(const std::string& schema) const {
  MysqlOptions options;
  options.host = "unix://" + socket();
  options.user = "root";
  options.schema = schema;
  return options;
}

}  // namespace chibo::testing
