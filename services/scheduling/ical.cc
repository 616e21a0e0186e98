// RFC 5545 export of a cell's schedule, and the parser that reads it back.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling {

namespace {

constexpr absl::string_view kTzid = "Asia/Ho_Chi_Minh";
constexpr absl::string_view kProdId = "-//chibo//scheduling//VI";
constexpr absl::string_view kPostponedProperty = "X-CHIBO-POSTPONED";
// Vietnam has kept UTC+7 without daylight saving since 1975.
constexpr int kUtcOffsetMinutes = 7 * 60;
// RFC 5545 3.1: content lines are folded to at most 75 octets.
constexpr size_t kMaxLineOctets = 75;

// ---------------------------------------------------------------------------
// Writing.

// TEXT escaping (RFC 5545 3.3.11). CR LF and a lone CR become a newline;
// control characters other than TAB are dropped (TEXT cannot carry them).
std::string EscapeText(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case ';':
        out += "\\;";
        break;
      case ',':
        out += "\\,";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') break;  // CR LF
        out += "\\n";
        break;
      default:
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
          break;
        }
        out += c;
    }
  }
  return out;
}

bool IsUtf8Continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Appends `line` folded (RFC 5545 3.1): physical lines of at most 75
// octets, continuation lines starting with one space, never splitting a
// UTF-8 sequence; every physical line ends with CRLF.
void AppendFolded(absl::string_view line, std::string* out) {
  size_t limit = kMaxLineOctets;
  while (line.size() > limit) {
    size_t cut = limit;
    while (cut > 0 && IsUtf8Continuation(line[cut])) --cut;
    if (cut == 0) cut = limit;  // not UTF-8 at all: cut anywhere
    absl::StrAppend(out, line.substr(0, cut), "\r\n ");
    line.remove_prefix(cut);
    limit = kMaxLineOctets - 1;  // the leading space takes one octet
  }
  absl::StrAppend(out, line, "\r\n");
}

std::string FormatLocal(absl::CivilMinute minute) {
  return absl::StrFormat("%04d%02d%02dT%02d%02d00", minute.year(),
                         minute.month(), minute.day(), minute.hour(),
                         minute.minute());
}

// The note added to a postponed event's description, so that a calendar
// application shows it.
std::string PostponedNote(absl::CivilMinute start) {
  return absl::StrFormat("Đã hoãn: họp lúc %02d:%02d ngày %02d/%02d/%04d",
                         start.hour(), start.minute(), start.day(),
                         start.month(), start.year());
}

constexpr absl::string_view kNoteSeparator = "\n\n";

// ---------------------------------------------------------------------------
// Reading.

struct ContentLine {
  int line_number = 0;  // of its first physical line, from 1
  std::string name;     // upper case
  std::vector<std::pair<std::string, std::string>> params;  // NAME, value
  std::string value;
};

absl::Status LineError(int line_number, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("icalendar line ", line_number, ": ", message));
}

absl::StatusOr<ContentLine> ParseContentLine(int line_number,
                                             absl::string_view text) {
  ContentLine line;
  line.line_number = line_number;
  size_t i = 0;
  while (i < text.size() && text[i] != ';' && text[i] != ':') ++i;
  if (i == 0) return LineError(line_number, "no property name");
  if (i == text.size()) return LineError(line_number, "no ':' before a value");
  line.name = absl::AsciiStrToUpper(text.substr(0, i));
  while (text[i] == ';') {
    ++i;
    const size_t name_start = i;
    while (i < text.size() && text[i] != '=') ++i;
    if (i == text.size()) {
      return LineError(line_number, "parameter without '='");
    }
    std::string name =
        absl::AsciiStrToUpper(text.substr(name_start, i - name_start));
    ++i;  // '='
    std::string value;
    bool quoted = false;
    while (i < text.size() && (quoted || (text[i] != ';' && text[i] != ':'))) {
      if (text[i] == '"') {
        quoted = !quoted;
      } else {
        value += text[i];
      }
      ++i;
    }
    if (i == text.size()) {
      return LineError(line_number, "no ':' before a value");
    }
    line.params.emplace_back(std::move(name), std::move(value));
  }
  line.value = std::string(text.substr(i + 1));  // text[i] == ':'
  return line;
}

