// GroupWriter (common/group_write.h) against the real MariaDB: calls that
// wait together commit together, each call's answer is its own, a refused
// call or a taken request_id costs its group only a second try, and one
// request_id still writes once.

#include "common/group_write.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "chibo/feed/v1/feed.pb.h"
#include "common/mysql_pool.h"
#include "common/outbox.h"
#include "common/rpc.h"
#include "common/testing/test_db.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

using testing::TestDatabase;

constexpr int kThreads = 16;

class GroupWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = TestDatabase::Create({});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(db_->Execute("CREATE TABLE things (id BIGINT AUTO_INCREMENT "
                             "PRIMARY KEY, label VARCHAR(64) NOT NULL "
                             "UNIQUE) ENGINE=InnoDB")
                    .ok());
    writer_ = std::make_unique<GroupWriter>(db_->pool(), TxMode::kWrite);
  }

  // Creates a thing labelled `label` with its outbox event; the response
  // names it. A label starting with "bad" is refused after its insert; a
  // label that exists already fails on the unique index. `hold` keeps the
  // write busy so that other callers queue behind it.
  // With `break_a_group`, the first transaction that holds two or more
  // writes loses its connection just before COMMIT.
  absl::Status CreateThing(const std::string& request_id,
                           const std::string& label, feed::v1::Change* out,
                           absl::Duration hold = absl::Milliseconds(2),
                           std::atomic<bool>* break_a_group = nullptr) {
    CallContext call = testing::TestCall("things/Create");
    call.request_id = request_id;
    feed::v1::ListChangesRequest request;
    request.set_subject(label);
    return writer_->Write(
        call, "creating a thing", request, out,
        [&](DbConnection& db) -> absl::Status {
          sql::PreparedStatement& insert =
              db.Prepare("INSERT INTO things (label) VALUES (?)");
          insert.setString(1, label);
          insert.executeUpdate();
          std::unique_ptr<sql::ResultSet> id(
              db.Prepare("SELECT LAST_INSERT_ID()").executeQuery());
          id->next();
          out->set_resource(absl::StrCat("things/", id->getInt64(1)));
          out->set_action(label);
          if (absl::StartsWith(label, "bad")) {
            return absl::InvalidArgumentError("label: is bad");
          }
          AppendChange(db, call, {out->resource(), "created", 0, out});
          if (break_a_group != nullptr) BreakIfGrouped(db, break_a_group);
          absl::SleepFor(hold);
          return absl::OkStatus();
        });
  }

  // Counts the writes of this transaction; at the second, once per test,
  // kills the transaction's own connection from a hook that runs just
  // before COMMIT.
  static void BreakIfGrouped(DbConnection& db, std::atomic<bool>* once) {
    static char writes_key;
    std::shared_ptr<void>& slot = db.TransactionSlot(&writes_key);
    if (slot == nullptr) slot = std::make_shared<int>(0);
    if (++*static_cast<int*>(slot.get()) != 2 || once->exchange(true)) return;
    db.BeforeCommit([](DbConnection& tx) {
      std::unique_ptr<sql::Statement> statement(tx.raw().createStatement());
      std::unique_ptr<sql::ResultSet> id(
          statement->executeQuery("SELECT CONNECTION_ID()"));
      id->next();
      statement->execute(absl::StrCat("KILL ", id->getInt64(1)));
    });
  }

  // Rows of one of the tables these tests write: fixed statements, no
  // SQL assembled from text.
  enum class Table { kThings, kBadThings, kKeys, kOutbox };
  int64_t Count(Table table) {
    switch (table) {
      case Table::kThings:
        return *db_->QueryInt("SELECT COUNT(*) FROM things");
      case Table::kBadThings:
        return *db_->QueryInt(
            "SELECT COUNT(*) FROM things WHERE label LIKE 'bad%'");
      case Table::kKeys:
        return *db_->QueryInt("SELECT COUNT(*) FROM idempotency_keys");
      case Table::kOutbox:
        return *db_->QueryInt("SELECT COUNT(*) FROM outbox");
    }
    return -1;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<GroupWriter> writer_;
};

// Runs `each` calls on each of 16 threads at once: call(thread, i).
template <typename Call>
void SixteenCallers(int each, Call call) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < each; ++i) call(t, i);
    });
  }
  for (auto& thread : threads) thread.join();
}

TEST_F(GroupWriteTest, ALoneCallerIsWrittenAloneAtOnce) {
  feed::v1::Change out;
  ASSERT_TRUE(CreateThing("lone", "lone", &out).ok());
  EXPECT_EQ(out.action(), "lone");
  EXPECT_EQ(writer_->groups_written(), 0);
  EXPECT_EQ(Count(Table::kThings), 1);
  EXPECT_EQ(Count(Table::kKeys), 1);
  EXPECT_EQ(Count(Table::kOutbox), 1);
}

TEST_F(GroupWriteTest, SixteenCallersCommitTogetherEachWithItsOwnAnswer) {
  constexpr int kEach = 20;
  std::mutex mu;
  std::vector<std::string> errors;
  std::set<std::string> names;
  SixteenCallers(kEach, [&](int t, int i) {
    const std::string label = absl::StrCat("t", t, "-", i);
    feed::v1::Change out;
    // Half the calls carry a request_id.
    const std::string id = i % 2 == 0 ? absl::StrCat("key-", label) : "";
    absl::Status status = CreateThing(id, label, &out);
    std::lock_guard<std::mutex> lock(mu);
    if (!status.ok()) errors.push_back(status.ToString());
    if (out.action() != label) errors.push_back("answer of " + out.action());
    names.insert(out.resource());
  });
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(names.size(), kThreads * kEach);
  EXPECT_EQ(Count(Table::kThings), kThreads * kEach);
  EXPECT_EQ(Count(Table::kKeys), kThreads * kEach / 2);
  // One event per call, their sequences without a gap.
  EXPECT_EQ(Count(Table::kOutbox), kThreads * kEach);
  EXPECT_EQ(*db_->QueryInt("SELECT MAX(sequence) - MIN(sequence) + 1 "
                           "FROM outbox"),
            kThreads * kEach);
  EXPECT_GT(writer_->groups_written(), 0);
  // Every outbox event names the thing its call created.
  EXPECT_EQ(*db_->QueryInt("SELECT COUNT(*) FROM outbox o JOIN things t ON "
                           "o.resource = CONCAT('things/', t.id)"),
            kThreads * kEach);
}

