#!/usr/bin/env bash
# The main job in one command: installs the Debian packages primod needs, builds it, runs the P&M line follower
# on the default track (paper preset), and draws its pictures. Results land in out/quickstart/.
#   ./quickstart.sh            (as root or with sudo rights; apt-get runs only if a package is missing)
#   ./quickstart.sh --seed 3   any further options go to `primod run` (see `build/primod run --help`)
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/install-deps.sh
cmake -S . -B build -DPRIMOD_WERROR=ON >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
out=out/quickstart
mkdir -p "$out"
echo "== reflex only (no learning), for comparison"
./build/primod run --preset paper --rule reflex --max-steps 2000 --log "$out/reflex.tsv"
echo
echo "== P&M learning on the default track (paper preset)"
./build/primod run --preset paper --rule pm --log "$out/pm.tsv" --save-model "$out/pm.pmnet" "$@"
./build/primod run --preset paper --rule pm --json --quiet "$@" >"$out/pm.json"
./build/primod render --log "$out/pm.tsv" --reference "$out/reflex.tsv" --model "$out/pm.pmnet" \
    --out "$out" >/dev/null
echo
echo "result: $out/pm.json   pictures in $out/: $(cd "$out" && ls -- *.png | tr '\n' ' ')"
