// Which rules apply to a cell: the most specific scope wins, month by month.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "services/scheduling/rules_internal.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling {

namespace {

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
  std::vector<int64_t> chosen;  // months it decides (MonthIndex), ascending
  bool lost_a_month = false;    // it decided a month another rule took
};

}  // namespace

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
  // version ExpandSchedule would pick. On day numbers, with the buffers
  // allocated once: this runs for every cell of a country.
  std::vector<internal::FastRule> fast;
  fast.reserve(candidates.size());
  for (const Candidate& candidate : candidates) {
    fast.push_back(
        internal::MakeFastRule(*candidate.rule, candidate.specificity));
  }
  std::vector<internal::MonthDayNumber> days(fast.size());
  const internal::MonthSpan months = internal::ExpansionMonths(from, to);
  for (Candidate& candidate : candidates) {
    candidate.chosen.reserve(
        static_cast<size_t>(months.last - months.first + 1));
  }
  for (int64_t month = months.first; month <= months.last; ++month) {
    // Candidates that claim no day in the month take no part in it.
    const int winner = internal::MonthWinner(fast, month, &days);
    for (size_t i = 0; i < fast.size(); ++i) {
      if (days[i].day == internal::kNoDay) continue;
      if (static_cast<int>(i) == winner) {
        candidates[i].chosen.push_back(month);
      } else {
        candidates[i].lost_a_month = true;
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
      const int64_t first_year = internal::MonthYear(candidate.chosen[i]);
      const int first_of = internal::MonthOfIndex(candidate.chosen[i]);
      const int64_t last_year = internal::MonthYear(candidate.chosen[j]);
      const int last_of = internal::MonthOfIndex(candidate.chosen[j]);
      MeetingRule piece = *candidate.rule;
      piece.effective_from = std::max(piece.effective_from,
                                      absl::CivilDay(first_year, first_of, 1));
      piece.effective_to =
          std::min(piece.effective_to,
                   absl::CivilDay(last_year, last_of,
                                  internal::DaysInMonth(last_year, last_of)));
      out.push_back(piece);
      i = j + 1;
    }
  }
  return out;
}

}  // namespace chibo::scheduling
