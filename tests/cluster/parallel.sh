#!/bin/sh
# `primod sweep --emit-commands | parallel` + `primod merge` gives the statistics of `primod sweep --jobs 2` (only
# wall times differ; SPEC §11), for a grid over a non-rate key and two tracks. Exits 77 (skipped) without GNU
# parallel. usage: parallel.sh PRIMOD_BINARY
set -eu
PRIMOD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
command -v parallel >/dev/null 2>&1 || { echo "skip: GNU parallel not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/primod-parallel.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

set -- sweep --rules pm --seeds 1-2 --grid network.hidden_width=3,10 --tracks paper,oval --max-steps 600 --quiet
"$PRIMOD" "$@" --out "$T/runs" --emit-commands >"$T/cmds"
[ "$(wc -l <"$T/cmds")" -eq 8 ] || fail "expected 8 commands, got $(wc -l <"$T/cmds")"
parallel --will-cite -j 2 --halt now,fail=1 <"$T/cmds" || fail "a command failed under parallel"
[ "$(ls "$T/runs" | wc -l)" -eq 8 ] || fail "parallel wrote $(ls "$T/runs" | wc -l) files"
"$PRIMOD" merge --json "$T/runs" >"$T/merged.json"
"$PRIMOD" "$@" --jobs 2 --json >"$T/local.json"
python3 "$HERE/../cli/same_results.py" "$T/merged.json" "$T/local.json" || fail "merge != sweep --jobs 2"
python3 - "$T/merged.json" <<'PY' || fail "groups of the merge wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["params"] == ["world.track", "network.hidden_width"], d["params"]
assert len(d["groups"]) == 4 and all(g["runs"] == 2 for g in d["groups"])
assert [tuple(g["params"].values()) for g in d["groups"]] == [("oval", 3), ("oval", 10), ("paper", 3), ("paper", 10)]
PY
"$PRIMOD" "$@" --out "$T/runs" --emit-commands >"$T/cmds2"
[ ! -s "$T/cmds2" ] || fail "finished runs emitted again"
echo "ok parallel"
