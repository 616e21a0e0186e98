#include "tools/datagen/province_plan.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace chibo::datagen {
namespace {

namespace reg = registry::v1;

constexpr const char* kSurnames[] = {
    "Nguyễn", "Trần", "Lê",   "Phạm",  "Hoàng", "Huỳnh", "Phan",
    "Vũ",     "Võ",   "Đặng", "Bùi",   "Đỗ",    "Hồ",    "Ngô",
    "Dương",  "Lý",   "Nông", "Hoàng", "Lương", "Triệu"};
constexpr const char* kMiddle[] = {"Văn", "Thị",  "Đức",   "Minh", "Thanh",
                                   "Hữu", "Ngọc", "Quang", "Thu",  "Xuân"};
constexpr const char* kGiven[] = {
    "An",   "Bình",  "Cường", "Dũng",  "Giang", "Hà",   "Hải",  "Hạnh",
    "Hòa",  "Hùng",  "Hương", "Khánh", "Lan",   "Linh", "Long", "Mai",
    "Nam",  "Nga",   "Ngọc",  "Phong", "Phúc",  "Quân", "Sơn",  "Tâm",
    "Thảo", "Thắng", "Trang", "Trung", "Tuấn",  "Vân",  "Việt", "Yến"};

template <typename T, size_t N>
const T& Pick(Random& random, const T (&items)[N]) {
  return items[random.Below(static_cast<int>(N))];
}

std::string Date(int year, int month, int day) {
  return absl::StrFormat("%04d-%02d-%02d", year, month, day);
}

class Planner {
 public:
  explicit Planner(const PlanOptions& options)
      : options_(options),
        prefix_(CodePrefix(options.seed, options.province)),
        random_(DeriveSeed(options.seed, 1000 + options.province)) {}

  ProvincePlan Run() {
    const int cells =
        std::max(3, static_cast<int>(std::lround(3000.0 * options_.scale)));
    const int bloc_cells = std::max(1, cells / 5);
    const int commune_cells = cells - bloc_cells;
    const int communes = std::max(1, commune_cells / 32);
    const int root =
        AddOrg(-1, reg::ORGANIZATION_LEVEL_PROVINCE,
               absl::StrCat("Tỉnh ủy mẫu ", options_.province + 1), "T");
    // Two blocs share the bloc cells; communes share the rest.
    std::vector<std::pair<int, int>> units;  // (org index, cells)
    for (int b = 0; b < 2; ++b) {
      const int org = AddOrg(root, reg::ORGANIZATION_LEVEL_BLOC,
                             b == 0 ? "Đảng bộ các cơ quan Đảng tỉnh"
                                    : "Đảng bộ Ủy ban nhân dân tỉnh",
                             absl::StrCat("K", b));
      units.push_back({org, bloc_cells / 2 + (b == 0 ? bloc_cells % 2 : 0)});
    }
    for (int c = 0; c < communes; ++c) {
      const int org =
          AddOrg(root, reg::ORGANIZATION_LEVEL_COMMUNE,
                 absl::StrCat(c % 3 == 0 ? "Đảng ủy phường " : "Đảng ủy xã ",
                              Pick(random_, kGiven), " ", c + 1),
                 absl::StrCat("X", c));
      units.push_back({org, commune_cells / communes +
                                (c < commune_cells % communes ? 1 : 0)});
    }
    for (size_t u = 0; u < units.size(); ++u) {
      AddCells(units[u].first, units[u].second, u >= 2);
    }
    // Levels in order, so each row's parent comes first.
    std::stable_sort(
        plan_.organizations.begin(), plan_.organizations.end(),
        [](const reg::OrganizationRow& a, const reg::OrganizationRow& b) {
          return Depth(a.level()) < Depth(b.level());
        });
    std::vector<int> position(order_.size());
    for (size_t i = 0; i < plan_.organizations.size(); ++i) {
      position[std::stoi(plan_.organizations[i].valid_to())] =
          static_cast<int>(i);
    }
    for (reg::OrganizationRow& row : plan_.organizations) row.clear_valid_to();
    for (PlannedCell& cell : plan_.cells)
      cell.org_index = position[cell.org_index];
    for (PlannedCell& cell : plan_.cells) AddMembers(cell);
    return std::move(plan_);
  }

 private:
  static int Depth(reg::OrganizationLevel level) {
    switch (level) {
      case reg::ORGANIZATION_LEVEL_PROVINCE:
        return 0;
      case reg::ORGANIZATION_LEVEL_BLOC:
      case reg::ORGANIZATION_LEVEL_COMMUNE:
        return 1;
      case reg::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE:
      case reg::ORGANIZATION_LEVEL_GRASSROOTS_CELL:
        return 2;
      default:
        return 3;
    }
  }

  // Returns the creation index; valid_to carries it until Run() sorts.
  int AddOrg(int parent, reg::OrganizationLevel level, const std::string& name,
             const std::string& code,
             reg::CellCategory category = reg::CELL_CATEGORY_UNSPECIFIED) {
    reg::OrganizationRow row;
    row.set_external_code(parent < 0 ? absl::StrCat(prefix_, code)
                                     : absl::StrCat(codes_[parent], "-", code));
    row.set_display_name(name);
    row.set_level(level);
    row.set_category(category);
    if (parent >= 0) row.set_parent_external_code(codes_[parent]);
    row.set_valid_from("1975-01-01");
    const int index = static_cast<int>(order_.size());
    row.set_valid_to(absl::StrCat(index));
    codes_.push_back(row.external_code());
    order_.push_back(index);
    plan_.organizations.push_back(row);
    return index;
  }

