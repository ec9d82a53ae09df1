# CLI tests: cmocka programs tests/cli/test_*.c (config, JSON) and shell scripts driving the primod binary.
if(PRIMOD_BUILD_TOOLS)
  pm_add_cmocka_tests(cli primod_tools)
endif()