// Splits on line ends (CRLF; a bare LF is tolerated) and unfolds.
absl::StatusOr<std::vector<ContentLine>> ContentLines(absl::string_view text) {
  std::vector<std::pair<int, std::string>> logical;
  int number = 0;
  while (!text.empty()) {
    ++number;
    size_t end = text.find('\n');
    absl::string_view physical = text.substr(0, end);
    text.remove_prefix(end == absl::string_view::npos ? text.size() : end + 1);
    if (absl::EndsWith(physical, "\r")) physical.remove_suffix(1);
    if (physical.empty()) continue;
    if (physical[0] == ' ' || physical[0] == '\t') {
      if (logical.empty()) {
        return LineError(number, "continuation line with nothing to continue");
      }
      absl::StrAppend(&logical.back().second, physical.substr(1));
      continue;
    }
    logical.emplace_back(number, std::string(physical));
  }
  std::vector<ContentLine> lines;
  lines.reserve(logical.size());
  for (const auto& [line_number, line_text] : logical) {
    ASSIGN_OR_RETURN(ContentLine line,
                     ParseContentLine(line_number, line_text));
    lines.push_back(std::move(line));
  }
  return lines;
}

absl::StatusOr<std::string> UnescapeText(const ContentLine& line) {
  std::string out;
  const std::string& value = line.value;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '\\') {
      out += value[i];
      continue;
    }
    if (++i == value.size()) {
      return LineError(line.line_number, "text ends with a lone '\\'");
    }
    switch (value[i]) {
      case 'n':
      case 'N':
        out += '\n';
        break;
      case '\\':
      case ';':
      case ',':
        out += value[i];
        break;
      default:
        return LineError(line.line_number,
                         absl::StrCat("unknown escape '\\", value.substr(i, 1),
                                      "' in ", line.name));
    }
  }
  return out;
}

