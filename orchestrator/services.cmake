# Services fragment: cluster IPs, Service names (hosts files), listening sockets in pods.
list(APPEND ORCHESTRATOR_SRCS
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_ip_allocator.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/listen_socket.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/service_names.cc
)
