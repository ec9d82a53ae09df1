# Python package tests (pytest with the system python3) against the shared libraries of this build.
if(PRIMOD_BUILD_TOOLS)
  set(_pm_py_env "PRIMOD_LIB_DIR=${CMAKE_BINARY_DIR}" "PYTHONPATH=${PROJECT_SOURCE_DIR}/python"
    "PYTHONDONTWRITEBYTECODE=1")
  if(PRIMOD_SANITIZE)
    # The libraries are instrumented but python3 is not: the sanitizer runtimes must be loaded first.
    # The interpreter keeps its own allocations until exit by design, so leak detection is off here
    # (the C tests and the viewer tests run with it).
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so OUTPUT_VARIABLE _pm_asan
      OUTPUT_STRIP_TRAILING_WHITESPACE)
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libubsan.so OUTPUT_VARIABLE _pm_ubsan
      OUTPUT_STRIP_TRAILING_WHITESPACE)
    list(APPEND _pm_py_env "LD_PRELOAD=${_pm_asan} ${_pm_ubsan}" "ASAN_OPTIONS=detect_leaks=0")
  endif()
  add_test(NAME python.pytest
    COMMAND /usr/bin/python3 -m pytest -q -p no:cacheprovider ${PROJECT_SOURCE_DIR}/tests/python
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(python.pytest PROPERTIES LABELS python
    ENVIRONMENT "${_pm_py_env};PRIMOD_CLI=$<TARGET_FILE:primod_cli>")
  # The example trains a network on a user-defined relevance signal (a short run).
  add_test(NAME python.example
    COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/examples/custom_relevance.py --steps 600
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(python.example PROPERTIES LABELS python ENVIRONMENT "${_pm_py_env}")
endif()
