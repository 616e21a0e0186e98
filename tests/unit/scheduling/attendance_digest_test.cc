// A record's marks as text on its row and back.

#include "services/scheduling/attendance_digest.h"

#include <map>
#include <random>

#include "gtest/gtest.h"
#include "services/scheduling/proto_codec.h"

namespace chibo::scheduling {
namespace {

NewAttendance Mark(int64_t member, v1::AttendanceMark mark) {
  NewAttendance a;
  a.member_id = member;
  a.mark = mark;
  a.reason = "Đi công tác";  // a reason never goes into the digest
  return a;
}

TEST(AttendanceDigestTest, IsByMemberIdWithTheStoredMark) {
  EXPECT_EQ(
      AttendanceDigestOf({Mark(15, v1::ATTENDANCE_MARK_ABSENT_WITHOUT_REASON),
                          Mark(12, v1::ATTENDANCE_MARK_PRESENT),
                          Mark(130, v1::ATTENDANCE_MARK_EXEMPT),
                          Mark(13, v1::ATTENDANCE_MARK_ABSENT_WITH_REASON)}),
      "12:1,13:2,15:3,130:4");
  EXPECT_EQ(AttendanceDigestOf({}), "");
}

TEST(AttendanceDigestTest, ParsesInItsOrder) {
  std::vector<AttendanceEntry> out = {{99, AttendanceMark::kExempt}};
  ASSERT_TRUE(ParseAttendanceDigest("12:1,13:2,15:3,130:4,9000000001:0", &out));
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].member_id, 12);
  EXPECT_EQ(out[0].mark, AttendanceMark::kPresent);
  EXPECT_EQ(out[1].mark, AttendanceMark::kAbsentWithReason);
  EXPECT_EQ(out[2].mark, AttendanceMark::kAbsentWithoutReason);
  EXPECT_EQ(out[3].member_id, 130);
  EXPECT_EQ(out[3].mark, AttendanceMark::kExempt);
  // As MarkFromProto reads a row: an unknown mark counts as present.
  EXPECT_EQ(out[4].member_id, 9000000001);
  EXPECT_EQ(out[4].mark, AttendanceMark::kPresent);
  ASSERT_TRUE(ParseAttendanceDigest("", &out));
  EXPECT_TRUE(out.empty());
}

TEST(AttendanceDigestTest, RefusesWhatIsNotADigest) {
  for (const char* bad :
       {"12", "12:", ":1", "12:1,", ",12:1", "12:1;13:2", "12:1,,13:2", "12 :1",
        "-12:1", "12:1x", "12:999", "1234567890123456789:1", "a:b"}) {
    std::vector<AttendanceEntry> out = {{1, AttendanceMark::kPresent}};
    EXPECT_FALSE(ParseAttendanceDigest(bad, &out)) << bad;
    EXPECT_TRUE(out.empty()) << bad;
  }
}

TEST(AttendanceDigestTest, RoundTripsRandomAttendance) {
  std::mt19937_64 random(7);
  const v1::AttendanceMark marks[] = {
      v1::ATTENDANCE_MARK_PRESENT, v1::ATTENDANCE_MARK_ABSENT_WITH_REASON,
      v1::ATTENDANCE_MARK_ABSENT_WITHOUT_REASON, v1::ATTENDANCE_MARK_EXEMPT};
  for (int round = 0; round < 500; ++round) {
    std::vector<NewAttendance> attendance;
    std::map<int64_t, v1::AttendanceMark> expected;
    const int n = static_cast<int>(random() % 80);
    for (int i = 0; i < n; ++i) {
      const int64_t member = 1 + static_cast<int64_t>(random() % 5000000);
      if (expected.count(member) > 0) continue;  // the table's primary key
      const v1::AttendanceMark mark = marks[random() % 4];
      expected[member] = mark;
      attendance.push_back(Mark(member, mark));
    }
    std::vector<AttendanceEntry> out;
    ASSERT_TRUE(ParseAttendanceDigest(AttendanceDigestOf(attendance), &out));
    ASSERT_EQ(out.size(), expected.size());
    size_t i = 0;
    for (const auto& [member, mark] : expected) {
      EXPECT_EQ(out[i].member_id, member);
      EXPECT_EQ(out[i].mark, MarkFromProto(mark));
      ++i;
    }
  }
}

}  // namespace
}  // namespace chibo::scheduling
