# Experiment-layer end-to-end checks driving the primod binary (the C tests of this directory are picked up by
# the test_*.c glob).
if(PRIMOD_BUILD_TOOLS)
  add_test(NAME experiment.report_lost COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/report_lost.sh $<TARGET_FILE:primod_cli>)
  set_tests_properties(experiment.report_lost PROPERTIES LABELS experiment TIMEOUT 300 ENVIRONMENT
    "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/report/lsan.supp:print_suppressions=0")
endif()
