// ExportICalendar / ParseICalendar: RFC 5545 text, folding, escaping and the
// round trip.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kStamp = absl::FromCivil(
    absl::CivilSecond(2025, 3, 1, 1, 2, 3), absl::UTCTimeZone());

CalendarEvent Event(std::string uid, absl::CivilMinute start, int minutes,
                    std::string summary, std::string description,
                    bool postponed = false) {
  CalendarEvent event;
  event.uid = std::move(uid);
  event.start = start;
  event.minutes = minutes;
  event.summary = std::move(summary);
  event.description = std::move(description);
  event.postponed = postponed;
  return event;
}

// True if `s` is a complete, valid UTF-8 sequence.
bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80           ? 1
              : (c >> 5) == 0x6  ? 2
              : (c >> 4) == 0xE  ? 3
              : (c >> 3) == 0x1E ? 4
                                 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (int k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

// Every physical line: ends with CRLF, at most 75 octets, valid UTF-8 on
// its own (no split sequence), no bare CR or LF anywhere.
void ExpectWellFormedLines(const std::string& text) {
  ASSERT_TRUE(absl::EndsWith(text, "\r\n"));
  const std::vector<absl::string_view> lines = absl::StrSplit(
      absl::string_view(text).substr(0, text.size() - 2), "\r\n");
  for (absl::string_view line : lines) {
    EXPECT_LE(line.size(), 75u) << line;
    EXPECT_FALSE(absl::StrContains(line, "\r")) << line;
    EXPECT_FALSE(absl::StrContains(line, "\n")) << line;
    EXPECT_TRUE(IsValidUtf8(line)) << line;
    EXPECT_FALSE(line.empty());
  }
}

std::string Unfold(const std::string& text) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(text, "\r\n")) {
    if (!line.empty() && line[0] == ' ') {
      absl::StrAppend(&out, line.substr(1));
    } else {
      if (!out.empty()) out += '\n';
      absl::StrAppend(&out, line);
    }
  }
  return out;
}

void ExpectSameEvents(const std::vector<CalendarEvent>& got,
                      const std::vector<CalendarEvent>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].uid, want[i].uid) << i;
    EXPECT_EQ(got[i].start, want[i].start) << i;
    EXPECT_EQ(got[i].minutes, want[i].minutes) << i;
    EXPECT_EQ(got[i].summary, want[i].summary) << i;
    EXPECT_EQ(got[i].description, want[i].description) << i;
    EXPECT_EQ(got[i].postponed, want[i].postponed) << i;
  }
}