  reg::CellCategory CategoryFor(bool commune) {
    const int r = random_.Below(100);
    if (commune) {
      return r < 80   ? reg::CELL_CATEGORY_RESIDENTIAL
             : r < 95 ? reg::CELL_CATEGORY_PUBLIC_SERVICE_UNIT
                      : reg::CELL_CATEGORY_ARMED_FORCES;
    }
    return r < 50   ? reg::CELL_CATEGORY_ADMINISTRATIVE_AGENCY
           : r < 75 ? reg::CELL_CATEGORY_PUBLIC_SERVICE_UNIT
                    : reg::CELL_CATEGORY_ENTERPRISE;
  }

  void AddCell(int parent, reg::OrganizationLevel level, bool commune,
               int number) {
    const reg::CellCategory category = CategoryFor(commune);
    const std::string name =
        category == reg::CELL_CATEGORY_RESIDENTIAL
            ? absl::StrCat("Chi bộ thôn ", Pick(random_, kGiven), " ", number)
            : absl::StrCat("Chi bộ ", Pick(random_, kGiven), " ", number);
    PlannedCell cell;
    cell.org_index =
        AddOrg(parent, level, name, absl::StrCat("C", number), category);
    cell.category = category;
    plan_.cells.push_back(cell);
  }

  // `count` cells under `unit`: some in grassroots committees of 4..12
  // subordinate cells, the rest directly under it.
  void AddCells(int unit, int count, bool commune) {
    int number = 0;
    while (number < count) {
      const int left = count - number;
      if (left >= 8 && random_.Percent(15)) {
        const int size = std::min(left, 4 + random_.Below(9));
        const int committee =
            AddOrg(unit, reg::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE,
                   absl::StrCat("Đảng bộ ", Pick(random_, kGiven), " ", number),
                   absl::StrCat("D", number));
        for (int i = 0; i < size; ++i) {
          AddCell(committee, reg::ORGANIZATION_LEVEL_SUBORDINATE_CELL, commune,
                  ++number);
        }
      } else {
        AddCell(unit, reg::ORGANIZATION_LEVEL_GRASSROOTS_CELL, commune,
                ++number);
      }
    }
  }

  void AddMembers(PlannedCell& cell) {
    const bool residential = cell.category == reg::CELL_CATEGORY_RESIDENTIAL;
    Random random(DeriveSeed(options_.seed, 2000 + options_.province,
                             static_cast<uint64_t>(cell.org_index)));
    const int count = std::max(
        3, static_cast<int>(std::lround(
               options_.member_factor *
               (residential ? 15 + random.Below(47) : 8 + random.Below(37)))));
    const std::string& code =
        plan_.organizations[cell.org_index].external_code();
    for (int i = 0; i < count; ++i) {
      const int64_t seq = ++plan_.member_count;
      reg::MemberRow row;
      row.set_party_card_number(absl::StrFormat(
          "%06d%02d%07d", options_.seed % 1000000, options_.province, seq));
      row.set_external_code(absl::StrCat(prefix_, "DV", seq));
      const bool female = random.Percent(40);
      row.set_display_name(absl::StrCat(Pick(random, kSurnames), " ",
                                        female ? "Thị" : Pick(random, kMiddle),
                                        " ", Pick(random, kGiven)));
      row.set_gender(female ? reg::GENDER_FEMALE : reg::GENDER_MALE);
      row.set_cell_external_code(code);
      const int last = options_.joined_before_year;
      const int r = random.Below(1000);
      reg::MemberStatus status = reg::MEMBER_STATUS_FULL;
      int joined_year = last - 1 - random.Below(40);
      if (r < 40) {
        // Kết nạp in the last year: still probationary.
        status = reg::MEMBER_STATUS_PROBATIONARY;
        joined_year = last;
      } else if (r < (residential ? 100 : 50)) {
        // Miễn sinh hoạt: mostly the elderly of residential cells.
        status = reg::MEMBER_STATUS_EXEMPT;
        joined_year = last - 30 - random.Below(20);
      } else if (r < (residential ? 110 : 60)) {
        status = reg::MEMBER_STATUS_TEMPORARILY_EXEMPT;
      }
      joined_year = std::max(1976, joined_year);
      row.set_status(status);
      row.set_joined_date(
          Date(joined_year, 1 + random.Below(12), 1 + random.Below(28)));
      row.set_birth_date(
          Date(std::min(joined_year - 18 - random.Below(15), last - 18),
               1 + random.Below(12), 1 + random.Below(28)));
      cell.members.push_back(std::move(row));
    }
  }

  const PlanOptions options_;
  const std::string prefix_;
  Random random_;
  ProvincePlan plan_;
  std::vector<std::string> codes_;
  std::vector<int> order_;
};

}  // namespace

uint64_t Random::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t DeriveSeed(uint64_t seed, uint64_t a, uint64_t b) {
  Random random(seed * 0x100000001b3ULL ^ (a << 32) ^ b);
  random.Next();
  return random.Next();
}

std::string CodePrefix(uint64_t seed, int province) {
  return absl::StrFormat("DG%d-P%02d-", seed, province);
}

ProvincePlan PlanProvince(const PlanOptions& options) {
  return Planner(options).Run();
}

}  // namespace chibo::datagen
