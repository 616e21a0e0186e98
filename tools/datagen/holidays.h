#ifndef CHIBO_TOOLS_DATAGEN_HOLIDAYS_H_
#define CHIBO_TOOLS_DATAGEN_HOLIDAYS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"

namespace chibo::datagen {

// Vietnam's public holidays of `year` (Labour Code 2019, art. 112) as solar
// dates: New Year, Tết (the eve and four days; lunar, tabulated for
// 2023-2027), the Hùng Kings' day (lunar, same years), 30/4, 1/5, and 2/9
// with 1/9. Outside the tabulated years only the solar holidays.
std::vector<std::pair<absl::CivilDay, std::string>> HolidaysOf(int year);

}  // namespace chibo::datagen

#endif  // CHIBO_TOOLS_DATAGEN_HOLIDAYS_H_
