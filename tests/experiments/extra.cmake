# Experiment commands (primod render, impulse, report): python3 script cases driving the primod binary, each its
# own ctest test experiments.<case>.
if(PRIMOD_BUILD_TOOLS)
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_FOUND)
    foreach(case impulse render bad_input report_quick)
      add_test(NAME experiments.${case}
               COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/experiments/experiments_cli.py
                       $<TARGET_FILE:primod_cli> ${case})
      # under ASan: fontconfig (via cairo's text) keeps its configuration for the process lifetime, not ours
      set_tests_properties(experiments.${case} PROPERTIES LABELS experiments ENVIRONMENT
        "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/report/lsan.supp:print_suppressions=0")
    endforeach()
  endif()
endif()
