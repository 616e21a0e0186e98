// The absence ledger: 3 months without reason in a year; more than 3
// excused absences in a row.

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "services/scheduling/schedule_rules.h"
#include "tests/unit/scheduling/scheduling_test_util.h"

namespace chibo::scheduling {
namespace {

using ::chibo::scheduling::testing::D;
using Kind = AbsenceAlert::Kind;
using M = AttendanceMark;

// One meeting on `day` (fulfilling that day's occurrence) with the marks.
HeldMeeting On(absl::CivilDay day, std::map<int64_t, AttendanceMark> marks,
               absl::CivilDay nominal = absl::CivilDay()) {
  HeldMeeting meeting;
  meeting.nominal_day = nominal == absl::CivilDay() ? day : nominal;
  meeting.day = day;
  meeting.start = absl::CivilMinute(day.year(), day.month(), day.day(), 14, 0);
  meeting.end = meeting.start + 90;
  for (const auto& [member, mark] : marks) {
    meeting.attendance.push_back({member, mark});
  }
  return meeting;
}

std::vector<AbsenceAlert> AlertsFor(const std::vector<AbsenceAlert>& alerts,
                                    int64_t member) {
  std::vector<AbsenceAlert> out;
  for (const AbsenceAlert& alert : alerts) {
    if (alert.member_id == member) out.push_back(alert);
  }
  return out;
}

TEST(AbsenceLedgerTest, NothingToSay) {
  EXPECT_TRUE(AbsenceLedger({}).empty());
  EXPECT_TRUE(AbsenceLedger({On(D(2025, 1, 2), {{1, M::kPresent}})}).empty());
}

TEST(AbsenceLedgerTest, ThreeUnexcusedMonthsInAYearAlert) {
  const std::vector<HeldMeeting> records = {
      On(D(2025, 1, 2), {{1, M::kAbsentWithoutReason}, {2, M::kPresent}}),
      On(D(2025, 3, 3),
         {{1, M::kAbsentWithoutReason}, {2, M::kAbsentWithoutReason}}),
      On(D(2025, 6, 2),
         {{1, M::kAbsentWithoutReason}, {2, M::kAbsentWithoutReason}}),
  };
  const std::vector<AbsenceAlert> alerts = AbsenceLedger(records);
  ASSERT_EQ(alerts.size(), 1u);  // member 2: only two months
  EXPECT_EQ(alerts[0].member_id, 1);
  EXPECT_EQ(alerts[0].kind, Kind::kUnexcusedMonths);
  EXPECT_EQ(alerts[0].year, 2025);
  EXPECT_EQ(alerts[0].count, 3);
}

TEST(AbsenceLedgerTest, FourMonthsAlertOnceWithTheCount) {
  std::vector<HeldMeeting> records;
  for (int month : {2, 4, 9, 11}) {
    records.push_back(On(D(2025, month, 3), {{7, M::kAbsentWithoutReason}}));
  }
  const std::vector<AbsenceAlert> alerts = AbsenceLedger(records);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].count, 4);
}

TEST(AbsenceLedgerTest, MonthsAreDistinct) {
  // Regular and thematic meetings in March, one in April: two months.
  std::vector<HeldMeeting> records = {
      On(D(2025, 3, 3), {{1, M::kAbsentWithoutReason}}),
      On(D(2025, 3, 20), {{1, M::kAbsentWithoutReason}}, absl::CivilDay()),
      On(D(2025, 4, 1), {{1, M::kAbsentWithoutReason}}),
  };
  records[1].nominal_day = absl::CivilDay();  // an extra meeting
  EXPECT_TRUE(AbsenceLedger(records).empty());
}

TEST(AbsenceLedgerTest, MonthsAcrossTwoYearsDoNotAddUp) {
  const std::vector<HeldMeeting> records = {
      On(D(2024, 11, 1), {{1, M::kAbsentWithoutReason}}),
      On(D(2024, 12, 2), {{1, M::kAbsentWithoutReason}}),
      On(D(2025, 1, 2), {{1, M::kAbsentWithoutReason}}),
      On(D(2025, 2, 3), {{1, M::kAbsentWithoutReason}}),
  };
  EXPECT_TRUE(AbsenceLedger(records).empty());
}

