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
