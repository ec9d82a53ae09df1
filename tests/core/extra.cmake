# pm_exp's table checked against Python's decimal module (independent of the library and of long double).
add_test(NAME core.exp_table COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/core/check_exp_table.py
  ${PROJECT_SOURCE_DIR}/src/core/pm_math.h)
set_tests_properties(core.exp_table PROPERTIES LABELS core)
