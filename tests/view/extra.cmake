# primod view: screenshots under Xvfb and the dummy SDL driver, same trajectory as run, errors (view_check.py).
if(PRIMOD_BUILD_TOOLS)
  set(_pm_view_check ${PROJECT_SOURCE_DIR}/tests/view/view_check.py)
  if(PRIMOD_BUILD_VIEWER AND SDL2_FOUND)
    set(_pm_view_modes xvfb dummy trajectory keys errors)
  else()
    set(_pm_view_modes no_sdl)
  endif()
  foreach(mode ${_pm_view_modes})
    add_test(NAME view.${mode}
      COMMAND /usr/bin/python3 ${_pm_view_check} ${mode} $<TARGET_FILE:primod_cli> ${CMAKE_CURRENT_BINARY_DIR}/view-test)
    # leaks of the display libraries are not ours (tests/view/lsan.supp); ours are still reported
    set_tests_properties(view.${mode} PROPERTIES LABELS view SKIP_RETURN_CODE 77
      ENVIRONMENT "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/view/lsan.supp")
  endforeach()
endif()
