// CheckPostponement and StateOf: "chỉ báo hoãn, không báo họp".

#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/scheduling/schedule_rules.h"
#include "tests/unit/scheduling/scheduling_test_util.h"

namespace chibo::scheduling {
namespace {

using ::chibo::scheduling::testing::D;
using ::testing::HasSubstr;

// ---------------------------------------------------------------------------
// CheckPostponement.

TEST(CheckPostponementTest, ReportedBeforeOrOnTheDay) {
  EXPECT_TRUE(
      CheckPostponement(D(2025, 3, 5), D(2025, 3, 12), D(2025, 3, 1)).ok());
  EXPECT_TRUE(CheckPostponement(D(2025, 3, 5), D(2025, 3, 6), D(2025, 3, 5))
                  .ok());  // on the day itself, to the next day
}

TEST(CheckPostponementTest, ReportedAfterTheDayIsTooLate) {
  absl::Status status =
      CheckPostponement(D(2025, 3, 5), D(2025, 3, 12), D(2025, 3, 6));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("2025-03-05"));
  EXPECT_THAT(status.message(), HasSubstr("no later than"));
  // Even by a month.
  EXPECT_EQ(
      CheckPostponement(D(2025, 3, 5), D(2025, 4, 30), D(2025, 4, 5)).code(),
      absl::StatusCode::kFailedPrecondition);
}

TEST(CheckPostponementTest, IntoTheNextMonthAndYear) {
  EXPECT_TRUE(
      CheckPostponement(D(2025, 3, 28), D(2025, 4, 2), D(2025, 3, 27)).ok());
  EXPECT_TRUE(
      CheckPostponement(D(2025, 12, 31), D(2026, 1, 5), D(2025, 12, 30)).ok());
  // Over Tết 2026 into March.
  EXPECT_TRUE(
      CheckPostponement(D(2026, 2, 13), D(2026, 3, 2), D(2026, 2, 10)).ok());
}

TEST(CheckPostponementTest, TwiceFromTheLatestNewDay) {
  // First: 5 Mar -> 12 Mar, reported 3 Mar.
  EXPECT_TRUE(
      CheckPostponement(D(2025, 3, 5), D(2025, 3, 12), D(2025, 3, 3)).ok());
  // Second, reported 10 Mar: checked from 12 Mar, not from 5 Mar.
  EXPECT_TRUE(
      CheckPostponement(D(2025, 3, 12), D(2025, 3, 19), D(2025, 3, 10)).ok());
  EXPECT_FALSE(
      CheckPostponement(D(2025, 3, 5), D(2025, 3, 19), D(2025, 3, 10)).ok());
  // The second may not come back to (or before) the first new day.
  EXPECT_EQ(
      CheckPostponement(D(2025, 3, 12), D(2025, 3, 11), D(2025, 3, 10)).code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      CheckPostponement(D(2025, 3, 12), D(2025, 3, 12), D(2025, 3, 10)).code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(CheckPostponementTest, NewDayInThePast) {
  absl::Status status =
      CheckPostponement(D(2025, 3, 5), D(2025, 3, 2), D(2025, 3, 4));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("new_date"));
  EXPECT_THAT(status.message(), HasSubstr("past"));
}

TEST(CheckPostponementTest, NewDayNotAfterTheScheduledDay) {
  for (absl::CivilDay new_day : {D(2025, 3, 5), D(2025, 3, 4)}) {
    absl::Status status =
        CheckPostponement(D(2025, 3, 5), new_day, D(2025, 3, 3));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << new_day;
    EXPECT_THAT(status.message(), HasSubstr("new_date"));
    EXPECT_THAT(status.message(), HasSubstr("after the scheduled day"));
  }
}

TEST(CheckPostponementTest, ExhaustiveAroundTheScheduledDay) {
  const absl::CivilDay scheduled = D(2025, 3, 15);
  for (int t = -5; t <= 5; ++t) {
    for (int n = -10; n <= 10; ++n) {
      const absl::CivilDay today = scheduled + t;
      const absl::CivilDay new_day = scheduled + n;
      const absl::Status status = CheckPostponement(scheduled, new_day, today);
      if (t > 0) {
        EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
      } else if (n <= 0) {
        EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      } else {
        EXPECT_TRUE(status.ok()) << today << " " << new_day;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// StateOf.

Occurrence OccurrenceOn(absl::CivilDay nominal, absl::CivilDay day) {
  Occurrence occurrence;
  occurrence.nominal_day = nominal;
  occurrence.day = day;
  return occurrence;
}

Postponement Postponed(absl::CivilDay nominal, absl::CivilDay new_day,
                       int sequence) {
  Postponement postponement;
  postponement.nominal_day = nominal;
  postponement.new_day = new_day;
  postponement.sequence = sequence;
  postponement.reported_at = absl::FromUnixSeconds(1700000000 + sequence);
  return postponement;
}

HeldMeeting Held(absl::CivilDay nominal, absl::CivilDay day) {
  HeldMeeting meeting;
  meeting.nominal_day = nominal;
  meeting.day = day;
  return meeting;
}

TEST(StateOfTest, UpcomingUntilTheDayEnds) {
  // Nominal 1 Mar 2025 (Saturday), met on Monday 3 Mar.
  const Occurrence o = OccurrenceOn(D(2025, 3, 1), D(2025, 3, 3));
  EXPECT_EQ(StateOf(o, {}, {}, D(2025, 2, 20)), OccurrenceState::kUpcoming);
  EXPECT_EQ(StateOf(o, {}, {}, D(2025, 3, 2)), OccurrenceState::kUpcoming);
  EXPECT_EQ(StateOf(o, {}, {}, D(2025, 3, 3)), OccurrenceState::kUpcoming);
  EXPECT_EQ(StateOf(o, {}, {}, D(2025, 3, 4)), OccurrenceState::kMissed);
}

TEST(StateOfTest, HeldWhenARecordFulfilsIt) {
  const Occurrence o = OccurrenceOn(D(2025, 3, 1), D(2025, 3, 3));
  EXPECT_EQ(StateOf(o, {}, {Held(D(2025, 3, 1), D(2025, 3, 3))}, D(2025, 3, 3)),
            OccurrenceState::kHeld);
  // Held on a postponed day, seen later.
  EXPECT_EQ(StateOf(o, {Postponed(D(2025, 3, 1), D(2025, 3, 10), 1)},
                    {Held(D(2025, 3, 1), D(2025, 3, 10))}, D(2025, 6, 1)),
            OccurrenceState::kHeld);
  // Records of other occurrences (or extra meetings) do not fulfil it.
  const std::vector<HeldMeeting> others = {
      Held(D(2025, 2, 1), D(2025, 3, 3)),
      Held(absl::CivilDay(), D(2025, 3, 3))};
  EXPECT_EQ(StateOf(o, {}, others, D(2025, 3, 10)), OccurrenceState::kMissed);
}

TEST(StateOfTest, PostponedWhileTheNewDayHasNotPassed) {
  const Occurrence o = OccurrenceOn(D(2025, 3, 1), D(2025, 3, 3));
  const std::vector<Postponement> p = {
      Postponed(D(2025, 3, 1), D(2025, 3, 10), 1)};
  EXPECT_EQ(StateOf(o, p, {}, D(2025, 3, 1)), OccurrenceState::kPostponed);
  EXPECT_EQ(StateOf(o, p, {}, D(2025, 3, 5)), OccurrenceState::kPostponed);
  EXPECT_EQ(StateOf(o, p, {}, D(2025, 3, 10)), OccurrenceState::kPostponed);
  EXPECT_EQ(StateOf(o, p, {}, D(2025, 3, 11)), OccurrenceState::kMissed);
}

TEST(StateOfTest, PostponedIntoTheNextMonth) {
  const Occurrence o = OccurrenceOn(D(2025, 3, 31), D(2025, 3, 31));
  const std::vector<Postponement> p = {
      Postponed(D(2025, 3, 31), D(2025, 4, 3), 1)};
  EXPECT_EQ(StateOf(o, p, {}, D(2025, 4, 2)), OccurrenceState::kPostponed);
  EXPECT_EQ(StateOf(o, p, {}, D(2025, 4, 4)), OccurrenceState::kMissed);
  EXPECT_EQ(StateOf(o, p, {Held(D(2025, 3, 31), D(2025, 4, 3))}, D(2025, 4, 4)),
            OccurrenceState::kHeld);
}

TEST(StateOfTest, TheLatestPostponementDecides) {
  const Occurrence o = OccurrenceOn(D(2025, 3, 5), D(2025, 3, 5));
  // Given out of order: the second (to 19 Mar) decides.
  const std::vector<Postponement> p = {
      Postponed(D(2025, 3, 5), D(2025, 3, 19), 2),
      Postponed(D(2025, 3, 5), D(2025, 3, 12), 1)};
  EXPECT_EQ(StateOf(o, p, {}, D(2025, 3, 15)), OccurrenceState::kPostponed);
  EXPECT_EQ(StateOf(o, p, {}, D(2025, 3, 19)), OccurrenceState::kPostponed);
  EXPECT_EQ(StateOf(o, p, {}, D(2025, 3, 20)), OccurrenceState::kMissed);
  // Only the first: missed by 15 Mar.
  EXPECT_EQ(StateOf(o, {p[1]}, {}, D(2025, 3, 15)), OccurrenceState::kMissed);
}

TEST(StateOfTest, OtherOccurrencesPostponementsAreIgnored) {
  const Occurrence o = OccurrenceOn(D(2025, 3, 5), D(2025, 3, 5));
  const std::vector<Postponement> p = {
      Postponed(D(2025, 4, 5), D(2025, 4, 20), 1)};
  EXPECT_EQ(StateOf(o, p, {}, D(2025, 3, 6)), OccurrenceState::kMissed);
  EXPECT_EQ(StateOf(o, p, {}, D(2025, 3, 4)), OccurrenceState::kUpcoming);
}

// Historical backfill: reported after the day is allowed (late), a past
// new day too; a report in the future or a new day not after the due day
// is not.
TEST(BackfilledPostponementTest, LateReportsAndPastDaysAreHistory) {
  const absl::CivilDay today = D(2026, 12, 2);
  EXPECT_TRUE(CheckBackfilledPostponement(D(2023, 6, 5), D(2023, 6, 22),
                                          D(2023, 6, 20), today)
                  .ok());
  EXPECT_TRUE(ReportedLate(D(2023, 6, 5), D(2023, 6, 20)));
  EXPECT_FALSE(ReportedLate(D(2023, 6, 5), D(2023, 6, 5)));  // on the day
  absl::Status future = CheckBackfilledPostponement(
      D(2023, 6, 5), D(2023, 6, 22), D(2026, 12, 3), today);
  EXPECT_EQ(future.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(future.message(), HasSubstr("report_time: 2026-12-03"));
  absl::Status same_day = CheckBackfilledPostponement(
      D(2023, 6, 5), D(2023, 6, 5), D(2023, 6, 1), today);
  EXPECT_THAT(same_day.message(), HasSubstr("new_date: 2023-06-05"));
  // The live rule refuses the same history.
  EXPECT_EQ(CheckPostponement(D(2023, 6, 5), D(2023, 6, 22), today).code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace chibo::scheduling
