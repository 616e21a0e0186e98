// Meeting length, attendance rate, monthly and quarterly compliance.

#include <vector>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "services/scheduling/schedule_rules.h"
#include "tests/unit/scheduling/scheduling_test_util.h"

namespace chibo::scheduling {
namespace {

using ::chibo::scheduling::testing::D;

HeldMeeting Meeting(absl::CivilDay nominal, absl::CivilDay day,
                    MeetingKind kind) {
  HeldMeeting meeting;
  meeting.nominal_day = nominal;
  meeting.day = day;
  meeting.kind = kind;
  meeting.start = absl::CivilMinute(day.year(), day.month(), day.day(), 14, 0);
  meeting.end = meeting.start + 120;
  return meeting;
}

HeldMeeting Lasting(MeetingKind kind, int minutes) {
  HeldMeeting meeting = Meeting(D(2025, 3, 3), D(2025, 3, 3), kind);
  meeting.end = meeting.start + minutes;
  return meeting;
}

// ---------------------------------------------------------------------------
// MeetsMinimumLength.

TEST(MeetsMinimumLengthTest, NinetyMinutesOrOneHundredTwentyCombined) {
  const MeetingRule rule;  // 90 / 120
  EXPECT_TRUE(MeetsMinimumLength(Lasting(MeetingKind::kRegular, 90), rule));
  EXPECT_TRUE(MeetsMinimumLength(Lasting(MeetingKind::kRegular, 200), rule));
  EXPECT_FALSE(MeetsMinimumLength(Lasting(MeetingKind::kRegular, 89), rule));
  EXPECT_TRUE(MeetsMinimumLength(Lasting(MeetingKind::kThematic, 90), rule));
  EXPECT_FALSE(MeetsMinimumLength(Lasting(MeetingKind::kThematic, 89), rule));
  EXPECT_TRUE(MeetsMinimumLength(Lasting(MeetingKind::kCombined, 120), rule));
  EXPECT_FALSE(MeetsMinimumLength(Lasting(MeetingKind::kCombined, 119), rule));
  EXPECT_FALSE(MeetsMinimumLength(Lasting(MeetingKind::kCombined, 90), rule));
  EXPECT_FALSE(MeetsMinimumLength(Lasting(MeetingKind::kRegular, 0), rule));
  EXPECT_FALSE(MeetsMinimumLength(Lasting(MeetingKind::kRegular, -30), rule));
}

TEST(MeetsMinimumLengthTest, RuleSpecificLengthsAndMidnight) {
  MeetingRule rule;
  rule.min_minutes = 60;
  rule.combined_min_minutes = 150;
  EXPECT_TRUE(MeetsMinimumLength(Lasting(MeetingKind::kRegular, 60), rule));
  EXPECT_FALSE(MeetsMinimumLength(Lasting(MeetingKind::kCombined, 149), rule));
  EXPECT_TRUE(MeetsMinimumLength(Lasting(MeetingKind::kCombined, 150), rule));
  // 23:00 to 00:30 the next day.
  HeldMeeting late = Lasting(MeetingKind::kRegular, 0);
  late.start = absl::CivilMinute(2025, 3, 3, 23, 0);
  late.end = absl::CivilMinute(2025, 3, 4, 0, 30);
  EXPECT_TRUE(MeetsMinimumLength(late, MeetingRule()));
}

// ---------------------------------------------------------------------------
// AttendanceRate.

std::vector<AttendanceEntry> Marks(std::vector<AttendanceMark> marks) {
  std::vector<AttendanceEntry> entries;
  int64_t id = 1;
  for (AttendanceMark mark : marks) entries.push_back({id++, mark});
  return entries;
}

TEST(AttendanceRateTest, ExemptMembersAreLeftOut) {
  using M = AttendanceMark;
  EXPECT_DOUBLE_EQ(
      AttendanceRate(
          Marks({M::kPresent, M::kPresent, M::kPresent, M::kAbsentWithReason,
                 M::kAbsentWithoutReason, M::kExempt, M::kExempt})),
      3.0 / 5.0);
  EXPECT_DOUBLE_EQ(AttendanceRate(Marks({M::kPresent, M::kExempt})), 1.0);
  EXPECT_DOUBLE_EQ(AttendanceRate(Marks({M::kAbsentWithReason})), 0.0);
  EXPECT_DOUBLE_EQ(
      AttendanceRate(Marks({M::kPresent, M::kAbsentWithoutReason})), 0.5);
}

TEST(AttendanceRateTest, NobodyCounts) {
  EXPECT_DOUBLE_EQ(AttendanceRate({}), 0.0);
  EXPECT_DOUBLE_EQ(
      AttendanceRate(Marks({AttendanceMark::kExempt, AttendanceMark::kExempt})),
      0.0);
}

// ---------------------------------------------------------------------------
// MonthlyCompliance / QuarterlyCompliance.

std::vector<bool> Regular(const std::vector<MonthCompliance>& months) {
  std::vector<bool> held;
  for (const MonthCompliance& m : months) held.push_back(m.regular_held);
  return held;
}

std::vector<bool> Thematic(const std::vector<QuarterCompliance>& quarters) {
  std::vector<bool> held;
  for (const QuarterCompliance& q : quarters) held.push_back(q.thematic_held);
  return held;
}

TEST(MonthlyComplianceTest, RegularOrCombinedEachMonth) {
  const std::vector<HeldMeeting> records = {
      Meeting(D(2025, 1, 2), D(2025, 1, 2), MeetingKind::kRegular),
      Meeting(absl::CivilDay(), D(2025, 2, 20), MeetingKind::kThematic),
      Meeting(D(2025, 3, 3), D(2025, 3, 3), MeetingKind::kCombined),
  };
  const std::vector<MonthCompliance> months =
      MonthlyCompliance(records, D(2025, 1, 1), D(2025, 4, 30));
  ASSERT_EQ(months.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(months[i].year, 2025);
    EXPECT_EQ(months[i].month, i + 1);
  }
  EXPECT_EQ(Regular(months), (std::vector<bool>{true, false, true, false}));
}

TEST(MonthlyComplianceTest, PostponedIntoNextMonthCountsForItsScheduledMonth) {
  const std::vector<HeldMeeting> records = {
      // March's meeting (31 Mar) postponed to 3 April.
      Meeting(D(2025, 3, 31), D(2025, 4, 3), MeetingKind::kRegular),
      // December 2025's postponed into January 2026.
      Meeting(D(2025, 12, 31), D(2026, 1, 6), MeetingKind::kRegular),
  };
  EXPECT_EQ(Regular(MonthlyCompliance(records, D(2025, 3, 1), D(2025, 4, 30))),
            (std::vector<bool>{true, false}));
  const std::vector<MonthCompliance> turn =
      MonthlyCompliance(records, D(2025, 12, 1), D(2026, 1, 31));
  ASSERT_EQ(turn.size(), 2u);
  EXPECT_EQ(turn[0].year, 2025);
  EXPECT_EQ(turn[1].year, 2026);
  EXPECT_EQ(turn[1].month, 1);
  EXPECT_EQ(Regular(turn), (std::vector<bool>{true, false}));
}

TEST(MonthlyComplianceTest, ExtraMeetingsCountByTheDayHeld) {
  const std::vector<HeldMeeting> records = {
      Meeting(absl::CivilDay(), D(2025, 4, 15), MeetingKind::kRegular)};
  EXPECT_EQ(Regular(MonthlyCompliance(records, D(2025, 3, 1), D(2025, 5, 31))),
            (std::vector<bool>{false, true, false}));
}

TEST(MonthlyComplianceTest, WholeMonthsTouchedByTheRange) {
  const std::vector<HeldMeeting> records = {
      Meeting(D(2025, 1, 2), D(2025, 1, 2), MeetingKind::kRegular)};
  const std::vector<MonthCompliance> months =
      MonthlyCompliance(records, D(2025, 1, 15), D(2025, 3, 2));
  ASSERT_EQ(months.size(), 3u);
  EXPECT_TRUE(months[0].regular_held);  // held 2 Jan, before `from`
  EXPECT_TRUE(MonthlyCompliance(records, D(2025, 2, 1), D(2025, 1, 1)).empty());
  EXPECT_EQ(MonthlyCompliance({}, D(2024, 1, 1), D(2025, 12, 31)).size(), 24u);
}

TEST(QuarterlyComplianceTest, QuarterNumbering) {
  for (int month = 1; month <= 12; ++month) {
    const std::vector<QuarterCompliance> q =
        QuarterlyCompliance({}, D(2025, month, 10), D(2025, month, 10));
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q[0].year, 2025);
    EXPECT_EQ(q[0].quarter, (month - 1) / 3 + 1) << month;
    EXPECT_FALSE(q[0].thematic_held);
  }
}

TEST(QuarterlyComplianceTest, ThematicOrCombinedEachQuarter) {
  const std::vector<HeldMeeting> records = {
      Meeting(absl::CivilDay(), D(2025, 2, 20), MeetingKind::kThematic),
      Meeting(D(2025, 5, 2), D(2025, 5, 5), MeetingKind::kCombined),
      Meeting(D(2025, 8, 1), D(2025, 8, 1), MeetingKind::kRegular),
      // Scheduled 30 Dec 2025, postponed to January: counts for Q4 2025.
      Meeting(D(2025, 12, 30), D(2026, 1, 8), MeetingKind::kThematic),
  };
  const std::vector<QuarterCompliance> quarters =
      QuarterlyCompliance(records, D(2025, 2, 10), D(2026, 3, 1));
  ASSERT_EQ(quarters.size(), 5u);
  EXPECT_EQ(quarters[0].quarter, 1);
  EXPECT_EQ(quarters[3].quarter, 4);
  EXPECT_EQ(quarters[4].year, 2026);
  EXPECT_EQ(quarters[4].quarter, 1);
  EXPECT_EQ(Thematic(quarters),
            (std::vector<bool>{true, true, false, true, false}));
}

TEST(QuarterlyComplianceTest, CombinedCountsForBothMonthAndQuarter) {
  const std::vector<HeldMeeting> records = {
      Meeting(D(2025, 7, 1), D(2025, 7, 1), MeetingKind::kCombined)};
  EXPECT_EQ(Regular(MonthlyCompliance(records, D(2025, 7, 1), D(2025, 9, 30))),
            (std::vector<bool>{true, false, false}));
  EXPECT_EQ(
      Thematic(QuarterlyCompliance(records, D(2025, 7, 1), D(2025, 9, 30))),
      (std::vector<bool>{true}));
  // A thematic meeting alone does not make the month's regular meeting.
  const std::vector<HeldMeeting> thematic = {
      Meeting(D(2025, 7, 1), D(2025, 7, 1), MeetingKind::kThematic)};
  EXPECT_EQ(Regular(MonthlyCompliance(thematic, D(2025, 7, 1), D(2025, 7, 31))),
            (std::vector<bool>{false}));
}

TEST(QuarterlyComplianceTest, EmptyRange) {
  EXPECT_TRUE(QuarterlyCompliance({}, D(2025, 4, 1), D(2025, 3, 31)).empty());
  EXPECT_EQ(QuarterlyCompliance({}, D(2025, 3, 31), D(2025, 4, 1)).size(), 2u);
}

}  // namespace
}  // namespace chibo::scheduling
