// The rules' expansion as it was before day numbers (commit 14a8654,
// absl::CivilDay arithmetic throughout), kept only as the oracle the
// equality test compares the fast expansion with. Do not optimise.

#include "tests/unit/scheduling/rules_oracle.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <vector>

#include "absl/time/civil_time.h"

namespace chibo::scheduling::oracle {

namespace {

constexpr int kShiftReachMonths = 2;

struct MonthDay {
  absl::CivilDay day;
  bool clamped = false;
};

struct RankedRule {
  const MeetingRule* rule = nullptr;
  int specificity = 0;
};

// The shift looks this many days away from the nominal day at most.
constexpr int kMaxShiftDays = 31;

// ValidateRule looks this many months ahead of effective_from at most.
constexpr int kValidationMonths = 5 * 12;

bool IsKnownWeekday(absl::Weekday weekday) {
  switch (weekday) {
    case absl::Weekday::monday:
    case absl::Weekday::tuesday:
    case absl::Weekday::wednesday:
    case absl::Weekday::thursday:
    case absl::Weekday::friday:
    case absl::Weekday::saturday:
    case absl::Weekday::sunday:
      return true;
  }
  return false;
}

bool IsKnownShift(NonWorkingDayShift shift) {
  switch (shift) {
    case NonWorkingDayShift::kNextWorkingDay:
    case NonWorkingDayShift::kPreviousWorkingDay:
      return true;
  }
  return false;
}

bool IsValidNth(int nth) { return nth == -1 || (nth >= 1 && nth <= 5); }

absl::CivilDay LastDayOfMonth(absl::CivilMonth month) {
  return absl::CivilDay(month + 1) - 1;
}

bool InEffect(const MeetingRule& rule, absl::CivilDay day) {
  return rule.effective_from <= day && day <= rule.effective_to;
}

std::optional<absl::CivilDay> NominalDay(const MeetingRule& rule, int year,
                                         int month) {
  if (month < 1 || month > 12) return std::nullopt;
  const absl::CivilMonth civil_month(year, month);
  const absl::CivilDay last = LastDayOfMonth(civil_month);
  switch (rule.pattern) {
    case DayPattern::kDayOfMonth: {
      if (rule.day_of_month < 1 || rule.day_of_month > 31) return std::nullopt;
      return absl::CivilDay(year, month,
                            std::min(rule.day_of_month, last.day()));
    }
    case DayPattern::kNthWeekday: {
      if (!IsValidNth(rule.nth) || !IsKnownWeekday(rule.weekday)) {
        return std::nullopt;
      }
      if (rule.nth == -1) return absl::PrevWeekday(last + 1, rule.weekday);
      const absl::CivilDay first =
          absl::NextWeekday(absl::CivilDay(civil_month) - 1, rule.weekday);
      const absl::CivilDay day = first + 7 * (rule.nth - 1);
      if (absl::CivilMonth(day) != civil_month) return std::nullopt;
      return day;
    }
    case DayPattern::kLastWorkingDay:
      return last;
  }
  return std::nullopt;
}

std::optional<MonthDay> DayInMonth(const MeetingRule& rule,
                                   absl::CivilMonth month) {
  std::optional<absl::CivilDay> nominal =
      NominalDay(rule, static_cast<int>(month.year()), month.month());
  if (!nominal.has_value()) return std::nullopt;
  if (InEffect(rule, *nominal)) return MonthDay{*nominal, false};
  // The version's first month, its own day already past when it began:
  // the month still gets its meeting, on the version's first day.
  if (*nominal < rule.effective_from &&
      absl::CivilMonth(rule.effective_from) == month &&
      rule.effective_from <= rule.effective_to) {
    return MonthDay{rule.effective_from, true};
  }
  return std::nullopt;
}

bool DecidesMonth(const MeetingRule& rule, absl::CivilMonth month) {
  return DayInMonth(rule, month).has_value();
}

bool Supersedes(const MeetingRule& a, const MeetingRule& b) {
  return std::tie(a.effective_from, a.version, a.id) >
         std::tie(b.effective_from, b.version, b.id);
}

int WinnerForMonth(const std::vector<RankedRule>& candidates,
                   absl::CivilMonth month) {
  auto ranks_above = [](const RankedRule& a, const RankedRule& b) {
    if (a.specificity != b.specificity) return a.specificity < b.specificity;
    return Supersedes(*a.rule, *b.rule);
  };
  std::vector<std::optional<MonthDay>> days;
  days.reserve(candidates.size());
  for (const RankedRule& candidate : candidates) {
    days.push_back(DayInMonth(*candidate.rule, month));
  }
  int best = -1;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (!days[i].has_value()) continue;
    bool overruled = false;
    for (size_t j = 0; j < candidates.size() && !overruled; ++j) {
      overruled = j != i && days[j].has_value() &&
                  ranks_above(candidates[j], candidates[i]) &&
                  InEffect(*candidates[j].rule, days[i]->day);
    }
    if (overruled) continue;
    if (best < 0 || days[i]->day < days[best]->day ||
        (days[i]->day == days[best]->day &&
         ranks_above(candidates[i], candidates[best]))) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

// The version that holds `month`'s meeting among `rules`, or null.
const MeetingRule* RuleForMonth(const std::vector<MeetingRule>& rules,
                                absl::CivilMonth month) {
  std::vector<RankedRule> candidates;
  candidates.reserve(rules.size());
  for (const MeetingRule& rule : rules) candidates.push_back({&rule, 0});
  const int winner = WinnerForMonth(candidates, month);
  return winner < 0 ? nullptr : candidates[winner].rule;
}

// 0 for the cell's own rules, then 1 + 2i for ancestor i's rules for the
// cell's category and 2 + 2i for its rules for any category; nullopt for a
// rule that does not apply to the cell.
std::optional<int> Specificity(const RuleScope& scope,
                               const std::vector<int64_t>& ancestors,
                               int category) {
  if (ancestors.empty()) return std::nullopt;
  if (scope.for_cell_itself) {
    if (scope.organization_id == ancestors.front()) return 0;
    return std::nullopt;  // another cell's own rule
  }
  auto it =
      std::find(ancestors.begin(), ancestors.end(), scope.organization_id);
  if (it == ancestors.end()) return std::nullopt;
  const int i = static_cast<int>(it - ancestors.begin());
  if (scope.category == 0) return 2 + 2 * i;
  if (scope.category == category) return 1 + 2 * i;
  return std::nullopt;  // set for another category
}

struct Candidate {
  int specificity = 0;
  const MeetingRule* rule = nullptr;
  std::vector<absl::CivilMonth> chosen;  // months it decides, ascending
  bool lost_a_month = false;             // it decided a month another rule took
};

}  // namespace

std::optional<Occurrence> OccurrenceInMonth(const MeetingRule& rule,
                                            const WorkingCalendar& calendar,
                                            int year, int month) {
  if (month < 1 || month > 12) return std::nullopt;
  std::optional<MonthDay> nominal =
      DayInMonth(rule, absl::CivilMonth(year, month));
  if (!nominal.has_value()) return std::nullopt;
  if (!IsKnownShift(rule.shift)) return std::nullopt;
  // The last working day always looks back: looking forward would leave the
  // month it is the last working day of. A day clamped to the version's
  // first day looks forward: looking back would date it before the version.
  const int step =
      !nominal->clamped &&
              (rule.pattern == DayPattern::kLastWorkingDay ||
               rule.shift == NonWorkingDayShift::kPreviousWorkingDay)
          ? -1
          : 1;
  absl::CivilDay day = nominal->day;
  for (int i = 0; !calendar.IsWorkingDay(day); ++i) {
    if (i == kMaxShiftDays) return std::nullopt;
    day += step;
  }
  Occurrence occurrence;
  occurrence.nominal_day = nominal->day;
  occurrence.day = day;
  occurrence.start_minute = rule.start_minute;
  occurrence.min_minutes = rule.min_minutes;
  occurrence.rule_id = rule.id;
  occurrence.rule_version = rule.version;
  return occurrence;
}

std::vector<Occurrence> ExpandSchedule(const std::vector<MeetingRule>& rules,
                                       const WorkingCalendar& calendar,
                                       absl::CivilDay from, absl::CivilDay to) {
  std::vector<Occurrence> out;
  if (to < from) return out;
  const absl::CivilMonth last = absl::CivilMonth(to) + kShiftReachMonths;
  for (absl::CivilMonth month = absl::CivilMonth(from) - kShiftReachMonths;
       month <= last; ++month) {
    const MeetingRule* rule = RuleForMonth(rules, month);
    if (rule == nullptr) continue;
    std::optional<Occurrence> occurrence = oracle::OccurrenceInMonth(
        *rule, calendar, static_cast<int>(month.year()), month.month());
    if (!occurrence.has_value()) continue;
    if (occurrence->day < from || occurrence->day > to) continue;
    out.push_back(*occurrence);
  }
  std::sort(
      out.begin(), out.end(), [](const Occurrence& a, const Occurrence& b) {
        return std::tie(a.day, a.nominal_day) < std::tie(b.day, b.nominal_day);
      });
  return out;
}

std::vector<MeetingRule> ApplicableRules(const std::vector<ScopedRule>& rules,
                                         const std::vector<int64_t>& ancestors,
                                         int category, absl::CivilDay from,
                                         absl::CivilDay to) {
  std::vector<MeetingRule> out;
  if (to < from) return out;

  std::vector<Candidate> candidates;
  for (const ScopedRule& scoped : rules) {
    std::optional<int> specificity =
        Specificity(scoped.scope, ancestors, category);
    if (!specificity.has_value()) continue;
    Candidate candidate;
    candidate.specificity = *specificity;
    candidate.rule = &scoped.rule;
    candidates.push_back(std::move(candidate));
  }

  // Month by month (as far as ExpandSchedule looks for shifted meetings):
  // the most specific scope that decides the month, and within it the
  // version ExpandSchedule would pick.
  const absl::CivilMonth last = absl::CivilMonth(to) + kShiftReachMonths;
  for (absl::CivilMonth month = absl::CivilMonth(from) - kShiftReachMonths;
       month <= last; ++month) {
    std::vector<RankedRule> ranked;
    std::vector<Candidate*> deciding;
    for (Candidate& candidate : candidates) {
      if (!DecidesMonth(*candidate.rule, month)) continue;
      deciding.push_back(&candidate);
      ranked.push_back({candidate.rule, candidate.specificity});
    }
    const int winner = WinnerForMonth(ranked, month);
    Candidate* best = winner < 0 ? nullptr : deciding[winner];
    for (Candidate* candidate : deciding) {
      if (candidate == best) {
        candidate->chosen.push_back(month);
      } else {
        candidate->lost_a_month = true;
      }
    }
  }

  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) {
                     if (a.specificity != b.specificity) {
                       return a.specificity < b.specificity;
                     }
                     return std::tie(a.rule->effective_from, a.rule->version) <
                            std::tie(b.rule->effective_from, b.rule->version);
                   });
  for (const Candidate& candidate : candidates) {
    if (candidate.chosen.empty()) continue;  // decides nothing in the range
    if (!candidate.lost_a_month) {
      out.push_back(*candidate.rule);
      continue;
    }
    // Trimmed to the runs of consecutive months it decides.
    size_t i = 0;
    while (i < candidate.chosen.size()) {
      size_t j = i;
      while (j + 1 < candidate.chosen.size() &&
             candidate.chosen[j + 1] == candidate.chosen[j] + 1) {
        ++j;
      }
      MeetingRule piece = *candidate.rule;
      piece.effective_from =
          std::max(piece.effective_from, absl::CivilDay(candidate.chosen[i]));
      piece.effective_to = std::min(
          piece.effective_to, absl::CivilDay(candidate.chosen[j] + 1) - 1);
      out.push_back(piece);
      i = j + 1;
    }
  }
  return out;
}

}  // namespace chibo::scheduling::oracle
