# Install tests: `cmake --install` into a temporary prefix, then use it as a user would: every installed header
# compiled alone as C11 and C++, every declared function linked shared and static through pkg-config and
# find_package(primod) (install_check.cmake); the Python package's tests against that prefix only
# (python_check.cmake). scripts/deb-check.sh runs install_check.cmake on the extracted .deb.
if(NOT PRIMOD_SANITIZE)  # a sanitized library needs sanitized users; the plain build checks installs
  find_program(PM_CXX NAMES c++ g++)
  if(NOT PM_CXX)
    message(FATAL_ERROR "the install test needs a C++ compiler (g++) for its C++ include check")
  endif()
  string(REPLACE ";" "," _pm_core_headers "${PRIMOD_CORE_HEADERS}")   # a list would split the argument
  add_test(NAME install.pkgconfig_and_find_package
    COMMAND ${CMAKE_COMMAND} -DSRC=${PROJECT_SOURCE_DIR} -DBIN=${CMAKE_BINARY_DIR}
            -DWORK=${CMAKE_BINARY_DIR}/install-test -DC_COMPILER=${CMAKE_C_COMPILER} -DCXX_COMPILER=${PM_CXX}
            -DPYTHON=/usr/bin/python3 -DCORE_HEADERS=${_pm_core_headers}
            -P ${CMAKE_CURRENT_LIST_DIR}/install_check.cmake)
  set_tests_properties(install.pkgconfig_and_find_package PROPERTIES LABELS install RUN_SERIAL TRUE)
  if(PRIMOD_BUILD_TOOLS)
    add_test(NAME install.python
      COMMAND ${CMAKE_COMMAND} -DSRC=${PROJECT_SOURCE_DIR} -DBIN=${CMAKE_BINARY_DIR}
              -DWORK=${CMAKE_BINARY_DIR}/install-python -DPYTHON=/usr/bin/python3
              -P ${CMAKE_CURRENT_LIST_DIR}/python_check.cmake)
    set_tests_properties(install.python PROPERTIES LABELS "install;python" RUN_SERIAL TRUE)
  endif()
endif()
