# Execution fragment: drivers (process, simulated), health checks and probe state.
list(APPEND ORCHESTRATOR_SRCS
  ${CMAKE_CURRENT_SOURCE_DIR}/cgroups.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/curl_health_checker.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/grpc_health_message.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/probe_tracker.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/proc_stat.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/routing_health_checker.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/security_context.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/process_driver.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/process_security.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/simulated_driver.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/spawn.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/task_files.cc
)
list(APPEND ORCHESTRATOR_DEPS CURL::libcurl spdlog::spdlog fmt::fmt)
