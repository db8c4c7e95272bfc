# Helpers shared by the module CMakeLists files.

# oaprobe_module(NAME SOURCES a.c b.c [DEPS target...])
# Builds the static library oaprobe_<NAME> and registers it in oaprobe_core.
function(oaprobe_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(oaprobe_${name} STATIC ${M_SOURCES})
  if(M_DEPS)
    target_link_libraries(oaprobe_${name} PUBLIC ${M_DEPS})
  endif()
  set_property(GLOBAL APPEND PROPERTY OAPROBE_MODULES oaprobe_${name})
endfunction()

# oaprobe_unit_test(NAME SOURCES t.c [LIBS target...])
# A cmocka test executable registered with ctest under the label "unit".
function(oaprobe_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 120)
endfunction()

# Include every immediate subdirectory of DIR that has a CMakeLists.txt.
function(oaprobe_add_subdirs dir)
  file(GLOB entries LIST_DIRECTORIES true ${dir}/*)
  list(SORT entries)
  foreach(e ${entries})
    if(IS_DIRECTORY ${e} AND EXISTS ${e}/CMakeLists.txt)
      add_subdirectory(${e})
    endif()
  endforeach()
endfunction()

# oaprobe_python_test(NAME SCRIPT file.py [ARGS arg...] LABELS label... TIMEOUT s
#                     [WORKING_DIRECTORY dir])
# A test run by Debian's Python, SCRIPT relative to the current source
# directory: /usr/bin/python3 -B, and PYTHONDONTWRITEBYTECODE=1 for the
# Pythons it starts, so that no __pycache__ lands in the source tree.
function(oaprobe_python_test name)
  cmake_parse_arguments(T "" "SCRIPT;TIMEOUT;WORKING_DIRECTORY" "ARGS;LABELS" ${ARGN})
  if(NOT T_SCRIPT OR NOT T_TIMEOUT OR NOT T_LABELS)
    message(FATAL_ERROR "oaprobe_python_test(${name}): SCRIPT, LABELS and TIMEOUT are required")
  endif()
  set(wd)
  if(T_WORKING_DIRECTORY)
    set(wd WORKING_DIRECTORY ${T_WORKING_DIRECTORY})
  endif()
  add_test(NAME ${name}
           COMMAND /usr/bin/python3 -B ${CMAKE_CURRENT_SOURCE_DIR}/${T_SCRIPT} ${T_ARGS}
           ${wd})
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                       ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1")
endfunction()
