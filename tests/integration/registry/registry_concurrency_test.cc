// Through the public API, with 16 client threads at once: the change feed
// delivers every event to a reader tailing it, and writes that carry a
// request_id neither abort nor create anything twice.

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "tests/integration/registry/registry_fixture.h"

namespace chibo::registry {
namespace {

constexpr int kThreads = 16;

// A request_id as integrations make them: random (UUIDv4 style) or
// time-ordered (UUIDv7/ULID style: consecutive keys share a prefix, so
// every new key lands in the same place of the index).
std::string RequestId(bool time_ordered, std::mt19937_64& random) {
  static std::atomic<int64_t> clock{absl::ToUnixMicros(absl::Now())};
  if (time_ordered) {
    return absl::StrFormat("%016x-%012x", clock.fetch_add(1),
                           random() & 0xffffffffffffULL);
  }
  return absl::StrFormat("%016x-%016x", random(), random());
}

class RegistryConcurrencyTest : public RegistryTest {
 protected:
  // Every change after `after`, read to the end.
  std::vector<feed::v1::Change> FeedAfter(int64_t after) {
    std::vector<feed::v1::Change> all;
    while (true) {
      feed::v1::ListChangesRequest request;
      request.set_after_sequence(after);
      request.set_page_size(1000);
      feed::v1::ListChangesResponse page;
      grpc::Status status = feed().ListChanges(Context().get(), request, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok() || page.changes().empty()) return all;
      for (const auto& change : page.changes()) all.push_back(change);
      after = page.last_sequence();
    }
  }
  int64_t Head() {
    feed::v1::ListChangesRequest request;
    request.set_after_sequence(0);
    request.set_page_size(1);
    feed::v1::ListChangesResponse page;
    EXPECT_TRUE(feed().ListChanges(Context().get(), request, &page).ok());
    return page.head_sequence();
  }
};

TEST_F(RegistryConcurrencyTest, ReaderTailingTheFeedReceivesEveryEvent) {
  const v1::Organization province =
      MakeOrg("Tỉnh ủy", v1::ORGANIZATION_LEVEL_PROVINCE, "");
  const int64_t start = Head();
  std::atomic<bool> writing{true};
  std::vector<int64_t> delivered;
  std::thread reader([&] {
    int64_t cursor = start;
    // Reads on until the writers are done and one more read is empty.
    for (bool last = false;;) {
      feed::v1::ListChangesRequest request;
      request.set_after_sequence(cursor);
      request.set_page_size(50);
      feed::v1::ListChangesResponse page;
      if (!feed().ListChanges(Context().get(), request, &page).ok()) continue;
      for (const auto& change : page.changes()) {
        delivered.push_back(change.sequence());
      }
      cursor = page.last_sequence();
      if (last && page.changes().empty()) break;
      if (!writing) last = page.changes().empty();
    }
  });
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        v1::CreateOrganizationRequest request;
        v1::Organization* org = request.mutable_organization();
        org->set_display_name("Đảng ủy xã");
        org->set_level(v1::ORGANIZATION_LEVEL_COMMUNE);
        org->set_parent(province.name());
        org->set_external_code(Code("feed"));
        v1::Organization created;
        if (!stub()
                 .CreateOrganization(Context().get(), request, &created)
                 .ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();
  writing = false;
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<int64_t> expected;
  for (const auto& change : FeedAfter(start)) {
    expected.push_back(change.sequence());
  }
  EXPECT_EQ(expected.size(), static_cast<size_t>(kThreads * 25));
  // Every event of the final feed reached the tailing reader, in order.
  EXPECT_EQ(delivered, expected);
}

TEST_F(RegistryConcurrencyTest, NewRequestIdsFromSixteenThreadsNeverAbort) {
  const v1::Organization cell = MakeCell();
  for (const bool time_ordered : {false, true}) {
    std::atomic<int> failures{0};
    std::mutex mu;
    std::string first_error;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 random(std::random_device{}());
        for (int i = 0; i < 12; ++i) {
          grpc::Status status;
          if (i % 2 == 0) {
            v1::CreateOrganizationRequest request;
            v1::Organization* org = request.mutable_organization();
            org->set_display_name("Tổ đảng");
            org->set_level(v1::ORGANIZATION_LEVEL_PARTY_GROUP);
            org->set_parent(cell.name());
            org->set_external_code(Code("rid"));
            request.set_request_id(RequestId(time_ordered, random));
            v1::Organization created;
            status =
                stub().CreateOrganization(Context().get(), request, &created);
          } else {
            v1::CreateMemberRequest request;
            request.mutable_member()->set_display_name("Nguyễn Văn A");
            request.set_cell(cell.name());
            request.set_status(v1::MEMBER_STATUS_FULL);
            request.set_request_id(RequestId(time_ordered, random));
            v1::Member created;
            status = stub().CreateMember(Context().get(), request, &created);
          }
          if (!status.ok()) {
            ++failures;
            std::lock_guard<std::mutex> lock(mu);
            if (first_error.empty()) {
              first_error = absl::StrCat(status.error_code(), " ",
                                         status.error_message());
            }
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0)
        << (time_ordered ? "time-ordered" : "random") << ": " << first_error;
  }
}

TEST_F(RegistryConcurrencyTest, OneRequestIdSentFromManyThreadsCreatesOnce) {
  const v1::Organization cell = MakeCell();
  std::mt19937_64 random(std::random_device{}());
  for (int round = 0; round < 5; ++round) {
    v1::CreateMemberRequest request;
    request.mutable_member()->set_display_name("Trần Thị B");
    request.set_cell(cell.name());
    request.set_status(v1::MEMBER_STATUS_PROBATIONARY);
    request.set_request_id(RequestId(round % 2 == 1, random));
    std::vector<v1::Member> responses(kThreads);
    std::vector<grpc::Status> statuses(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        statuses[t] =
            stub().CreateMember(Context().get(), request, &responses[t]);
      });
    }
    for (auto& thread : threads) thread.join();
    std::set<std::string> names;
    for (int t = 0; t < kThreads; ++t) {
      EXPECT_TRUE(statuses[t].ok()) << statuses[t].error_message();
      names.insert(responses[t].name());
    }
    EXPECT_EQ(names.size(), 1u) << "one request_id created several members";
  }
  // Exactly the five members of the five keys exist in the cell.
  v1::ListCellMembersRequest list;
  list.set_cell(cell.name());
  list.set_page_size(100);
  v1::ListCellMembersResponse members;
  ASSERT_TRUE(stub().ListCellMembers(Context().get(), list, &members).ok());
  EXPECT_EQ(members.members_size(), 5);
}

}  // namespace
}  // namespace chibo::registry
