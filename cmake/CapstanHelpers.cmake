# capstan_library(NAME SRCS a.cc b.cc DEPS x y PRIVATE_DEPS z)
# Declares capstan_<NAME> with the project root on the include path and the shared warning flags.
function(capstan_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(capstan_${name} STATIC ${ARG_SRCS})
  target_include_directories(capstan_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(capstan_${name} PUBLIC ${ARG_DEPS} PRIVATE capstan_warnings ${ARG_PRIVATE_DEPS})
endfunction()

# capstan_test(NAME SRCS a_test.cc DEPS capstan_x [LABELS slow])
# One GoogleTest executable registered with CTest, test by test (gtest_discover_tests).
function(capstan_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} capstan_warnings GTest::gtest GTest::gmock
                                        GTest::gtest_main)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  set(props TIMEOUT ${ARG_TIMEOUT})
  if(ARG_LABELS)
    list(APPEND props LABELS "${ARG_LABELS}")
  endif()
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES ${props}
    DISCOVERY_TIMEOUT 60)
endfunction()
