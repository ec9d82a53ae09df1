#!/bin/sh
# CLI tests of `primod compare`, `sweep` and `merge`: worker-count independence, resume, emitted commands, --plots,
# errors.
# usage: batch_cli.sh PRIMOD_BINARY CASE
set -eu
. "$(dirname "$0")/cli_lib.sh"   # PRIMOD, CASE, $T, fail, expect_error

# same_but_timing A.json B.json SUMMARY_KEY: two batch outputs are equal once the timing fields (each run's
# steps_per_second, each summary's wall_seconds, which must be present) are taken out.
same_but_timing() {
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys
def strip(d):
    for r in d["runs"]:
        r.pop("steps_per_second")
    for g in d[sys.argv[3]].values():
        g.pop("wall_seconds")
    return d
a, b = (strip(json.load(open(p))) for p in sys.argv[1:3])
assert a == b, "results differ"
PY
}

case $CASE in
jobs_identical)
    # The same batch with 1 and 2 worker processes: identical JSON apart from timing fields.
    set -- compare --rules reflex,bp,pm --seeds 1-3 --max-steps 1500 --json --quiet
    "$PRIMOD" "$@" --jobs 1 >"$T/j1.json"
    "$PRIMOD" "$@" --jobs 2 >"$T/j2.json"
    same_but_timing "$T/j1.json" "$T/j2.json" rules || fail "--jobs 1 and --jobs 2 differ"
    python3 - "$T/j1.json" <<'PY' || fail "compare runs or summary wrong"
import json, sys
a = json.load(open(sys.argv[1]))
runs = a["runs"]
assert [(r["rule"], r["seed"]) for r in runs] == [(x, s) for x in ("reflex", "bp", "pm") for s in (1, 2, 3)]
# summary recomputed independently from the runs: success rate, median and type-7 quartiles of success steps
def q7(xs, p):
    xs = sorted(xs); h = (len(xs) - 1) * p; i = int(h)
    return xs[i] + (h - i) * (xs[min(i + 1, len(xs) - 1)] - xs[i])
for rule, g in a["rules"].items():
    rs = [r for r in runs if r["rule"] == rule]
    steps = [r["success_step"] for r in rs if r["success"]]
    assert g["runs"] == 3 and g["success_rate"] == len(steps) / 3, rule
    if steps:
        assert g["median_success_step"] == q7(steps, 0.5), rule
        assert g["iqr"] == [q7(steps, 0.25), q7(steps, 0.75)], rule
    else:
        assert g["median_success_step"] is None and g["iqr"] is None, rule
assert a["rules"]["reflex"]["success_rate"] == 0
PY
    ;;
resume)
    set -- sweep --rules pm --grid learning.rate=1e-5,1e-4 --seeds 1-2 --max-steps 1500 --quiet --json --out "$T/out"
    "$PRIMOD" "$@" >"$T/first.json"
    [ "$(ls "$T/out" | wc -l)" -eq 4 ] || fail "expected 4 run files, got: $(ls "$T/out")"
    victim=$(ls "$T/out" | head -1)
    marked=$(ls "$T/out" | tail -1)
    rm "$T/out/$victim"
    # mark a kept file: if it is reused (not rerun), the marker shows up in the merged output
    sed 's/"steps_per_second":[^,]*/"steps_per_second":424242/' "$T/out/$marked" >"$T/m" && mv "$T/m" "$T/out/$marked"
    "$PRIMOD" "$@" >"$T/second.json"
    [ -f "$T/out/$victim" ] || fail "the deleted run was not redone"
    grep -q '"steps_per_second":424242' "$T/out/$marked" || fail "a finished run was redone"
    grep -q '"steps_per_second":424242' "$T/second.json" || fail "the resumed result is not in the output"
    [ "$(ls "$T/out" | wc -l)" -eq 4 ] || fail "stray files: $(ls "$T/out")"
    same_but_timing "$T/first.json" "$T/second.json" groups || fail "resumed sweep differs from the first"
    python3 - "$T/first.json" <<'PY' || fail "sweep groups wrong"
import json, sys
assert set(json.load(open(sys.argv[1]))["groups"]) == {"pm learning.rate=1e-5", "pm learning.rate=1e-4"}
PY
    ;;
