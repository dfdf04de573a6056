# delta_library(NAME SRCS a.cc b.cc DEPS delta_base ...)
# One static library per src/ folder; DEPS are its declared dependencies, so a wrong arrow between
# stages is a visible line in review (in the spirit of absl_cc_library and v_cc_library).
function(delta_library NAME)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${NAME} STATIC ${ARG_SRCS})
  target_include_directories(${NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${NAME} PUBLIC ${ARG_DEPS})
endfunction()

# delta_test(NAME SRCS a_test.cc DEPS delta_x [LABELS unit])
# A GoogleTest binary registered with CTest as one test per TEST() (gtest_discover_tests).
function(delta_test NAME)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${NAME} ${ARG_SRCS})
  target_link_libraries(${NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${NAME} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
