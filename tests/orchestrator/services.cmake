# Services tests fragment: cluster IPs, Service names, listeners in other network namespaces.
capstan_test(orchestrator_services_test
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/cluster_ip_allocator_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/service_names_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/orchestrator_services_test.cc
  DEPS capstan_orchestrator
  TIMEOUT 60)