TEST(AbsenceLedgerTest, AMeetingCountsForItsScheduledMonthAndYear) {
  // December 2024's meeting held on 6 January 2025.
  const std::vector<HeldMeeting> records = {
      On(D(2024, 10, 1), {{1, M::kAbsentWithoutReason}}),
      On(D(2024, 11, 1), {{1, M::kAbsentWithoutReason}}),
      On(D(2025, 1, 6), {{1, M::kAbsentWithoutReason}}, D(2024, 12, 31)),
  };
  const std::vector<AbsenceAlert> alerts = AbsenceLedger(records);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].year, 2024);
  EXPECT_EQ(alerts[0].count, 3);
}

TEST(AbsenceLedgerTest, OneAlertPerYear) {
  std::vector<HeldMeeting> records;
  for (int year : {2024, 2025}) {
    for (int month : {1, 5, 9}) {
      records.push_back(On(D(year, month, 6), {{3, M::kAbsentWithoutReason}}));
    }
  }
  const std::vector<AbsenceAlert> alerts = AbsenceLedger(records);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].year, 2024);
  EXPECT_EQ(alerts[1].year, 2025);
}

TEST(AbsenceLedgerTest, FourExcusedInARowAlertThreeDoNot) {
  std::vector<HeldMeeting> records;
  for (int month = 1; month <= 4; ++month) {
    std::map<int64_t, AttendanceMark> marks = {{1, M::kAbsentWithReason}};
    if (month <= 3) marks[2] = M::kAbsentWithReason;
    if (month == 4) marks[2] = M::kPresent;
    records.push_back(On(D(2025, month, 10), marks));
  }
  const std::vector<AbsenceAlert> alerts = AbsenceLedger(records);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].member_id, 1);
  EXPECT_EQ(alerts[0].kind, Kind::kExcusedStreak);
  EXPECT_EQ(alerts[0].count, 4);
  EXPECT_EQ(alerts[0].year, 2025);
}

TEST(AbsenceLedgerTest, AnAttendedMeetingBreaksTheStreak) {
  using Marks = std::map<int64_t, AttendanceMark>;
  const std::vector<HeldMeeting> records = {
      On(D(2025, 1, 10), Marks{{1, M::kAbsentWithReason}}),
      On(D(2025, 2, 10), Marks{{1, M::kAbsentWithReason}}),
      On(D(2025, 3, 10), Marks{{1, M::kPresent}}),
      On(D(2025, 4, 10), Marks{{1, M::kAbsentWithReason}}),
      On(D(2025, 5, 10), Marks{{1, M::kAbsentWithReason}}),
      On(D(2025, 6, 10), Marks{{1, M::kAbsentWithReason}}),
  };
  EXPECT_TRUE(AbsenceLedger(records).empty());
}

TEST(AbsenceLedgerTest, OrderIsByDayNotByInput) {
  using Marks = std::map<int64_t, AttendanceMark>;
  // Four excused absences, given shuffled with a present one that comes
  // last by day: still a streak of four.
  std::vector<HeldMeeting> records = {
      On(D(2025, 5, 10), Marks{{1, M::kPresent}}),
      On(D(2025, 3, 10), Marks{{1, M::kAbsentWithReason}}),
      On(D(2025, 1, 10), Marks{{1, M::kAbsentWithReason}}),
      On(D(2025, 4, 10), Marks{{1, M::kAbsentWithReason}}),
      On(D(2025, 2, 10), Marks{{1, M::kAbsentWithReason}}),
  };
  std::vector<AbsenceAlert> alerts = AbsenceLedger(records);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].count, 4);
  // Move the present meeting into the middle: no streak.
  records[0].day = D(2025, 2, 20);
  EXPECT_TRUE(AbsenceLedger(records).empty());
}