absl::StatusOr<int> Digits(const ContentLine& line, absl::string_view text) {
  int value = 0;
  if (!std::all_of(text.begin(), text.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(text, &value)) {
    return LineError(line.line_number,
                     absl::StrCat(line.name, ": bad date-time '", line.value,
                                  "' (want YYYYMMDDTHHMMSS)"));
  }
  return value;
}

// A DTSTART/DTEND as Vietnam local time: TZID=Asia/Ho_Chi_Minh, UTC ("Z",
// converted) or floating (taken as Vietnam time).
absl::StatusOr<absl::CivilMinute> ParseDateTime(const ContentLine& line) {
  for (const auto& [name, value] : line.params) {
    if (name == "TZID" && value != kTzid) {
      return LineError(
          line.line_number,
          absl::StrCat(line.name, ": time zone '", value, "' is not ", kTzid));
    }
    if (name == "VALUE" && absl::AsciiStrToUpper(value) != "DATE-TIME") {
      return LineError(line.line_number,
                       absl::StrCat(line.name, ": VALUE=", value,
                                    " is not supported (want DATE-TIME)"));
    }
  }
  absl::string_view text = line.value;
  const bool utc = absl::ConsumeSuffix(&text, "Z");
  if (text.size() != 15 || text[8] != 'T') {
    return LineError(line.line_number,
                     absl::StrCat(line.name, ": bad date-time '", line.value,
                                  "' (want YYYYMMDDTHHMMSS)"));
  }
  ASSIGN_OR_RETURN(int year, Digits(line, text.substr(0, 4)));
  ASSIGN_OR_RETURN(int month, Digits(line, text.substr(4, 2)));
  ASSIGN_OR_RETURN(int day, Digits(line, text.substr(6, 2)));
  ASSIGN_OR_RETURN(int hour, Digits(line, text.substr(9, 2)));
  ASSIGN_OR_RETURN(int minute, Digits(line, text.substr(11, 2)));
  ASSIGN_OR_RETURN(int second, Digits(line, text.substr(13, 2)));
  const absl::CivilSecond parsed(year, month, day, hour, minute, second);
  if (parsed.year() != year || parsed.month() != month || parsed.day() != day ||
      parsed.hour() != hour || parsed.minute() != minute ||
      parsed.second() != second) {
    return LineError(
        line.line_number,
        absl::StrCat(line.name, ": no such date-time '", line.value, "'"));
  }
  absl::CivilMinute result(parsed);
  if (utc) result += kUtcOffsetMinutes;
  return result;
}

struct EventFields {
  int line_number = 0;
  const ContentLine* uid = nullptr;
  const ContentLine* start = nullptr;
  const ContentLine* end = nullptr;
  const ContentLine* summary = nullptr;
  const ContentLine* description = nullptr;
  const ContentLine* postponed = nullptr;
};

absl::StatusOr<CalendarEvent> BuildEvent(const EventFields& fields) {
  auto missing = [&](absl::string_view name) {
    return LineError(fields.line_number, absl::StrCat("VEVENT without ", name));
  };
  if (fields.uid == nullptr) return missing("UID");
  if (fields.start == nullptr) return missing("DTSTART");
  if (fields.end == nullptr) return missing("DTEND");
  CalendarEvent event;
  ASSIGN_OR_RETURN(event.uid, UnescapeText(*fields.uid));
  ASSIGN_OR_RETURN(event.start, ParseDateTime(*fields.start));
  ASSIGN_OR_RETURN(const absl::CivilMinute end, ParseDateTime(*fields.end));
  if (end < event.start) {
    return LineError(fields.end->line_number, "DTEND is before DTSTART");
  }
  event.minutes = static_cast<int>(end - event.start);
  if (fields.summary != nullptr) {
    ASSIGN_OR_RETURN(event.summary, UnescapeText(*fields.summary));
  }
  if (fields.description != nullptr) {
    ASSIGN_OR_RETURN(event.description, UnescapeText(*fields.description));
  }
  if (fields.postponed != nullptr) {
    const std::string flag = absl::AsciiStrToUpper(fields.postponed->value);
    if (flag != "TRUE" && flag != "FALSE") {
      return LineError(
          fields.postponed->line_number,
          absl::StrCat(kPostponedProperty, ": want TRUE or FALSE"));
    }
    event.postponed = flag == "TRUE";
  }
  if (event.postponed) {
    // Take off the note ExportICalendar added.
    const std::string note = PostponedNote(event.start);
    absl::string_view description = event.description;
    if (absl::ConsumeSuffix(&description, note)) {
      if (!description.empty() &&
          !absl::ConsumeSuffix(&description, kNoteSeparator)) {
        description = event.description;  // not our note after all
      }
      event.description = std::string(description);
    }
  }
  return event;
}

}  // namespace

std::string ExportICalendar(const std::string& calendar_name,
                            const std::vector<CalendarEvent>& events,
                            absl::Time stamp) {
  std::string out;
  auto line = [&out](absl::string_view text) { AppendFolded(text, &out); };
  line("BEGIN:VCALENDAR");
  line("VERSION:2.0");
  line(absl::StrCat("PRODID:", kProdId));
  line("CALSCALE:GREGORIAN");
  line("METHOD:PUBLISH");
  line(absl::StrCat("X-WR-CALNAME:", EscapeText(calendar_name)));
  line(absl::StrCat("X-WR-TIMEZONE:", kTzid));
  line("BEGIN:VTIMEZONE");
  line(absl::StrCat("TZID:", kTzid));
  line("BEGIN:STANDARD");
  line("DTSTART:19700101T000000");
  line("TZOFFSETFROM:+0700");
  line("TZOFFSETTO:+0700");
  line("TZNAME:+07");
  line("END:STANDARD");
  line("END:VTIMEZONE");
  const std::string dtstamp =
      absl::FormatTime("%Y%m%dT%H%M%SZ", stamp, absl::UTCTimeZone());
  for (const CalendarEvent& event : events) {
    const int minutes = std::max(event.minutes, 0);
    line("BEGIN:VEVENT");
    line(absl::StrCat("UID:", EscapeText(event.uid)));
    line(absl::StrCat("DTSTAMP:", dtstamp));
    line(absl::StrCat("DTSTART;TZID=", kTzid, ":", FormatLocal(event.start)));
    line(absl::StrCat("DTEND;TZID=", kTzid, ":",
                      FormatLocal(event.start + minutes)));
    line(absl::StrCat("SUMMARY:", EscapeText(event.summary)));
    std::string description = event.description;
    if (event.postponed) {
      if (!description.empty()) absl::StrAppend(&description, kNoteSeparator);
      absl::StrAppend(&description, PostponedNote(event.start));
    }
    if (!description.empty()) {
      line(absl::StrCat("DESCRIPTION:", EscapeText(description)));
    }
    line("STATUS:CONFIRMED");
    if (event.postponed) line(absl::StrCat(kPostponedProperty, ":TRUE"));
    line("END:VEVENT");
  }
  line("END:VCALENDAR");
  return out;
}