TEST_F(GroupWriteTest, ARefusedCallFailsAloneAndItsGroupIsWrittenAgain) {
  constexpr int kEach = 12;
  std::atomic<int> refused{0}, written{0}, other{0};
  SixteenCallers(kEach, [&](int t, int i) {
    const bool bad = (t + i) % 5 == 0;
    const std::string label = absl::StrCat(bad ? "bad-" : "ok-", t, "-", i);
    feed::v1::Change out;
    absl::Status status = CreateThing(absl::StrCat("k-", label), label, &out);
    if (bad && status.code() == absl::StatusCode::kInvalidArgument &&
        status.message() == "label: is bad") {
      ++refused;
    } else if (!bad && status.ok() && out.action() == label) {
      ++written;
    } else {
      ++other;
    }
  });
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(refused.load() + written.load(), kThreads * kEach);
  EXPECT_EQ(Count(Table::kThings), written.load());
  EXPECT_EQ(Count(Table::kBadThings), 0);
  EXPECT_EQ(Count(Table::kKeys), written.load());
  EXPECT_EQ(Count(Table::kOutbox), written.load());
}

TEST_F(GroupWriteTest, RetriesInAndAcrossGroupsWriteOnceAndGetTheFirstAnswer) {
  // Eight request_ids, each sent by every thread: the first attempt writes,
  // every other one (in the same group or a later one) gets its answer.
  constexpr int kKeys = 8;
  std::mutex mu;
  std::map<std::string, std::set<std::string>> answers;
  std::vector<std::string> errors;
  SixteenCallers(kKeys, [&](int t, int i) {
    const int key = (t + i) % kKeys;
    feed::v1::Change out;
    absl::Status status = CreateThing(absl::StrCat("same-", key),
                                      absl::StrCat("thing-", key), &out);
    std::lock_guard<std::mutex> lock(mu);
    if (!status.ok()) errors.push_back(status.ToString());
    answers[absl::StrCat(key)].insert(out.resource());
  });
  EXPECT_TRUE(errors.empty()) << errors.front();
  ASSERT_EQ(answers.size(), kKeys);
  for (const auto& [key, names] : answers) {
    EXPECT_EQ(names.size(), 1u) << "request_id same-" << key;
  }
  EXPECT_EQ(Count(Table::kThings), kKeys);
  EXPECT_EQ(Count(Table::kKeys), kKeys);
  EXPECT_EQ(Count(Table::kOutbox), kKeys);
  // A reused request_id with another request is refused.
  feed::v1::Change out;
  absl::Status reused = CreateThing("same-0", "another", &out);
  EXPECT_EQ(reused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(reused.message(), "request_id"));
}

// A group whose connection breaks at COMMIT may have committed or not:
// its calls with a request_id are written again (a key answers if it did),
// its calls without one get the error, as alone, and no call is written
// twice. (Here the connection dies just before COMMIT, so the group surely
// rolled back; a COMMIT that succeeds on a connection the client then
// loses cannot be staged from a test, and takes the same path.)
TEST_F(GroupWriteTest, AGroupThatBreaksAtCommitWritesNoCallTwice) {
  constexpr int kEach = 6;
  std::atomic<bool> broken{false};
  std::atomic<int> written{0}, keyed_failures{0}, unkeyed_unavailable{0};
  std::mutex mu;
  std::vector<std::string> unexpected;
  SixteenCallers(kEach, [&](int t, int i) {
    const std::string label = absl::StrCat("b", t, "-", i);
    const bool keyed = t % 2 == 0;
    feed::v1::Change out;
    absl::Status status =
        CreateThing(keyed ? absl::StrCat("k-", label) : "", label, &out,
                    absl::Milliseconds(2), &broken);
    if (status.ok()) {
      ++written;
    } else if (keyed) {
      ++keyed_failures;
    } else if (status.code() == absl::StatusCode::kUnavailable) {
      ++unkeyed_unavailable;
    } else {
      std::lock_guard<std::mutex> lock(mu);
      unexpected.push_back(status.ToString());
    }
  });
  ASSERT_TRUE(broken.load()) << "no group formed";
  EXPECT_EQ(keyed_failures.load(), 0);
  EXPECT_TRUE(unexpected.empty()) << unexpected.front();
  EXPECT_EQ(written.load() + unkeyed_unavailable.load(), kThreads * kEach);
  // Every answered call wrote once; the broken group's unkeyed calls did
  // not write at all (their transaction died before COMMIT).
  EXPECT_EQ(Count(Table::kThings), written.load());
  EXPECT_EQ(Count(Table::kOutbox), written.load());
  EXPECT_EQ(Count(Table::kKeys), kThreads / 2 * kEach);
}

TEST_F(GroupWriteTest, AMalformedRequestIdIsRefusedBeforeAnyWrite) {
  feed::v1::Change out;
  absl::Status status = CreateThing("has space", "x", &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Count(Table::kThings), 0);
}

}  // namespace
}  // namespace chibo
