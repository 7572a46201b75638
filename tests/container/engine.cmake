# The `container_engine` CTest fixture (tests/container/engine_fixture.sh): a real Podman engine
# on a unix socket, a local busybox image and two local registries, started once before the tests
# that require it and stopped after the last of them. Included from tests/CMakeLists.txt before
# any test directory, so every directory can use what it defines:
#
#   CAPSTAN_ENGINE_TEST_PROPERTIES  test properties that make a test use the fixture:
#       capstan_test(foo_test SRCS ... PROPERTIES ${CAPSTAN_ENGINE_TEST_PROPERTIES})
#       gtest_discover_tests(foo_test PROPERTIES ${CAPSTAN_ENGINE_TEST_PROPERTIES})
#       set_tests_properties(bar PROPERTIES ${CAPSTAN_ENGINE_TEST_PROPERTIES})
#     The test then finds the fixture's env file in the environment variable
#     CAPSTAN_TEST_ENGINE_ENV (read it with tests/container/engine_env.h). The variable is set
#     through ENVIRONMENT_MODIFICATION, so a test's own ENVIRONMENT property still applies.
#   capstan_use_container_engine(TEST...)  the same for tests added with add_test().
#   CAPSTAN_ENGINE_DIR  where the fixture lives (${CMAKE_BINARY_DIR}/container-engine).
set(CAPSTAN_ENGINE_DIR ${CMAKE_BINARY_DIR}/container-engine)
set(CAPSTAN_ENGINE_TEST_PROPERTIES
  FIXTURES_REQUIRED container_engine
  ENVIRONMENT_MODIFICATION CAPSTAN_TEST_ENGINE_ENV=set:${CAPSTAN_ENGINE_DIR}/env)

function(capstan_use_container_engine)
  set_tests_properties(${ARGN} PROPERTIES ${CAPSTAN_ENGINE_TEST_PROPERTIES})
endfunction()