TEST(AbsenceLedgerTest, MeetingsWithoutAnEntryNeitherCountNorBreak) {
  using Marks = std::map<int64_t, AttendanceMark>;
  const std::vector<HeldMeeting> records = {
      On(D(2025, 1, 10), Marks{{1, M::kAbsentWithReason}}),
      On(D(2025, 2, 10), Marks{{1, M::kAbsentWithReason}}),
      On(D(2025, 3, 10), Marks{{2, M::kPresent}}),  // member 1 not listed
      On(D(2025, 4, 10), Marks{{1, M::kAbsentWithReason}}),
  };
  EXPECT_TRUE(AbsenceLedger(records).empty());  // three, not four
  std::vector<HeldMeeting> more = records;
  more.push_back(On(D(2025, 5, 10), Marks{{1, M::kAbsentWithReason}}));
  const std::vector<AbsenceAlert> alerts = AbsenceLedger(more);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].count, 4);
}

TEST(AbsenceLedgerTest, OtherMarksBreakTheStreakToo) {
  using Marks = std::map<int64_t, AttendanceMark>;
  for (AttendanceMark breaker : {M::kAbsentWithoutReason, M::kExempt}) {
    const std::vector<HeldMeeting> records = {
        On(D(2025, 1, 10), Marks{{1, M::kAbsentWithReason}}),
        On(D(2025, 2, 10), Marks{{1, M::kAbsentWithReason}}),
        On(D(2025, 3, 10), Marks{{1, breaker}}),
        On(D(2025, 4, 10), Marks{{1, M::kAbsentWithReason}}),
        On(D(2025, 5, 10), Marks{{1, M::kAbsentWithReason}}),
    };
    for (const AbsenceAlert& alert : AbsenceLedger(records)) {
      EXPECT_NE(alert.kind, Kind::kExcusedStreak);
    }
  }
}

TEST(AbsenceLedgerTest, EachLongStreakAlertsOnce) {
  using Marks = std::map<int64_t, AttendanceMark>;
  std::vector<HeldMeeting> records;
  // Five excused (Jan-May 2025), present in June, four excused from
  // September 2025 into January 2026.
  for (int month = 1; month <= 5; ++month) {
    records.push_back(On(D(2025, month, 10), Marks{{1, M::kAbsentWithReason}}));
  }
  records.push_back(On(D(2025, 6, 10), Marks{{1, M::kPresent}}));
  for (int month = 9; month <= 12; ++month) {
    records.push_back(On(D(2025, month, 10), Marks{{1, M::kAbsentWithReason}}));
  }
  records.push_back(On(D(2026, 1, 12), Marks{{1, M::kAbsentWithReason}}));
  const std::vector<AbsenceAlert> alerts = AbsenceLedger(records);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].count, 5);
  EXPECT_EQ(alerts[0].year, 2025);
  EXPECT_EQ(alerts[1].count, 5);
  EXPECT_EQ(alerts[1].year, 2026);  // the year the streak reached
}

TEST(AbsenceLedgerTest, ManyMembersSortedByMember) {
  using Marks = std::map<int64_t, AttendanceMark>;
  std::vector<HeldMeeting> records;
  for (int month = 1; month <= 4; ++month) {
    records.push_back(On(D(2025, month, 10), Marks{{9, M::kAbsentWithReason},
                                                   {4, M::kAbsentWithoutReason},
                                                   {6, M::kPresent}}));
  }
  const std::vector<AbsenceAlert> alerts = AbsenceLedger(records);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].member_id, 4);
  EXPECT_EQ(alerts[0].kind, Kind::kUnexcusedMonths);
  EXPECT_EQ(alerts[0].count, 4);
  EXPECT_EQ(alerts[1].member_id, 9);
  EXPECT_EQ(alerts[1].kind, Kind::kExcusedStreak);
  EXPECT_TRUE(AlertsFor(alerts, 6).empty());
}

TEST(AbsenceLedgerTest, BothAlertsForOneMember) {
  using Marks = std::map<int64_t, AttendanceMark>;
  std::vector<HeldMeeting> records;
  for (int month = 1; month <= 3; ++month) {
    records.push_back(
        On(D(2025, month, 10), Marks{{1, M::kAbsentWithoutReason}}));
  }
  for (int month = 4; month <= 7; ++month) {
    records.push_back(On(D(2025, month, 10), Marks{{1, M::kAbsentWithReason}}));
  }
  const std::vector<AbsenceAlert> alerts = AbsenceLedger(records);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].kind, Kind::kUnexcusedMonths);
  EXPECT_EQ(alerts[1].kind, Kind::kExcusedStreak);
}

}  // namespace
}  // namespace chibo::scheduling
