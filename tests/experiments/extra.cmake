# Experiment commands (primod render, impulse, report): python3 script cases driving the primod binary, each its
# own ctest test experiments.<case>.
if(PRIMOD_BUILD_TOOLS)
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_FOUND)
    foreach(case impulse render bad_input report_quick)
      add_test(NAME experiments.${case}
               COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/experiments/experiments_cli.py
                       $<TARGET_FILE:primod_cli> ${case})
      set_tests_properties(experiments.${case} PROPERTIES LABELS experiments)
    endforeach()
  endif()
endif()