emit_merge)
    set -- sweep --rules bp,pm --grid learning.rate=1e-5,1e-3 --seeds 1-2 --max-steps 1200 --out "$T/out"
    "$PRIMOD" "$@" --emit-commands >"$T/cmds"
    [ "$(wc -l <"$T/cmds")" -eq 8 ] || fail "expected 8 commands, got $(wc -l <"$T/cmds")"
    sh -e "$T/cmds"
    [ "$(ls "$T/out" | wc -l)" -eq 8 ] || fail "the commands wrote $(ls "$T/out" | wc -l) files"
    "$PRIMOD" "$@" --emit-commands >"$T/cmds2"
    [ ! -s "$T/cmds2" ] || fail "emitted runs again although their files exist (names do not match)"
    "$PRIMOD" merge --json "$T/out" >"$T/merged.json"
    "$PRIMOD" "$@" --json --quiet >"$T/sweep.json"
    python3 - "$T/merged.json" "$T/sweep.json" <<'PY' || fail "merge does not agree with the sweep"
import json, sys
m, s = (json.load(open(p)) for p in sys.argv[1:3])
assert len(m["runs"]) == 8
assert set(m["rules"]) == {"bp@1.0000000000000001e-05", "bp@0.001", "pm@1.0000000000000001e-05", "pm@0.001"}
key = lambda r: (r["rule"], r["rate"], r["seed"])
assert sorted(map(key, m["runs"])) == sorted(map(key, s["runs"]))
for g in s["groups"].values():   # same runs, so the same statistics per (rule, rate)
    mg = [x for x in m["rules"].values() if x["rule"] == g["rule"] and x["rate"] == g["rate"]]
    assert len(mg) == 1
    for k in ("runs", "success_rate", "median_success_step", "iqr", "median_error_integral"):
        assert mg[0][k] == g[k], k
PY
    "$PRIMOD" merge "$T/out" | grep -q "^pm@0.001" || fail "merge table lacks pm@0.001"
    ;;
grid_lists)
    # ';' separates grid values that are lists themselves; each run's config echo shows its own value
    "$PRIMOD" sweep --rules bp --seeds 1 --grid 'network.hidden=10;20,10' --max-steps 300 --json --quiet >"$T/g.json"
    python3 - "$T/g.json" <<'PY' || fail "grid of list values"
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d["groups"]) == {"bp network.hidden=10", "bp network.hidden=20,10"}
assert [r["config"]["network"]["hidden"] for r in d["runs"]] == [[10], [20, 10]]
assert [len(r["weight_distance"]) for r in d["runs"]] == [2, 3]
PY
    ;;
plots)
    # --plots DIR: summary pictures. Box plots are max(500, boxes x max(140, 8 x longest label + 24)) px wide and
    # 600 high (pm_plot_boxes default height); the rate plot is 800 x 600 (pm_plot_xy default).
    png_size() {   # prints "W H" of a PNG from its IHDR chunk (bytes 16..23, big-endian)
        python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); assert d[:8]==b"\x89PNG\r\n\x1a\n"; print(*struct.unpack(">II",d[16:24]))' "$1"
    }
    "$PRIMOD" compare --rules reflex,pm --seeds 1-2 --max-steps 1500 --quiet --jobs 1 --plots "$T/c" >/dev/null
    # labels "reflex", "pm": 2 x 140 = 280 < 500
    [ "$(png_size "$T/c/success_steps.png")" = "500 600" ] || fail "compare success_steps.png: $(png_size "$T/c/success_steps.png")"
    [ "$(png_size "$T/c/error_integrals.png")" = "500 600" ] || fail "compare error_integrals.png size"
    [ ! -e "$T/c/success_rate.png" ] || fail "compare drew a rate plot"
    "$PRIMOD" sweep --rules pm --grid learning.rate=1e-5,1e-4,1e-3 --seeds 1-2 --max-steps 1500 --quiet --jobs 1 \
        --out "$T/runs" --plots "$T/s" >/dev/null
    # labels "pm learning.rate=1e-5" (21 characters): 3 x (8 x 21 + 24) = 576
    [ "$(png_size "$T/s/error_integrals.png")" = "576 600" ] || fail "sweep error_integrals.png: $(png_size "$T/s/error_integrals.png")"
    [ "$(png_size "$T/s/success_rate.png")" = "800 600" ] || fail "sweep success_rate.png size"
    [ -s "$T/s/success_steps.png" ] || fail "sweep success_steps.png missing"
    # merge of the same runs: groups pm@rate, a rule at several rates -> the rate plot too
    "$PRIMOD" merge --plots "$T/m" "$T/runs" >/dev/null
    for f in success_steps error_integrals success_rate; do
        [ -s "$T/m/$f.png" ] || fail "merge --plots: $f.png missing"
    done
    [ "$(png_size "$T/m/success_rate.png")" = "800 600" ] || fail "merge success_rate.png size"
    # no successful run: no success-step picture, a note on stderr, still exit 0
    "$PRIMOD" compare --rules reflex --seeds 1 --max-steps 300 --quiet --plots "$T/r" >/dev/null 2>"$T/note"
    grep -q "no run succeeded" "$T/note" || fail "no note for the missing success-step plot"
    [ ! -e "$T/r/success_steps.png" ] && [ -s "$T/r/error_integrals.png" ] || fail "reflex-only plots wrong"
    # bad directories: exit 2 before any run
    touch "$T/file"
    expect_error 2 "--plots $T/file: not a directory" compare --rules reflex --seeds 1 --plots "$T/file"
    expect_error 2 "cannot create" sweep --rules pm --seeds 1 --plots "$T/no/such"
    expect_error 2 "--plots $T/file: not a directory" merge --plots "$T/file" "$T/runs"
    expect_error 2 "--plots: missing value" merge "$T/runs" --plots
    expect_error 2 "not with --emit-commands" sweep --rules pm --seeds 1 --emit-commands --plots "$T/p"
    ;;