TEST(ExportICalendarTest, CalendarStructure) {
  const std::string text = ExportICalendar(
      "Chi bộ 1",
      {Event("100-2025-03-01@chibo", absl::CivilMinute(2025, 3, 3, 14, 0), 90,
             "Sinh hoạt chi bộ tháng 3", "")},
      kStamp);
  ExpectWellFormedLines(text);
  EXPECT_TRUE(absl::StartsWith(text, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
  EXPECT_TRUE(absl::EndsWith(text, "END:VEVENT\r\nEND:VCALENDAR\r\n"));
  for (const char* line : {
           "PRODID:-//chibo//scheduling//VI",
           "X-WR-CALNAME:Chi bộ 1",
           "BEGIN:VTIMEZONE\r\nTZID:Asia/Ho_Chi_Minh\r\nBEGIN:STANDARD\r\n"
           "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0700\r\n"
           "TZOFFSETTO:+0700\r\nTZNAME:+07\r\nEND:STANDARD\r\nEND:VTIMEZONE",
           "BEGIN:VEVENT\r\nUID:100-2025-03-01@chibo\r\n",
           "DTSTAMP:20250301T010203Z\r\n",
           "DTSTART;TZID=Asia/Ho_Chi_Minh:20250303T140000\r\n",
           "DTEND;TZID=Asia/Ho_Chi_Minh:20250303T153000\r\n",
           "SUMMARY:Sinh hoạt chi bộ tháng 3\r\n",
           "STATUS:CONFIRMED\r\n",
       }) {
    EXPECT_THAT(text, HasSubstr(line));
  }
  EXPECT_THAT(text, Not(HasSubstr("DESCRIPTION")));  // empty: left out
  EXPECT_THAT(text, Not(HasSubstr("X-CHIBO-POSTPONED")));
}

TEST(ExportICalendarTest, NoEvents) {
  const std::string text = ExportICalendar("Trống", {}, kStamp);
  ExpectWellFormedLines(text);
  EXPECT_THAT(text, Not(HasSubstr("VEVENT")));
  absl::StatusOr<std::vector<CalendarEvent>> parsed = ParseICalendar(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->empty());
}

TEST(ExportICalendarTest, EndCrossesMidnightAndMonth) {
  const std::string text = ExportICalendar(
      "x", {Event("u", absl::CivilMinute(2025, 1, 31, 23, 0), 120, "s", "")},
      kStamp);
  EXPECT_THAT(text, HasSubstr("DTEND;TZID=Asia/Ho_Chi_Minh:20250201T010000"));
}

TEST(ExportICalendarTest, EscapesText) {
  const std::string text = ExportICalendar(
      "a,b;c",
      {Event("u", absl::CivilMinute(2025, 3, 3, 14, 0), 90,
             "Họp; chi bộ, tháng 3", "Dòng 1\nDòng 2\\hết\r\nDòng 3")},
      kStamp);
  const std::string unfolded = Unfold(text);
  EXPECT_THAT(unfolded, HasSubstr("X-WR-CALNAME:a\\,b\\;c\n"));
  EXPECT_THAT(unfolded, HasSubstr("SUMMARY:Họp\\; chi bộ\\, tháng 3\n"));
  EXPECT_THAT(unfolded,
              HasSubstr("DESCRIPTION:Dòng 1\\nDòng 2\\\\hết\\nDòng 3\n"));
}

TEST(ExportICalendarTest, PostponedEvents) {
  const std::string text = ExportICalendar(
      "x",
      {Event("100-2025-03-01@chibo", absl::CivilMinute(2025, 3, 10, 8, 30), 90,
             "Sinh hoạt chi bộ", "Lý do: trùng lịch hội nghị", true)},
      kStamp);
  ExpectWellFormedLines(text);
  const std::string unfolded = Unfold(text);
  EXPECT_THAT(unfolded, HasSubstr("STATUS:CONFIRMED\n"));
  EXPECT_THAT(unfolded, HasSubstr("X-CHIBO-POSTPONED:TRUE\n"));
  EXPECT_THAT(unfolded, HasSubstr("DESCRIPTION:Lý do: trùng lịch hội nghị"
                                  "\\n\\nĐã hoãn: họp lúc 08:30 ngày "
                                  "10/03/2025\n"));
  EXPECT_THAT(unfolded,
              HasSubstr("DTSTART;TZID=Asia/Ho_Chi_Minh:20250310T083000"));
}

TEST(ExportICalendarTest, LongLinesAreFolded) {
  std::string description;
  for (int i = 0; i < 20; ++i) {
    absl::StrAppend(&description,
                    "Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIV của "
                    "Đảng; ");
  }
  const std::string text = ExportICalendar(
      "x",
      {Event("u", absl::CivilMinute(2025, 3, 3, 14, 0), 90, "s", description)},
      kStamp);
  ExpectWellFormedLines(text);
  EXPECT_THAT(text, HasSubstr("\r\n "));  // folded
  // Folded lines are as long as they may be: 75 octets, less at most a
  // UTF-8 sequence's continuation.
  for (absl::string_view line : absl::StrSplit(text, "\r\n")) {
    if (absl::StartsWith(line, "DESCRIPTION:")) {
      EXPECT_GE(line.size(), 72u);
    }
  }
  absl::StatusOr<std::vector<CalendarEvent>> parsed = ParseICalendar(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].description, description);
}

// Every length and alignment of 1-, 2-, 3- and 4-octet characters around
// the fold points.
TEST(ExportICalendarTest, FoldingNeverSplitsUtf8Exhaustive) {
  const std::vector<std::string> characters = {"a", "đ", "ệ", "𝄞", ","};
  for (const std::string& character : characters) {
    for (int prefix = 0; prefix < 4; ++prefix) {
      for (int count = 20; count <= 120; ++count) {
        std::string summary(prefix, 'x');
        for (int i = 0; i < count; ++i) summary += character;
        const CalendarEvent event = Event(
            "u", absl::CivilMinute(2025, 3, 3, 14, 0), 90, summary, summary);
        const std::string text = ExportICalendar(summary, {event}, kStamp);
        ExpectWellFormedLines(text);
        absl::StatusOr<std::vector<CalendarEvent>> parsed =
            ParseICalendar(text);
        ASSERT_TRUE(parsed.ok()) << parsed.status();
        ExpectSameEvents(*parsed, {event});
        if (HasFailure()) return;
      }
    }
  }
}

TEST(ICalendarRoundTripTest, VietnameseTextAndPunctuation) {
  const std::vector<CalendarEvent> events = {
      Event("100-2025-01-01@chibo", absl::CivilMinute(2025, 1, 2, 14, 0), 90,
            "Sinh hoạt chi bộ tháng 1/2025",
            "Nội dung: kiểm điểm, đánh giá; bình xét đảng viên.\n"
            "Chuẩn bị: đồng chí Nguyễn Thị Hương (bí thư).\n"
            "Tài liệu: \\\\server\\share; \"Quy định 69-QĐ/TW\""),
      Event("100-2025-02-01@chibo", absl::CivilMinute(2025, 2, 3, 7, 30), 120,
            "Sinh hoạt chuyên đề: \"Tự soi, tự sửa\"",
            "Kết hợp sinh hoạt thường kỳ và chuyên đề (tối thiểu 120 phút)."),
      Event("100-2025-03-01@chibo", absl::CivilMinute(2025, 3, 12, 14, 0), 90,
            "Sinh hoạt chi bộ tháng 3 (đã hoãn)",
            "Hoãn vì trùng Hội nghị Ban Chấp hành Đảng bộ Khối.", true),
      Event("100-2025-04-01@chibo", absl::CivilMinute(2025, 4, 1, 14, 0), 90,
            "", ""),
      Event("100-2025-05-01@chibo", absl::CivilMinute(2025, 5, 5, 14, 0), 90,
            "Postponed, no description", "", true),
      Event("a;b,c\\d", absl::CivilMinute(2025, 6, 2, 0, 0), 0, ",;\\\n",
            "\n\n"),
  };
  const std::string text =
      ExportICalendar("Chi bộ Văn phòng, Đảng ủy Khối", events, kStamp);
  ExpectWellFormedLines(text);
  absl::StatusOr<std::vector<CalendarEvent>> parsed = ParseICalendar(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ExpectSameEvents(*parsed, events);
  // And once more: export of the parse is byte for byte the same.
  EXPECT_EQ(ExportICalendar("Chi bộ Văn phòng, Đảng ủy Khối", *parsed, kStamp),
            text);
}

TEST(ICalendarRoundTripTest, CarriageReturnsBecomeNewlines) {
  const CalendarEvent event =
      Event("u", absl::CivilMinute(2025, 3, 3, 14, 0), 90, "a\r\nb\rc", "");
  absl::StatusOr<std::vector<CalendarEvent>> parsed =
      ParseICalendar(ExportICalendar("x", {event}, kStamp));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ((*parsed)[0].summary, "a\nb\nc");
}

// ---------------------------------------------------------------------------
// ParseICalendar on text written elsewhere.

TEST(ParseICalendarTest, ToleratesLfUtcTabsAndUnknownProperties) {
  const std::string text =
      "BEGIN:VCALENDAR\n"
      "VERSION:2.0\n"
      "PRODID:-//other//EN\n"
      "BEGIN:VEVENT\n"
      "UID:x@y\n"
      "DTSTART:20250303T070000Z\n"
      "DTEND;TZID=\"Asia/Ho_Chi_Minh\":20250303T153000\n"
      "SUMMARY:Họp chi\n"
      "\tbộ\n"
      "LOCATION:Hội trường\n"
      "BEGIN:VALARM\n"
      "ACTION:DISPLAY\n"
      "DESCRIPTION:nhắc\n"
      "END:VALARM\n"
      "END:VEVENT\n"
      "END:VCALENDAR\n";
  absl::StatusOr<std::vector<CalendarEvent>> parsed = ParseICalendar(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].start, absl::CivilMinute(2025, 3, 3, 14, 0));
  EXPECT_EQ((*parsed)[0].minutes, 90);
  EXPECT_EQ((*parsed)[0].summary, "Họp chibộ");
  EXPECT_EQ((*parsed)[0].description, "");  // the alarm's is not the event's
  EXPECT_FALSE((*parsed)[0].postponed);
}

TEST(ParseICalendarTest, RejectsWhatIsNotSuchACalendar) {
  const std::string head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n";
  const std::string event_head = head + "BEGIN:VEVENT\r\nUID:u\r\n";
  const std::string times =
      "DTSTART;TZID=Asia/Ho_Chi_Minh:20250303T140000\r\n"
      "DTEND;TZID=Asia/Ho_Chi_Minh:20250303T153000\r\n";
  const std::string tail = "END:VEVENT\r\nEND:VCALENDAR\r\n";
  // The well-formed one, to show the pieces fit.
  ASSERT_TRUE(ParseICalendar(event_head + times + tail).ok());

  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", "BEGIN:VCALENDAR"},
      {"hello world\r\n", "no ':'"},
      {"BEGIN:VEVENT\r\nEND:VEVENT\r\n", "BEGIN:VCALENDAR"},
      {head, "never closed"},
      {event_head + times, "never closed"},
      {"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "VERSION"},
      {"BEGIN:VCALENDAR\r\nVERSION:1.0\r\nEND:VCALENDAR\r\n", "VERSION 1.0"},
      {head + "END:VCALENDAR\r\nX:1\r\n", "after END:VCALENDAR"},
      {" continued\r\n" + head, "continuation"},
      {head + "BEGIN:VEVENT\r\n" + times + tail, "without UID"},
      {event_head + "DTEND;TZID=Asia/Ho_Chi_Minh:20250303T153000\r\n" + tail,
       "without DTSTART"},
      {event_head + "DTSTART;TZID=Asia/Ho_Chi_Minh:20250303T140000\r\n" + tail,
       "without DTEND"},
      {event_head +
           "DTSTART;TZID=Europe/Paris:20250303T140000\r\n"
           "DTEND;TZID=Asia/Ho_Chi_Minh:20250303T153000\r\n" +
           tail,
       "Europe/Paris"},
      {event_head + "DTSTART;TZID=Asia/Ho_Chi_Minh:20250303T140000\r\n" +
           times + tail,
       "DTSTART given twice"},
      {event_head +
           "DTSTART;TZID=Asia/Ho_Chi_Minh:20250230T140000\r\n"
           "DTEND;TZID=Asia/Ho_Chi_Minh:20250303T153000\r\n" +
           tail,
       "no such date-time"},
      {event_head +
           "DTSTART;TZID=Asia/Ho_Chi_Minh:2025-03-03T14:00\r\n"
           "DTEND;TZID=Asia/Ho_Chi_Minh:20250303T153000\r\n" +
           tail,
       "bad date-time"},
      {event_head +
           "DTSTART;VALUE=DATE:20250303\r\n"
           "DTEND;TZID=Asia/Ho_Chi_Minh:20250303T153000\r\n" +
           tail,
       "VALUE=DATE"},
      {event_head +
           "DTSTART;TZID=Asia/Ho_Chi_Minh:20250303T160000\r\n"
           "DTEND;TZID=Asia/Ho_Chi_Minh:20250303T153000\r\n" +
           tail,
       "DTEND is before DTSTART"},
      {event_head + times + "SUMMARY:a\\qb\r\n" + tail, "unknown escape"},
      {event_head + times + "SUMMARY:ab\\\r\n" + tail, "lone"},
      {event_head + times + "X-CHIBO-POSTPONED:MAYBE\r\n" + tail,
       "TRUE or FALSE"},
      {event_head + times + "UID:again\r\n" + tail, "UID given twice"},
      {event_head + times + "END:VTODO\r\nEND:VCALENDAR\r\n",
       "END:VTODO closes BEGIN:VEVENT"},
      {event_head + "BEGIN:VEVENT\r\n" + times + tail + tail,
       "VEVENT not directly inside VCALENDAR"},
      {head + "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nEND:VCALENDAR\r\n",
       "nested VCALENDAR"},
      {head + "X;P:1\r\nEND:VCALENDAR\r\n", "parameter without '='"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<CalendarEvent>> parsed = ParseICalendar(c.text);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << c.text;
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.message)) << c.text;
  }
}