absl::StatusOr<std::vector<CalendarEvent>> ParseICalendar(
    const std::string& text) {
  ASSIGN_OR_RETURN(const std::vector<ContentLine> lines, ContentLines(text));
  if (lines.empty() || lines.front().name != "BEGIN" ||
      absl::AsciiStrToUpper(lines.front().value) != "VCALENDAR") {
    return absl::InvalidArgumentError(
        "icalendar: text does not start with BEGIN:VCALENDAR");
  }
  std::vector<CalendarEvent> events;
  std::vector<std::string> components;  // open BEGINs, outermost first
  EventFields event;
  bool version_seen = false;
  bool ended = false;
  for (const ContentLine& line : lines) {
    if (ended) {
      return LineError(line.line_number, "content after END:VCALENDAR");
    }
    if (line.name == "BEGIN") {
      const std::string component = absl::AsciiStrToUpper(line.value);
      if (!components.empty() && component == "VCALENDAR") {
        return LineError(line.line_number, "nested VCALENDAR");
      }
      if (component == "VEVENT") {
        if (components.size() != 1) {
          return LineError(line.line_number,
                           "VEVENT not directly inside VCALENDAR");
        }
        event = EventFields();
        event.line_number = line.line_number;
      }
      components.push_back(component);
      continue;
    }
    if (components.empty()) {
      return LineError(line.line_number, "content outside VCALENDAR");
    }
    if (line.name == "END") {
      const std::string component = absl::AsciiStrToUpper(line.value);
      if (component != components.back()) {
        return LineError(line.line_number,
                         absl::StrCat("END:", line.value,
                                      " closes BEGIN:", components.back()));
      }
      components.pop_back();
      if (component == "VEVENT") {
        ASSIGN_OR_RETURN(CalendarEvent parsed, BuildEvent(event));
        events.push_back(std::move(parsed));
      }
      if (components.empty()) ended = true;
      continue;
    }
    if (components.size() == 1) {
      if (line.name == "VERSION") {
        if (line.value != "2.0") {
          return LineError(line.line_number,
                           absl::StrCat("VERSION ", line.value, " is not 2.0"));
        }
        version_seen = true;
      }
      continue;
    }
    if (components.back() != "VEVENT") continue;  // VTIMEZONE and the like
    const ContentLine** field = nullptr;
    if (line.name == "UID") {
      field = &event.uid;
    } else if (line.name == "DTSTART") {
      field = &event.start;
    } else if (line.name == "DTEND") {
      field = &event.end;
    } else if (line.name == "SUMMARY") {
      field = &event.summary;
    } else if (line.name == "DESCRIPTION") {
      field = &event.description;
    } else if (line.name == kPostponedProperty) {
      field = &event.postponed;
    } else {
      continue;
    }
    if (*field != nullptr) {
      return LineError(line.line_number,
                       absl::StrCat(line.name, " given twice in one VEVENT"));
    }
    *field = &line;
  }
  if (!ended) {
    return absl::InvalidArgumentError(
        absl::StrCat("icalendar: BEGIN:",
                     components.empty() ? "VCALENDAR" : components.back(),
                     " is never closed"));
  }
  if (!version_seen) {
    return absl::InvalidArgumentError("icalendar: no VERSION:2.0");
  }
  return events;
}

}  // namespace chibo::scheduling
