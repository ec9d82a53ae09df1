#!/usr/bin/env bash
# Builds the .deb with CPack in a configured build directory (default build/), extracts it into a temporary
# directory with dpkg-deb -x (nothing is installed on the machine) and checks that tree as a user would:
# its contents and declared dependencies, the CLI, `man` on each page, the install test (every header as C11 and
# C++, every declared function linked shared and static through pkg-config and find_package) and the Python tests.
#   scripts/deb-check.sh [BUILD_DIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
fail() { echo "deb-check: $*" >&2; exit 1; }

cd "$build"
rm -f primod_*.deb
cpack -G DEB >cpack.log 2>&1 || { cat cpack.log; fail "cpack -G DEB failed"; }
debs=(primod_*.deb)
[ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ] || fail "expected one primod_*.deb in $build"
deb=$build/${debs[0]}
echo "== $deb ($(stat -c %s "$deb") bytes)"

# The Debian dependencies: the shared libraries' packages (dpkg-shlibdeps) and python3.
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
# A build with the robot twin (cmake/twin.cmake) ships libprimod_twin, which needs simavr's library (libelf1 comes
# with libsimavr2: the twin calls no libelf function itself, so --as-needed links no libelf.so).
twin=0
grep -q '^PRIMOD_BUILD_TWIN:BOOL=ON' CMakeCache.txt && twin=1
needs=(libc6 libcairo2 libinih1 libpng16-16 libv4l-0 python3)
[ $twin = 1 ] && needs+=(libsimavr2)
for p in "${needs[@]}"; do
  grep -qE "(^|, )$p( |,|$)" <<<"$depends" || fail "Depends lacks $p"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp/root"
root=$tmp/root/usr
[ -z "$(find "$tmp/root" -mindepth 1 -maxdepth 1 ! -name usr)" ] || fail "files outside /usr"
for f in bin/primod include/primod/primod.h lib/pkgconfig/primod.pc lib/pkgconfig/primod-core.pc \
         lib/cmake/primod/primodConfig.cmake lib/libprimod.so lib/libprimod.a lib/libprimod_experiment.so \
         lib/libprimod_robot.a lib/python3/dist-packages/primod/__init__.py share/man/man1/primod.1; do
  [ -e "$root/$f" ] || fail "not in the package: /usr/$f"
done
if [ $twin = 1 ]; then
  for f in lib/libprimod_twin.so lib/libprimod_twin.a lib/pkgconfig/primod-twin.pc include/primod/twin.h \
           share/primod/twin/primod.elf share/primod/twin/robot.ini; do
    [ -e "$root/$f" ] || fail "not in the package: /usr/$f"
  done
fi

# The CLI from the tree: its version and a short run with a JSON record.
"$root/bin/primod" --version | grep -qx "primod $(dpkg-deb -f "$deb" Version)" || fail "primod --version"
"$root/bin/primod" run --rule pm --max-steps 200 --json --quiet |
  python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["steps"] == 200 and r["rule"] == "pm", r'
echo "CLI run: ok"
if [ $twin = 1 ]; then
  # the twin from the tree: its firmware and robot.ini from share/primod/twin/, the host is the same binary
  "$root/bin/primod" twin --seconds 2 --json --quiet |
    python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["steps"] > 0 and r["host_exit"] == 0, r'
  echo "CLI twin: ok"
fi

# A man page per command that `primod --help` lists, each readable by man.
man -l "$root/share/man/man1/primod.1" 2>/dev/null | head -n 8
for cmd in $("$root/bin/primod" --help | awk '/^commands:/{c=1; next} c && /^  [a-z]/{print $1}'); do
  page=$root/share/man/man1/primod-$cmd.1
  [ -f "$page" ] || fail "no man page for primod $cmd"
  man -l "$page" 2>/dev/null | grep -q "primod-$cmd" || fail "man -l $page does not name primod-$cmd"
done
echo "man pages: ok ($(ls "$root/share/man/man1" | wc -l) pages)"

cmake -DSRC="$src" -DPREFIX="$root" -DWORK="$tmp/install-test" -DC_COMPILER="${CC:-cc}" -DCXX_COMPILER="${CXX:-c++}" \
      -DPYTHON=/usr/bin/python3 -DCORE_HEADERS="$(cat "$build/primod-core-headers.txt")" \
      -P "$src/tests/install/install_check.cmake"
cmake -DSRC="$src" -DPREFIX="$root" -DWORK="$tmp/python" -DPYTHON=/usr/bin/python3 \
      -P "$src/tests/install/python_check.cmake"
echo "deb-check: $deb passes the install test from its extracted tree"
