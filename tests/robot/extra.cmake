# End-to-end test of `primod robot`: a fake robot on a pseudo-terminal (Python's pty), replayed camera frames.
find_program(PM_PYTHON3 python3)
if(PRIMOD_BUILD_TOOLS AND PM_PYTHON3)
  add_test(NAME robot.cli_robot
    COMMAND ${PM_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/cli_robot.py $<TARGET_FILE:primod_cli> ${PROJECT_SOURCE_DIR})
  set_tests_properties(robot.cli_robot PROPERTIES LABELS robot TIMEOUT 120)
  if(PRIMOD_SANITIZE)   # the test loads the saved model with the Python package (tests/python/extra.cmake)
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so OUTPUT_VARIABLE _pm_asan_rt
      OUTPUT_STRIP_TRAILING_WHITESPACE)
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libubsan.so OUTPUT_VARIABLE _pm_ubsan_rt
      OUTPUT_STRIP_TRAILING_WHITESPACE)
    set_tests_properties(robot.cli_robot PROPERTIES ENVIRONMENT "PM_PY_PRELOAD=${_pm_asan_rt} ${_pm_ubsan_rt}")
  endif()
endif()

# The firmware builds with avr-gcc -Wall -Werror (the CI command is `make -C firmware`); outputs go to the build tree.
find_program(PM_AVR_GCC avr-gcc)
find_program(PM_MAKE make)
if(PM_AVR_GCC AND PM_MAKE)
  add_test(NAME robot.firmware_build
    COMMAND ${PM_MAKE} -C ${PROJECT_SOURCE_DIR}/firmware O=${CMAKE_BINARY_DIR}/firmware)
  set_tests_properties(robot.firmware_build PROPERTIES LABELS robot)
endif()
