# The robot twin (SPEC §10): model and emulator tests (cmocka) and end-to-end `primod twin` runs with faults.
# Every test here runs alone (RUN_SERIAL): the emulator is paced to real time and the host's 250 ms timeouts
# need the CPU (SPEC §10: under 4+ CPU hogs on 2 cores the host saw 250 ms stalls).
if(PRIMOD_BUILD_TWIN)
  set(PM_TWIN_ELF ${CMAKE_BINARY_DIR}/twin/primod.elf)
  # under ASan: simavr's own never-freed IRQ tables are suppressed, nothing of ours (lsan.supp says why)
  set(PM_TWIN_LSAN "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/lsan.supp")
  add_executable(test_twin ${CMAKE_CURRENT_LIST_DIR}/test_twin.c)
  target_link_libraries(test_twin PRIVATE primod_twin_static PkgConfig::CMOCKA)
  add_test(NAME twin.test_twin COMMAND test_twin)
  set_tests_properties(twin.test_twin PROPERTIES LABELS twin RUN_SERIAL TRUE TIMEOUT 120
    ENVIRONMENT "PRIMOD_TWIN_FIRMWARE=${PM_TWIN_ELF};${PM_TWIN_LSAN}")
  # the session's library side (options, refusals, summary JSON): no emulator runs, so no RUN_SERIAL
  add_executable(test_twin_session ${CMAKE_CURRENT_LIST_DIR}/test_session.c)
  target_link_libraries(test_twin_session PRIVATE primod_twin_static PkgConfig::CMOCKA)
  add_test(NAME twin.test_session COMMAND test_twin_session)
  set_tests_properties(twin.test_session PROPERTIES LABELS twin ENVIRONMENT "${PM_TWIN_LSAN}")

  find_program(PM_PYTHON3_TWIN python3)
  if(PM_PYTHON3_TWIN AND TARGET primod_twin_firmware)
    foreach(case closed_loop kill_host hang_firmware unplug calibrate errors)
      add_test(NAME twin.${case}
        COMMAND ${PM_PYTHON3_TWIN} ${CMAKE_CURRENT_LIST_DIR}/cli_twin.py $<TARGET_FILE:primod_cli> ${case})
      set_tests_properties(twin.${case} PROPERTIES LABELS twin RUN_SERIAL TRUE TIMEOUT 180
        ENVIRONMENT "${PM_TWIN_LSAN}")
    endforeach()
  endif()
endif()
