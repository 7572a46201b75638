# Scheduling fragment: the scheduler and its placement helpers.
list(APPEND ORCHESTRATOR_SRCS
  ${CMAKE_CURRENT_SOURCE_DIR}/scheduler.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/placement_expression.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/placement_counts.cc)
list(APPEND ORCHESTRATOR_DEPS fmt::fmt)
