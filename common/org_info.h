#ifndef CHIBO_COMMON_ORG_INFO_H_
#define CHIBO_COMMON_ORG_INFO_H_

#include <cstdint>
#include <string>
#include <vector>

namespace chibo {

// An organisation as a service that is not the registry sees it.
struct OrgInfo {
  int64_t id = 0;
  bool is_cell = false;
  int category = 0;
  std::string display_name;
  // Itself first, the province root last.
  std::vector<int64_t> ancestors;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_ORG_INFO_H_
