#ifndef CHIBO_TOOLS_DATAGEN_PROVINCE_PLAN_H_
#define CHIBO_TOOLS_DATAGEN_PROVINCE_PLAN_H_

// What chibo-datagen loads, as a pure function of (seed, scale, province
// index): the organisation tree, the members of each cell and the random
// choices of each cell's year. No I/O, so it is the same on every run and
// every machine (own SplitMix64 generator, no std distributions, whose
// results differ between standard libraries).

#include <cstdint>
#include <string>
#include <vector>

#include "chibo/registry/v1/registry.pb.h"

namespace chibo::datagen {

// SplitMix64: tiny, fast and fully specified.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, n).
  int Below(int n) {
    return static_cast<int>(Next() % static_cast<uint64_t>(n));
  }
  // True with probability percent / 100.
  bool Percent(int percent) { return Below(100) < percent; }

 private:
  uint64_t state_;
};

// A seed for one named part of the data, independent of load order.
uint64_t DeriveSeed(uint64_t seed, uint64_t a, uint64_t b = 0);

struct PlannedCell {
  int org_index = 0;  // into ProvincePlan::organizations
  registry::v1::CellCategory category = registry::v1::CELL_CATEGORY_UNSPECIFIED;
  std::vector<registry::v1::MemberRow> members;
};

struct ProvincePlan {
  // Parents before children: level by level.
  std::vector<registry::v1::OrganizationRow> organizations;
  std::vector<PlannedCell> cells;
  int64_t member_count = 0;
};

struct PlanOptions {
  uint64_t seed = 1;
  // 1.0: about 3,000 cells and 100,000 members.
  double scale = 1.0;
  // 0..33: which province (codes and card numbers differ).
  int province = 0;
  // Members join no later than the end of this year (the records' year
  // comes after it).
  int joined_before_year = 2024;
  // Members per cell relative to a province's (the national size has
  // smaller cells: 5 million members in 300,000 cells).
  double member_factor = 1.0;
};

// The external code prefix of every organisation of the plan.
std::string CodePrefix(uint64_t seed, int province);

ProvincePlan PlanProvince(const PlanOptions& options);

}  // namespace chibo::datagen

#endif  // CHIBO_TOOLS_DATAGEN_PROVINCE_PLAN_H_
