// chibo-rules-bench: one year of meeting-rule expansion for a country's
// cells (300,000 by default), with the pure rules alone (no I/O): the
// rules that apply to each cell are chosen (ApplicableRules) and expanded
// (ExpandSchedule) over the year against a holiday calendar. Google
// Benchmark; the target is one national year in at most 1 s on one core.
//
//   chibo-rules-bench [--cells=300000] [benchmark flags]

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

#include "absl/time/civil_time.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling {
namespace {

int g_cells = 300000;

// Tết and the national holidays of a year, as a calendar would list them.
WorkingCalendar Holidays(int year) {
  std::set<absl::CivilDay> days;
  for (int d = 0; d < 7; ++d) days.insert(absl::CivilDay(year, 2, 1) + d);
  for (const auto& [m, d] :
       std::vector<std::pair<int, int>>{{1, 1}, {4, 30}, {5, 1}, {9, 2}}) {
    days.insert(absl::CivilDay(year, m, d));
  }
  return WorkingCalendar(std::move(days));
}

MeetingRule Rule(int64_t id, int kind, absl::CivilDay from) {
  MeetingRule rule;
  rule.id = id;
  rule.version = 1;
  rule.effective_from = from;
  switch (kind % 3) {
    case 0:
      rule.pattern = DayPattern::kDayOfMonth;
      rule.day_of_month = 1 + static_cast<int>(id % 28);
      break;
    case 1:
      rule.pattern = DayPattern::kNthWeekday;
      rule.nth = 1 + static_cast<int>(id % 4);
      rule.weekday = static_cast<absl::Weekday>(id % 5);
      break;
    default:
      rule.pattern = DayPattern::kLastWorkingDay;
      break;
  }
  return rule;
}

// The rules as a province sets them: one for the whole province, one per
// category of a bloc, and a cell's own rule (with a revision mid-year) for
// one cell in ten. Cells differ in their ids, so the day patterns vary.
void BM_NationalYear(benchmark::State& state) {
  const int year = 2027;
  const WorkingCalendar calendar = Holidays(year);
  const absl::CivilDay from(year, 1, 1);
  const absl::CivilDay to(year, 12, 31);
  std::vector<ScopedRule> shared;
  ScopedRule province;
  province.scope.organization_id = 1;
  province.rule = Rule(1, 0, absl::CivilDay(2020, 1, 1));
  shared.push_back(province);
  ScopedRule bloc;
  bloc.scope.organization_id = 2;
  bloc.scope.category = 3;
  bloc.rule = Rule(2, 1, absl::CivilDay(2020, 1, 1));
  shared.push_back(bloc);
  int64_t occurrences = 0;
  for (auto _ : state) {
    occurrences = 0;
    for (int cell = 0; cell < g_cells; ++cell) {
      const int64_t id = 1000 + cell;
      std::vector<ScopedRule> rules = shared;
      if (cell % 10 == 0) {
        ScopedRule own;
        own.scope.organization_id = id;
        own.scope.for_cell_itself = true;
        own.rule = Rule(id, cell, absl::CivilDay(2020, 1, 1));
        own.rule.effective_to = absl::CivilDay(year, 6, 30);
        rules.push_back(own);
        own.rule.version = 2;
        own.rule.effective_from = absl::CivilDay(year, 7, 1);
        own.rule.effective_to = absl::CivilDay(9999, 12, 31);
        own.rule.day_of_month = 1 + static_cast<int>((id + 7) % 28);
        rules.push_back(own);
      }
      const std::vector<int64_t> ancestors{id, 2, 1};
      const std::vector<MeetingRule> applicable =
          ApplicableRules(rules, ancestors, cell % 5, from, to);
      occurrences += static_cast<int64_t>(
          ExpandSchedule(applicable, calendar, from, to).size());
    }
    benchmark::DoNotOptimize(occurrences);
  }
  state.counters["cells"] = g_cells;
  state.counters["meetings"] = static_cast<double>(occurrences);
}
BENCHMARK(BM_NationalYear)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
}  // namespace chibo::scheduling

int main(int argc, char** argv) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--cells=", 8) == 0) {
      chibo::scheduling::g_cells = std::atoi(argv[i] + 8);
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_count = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_count, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