version)
    # each result file names the release that wrote it; a file from another release (same name: emitted
    # commands run by another binary) is run again, not reused
    set -- compare --rules bp,pm --seeds 1 --max-steps 300 --quiet --json --out "$T/out"
    "$PRIMOD" "$@" >/dev/null
    ver=$("$PRIMOD" --version | sed 's/^primod //')
    [ -n "$ver" ] || fail "primod --version printed nothing"
    for f in "$T"/out/*.json; do
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["primod_version"]==sys.argv[2] and d["result_format"]==2' \
            "$f" "$ver" || fail "$f: primod_version/result_format wrong"
    done
    old=$(ls "$T/out" | head -1)
    kept=$(ls "$T/out" | tail -1)
    sed -e 's/"primod_version":"[^"]*"/"primod_version":"0.0.1"/' -e 's/"steps_per_second":[^,]*/"steps_per_second":424242/' \
        "$T/out/$old" >"$T/m" && mv "$T/m" "$T/out/$old"
    sed 's/"steps_per_second":[^,]*/"steps_per_second":434343/' "$T/out/$kept" >"$T/m" && mv "$T/m" "$T/out/$kept"
    "$PRIMOD" "$@" >"$T/again.json"
    grep -q '"primod_version":"0.0.1"' "$T/out/$old" && fail "a result of another release was reused"
    grep -q "\"primod_version\":\"$ver\"" "$T/out/$old" || fail "the rerun did not rewrite $old"
    grep -q '"steps_per_second":434343' "$T/out/$kept" || fail "a result of this release was run again"
    grep -q '"steps_per_second":424242' "$T/again.json" && fail "the old release's numbers reached the output"
    [ "$(ls "$T/out" | wc -l)" -eq 2 ] || fail "stray files: $(ls "$T/out")"
    ;;
errors)
    mkdir "$T/bad"
    echo '{"not": "a run"}' >"$T/bad/x.json"
    expect_error 2 "unknown rule 'hebb'" compare --rules bp,hebb
    expect_error 2 "--seeds: bad seed list '5-1'" compare --seeds 5-1
    expect_error 2 "--jobs: not an integer" compare --jobs 0
    expect_error 2 "unknown option '--rate-foo'" compare --rate-foo 1
    expect_error 2 "--rate-bp: not a number: 'x'" compare --rate-bp x
    expect_error 2 "[learning] bogus: unknown key" sweep --grid learning.bogus=1,2
    expect_error 2 "[learning] rate = x: not a number" sweep --grid learning.rate=1e-5,x
    expect_error 2 "unknown option '--grid'" compare --grid learning.rate=1
    expect_error 2 "unknown track 'nowhere'" compare --rules bp --seeds 1 --tracks paper,nowhere --max-steps 10 --jobs 1
    expect_error 2 "$T/missing" merge "$T/missing"
    # --out naming a file: refused before any run (each run used to be computed, then fail to be written)
    echo x >"$T/afile"
    expect_error 2 "--out $T/afile: not a directory" compare --rules pm --seeds 1-2 --max-steps 10 --out "$T/afile"
    expect_error 2 "not a primod run record" merge "$T/bad"
    expect_error 2 "missing DIR" merge
    ;;
*)
    fail "unknown case $CASE"
    ;;
esac
echo "ok $CASE"
