#!/usr/bin/env bash
# Instructions per step of the hot paths under callgrind (repeatable on a loaded machine, unlike wall time):
# the difference of two runs of build/bench_count (set-up cancels). Usage: bench/count.sh [build-dir] [modes...]
set -euo pipefail
dir=${1:-build}; shift || true
modes=${*:-loop net netzero}
for m in $modes; do
  a=2000; b=12000
  ia=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$dir/bench_count" "$m" $a 2>&1 | awk '/Collected/ {print $4}')
  ib=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$dir/bench_count" "$m" $b 2>&1 | awk '/Collected/ {print $4}')
  echo "$m: $(( (ib - ia) / (b - a) )) instructions/step"
done
