# CLI tests: shell scripts driving the primod binary
# (run_cli.sh: `primod run`; batch_cli.sh: compare, sweep, merge). Each script case is its own ctest test.
if(PRIMOD_BUILD_TOOLS)
  set(PM_CLI_RUN_CASES usage_errors help json_keys determinism reflex_default_track pm_learns model_roundtrip log
      png_track log_special_file signal model_mismatch file_limits config_errors stdout_full
      setup_limits freeze quality)
  set(PM_CLI_BATCH_CASES jobs_identical resume emit_merge grid_lists plots version errors merge_exact content_keyed
      duplicates signals report_signal write_targets progress)
  foreach(case ${PM_CLI_RUN_CASES})
    add_test(NAME cli.run_${case}
             COMMAND sh ${PROJECT_SOURCE_DIR}/tests/cli/run_cli.sh $<TARGET_FILE:primod_cli> ${case})
  endforeach()
  foreach(case ${PM_CLI_BATCH_CASES})
    add_test(NAME cli.batch_${case}
             COMMAND sh ${PROJECT_SOURCE_DIR}/tests/cli/batch_cli.sh $<TARGET_FILE:primod_cli> ${case})
  endforeach()
  # --plots draws with cairo: fontconfig's process-lifetime configuration is not our leak (tests/report/lsan.supp)
  set_tests_properties(cli.batch_plots cli.run_model_mismatch PROPERTIES ENVIRONMENT
    "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/report/lsan.supp:print_suppressions=0")
  foreach(case ${PM_CLI_RUN_CASES} ${PM_CLI_BATCH_CASES})
    if(TEST cli.run_${case})
      set_tests_properties(cli.run_${case} PROPERTIES LABELS cli)
    endif()
    if(TEST cli.batch_${case})
      set_tests_properties(cli.batch_${case} PROPERTIES LABELS cli)
    endif()
  endforeach()
endif()
