# Install test: `cmake --install` into a temporary prefix, then build a user program with pkg-config and with
# find_package(primod), as a user of the installed library would.
if(NOT PRIMOD_SANITIZE)  # a sanitized library needs sanitized users; the plain build checks installs
add_test(NAME install.pkgconfig_and_find_package
  COMMAND ${CMAKE_COMMAND} -DSRC=${PROJECT_SOURCE_DIR} -DBIN=${CMAKE_BINARY_DIR}
          -DWORK=${CMAKE_BINARY_DIR}/install-test -DC_COMPILER=${CMAKE_C_COMPILER}
          -P ${CMAKE_CURRENT_LIST_DIR}/install_check.cmake)
set_tests_properties(install.pkgconfig_and_find_package PROPERTIES LABELS install RUN_SERIAL TRUE)
endif()
