# End-to-end test of `primod robot`: a fake robot on a pseudo-terminal (Python's pty), replayed camera frames.
find_program(PM_PYTHON3 python3)
if(PRIMOD_BUILD_TOOLS AND PM_PYTHON3)
  add_test(NAME robot.cli_robot
    COMMAND ${PM_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/cli_robot.py $<TARGET_FILE:primod_cli> ${PROJECT_SOURCE_DIR})
  set_tests_properties(robot.cli_robot PROPERTIES LABELS robot TIMEOUT 120)
endif()
