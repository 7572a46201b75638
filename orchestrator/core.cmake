# Core fragment: tasks, controllers (deployments, jobs), rollout math, environment, service proxy
# and the Orchestrator facade.
list(APPEND ORCHESTRATOR_SRCS
  ${CMAKE_CURRENT_SOURCE_DIR}/process_scan.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/backoff.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/dependency_gate.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/deployment_controller.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/downward_api.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/event_log.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/job_controller.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/lifecycle_hook.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/orchestrator.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/rollout_math.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/service_proxy.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/task.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/task_environment.cc
)
list(APPEND ORCHESTRATOR_DEPS fmt::fmt Threads::Threads)
