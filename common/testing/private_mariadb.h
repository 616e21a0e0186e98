#ifndef CHIBO_COMMON_TESTING_PRIVATE_MARIADB_H_
#define CHIBO_COMMON_TESTING_PRIVATE_MARIADB_H_

#include <memory>
#include <string>

#include "common/mysql_pool.h"
#include "common/testing/subprocess.h"

namespace chibo::testing {

// A MariaDB of the test's own under `dir` (socket only, root without a
// password), so that a test can kill and restart it without disturbing the
// shared test database. Installing takes about 2 s, starting about 2 s.
class PrivateMariaDb {
 public:
  explicit PrivateMariaDb(const std::string& dir);
  ~PrivateMariaDb();  // a clean shutdown, if running

  bool installed() const { return installed_; }
  std::string socket() const { return dir_ + "/mysqld.sock"; }
  // Starts the server and waits (up to 30 s) until it answers a ping.
  bool Start();
  // SIGKILL, as a crash.
  void Crash();
  // CREATE DATABASE `schema` (utf8mb4); true on success.
  bool CreateSchema(const std::string& schema);
  // Root over the socket, on `schema`.
  MysqlOptions Options(const std::string& schema) const;

 private:
  std::string dir_;
  bool installed_ = false;
  std::unique_ptr<Subprocess> server_;
};

}  // namespace chibo::testing

#endif  // CHIBO_COMMON_TESTING_PRIVATE_MARIADB_H_
