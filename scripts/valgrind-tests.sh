#!/usr/bin/env bash
# Runs the library's cmocka test programs (core, loop, sim) under valgrind memcheck; any error or leak fails.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
fail=0
# the cmocka programs are the tests named <module>.test_* (tests/<module>/test_*.c); others, such as the Python
# check core.exp_table, have no program of their own to run under valgrind
for t in $(ctest --test-dir "$build" -N -L '^(core|loop|sim)$' | sed -n 's/^ *Test *#[0-9]*: [a-z]*\.\(test_.*\)$/\1/p'); do
  exe=$(find "$build" -maxdepth 2 -type f -name "$t" -perm -u+x | head -n 1)
  [ -n "$exe" ] || { echo "valgrind: no executable for $t"; fail=1; continue; }
  if PRIMOD_SOURCE_DIR=$PWD PRIMOD_QUICK=1 valgrind -q --error-exitcode=99 --leak-check=full \
       --errors-for-leak-kinds=definite,indirect "$exe" >/tmp/valgrind-$t.log 2>&1; then
    echo "valgrind clean: $t"
  else
    echo "valgrind FAILED: $t"; tail -n 30 /tmp/valgrind-$t.log; fail=1
  fi
done
exit $fail
