# Execution tests fragment: drivers, health checks, probe state, and the test server helper.

# capstan-test-server: a small HTTP workload for driver, probe and end-to-end tests
# (flags documented at the top of tests/helpers/test_server.cc).
add_executable(capstan-test-server ${PROJECT_SOURCE_DIR}/tests/helpers/test_server.cc)
target_link_libraries(capstan-test-server PRIVATE PkgConfig::HTTPLIB Threads::Threads capstan_warnings)

capstan_test(probe_tracker_test
  SRCS probe_tracker_test.cc
  DEPS capstan_orchestrator)

capstan_test(simulated_driver_test
  SRCS simulated_driver_test.cc
  DEPS capstan_orchestrator)

capstan_test(cgroups_test
  SRCS cgroups_test.cc proc_stat_test.cc
  DEPS capstan_orchestrator)

capstan_test(process_driver_test
  SRCS process_driver_test.cc process_security_test.cc
  DEPS capstan_orchestrator
  TIMEOUT 60)
target_compile_definitions(process_driver_test PRIVATE
  CAPSTAN_TEST_SERVER="$<TARGET_FILE:capstan-test-server>")
add_dependencies(process_driver_test capstan-test-server)

# gRPC probes run against tests/helpers/grpc_health_server.py on Debian's own python3 (with
# python3-grpcio; /usr/bin/python3, not whatever python3 comes first on PATH).
capstan_test(curl_health_checker_test
  SRCS curl_health_checker_test.cc grpc_health_message_test.cc grpc_probe_test.cc
  DEPS capstan_orchestrator Threads::Threads
  TIMEOUT 60)
target_compile_definitions(curl_health_checker_test PRIVATE
  CAPSTAN_TEST_SERVER="$<TARGET_FILE:capstan-test-server>"
  CAPSTAN_PYTHON="/usr/bin/python3"
  CAPSTAN_GRPC_HEALTH_SERVER="${PROJECT_SOURCE_DIR}/tests/helpers/grpc_health_server.py")
add_dependencies(curl_health_checker_test capstan-test-server)
