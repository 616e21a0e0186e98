// The contract <-> rule conversions and their validation.

#include "services/scheduling/proto_codec.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace chibo::scheduling {
namespace {

TEST(TimeOfDayTest, ParsesAndFormats) {
  EXPECT_EQ(*ParseTimeOfDay("00:00", "t"), 0);
  EXPECT_EQ(*ParseTimeOfDay("14:30", "t"), 14 * 60 + 30);
  EXPECT_EQ(*ParseTimeOfDay("23:59", "t"), 23 * 60 + 59);
  EXPECT_EQ(FormatTimeOfDay(8 * 60 + 5), "08:05");
  for (const char* bad :
       {"24:00", "7:30", "07:60", "0730", "ab:cd", "", "07:30:00", "-1:00"}) {
    auto parsed = ParseTimeOfDay(bad, "new_time");
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_TRUE(absl::StartsWith(parsed.status().message(), "new_time:"))
        << parsed.status();
  }
}

TEST(LocalDateTimeTest, RoundTrips) {
  auto minute = ParseLocalDateTime("2024-02-29T07:45", "start");
  ASSERT_TRUE(minute.ok()) << minute.status();
  EXPECT_EQ(*minute, absl::CivilMinute(2024, 2, 29, 7, 45));
  EXPECT_EQ(FormatLocalDateTime(*minute), "2024-02-29T07:45");
  for (const char* bad : {"2023-02-29T07:45", "2024-02-29 07:45",
                          "2024-02-29T7:45", "2024-02-29", "x"}) {
    EXPECT_FALSE(ParseLocalDateTime(bad, "start").ok()) << bad;
  }
}

v1::MeetingRuleVersion DayOne() {
  v1::MeetingRuleVersion v;
  v.set_pattern(v1::DAY_PATTERN_DAY_OF_MONTH);
  v.set_day_of_month(1);
  v.set_effective_from("2025-01-01");
  return v;
}

TEST(RuleFromProtoTest, AppliesTheDefaults) {
  auto rule = RuleFromProto(DayOne(), "rule.versions[0]");
  ASSERT_TRUE(rule.ok()) << rule.status();
  EXPECT_EQ(rule->start_minute, 14 * 60);
  EXPECT_EQ(rule->min_minutes, 90);
  EXPECT_EQ(rule->combined_min_minutes, 120);
  EXPECT_EQ(rule->shift, NonWorkingDayShift::kNextWorkingDay);
  EXPECT_EQ(rule->effective_to, absl::CivilDay(9999, 12, 31));
  v1::MeetingRuleVersion back;
  RuleToProto(*rule, &back);
  EXPECT_EQ(back.start_time(), "14:00");
  EXPECT_EQ(back.effective_to(), "");
  EXPECT_EQ(back.day_of_month(), 1);
}

TEST(RuleFromProtoTest, WeekdaysCountFromMonday) {
  v1::MeetingRuleVersion v = DayOne();
  v.set_pattern(v1::DAY_PATTERN_NTH_WEEKDAY);
  v.set_nth(-1);
  v.set_weekday(7);
  auto rule = RuleFromProto(v, "version");
  ASSERT_TRUE(rule.ok()) << rule.status();
  EXPECT_EQ(rule->weekday, absl::Weekday::sunday);
  v1::MeetingRuleVersion back;
  RuleToProto(*rule, &back);
  EXPECT_EQ(back.weekday(), 7);
  EXPECT_EQ(back.nth(), -1);
}

TEST(RuleFromProtoTest, ErrorsNameTheRequestField) {
  auto expect_field = [](v1::MeetingRuleVersion v, const std::string& field) {
    auto rule = RuleFromProto(v, "rule.versions[0]");
    ASSERT_FALSE(rule.ok()) << field;
    EXPECT_EQ(rule.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(
        absl::StartsWith(rule.status().message(), "rule.versions[0]." + field))
        << rule.status();
  };
  v1::MeetingRuleVersion v = DayOne();
  v.set_day_of_month(0);
  expect_field(v, "day_of_month");
  v = DayOne();
  v.clear_pattern();
  expect_field(v, "pattern");
  v = DayOne();
  v.clear_effective_from();
  expect_field(v, "effective_from");
  v = DayOne();
  v.set_effective_to("2024-12-31");
  expect_field(v, "effective_to");
  v = DayOne();
  v.set_start_time("9am");
  expect_field(v, "start_time");
  v = DayOne();
  v.set_shift(static_cast<v1::NonWorkingDayShift>(9));
  expect_field(v, "shift");
  v = DayOne();
  v.set_pattern(v1::DAY_PATTERN_NTH_WEEKDAY);
  v.set_nth(0);
  v.set_weekday(1);
  expect_field(v, "nth");
}

TEST(LabelsTest, MonthsAndQuarters) {
  EXPECT_EQ(MonthLabel(2025, 3), "2025-03");
  EXPECT_EQ(QuarterLabel(2025, 2), "2025-Q2");
}

TEST(CheckTextTest, LimitsAndUtf8) {
  EXPECT_TRUE(CheckText("Tự soi, tự sửa", "title", 100).ok());
  EXPECT_FALSE(CheckText(std::string(101, 'a'), "title", 100).ok());
  EXPECT_FALSE(CheckText("\xff\xfe", "title", 100).ok());
}

}  // namespace
}  // namespace chibo::scheduling
