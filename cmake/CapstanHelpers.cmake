# capstan_library(NAME SRCS a.cc b.cc DEPS x y PRIVATE_DEPS z)
# Declares capstan_<NAME> with the project root on the include path and the shared warning flags.
function(capstan_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(capstan_${name} STATIC ${ARG_SRCS})
  target_include_directories(capstan_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(capstan_${name} PUBLIC ${ARG_DEPS} PRIVATE capstan_warnings ${ARG_PRIVATE_DEPS})
endfunction()

# capstan_test(NAME SRCS a_test.cc DEPS capstan_x [LABELS slow] [TIMEOUT s] [PROPERTIES k v ...])
# One GoogleTest executable registered with CTest, test by test (gtest_discover_tests).
# PROPERTIES are extra CTest properties for every test (e.g. FIXTURES_REQUIRED, ENVIRONMENT).
function(capstan_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SRCS;DEPS;LABELS;PROPERTIES" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} capstan_warnings GTest::gtest GTest::gmock
                                        GTest::gtest_main)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  set(props TIMEOUT ${ARG_TIMEOUT})
  # gtest_discover_tests passes PROPERTIES through a flattened list, so several labels would be
  # split and shift every property after them (FIXTURES_REQUIRED silently lost). One label goes
  # there; several are set by a CTest include file that runs after the discovered tests exist.
  list(LENGTH ARG_LABELS label_count)
  if(label_count EQUAL 1)
    list(APPEND props LABELS "${ARG_LABELS}")
  elseif(label_count GREATER 1)
    set(labels_file ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake)
    file(WRITE ${labels_file}
      "foreach(t IN LISTS ${name}_TESTS)\n"
      "  set_tests_properties(\"\${t}\" PROPERTIES LABELS \"${ARG_LABELS}\")\n"
      "endforeach()\n")
  endif()
  if(ARG_PROPERTIES)
    list(APPEND props ${ARG_PROPERTIES})
  endif()
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES ${props}
    DISCOVERY_TIMEOUT 60)
  if(labels_file)
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_file})
  endif()
endfunction()
