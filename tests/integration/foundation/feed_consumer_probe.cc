// A FeedConsumer in a process of its own, for the crash tests: follows the
// outbox of one schema and applies each change to `applied_changes` of
// another, counting how many times each sequence was applied.
//
//   feed_consumer_probe SOURCE_SCHEMA CONSUMER_SCHEMA HOLDER LEASE_MS
//                       APPLY_DELAY_MS
//
// The database is the test MariaDB (CHIBO_TEST_DB_SOCKET). Runs until
// killed.

#include <cppconn/prepared_statement.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/time/clock.h"
#include "common/feed_consumer.h"
#include "common/log.h"
#include "common/mysql_pool.h"
#include "common/outbox.h"
#include "common/testing/test_db.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: feed_consumer_probe SOURCE_SCHEMA CONSUMER_SCHEMA "
                 "HOLDER LEASE_MS APPLY_DELAY_MS\n";
    return 2;
  }
  chibo::InitMysqlDriver();
  auto base = chibo::testing::TestServerOptions();
  if (!base.ok()) {
    std::cerr << base.status() << "\n";
    return 1;
  }
  chibo::MysqlOptions source_options = *base;
  source_options.schema = argv[1];
  chibo::MysqlOptions consumer_options = *base;
  consumer_options.schema = argv[2];
  chibo::MysqlPool source(source_options);
  chibo::MysqlPool consumer(consumer_options);
  const absl::Duration delay = absl::Milliseconds(std::atoi(argv[5]));

  chibo::FeedConsumer::Options options;
  options.holder = argv[3];
  options.lease = absl::Milliseconds(std::atoi(argv[4]));
  options.poll_interval = absl::Milliseconds(50);
  chibo::FeedConsumer feed(
      &consumer, "probe",
      [&source](int64_t after, int page_size,
                chibo::feed::v1::ListChangesResponse* out) {
        return chibo::ReadOutbox(source, absl::Now() + absl::Seconds(5), after,
                                 "", page_size, out);
      },
      [delay](chibo::DbConnection& db,
              const chibo::feed::v1::Change& change) -> absl::Status {
        absl::SleepFor(delay);
        sql::PreparedStatement& apply = db.Prepare(
            "INSERT INTO applied_changes (sequence, times, resource) "
            "VALUES (?, 1, ?) ON DUPLICATE KEY UPDATE times = times + 1");
        apply.setInt64(1, change.sequence());
        apply.setString(2, change.resource());
        apply.executeUpdate();
        return absl::OkStatus();
      },
      options);
  feed.Start();
  std::cout << "consuming" << std::endl;
  while (true) absl::SleepFor(absl::Seconds(1));
}
