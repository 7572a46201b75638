# Scheduling tests fragment.
capstan_test(scheduler_test
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/scheduler_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/placement_expression_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/placement_counts_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/scheduler_port_check_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/port_probe_test.cc
  DEPS capstan_orchestrator)
