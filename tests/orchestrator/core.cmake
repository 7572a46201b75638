# Core tests fragment: tasks, controllers, rollout math, environment, service proxy, facade.
capstan_test(orchestrator_core_test
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/rollout_math_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/backoff_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/task_environment_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/downward_api_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/dependency_gate_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/task_lifecycle_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/lifecycle_hook_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/deployment_controller_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/job_controller_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/service_proxy_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/orchestrator_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/task_reservation_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/task_host_ports_test.cc
  DEPS capstan_orchestrator Threads::Threads
  TIMEOUT 60)
