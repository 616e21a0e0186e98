#include "tools/datagen/holidays.h"

namespace chibo::datagen {
namespace {

struct Lunar {
  int year;
  absl::CivilDay tet;   // mùng 1 Tết
  absl::CivilDay hung;  // 10/3 âm lịch
};

constexpr int kFirst = 2023;
const Lunar kLunar[] = {
    {2023, absl::CivilDay(2023, 1, 22), absl::CivilDay(2023, 4, 29)},
    {2024, absl::CivilDay(2024, 2, 10), absl::CivilDay(2024, 4, 18)},
    {2025, absl::CivilDay(2025, 1, 29), absl::CivilDay(2025, 4, 7)},
    {2026, absl::CivilDay(2026, 2, 17), absl::CivilDay(2026, 4, 26)},
    {2027, absl::CivilDay(2027, 2, 6), absl::CivilDay(2027, 4, 16)},
};

}  // namespace

std::vector<std::pair<absl::CivilDay, std::string>> HolidaysOf(int year) {
  std::vector<std::pair<absl::CivilDay, std::string>> out = {
      {absl::CivilDay(year, 1, 1), "Tết Dương lịch"},
      {absl::CivilDay(year, 4, 30), "Ngày Chiến thắng"},
      {absl::CivilDay(year, 5, 1), "Ngày Quốc tế Lao động"},
      {absl::CivilDay(year, 9, 1), "Quốc khánh (ngày liền kề)"},
      {absl::CivilDay(year, 9, 2), "Quốc khánh"},
  };
  const int index = year - kFirst;
  if (index >= 0 &&
      index < static_cast<int>(sizeof(kLunar) / sizeof(kLunar[0]))) {
    const Lunar& lunar = kLunar[index];
    for (int d = -1; d <= 3; ++d) {
      out.push_back({lunar.tet + d, "Tết Nguyên đán"});
    }
    out.push_back({lunar.hung, "Giỗ Tổ Hùng Vương"});
  }
  return out;
}

}  // namespace chibo::datagen
