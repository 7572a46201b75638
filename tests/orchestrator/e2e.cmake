# End-to-end orchestrator scenarios with real processes (issue 3): the real Orchestrator on the
# SystemClock with the ProcessDriver, CurlHealthChecker and ServiceProxy, running
# capstan-test-server workloads. Each test takes a few seconds (1 s probe periods).
# real_pod_features_test.cc: a grpc-probed workload (tests/helpers/grpc_health_server.py on
# Debian's python3-grpcio), the downward API and a securityContext, with the same harness.
capstan_test(real_process_test
  SRCS real_process_test.cc real_lifecycle_test.cc real_host_ports_test.cc
       real_pod_features_test.cc
  DEPS capstan_orchestrator PkgConfig::HTTPLIB Threads::Threads
  LABELS e2e
  TIMEOUT 600)
target_compile_definitions(real_process_test PRIVATE
  CAPSTAN_TEST_SERVER="$<TARGET_FILE:capstan-test-server>"
  CAPSTAN_PYTHON="/usr/bin/python3"
  CAPSTAN_GRPC_HEALTH_SERVER="${PROJECT_SOURCE_DIR}/tests/helpers/grpc_health_server.py")
add_dependencies(real_process_test capstan-test-server)
