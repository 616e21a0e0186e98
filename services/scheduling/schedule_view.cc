#include "services/scheduling/schedule_view.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/dates.h"
#include "common/resource_name.h"
#include "services/scheduling/proto_codec.h"

namespace chibo::scheduling {
namespace {

v1::MeetingState StateToProto(OccurrenceState state) {
  switch (state) {
    case OccurrenceState::kHeld:
      return v1::MEETING_STATE_HELD;
    case OccurrenceState::kPostponed:
      return v1::MEETING_STATE_POSTPONED;
    case OccurrenceState::kMissed:
      return v1::MEETING_STATE_MISSED;
    case OccurrenceState::kUpcoming:
      return v1::MEETING_STATE_UPCOMING;
  }
  return v1::MEETING_STATE_UNSPECIFIED;
}

// The records as the pure rules take them. Without marks for the rules
// that only ask which occurrences were held (StateOf): a province's year
// holds about a million marks, and copying them is most of a report.
std::vector<HeldMeeting> Held(const std::vector<const StoredRecord*>& records,
                              bool with_marks) {
  std::vector<HeldMeeting> held;
  held.reserve(records.size());
  for (const StoredRecord* record : records) {
    HeldMeeting& meeting = held.emplace_back();
    meeting.nominal_day = record->meeting.nominal_day;
    meeting.day = record->meeting.day;
    meeting.kind = record->meeting.kind;
    meeting.start = record->meeting.start;
    meeting.end = record->meeting.end;
    if (with_marks) meeting.attendance = record->meeting.attendance;
  }
  return held;
}

std::vector<const StoredRecord*> All(const std::vector<StoredRecord>& records) {
  std::vector<const StoredRecord*> all;
  all.reserve(records.size());
  for (const StoredRecord& record : records) all.push_back(&record);
  return all;
}

std::string RuleLabel(int64_t rule_id, int32_t version) {
  return absl::StrCat(ResourceName("meetingRules", rule_id), " v", version);
}

}  // namespace

std::vector<v1::Meeting> BuildMeetings(const CellData& data,
                                       const WorkingCalendar& calendar,
                                       absl::CivilDay from, absl::CivilDay to,
                                       absl::CivilDay today) {
  return BuildMeetings(data, ExpandSchedule(data.rules, calendar, from, to),
                       from, to, today);
}

std::vector<v1::Meeting> BuildMeetings(
    const CellData& data, const std::vector<Occurrence>& occurrences,
    absl::CivilDay from, absl::CivilDay to, absl::CivilDay today) {
  const std::string cell = ResourceName("organizations", data.cell.id);
  const std::vector<HeldMeeting> held =
      Held(All(data.records), /*with_marks=*/false);
  std::vector<v1::Meeting> meetings;
  for (const Occurrence& occurrence : occurrences) {
    v1::Meeting meeting;
    meeting.set_cell(cell);
    meeting.set_nominal_date(FormatDate(occurrence.nominal_day));
    meeting.set_scheduled_date(FormatDate(occurrence.day));
    meeting.set_start_time(FormatTimeOfDay(occurrence.start_minute));
    meeting.set_date(meeting.scheduled_date());
    meeting.set_time(meeting.start_time());
    meeting.set_min_minutes(occurrence.min_minutes);
    meeting.set_rule(ResourceName("meetingRules", occurrence.rule_id));
    meeting.set_rule_version(occurrence.rule_version);
    std::vector<Postponement> postponements;
    auto found = data.postponements.find(occurrence.nominal_day);
    if (found != data.postponements.end()) {
      for (const StoredPostponement& p : found->second) {
        postponements.push_back(p.rule);
        *meeting.add_postponements() = p.proto;
        meeting.set_date(p.proto.new_date());
        meeting.set_time(p.proto.new_time());
      }
    }
    for (const StoredRecord& record : data.records) {
      if (record.meeting.nominal_day == occurrence.nominal_day) {
        meeting.set_record(ResourceName("meetings", record.id));
        meeting.set_record_kind(record.kind);
        meeting.set_record_form(record.form);
      }
    }
    meeting.set_state(
        StateToProto(StateOf(occurrence, postponements, held, today)));
    meetings.push_back(std::move(meeting));
  }
  // Extra meetings (a thematic one outside the rule's day, say) fulfil no
  // occurrence but were held all the same.
  for (const StoredRecord& record : data.records) {
    if (record.meeting.nominal_day != absl::CivilDay() ||
        record.meeting.day < from || record.meeting.day > to) {
      continue;
    }
    v1::Meeting meeting;
    meeting.set_cell(cell);
    meeting.set_date(FormatDate(record.meeting.day));
    meeting.set_time(FormatTimeOfDay(static_cast<int>(
        record.meeting.start - absl::CivilMinute(record.meeting.day))));
    meeting.set_min_minutes(record.min_minutes);
    if (record.rule_id != 0) {
      meeting.set_rule(ResourceName("meetingRules", record.rule_id));
      meeting.set_rule_version(record.rule_version);
    }
    meeting.set_state(v1::MEETING_STATE_HELD);
    meeting.set_record(ResourceName("meetings", record.id));
    meeting.set_record_kind(record.kind);
    meeting.set_record_form(record.form);
    meetings.push_back(std::move(meeting));
  }
  std::stable_sort(meetings.begin(), meetings.end(),
                   [](const v1::Meeting& a, const v1::Meeting& b) {
                     return a.date() < b.date();
                   });
  return meetings;
}

std::optional<Occurrence> FindOccurrence(const std::vector<MeetingRule>& rules,
                                         const WorkingCalendar& calendar,
                                         absl::CivilDay nominal_day) {
  // A shift moves a meeting at most a month either way.
  for (const Occurrence& occurrence :
       ExpandSchedule(rules, calendar, nominal_day - 40, nominal_day + 40)) {
    if (occurrence.nominal_day == nominal_day) return occurrence;
  }
  return std::nullopt;
}

v1::CellCompliance CellComplianceOf(const CellData& data,
                                    const WorkingCalendar& calendar,
                                    absl::CivilDay from, absl::CivilDay to,
                                    absl::CivilDay today,
                                    std::vector<v1::AbsenceAlert>* alerts) {
  v1::CellCompliance out;
  out.set_cell(ResourceName("organizations", data.cell.id));
  // Records that count for the period: by the day they count for.
  std::vector<const StoredRecord*> in_period;
  for (const StoredRecord& record : data.records) {
    const absl::CivilDay counts_for =
        record.meeting.nominal_day == absl::CivilDay()
            ? record.meeting.day
            : record.meeting.nominal_day;
    if (counts_for >= from && counts_for <= to) in_period.push_back(&record);
  }
  const std::vector<HeldMeeting> held = Held(in_period, /*with_marks=*/true);

  for (const MonthCompliance& month : MonthlyCompliance(held, from, to)) {
    out.set_months(out.months() + 1);
    if (month.regular_held) {
      out.set_months_with_regular_meeting(out.months_with_regular_meeting() +
                                          1);
    } else {
      out.add_months_missing_regular(MonthLabel(month.year, month.month));
    }
  }
  for (const QuarterCompliance& quarter : QuarterlyCompliance(held, from, to)) {
    out.set_quarters(out.quarters() + 1);
    if (quarter.thematic_held) {
      out.set_quarters_with_thematic_meeting(
          out.quarters_with_thematic_meeting() + 1);
    } else {
      out.add_quarters_missing_thematic(
          QuarterLabel(quarter.year, quarter.quarter));
    }
  }

  std::set<std::string> rule_versions;
  for (const v1::Meeting& meeting :
       BuildMeetings(data, calendar, from, to, today)) {
    if (meeting.nominal_date().empty()) continue;  // an extra meeting
    rule_versions.insert(
        absl::StrCat(meeting.rule(), " v", meeting.rule_version()));
    if (meeting.state() == v1::MEETING_STATE_MISSED) {
      out.set_meetings_missed(out.meetings_missed() + 1);
    }
    if (meeting.postponements_size() > 0) {
      out.set_meetings_postponed(out.meetings_postponed() + 1);
    }
    for (const v1::Postponement& p : meeting.postponements()) {
      if (p.reported_late()) {
        out.set_postponements_reported_late(out.postponements_reported_late() +
                                            1);
      }
    }
  }

  int present = 0;
  int counted = 0;
  for (const StoredRecord* stored : in_period) {
    const StoredRecord& record = *stored;
    out.set_meetings_held(out.meetings_held() + 1);
    const int length =
        static_cast<int>(record.meeting.end - record.meeting.start);
    if (length < record.min_minutes) {
      out.set_meetings_too_short(out.meetings_too_short() + 1);
    }
    out.set_documents_late(out.documents_late() + record.documents_late);
    if (record.rule_id != 0) {
      rule_versions.insert(RuleLabel(record.rule_id, record.rule_version));
    }
    for (const AttendanceEntry& entry : record.meeting.attendance) {
      if (entry.mark == AttendanceMark::kExempt) continue;
      ++counted;
      if (entry.mark == AttendanceMark::kPresent) ++present;
    }
  }
  out.set_attendance_rate(counted == 0 ? 0.0
                                       : static_cast<double>(present) /
                                             static_cast<double>(counted));
  for (const std::string& label : rule_versions) out.add_rule_versions(label);

  for (const AbsenceAlert& alert : AbsenceLedger(held)) {
    v1::AbsenceAlert* a = &alerts->emplace_back();
    a->set_member(ResourceName("members", alert.member_id));
    a->set_cell(out.cell());
    a->set_kind(alert.kind == AbsenceAlert::Kind::kUnexcusedMonths
                    ? v1::AbsenceAlert::KIND_UNEXCUSED_MONTHS
                    : v1::AbsenceAlert::KIND_EXCUSED_STREAK);
    a->set_year(alert.year);
    a->set_count(alert.count);
  }
  return out;
}

std::vector<CalendarEvent> CalendarEventsOf(
    const std::string& cell_name, const std::vector<v1::Meeting>& meetings) {
  std::vector<CalendarEvent> events;
  for (const v1::Meeting& meeting : meetings) {
    auto start = ParseLocalDateTime(
        absl::StrCat(meeting.date(), "T", meeting.time()), "date");
    if (!start.ok()) continue;
    CalendarEvent event;
    // Stable across exports: the occurrence, or the record of an extra one.
    event.uid =
        absl::StrCat(meeting.cell(), "-",
                     meeting.nominal_date().empty() ? meeting.record()
                                                    : meeting.nominal_date(),
                     "@chibo");
    absl::StrReplaceAll({{"/", "-"}}, &event.uid);
    event.start = *start;
    event.minutes = meeting.min_minutes();
    event.summary = absl::StrCat("Sinh hoạt chi bộ: ", cell_name);
    event.description =
        meeting.nominal_date().empty()
            ? absl::StrCat("Buổi sinh hoạt bổ sung (", meeting.record(), ")")
            : absl::StrCat("Theo quy định ", meeting.rule(), " v",
                           meeting.rule_version(), "; ngày theo quy định ",
                           meeting.scheduled_date());
    event.postponed = meeting.postponements_size() > 0;
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace chibo::scheduling
