#!/usr/bin/env bash
# Builds primod with warnings as errors and runs every test with ctest.
#   ./test.sh             Release build in build/, all tests
#   ./test.sh --sanitize  the same suite under AddressSanitizer + UBSan, in build-asan/
set -euo pipefail
cd "$(dirname "$0")"
dir=build; extra=()
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan; extra=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIMOD_SANITIZE=ON)
fi
cmake -S . -B "$dir" -DPRIMOD_WERROR=ON "${extra[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)"
ctest --test-dir "$dir" --output-on-failure -j "$(nproc)"
