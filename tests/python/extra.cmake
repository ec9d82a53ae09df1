# Python package tests (pytest with the system python3) against the shared libraries of this build.
if(PRIMOD_BUILD_TOOLS)
  add_test(NAME python.pytest
    COMMAND /usr/bin/python3 -m pytest -q -p no:cacheprovider ${PROJECT_SOURCE_DIR}/tests/python
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(python.pytest PROPERTIES LABELS python
    ENVIRONMENT "PRIMOD_LIB_DIR=${CMAKE_BINARY_DIR};PRIMOD_CLI=$<TARGET_FILE:primod_cli>;PYTHONPATH=${PROJECT_SOURCE_DIR}/python;PYTHONDONTWRITEBYTECODE=1")
  # The example trains a network on a user-defined relevance signal (a short run).
  add_test(NAME python.example
    COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/examples/custom_relevance.py --steps 600
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(python.example PROPERTIES LABELS python
    ENVIRONMENT "PRIMOD_LIB_DIR=${CMAKE_BINARY_DIR};PYTHONPATH=${PROJECT_SOURCE_DIR}/python;PYTHONDONTWRITEBYTECODE=1")
endif()