TEST(ParseICalendarTest, ErrorsNameThePhysicalLine) {
  const std::string text =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:u\r\n"
      "DTSTART;TZID=Asia/Ho_Chi_Minh:20250303T140000\r\n"
      "DTEND;TZID=Asia/Ho_Chi_Minh:2025\r\n 0303T1X3000\r\n"
      "END:VEVENT\r\nEND:VCALENDAR\r\n";
  absl::StatusOr<std::vector<CalendarEvent>> parsed = ParseICalendar(text);
  EXPECT_THAT(parsed.status().message(), HasSubstr("line 6"));
}

TEST(ParseICalendarTest, PostponedFlagWithoutOurNoteKeepsTheDescription) {
  const std::string text =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:u\r\n"
      "DTSTART;TZID=Asia/Ho_Chi_Minh:20250303T140000\r\n"
      "DTEND;TZID=Asia/Ho_Chi_Minh:20250303T153000\r\n"
      "DESCRIPTION:Ghi chú riêng\r\nX-CHIBO-POSTPONED:true\r\n"
      "END:VEVENT\r\nEND:VCALENDAR\r\n";
  absl::StatusOr<std::vector<CalendarEvent>> parsed = ParseICalendar(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE((*parsed)[0].postponed);
  EXPECT_EQ((*parsed)[0].description, "Ghi chú riêng");
}

}  // namespace
}  // namespace chibo::scheduling
