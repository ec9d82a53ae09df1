#!/usr/bin/env bash
# Cross-builds primod for aarch64 (the robot's Raspberry Pi), runs its C tests under qemu-user and checks that
# runs on aarch64 give byte-identical results (JSON, TSV log, model file) to the native x86-64 build.
#
#   scripts/cross-aarch64.sh [NATIVE_BUILD_DIR]     (default build/, as ./test.sh leaves it; built if missing)
#
# Steps:
#  1. Installs what is missing: the arm64 dpkg architecture, crossbuild-essential-arm64, qemu-user and the arm64
#     -dev packages of the top-level pkg_check_modules calls (libpng, cairo, inih, libv4l2, cmocka).
#  2. Configures build-aarch64/ with cmake/toolchain-aarch64.cmake and -DPRIMOD_WERROR=ON, builds everything.
#     Turned off for the cross build:
#       - the SDL2 viewer (-DPRIMOD_BUILD_VIEWER=OFF): libsdl2-dev:arm64 pulls ~120 packages (Mesa, LLVM, X11,
#         Wayland, PulseAudio) and upgrades host ones; its tests drive the binary from python3 under Xvfb, which
#         cannot run it here anyway (see 3.).
#       - the robot twin (-DPRIMOD_BUILD_TWIN=OFF): simavr emulates the AVR board on the host; an aarch64 build
#         of it has no use. Passed whether or not the option exists yet (--no-warn-unused-cli).
#  3. ctest under qemu (CMAKE_CROSSCOMPILING_EMULATOR) for the C tests only: every cmocka program, <dir>.test_*.
#     Excluded, because they cannot run here:
#       - cli.run_*, cli.batch_*, experiments.*, robot.cli_robot, view.*, python.*: a host program (sh, python3)
#         executes the aarch64 primod binary or loads the aarch64 shared libraries itself. ctest puts the emulator
#         only in front of a test whose command is a target; running them would need a binfmt_misc handler, a
#         host-wide kernel setting this script does not make. The `primod` CLI is checked by step 4 instead.
#       - install.*: its inner find_package project is configured without the toolchain file.
#       - robot.firmware_build: builds the AVR firmware with avr-gcc; nothing aarch64 about it (CI builds it).
#  4. Runs the same commands with the native primod and with the aarch64 one under qemu, in two directories,
#     and compares stdout JSON (with the wall-clock fields steps_per_second and wall_seconds blanked: the only
#     timing values `primod run`/`compare` print), the TSV log and the model file byte for byte. `compare --jobs 2`
#     also checks forked workers under qemu.
# Exits non-zero on a build error or warning, a failing test or any difference (checked: an aarch64 primod built
# with -ffp-contract=fast fails all five comparisons). Measured on the 2-core CI machine under load, from nothing
# installed: 14 min (packages 5.5, cross build 4.5, C tests 2, comparisons 2); about 4 min once installed and built.
set -euo pipefail
cd "$(dirname "$0")/.."
native=${1:-build}
cross=build-aarch64
jobs=$(nproc)
start=$SECONDS

# -L /: the aarch64 loader and libraries are at their Debian multiarch paths under /. With qemu 7.2,
# -L /usr/aarch64-linux-gnu (the cross toolchain's own sysroot) makes every forked child spin forever.
# The same command is CMAKE_CROSSCOMPILING_EMULATOR in cmake/toolchain-aarch64.cmake.
emu=(qemu-aarch64 -L /)

step() { printf '\n== cross-aarch64: %s (%s)\n' "$1" "$(date +%T)"; }

