# Executors beyond one machine (SPEC §11, docs/cluster.md): GNU parallel over the emitted commands, and a real
# single-node Slurm the test starts and stops itself. Label cluster; serial (the Slurm test owns daemons and
# ports); exit 77 = skipped when the executor is not installed.
if(PRIMOD_BUILD_TOOLS)
  add_test(NAME cluster.parallel
           COMMAND sh ${PROJECT_SOURCE_DIR}/tests/cluster/parallel.sh $<TARGET_FILE:primod_cli>)
  add_test(NAME cluster.slurm
           COMMAND sh ${PROJECT_SOURCE_DIR}/tests/cluster/slurm.sh $<TARGET_FILE:primod_cli>)
  set_tests_properties(cluster.parallel cluster.slurm PROPERTIES
    LABELS cluster RUN_SERIAL TRUE TIMEOUT 240 SKIP_RETURN_CODE 77)
endif()
