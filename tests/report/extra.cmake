# Report tests under sanitizers: ignore fontconfig's process-lifetime configuration (see lsan.supp).
if(PRIMOD_BUILD_TOOLS)
  foreach(t report.test_plot report.test_stats report.test_plot_pixels)
    if(TEST ${t})
      set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT
        "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/lsan.supp:print_suppressions=0")
    endif()
  endforeach()
endif()