# ---- 1. packages ----
step "packages"
dev_pkgs="libpng-dev libcairo2-dev libinih-dev libv4l-dev libcmocka-dev"
want="crossbuild-essential-arm64 qemu-user"
for p in $dev_pkgs; do want="$want $p:arm64"; done
missing=$(for p in $want; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  su=(); [ "$(id -u)" = 0 ] || su=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  dpkg --print-foreign-architectures | grep -qx arm64 || "${su[@]}" dpkg --add-architecture arm64
  # -o DPkg::Lock::Timeout: another apt-get on the machine (e.g. install-deps.sh) may hold the lock for a while
  "${su[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  # shellcheck disable=SC2086
  "${su[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
  printf 'installed: %s\n' "$(tr '\n' ' ' <<<"$missing")"
fi
"${emu[0]}" --version | sed -n 1p
aarch64-linux-gnu-gcc --version | sed -n 1p

# ---- 2. native primod (for the comparison) and the cross build ----
step "native primod in $native/"
if [ ! -f "$native/CMakeCache.txt" ]; then
  cmake -S . -B "$native" -DPRIMOD_WERROR=ON >/dev/null
fi
cmake --build "$native" -j "$jobs" --target primod_cli >/dev/null

step "cross build in $cross/ (-Werror)"
cmake -S . -B "$cross" --no-warn-unused-cli -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchain-aarch64.cmake" \
  -DPRIMOD_WERROR=ON -DPRIMOD_BUILD_VIEWER=OFF -DPRIMOD_BUILD_TWIN=OFF >/dev/null
cmake --build "$cross" -j "$jobs"
# what qemu runs below must really be an aarch64 program
if ! aarch64-linux-gnu-readelf -h "$cross/primod" | grep -q 'Machine: *AArch64'; then
  echo "$cross/primod is not an aarch64 program"; exit 1
fi

# ---- 3. C tests under qemu ----
step "C tests (cmocka programs) under ${emu[*]}"
ctest --test-dir "$cross" -R '^[A-Za-z0-9_]+\.test_' --no-tests=error --output-on-failure -j "$jobs"

# ---- 4. native vs aarch64: same command, same files ----
step "native x86-64 vs aarch64 under qemu: JSON, log, model"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/native" "$tmp/aarch64"
nat_bin=$(cd "$native" && pwd)/primod
arm_bin=$(cd "$cross" && pwd)/primod
pass=0; fail=0
# blank only the wall-clock fields; everything else must match to the byte
untime() { sed -E 's/"(steps_per_second|wall_seconds)":[-+.0-9eE]+/"\1":"-"/g' "$1"; }
# check NAME FILES -- ARGS: runs `primod ARGS` in both directories (stdout to NAME.json), then compares
# NAME.json without timing and each of FILES byte for byte.
check() {
  local name=$1 files=() arch f ok=1; shift
  while [ "$1" != -- ]; do files+=("$1"); shift; done; shift
  (cd "$tmp/native" && "$nat_bin" "$@" > "$name.json") || { echo "  $name: native run exit $?"; ok=0; }
  (cd "$tmp/aarch64" && "${emu[@]}" "$arm_bin" "$@" > "$name.json") || { echo "  $name: aarch64 run exit $?"; ok=0; }
  for arch in native aarch64; do
    if ! grep -q '"steps":' "$tmp/$arch/$name.json"; then
      echo "  $name: no result JSON from the $arch run"; ok=0
    fi
  done
  if ! cmp -s <(untime "$tmp/native/$name.json") <(untime "$tmp/aarch64/$name.json"); then
    echo "  $name: JSON differs (timing fields ignored):"
    diff <(untime "$tmp/native/$name.json" | tr ',' '\n') <(untime "$tmp/aarch64/$name.json" | tr ',' '\n') |
      head -n 20 || true
    ok=0
  fi
  for f in "${files[@]}"; do
    if [ ! -s "$tmp/native/$f" ] || ! cmp "$tmp/native/$f" "$tmp/aarch64/$f"; then
      echo "  $name: $f missing, empty or different"; ok=0
    fi
  done
  if [ $ok = 1 ]; then
    pass=$((pass + 1))
    echo "  $name: identical ($(grep -o '"steps":[0-9]*' "$tmp/native/$name.json" | sed -n 1p),"\
      "JSON${files[*]:+ + ${files[*]}})"
  else
    fail=$((fail + 1))
  fi
}
check pm_paper pm.tsv pm.model -- run --preset paper --rule pm --seed 3 --json --quiet --log pm.tsv \
  --save-model pm.model
# wheel noise (the RNG's Gaussian draws through libm), bp, the study preset
check bp_study_noise -- run --preset study --rule bp --seed 5 --set robot.wheel_noise=0.05 --json --quiet
# a run that does not stop at success: 3000 steps of chained on another track, tanh, 4 noisy substeps per step
check chained_s_curves chained.tsv -- run --track s-curves --rule chained --seed 7 --max-steps 3000 \
  --set run.stop_on_success=false --set network.activation=tanh --set robot.substeps=4 \
  --set robot.wheel_noise=0.05 --json --quiet --log chained.tsv
# a model saved by the x86-64 build, read on aarch64 (each side reads the native file) and trained on
cp "$tmp/native/pm.model" "$tmp/x86.model"
check pm_load_x86_model pm2.model -- run --rule pm --seed 3 --load-model "$tmp/x86.model" --max-steps 1000 \
  --set run.stop_on_success=false --json --quiet --save-model pm2.model
# every rule, two seeds, two forked workers: a batch is the same on both
check compare_all_rules -- compare --rules reflex,bp,pm,sr,sign,chained --seeds 1-2 --max-steps 2000 \
  --set robot.wheel_noise=0.05 --jobs 2 --json --quiet

echo "cross-aarch64: total $((SECONDS - start)) s"
echo "comparisons: $pass passed, $fail failed"
[ "$fail" = 0 ]
