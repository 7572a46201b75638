# Scheduling fragment: the scheduler, its placement helpers, and the host port checks.
list(APPEND ORCHESTRATOR_SRCS
  ${CMAKE_CURRENT_SOURCE_DIR}/scheduler.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/placement_expression.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/placement_counts.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/port_probe.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/task_ports.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/task_port_conflicts.cc)
list(APPEND ORCHESTRATOR_DEPS fmt::fmt)
