# The pure scheduling rules (services/scheduling/schedule_rules.h): no I/O,
# no protobuf. Included by services/scheduling/CMakeLists.txt; linked by the
# service library and by tests/unit/scheduling.
add_library(chibo_scheduling_rules STATIC
  ${CMAKE_CURRENT_LIST_DIR}/absence_ledger.cc
  ${CMAKE_CURRENT_LIST_DIR}/compliance.cc
  ${CMAKE_CURRENT_LIST_DIR}/ical.cc
  ${CMAKE_CURRENT_LIST_DIR}/postponement.cc
  ${CMAKE_CURRENT_LIST_DIR}/recurrence.cc
  ${CMAKE_CURRENT_LIST_DIR}/resolution_vote.cc
  ${CMAKE_CURRENT_LIST_DIR}/rule_selection.cc)
chibo_target_defaults(chibo_scheduling_rules)
target_link_libraries(chibo_scheduling_rules PUBLIC
  absl::time absl::civil_time absl::status absl::statusor absl::strings
  absl::str_format)
