#!/bin/sh
# CLI tests of `primod compare`, `sweep` and `merge`: worker-count independence, resume, emitted commands, --plots,
# errors.
# usage: batch_cli.sh PRIMOD_BINARY CASE
set -eu
. "$(dirname "$0")/cli_lib.sh"   # PRIMOD, CASE, $T, fail, expect_error

# same_but_timing A.json B.json: two batch outputs (the result schema of compare, sweep and merge) are equal once
# the timing fields (each run's steps_per_second, each group's wall_seconds, which must be present) are taken
# out; runs are compared in (rule, seed, config) order, since merge lists them by file name.
same_but_timing() {
    python3 "$(dirname "$0")/same_results.py" "$1" "$2"
}

case $CASE in
jobs_identical)
    # The same batch with 1 and 2 worker processes: identical JSON apart from timing fields.
    set -- compare --rules reflex,bp,pm --seeds 1-3 --max-steps 1500 --json --quiet
    "$PRIMOD" "$@" --jobs 1 >"$T/j1.json"
    "$PRIMOD" "$@" --jobs 2 >"$T/j2.json"
    same_but_timing "$T/j1.json" "$T/j2.json" || fail "--jobs 1 and --jobs 2 differ"
    python3 - "$T/j1.json" <<'PY' || fail "compare runs or summary wrong"
import json, sys
a = json.load(open(sys.argv[1]))
runs = a["runs"]
assert [(r["rule"], r["seed"]) for r in runs] == [(x, s) for x in ("reflex", "bp", "pm") for s in (1, 2, 3)]
# summary recomputed independently from the runs: success rate, median and type-7 quartiles of success steps
def q7(xs, p):
    xs = sorted(xs); h = (len(xs) - 1) * p; i = int(h)
    return xs[i] + (h - i) * (xs[min(i + 1, len(xs) - 1)] - xs[i])
assert a["params"] == [] and [g["rule"] for g in a["groups"]] == ["bp", "pm", "reflex"]   # sorted by rule
for g in a["groups"]:
    rule = g["rule"]
    assert g["label"] == rule and g["params"] == {}
    rs = [r for r in runs if r["rule"] == rule]
    steps = [r["success_step"] for r in rs if r["success"]]
    assert g["runs"] == 3 and g["success_rate"] == len(steps) / 3, rule
    if steps:
        assert g["median_success_step"] == q7(steps, 0.5), rule
        assert g["iqr"] == [q7(steps, 0.25), q7(steps, 0.75)], rule
    else:
        assert g["median_success_step"] is None and g["iqr"] is None, rule
assert a["groups"][2]["success_rate"] == 0
assert all(isinstance(r["config"]["run"]["seed"], int) for r in runs)   # a number, not a string (issue 10)
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
    same_but_timing "$T/first.json" "$T/second.json" || fail "resumed sweep differs from the first"
    python3 - "$T/first.json" <<'PY' || fail "sweep groups wrong"
import json, sys
d = json.load(open(sys.argv[1]))
# labels with %g, sorted numerically by the varied key; its value a JSON number
assert [g["label"] for g in d["groups"]] == ["pm learning.rate=1e-05", "pm learning.rate=0.0001"], d["groups"]
assert [g["params"] for g in d["groups"]] == [{"learning.rate": 1e-5}, {"learning.rate": 1e-4}]
assert d["params"] == ["learning.rate"]
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
    same_but_timing "$T/merged.json" "$T/sweep.json" || fail "merge does not agree with the sweep"
    python3 - "$T/merged.json" <<'PY' || fail "merged groups wrong"
import json, sys
m = json.load(open(sys.argv[1]))
assert len(m["runs"]) == 8
assert [g["label"] for g in m["groups"]] == ["bp learning.rate=1e-05", "bp learning.rate=0.001",
                                             "pm learning.rate=1e-05", "pm learning.rate=0.001"]
PY
    "$PRIMOD" merge "$T/out" | grep -q "^pm learning.rate=0.001 " || fail "merge table lacks pm learning.rate=0.001"
    ;;
grid_lists)
    # ';' separates grid values that are lists themselves; each run's config echo shows its own value
    "$PRIMOD" sweep --rules bp --seeds 1 --grid 'network.hidden=10;20,10' --max-steps 300 --json --quiet >"$T/g.json"
    python3 - "$T/g.json" <<'PY' || fail "grid of list values"
import json, sys
d = json.load(open(sys.argv[1]))
assert [g["label"] for g in d["groups"]] == ["bp network.hidden=10", "bp network.hidden=20,10"]
assert [g["params"] for g in d["groups"]] == [{"network.hidden": 10}, {"network.hidden": "20,10"}]
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
    # labels up to "pm learning.rate=0.0001" (23 characters, %g): 3 x (8 x 23 + 24) = 624
    [ "$(png_size "$T/s/error_integrals.png")" = "624 600" ] || fail "sweep error_integrals.png: $(png_size "$T/s/error_integrals.png")"
    [ "$(png_size "$T/s/success_rate.png")" = "800 600" ] || fail "sweep success_rate.png size"
    [ -s "$T/s/success_steps.png" ] || fail "sweep success_steps.png missing"
    # merge of the same runs: the same groups, the rate varies -> the rate plot too
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
merge_exact)
    # Issue 10 (1, 7): a grid over keys other than the rate. merge groups exactly as the sweep (4 groups, not one
    # "pm" of 12 runs), with every varied key as a typed field, sorted numerically (3 before 10).
    set -- sweep --rules pm --seeds 1-2 --grid network.hidden_width=10,3 --grid robot.speed=30,60 --max-steps 700 \
        --quiet --jobs 2 --out "$T/gh"
    "$PRIMOD" "$@" --json >"$T/sweep.json"
    "$PRIMOD" merge --json "$T/gh" >"$T/merged.json"
    same_but_timing "$T/sweep.json" "$T/merged.json" || fail "merge differs from the sweep"
    python3 - "$T/merged.json" <<'PY' || fail "merged groups wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["params"] == ["robot.speed", "network.hidden_width"], d["params"]
assert [(g["params"]["robot.speed"], g["params"]["network.hidden_width"]) for g in d["groups"]] == \
    [(30, 3), (30, 10), (60, 3), (60, 10)]
assert [g["runs"] for g in d["groups"]] == [2, 2, 2, 2]
assert d["groups"][0]["label"] == "pm robot.speed=30 network.hidden_width=3"
assert d["skipped"] == {"interrupted": 0, "failed": 0, "other_version": 0, "duplicates": 0}
PY
    # a copied file is one run; a record of another release or result format and an interrupted run are left
    # out, each counted, and the statistics stay those of the sweep
    first=$(ls "$T/gh" | head -1)
    cp "$T/gh/$first" "$T/gh/copy.json"
    sed 's/"result_format":2/"result_format":1/' "$T/gh/$first" >"$T/gh/old-format.json"
    sed -e 's/"interrupted":false/"interrupted":true/' -e 's/"seed":1,/"seed":77,/' "$T/gh/$first" >"$T/gh/int.json"
    "$PRIMOD" merge --json "$T/gh" >"$T/m2.json" 2>"$T/m2.err"
    grep -q "left out 1 records of another primod release or result format, 1 interrupted runs, 1 duplicates" \
        "$T/m2.err" || fail "no count of the records left out: $(cat "$T/m2.err")"
    python3 - "$T/m2.json" <<'PY' || fail "skipped counts wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["skipped"] == {"interrupted": 1, "failed": 0, "other_version": 1, "duplicates": 1}, d["skipped"]
PY
    python3 - "$T/m2.json" "$T/m2s.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["skipped"] = {}; json.dump(d, open(sys.argv[2], "w"))
PY
    same_but_timing "$T/sweep.json" "$T/m2s.json" || fail "skipped records changed the statistics"
    # runs of two tracks are not pooled: the track is a group key
    "$PRIMOD" compare --rules reflex --seeds 1 --tracks paper,oval --max-steps 300 --quiet --out "$T/tr" >/dev/null
    "$PRIMOD" merge --json "$T/tr" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["params"] == ["world.track"] and [g["params"]["world.track"] for g in d["groups"]] == ["oval", "paper"]
' || fail "merge pooled two tracks"
    # not a regular file, or larger than 1 MiB: refused
    rm "$T/gh/copy.json" "$T/gh/old-format.json" "$T/gh/int.json"
    mkfifo "$T/gh/fifo.json"
    expect_error 2 "fifo.json: not a regular file" merge "$T/gh"
    rm "$T/gh/fifo.json"
    head -c 1100000 /dev/zero | tr '\0' ' ' >"$T/gh/big.json"
    expect_error 2 "big.json: larger than 1 MiB" merge "$T/gh"
    ;;
content_keyed)
    # Issue 10 (2): result files are keyed by the contents of the PNG track, the --config INI and the model,
    # not by their paths: a file edited in place is never answered with the old file's results
    python3 - "$T/edit.png" <<'PY'
import math, struct, sys, zlib
W = H = 400   # a ring of radius 30 units around (50, 50) at ppu 4, as in run_cli.sh png_track
rows = b"".join(b"\0" + bytes(0 if abs(math.hypot(px / 4 - 50, (H - py) / 4 - 50) - 30) < 1.4 else 255
                                for px in range(W)) for py in range(H))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 0, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
PY
    set -- compare --rules reflex --seeds 1 --track "$T/edit.png" --ppu 4 --start 80,50,90 --max-steps 300 --quiet \
        --json --out "$T/cache"
    "$PRIMOD" "$@" >"$T/a.json"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["runs"][0]["lost"] is False' "$T/a.json" \
        || fail "the ring track was not followed"
    # the same path, another picture: a white page (no line) - the robot is lost, the old record must not answer
    python3 - "$T/edit.png" <<'PY'
import struct, sys, zlib
W = H = 400
rows = b"".join(b"\0" + b"\xff" * W for _ in range(H))
rows = rows[:-(W + 1)] + b"\0" + b"\0" * W   # one dark row so the PNG stays a usable track
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 0, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
PY
    "$PRIMOD" "$@" >"$T/b.json"
    [ "$(ls "$T/cache" | wc -l)" -eq 2 ] || fail "the edited track was not run again: $(ls "$T/cache")"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["runs"][0]["lost"] is True' "$T/b.json" \
        || fail "the old track's result answered for the new one"
    # an INI edited in place (same path, one key changed) and a model overwritten in place
    printf '[robot]\nspeed = 30\n' >"$T/c.ini"
    "$PRIMOD" run --rule pm --seed 1 --max-steps 50 --quiet --save-model "$T/m.model"
    set -- compare --rules pm --seeds 1 --max-steps 300 --quiet --json --config "$T/c.ini" --load-model "$T/m.model" \
        --out "$T/c2"
    "$PRIMOD" "$@" >/dev/null
    printf '[robot]\nspeed = 40\n' >"$T/c.ini"
    "$PRIMOD" "$@" >/dev/null
    [ "$(ls "$T/c2" | wc -l)" -eq 2 ] || fail "the edited INI was not run again"
    "$PRIMOD" run --rule pm --seed 2 --max-steps 80 --quiet --save-model "$T/m.model"
    "$PRIMOD" "$@" >/dev/null
    [ "$(ls "$T/c2" | wc -l)" -eq 3 ] || fail "the overwritten model was not run again"
    "$PRIMOD" "$@" >/dev/null
    [ "$(ls "$T/c2" | wc -l)" -eq 3 ] || fail "unchanged inputs were run again"
    expect_error 2 "$T/nomodel" compare --rules pm --seeds 1 --load-model "$T/nomodel"
    ;;
duplicates)
    # Issue 10 (3): a rule or a grid value given twice runs and counts once
    "$PRIMOD" sweep --rules pm,pm --grid learning.rate=1e-3,1e-3,0.001 --seeds 1-2 --max-steps 300 --quiet --json \
        >"$T/d.json"
    python3 - "$T/d.json" <<'PY' || fail "duplicates counted"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["runs"]) == 2 and len(d["groups"]) == 1 and d["groups"][0]["runs"] == 2, d["groups"]
PY
    "$PRIMOD" compare --rules bp,pm,bp --seeds 1,1 --max-steps 300 --quiet --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [(g["rule"], g["runs"]) for g in d["groups"]] == [("bp", 1), ("pm", 1)], d["groups"]
' || fail "compare counted duplicates"
    ;;
signals)
    # Issue 10 (4): SIGTERM to sweep reaches its workers, which stop; the summary of the finished runs is printed,
    # the exit status is 143, the interrupted run is neither counted nor cached, and no worker is left running
    "$PRIMOD" sweep --rules reflex --seeds 1 --grid run.max_steps=200,500000000 --set run.stop_on_success=false \
        --jobs 2 --json --out "$T/sig" >"$T/s.json" 2>"$T/s.err" &
    pid=$!
    i=0
    while [ "$(ls "$T/sig" 2>/dev/null | grep -c json)" -lt 1 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    sleep 0.5
    kill -TERM $pid
    rc=0
    wait $pid || rc=$?
    [ "$rc" -eq 143 ] || fail "exit $rc after SIGTERM (expected 143): $(cat "$T/s.err")"
    grep -q "stopped by signal 15: 1 of 2 runs finished" "$T/s.err" || fail "no stop message: $(cat "$T/s.err")"
    pgrep -f "$T/sig" >/dev/null && fail "a worker is still running: $(pgrep -af "$T/sig")"
    python3 - "$T/s.json" <<'PY' || fail "partial summary wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["runs"]) == 1 and d["runs"][0]["steps"] == 200 and d["skipped"]["interrupted"] == 1, d
assert [g["runs"] for g in d["groups"]] == [1]
PY
    [ "$(ls "$T/sig" | wc -l)" -eq 1 ] || fail "the interrupted run was cached: $(ls "$T/sig")"
    # run --json stopped by a signal says "interrupted": true, and merge leaves it out
    "$PRIMOD" run --json --rule reflex --set run.stop_on_success=false --max-steps 500000000 --log "$T/r.log" \
        >"$T/r.json" 2>/dev/null &
    pid=$!
    i=0   # until it steps (its log, opened after the set-up, has rows): a signal during the set-up stops the set-up
    while [ ! -s "$T/r.log.tmp.$pid" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    kill -INT $pid
    rc=0
    wait $pid || rc=$?
    [ "$rc" -eq 130 ] || fail "run: exit $rc after SIGINT"
    python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["interrupted"] is True' "$T/r.json" \
        || fail "run record not marked interrupted"
    mkdir "$T/m"
    cp "$T/r.json" "$T/m/r.json"
    cp "$T/sig"/*.json "$T/m/"
    "$PRIMOD" merge --json "$T/m" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert len(d["runs"]) == 1 and d["skipped"]["interrupted"] == 1
' || fail "merge counted the interrupted run"
    ;;
report_signal)
    # report forwards SIGTERM to its workers too, says how far it got, exits 143, and leaves no worker running
    "$PRIMOD" report --quick --out "$T/rep" --runs "$T/rr" --jobs 2 --max-steps 500000000 \
        --set run.stop_on_success=false >"$T/r.out" 2>"$T/r.err" &
    pid=$!
    i=0   # until its workers run (before that the signal would meet no handler)
    while ! pgrep -P $pid >/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    sleep 0.5
    kill -TERM $pid
    rc=0
    wait $pid || rc=$?
    [ "$rc" -eq 143 ] || fail "report: exit $rc after SIGTERM: $(cat "$T/r.err")"
    # A run that loses the line ends by itself before the signal: it is finished and kept; the others are not.
    msg=$(grep -Eo "stopped by signal 15: [0-9]+ of [0-9]+ runs of this phase finished" "$T/r.err") ||
        fail "report: $(cat "$T/r.err")"
    k=$(echo "$msg" | awk '{print $5}'); n=$(echo "$msg" | awk '{print $7}')
    [ "$k" -lt "$n" ] || fail "report: every run finished before the signal: $msg"
    pgrep -f "$T/rep" >/dev/null && fail "a report worker is still running"
    [ ! -e "$T/rep/report.md" ] || fail "a report was written from an unfinished phase"
    [ "$(ls "$T/rr" | wc -l)" -eq "$k" ] || fail "interrupted runs were cached ($k finished): $(ls "$T/rr")"
    ;;
write_targets)
    # Issue 10 (5): unusable write targets are refused before any run (root passes permission checks, so /proc
    # stands for a directory that takes no file); a write that fails afterwards keeps the summary and the JSON
    expect_error 2 "--out /proc/self: cannot write there" compare --rules pm --seeds 1 --out /proc/self
    expect_error 2 "--out /proc/nonexistent/x: cannot create" compare --rules pm --seeds 1 --out /proc/nonexistent/x
    expect_error 2 "--slurm $T: Is a directory" sweep --rules pm --seeds 1 --out "$T/o" --slurm "$T"
    if [ "$(id -u)" -ne 0 ]; then
        mkdir "$T/ro" && chmod 555 "$T/ro"
        expect_error 2 "--out $T/ro: cannot write there" compare --rules pm --seeds 1 --out "$T/ro"
    fi
    set -- compare --rules reflex,pm --seeds 1 --max-steps 300 --quiet --json --out "$T/w"
    "$PRIMOD" sweep --rules reflex,pm --seeds 1 --max-steps 300 --out "$T/w" --emit-commands >"$T/cmds"
    blocked=$(sed -n "1s/.*> '\([^']*\)\.tmp'.*/\1/p" "$T/cmds")
    [ -n "$blocked" ] || fail "no result path in the emitted command"
    mkdir -p "$blocked"   # the first run's result file name is taken by a directory: its write fails
    rc=0
    "$PRIMOD" "$@" >"$T/w.json" 2>"$T/w.err" || rc=$?
    [ "$rc" -eq 1 ] || fail "exit $rc when a result could not be written"
    grep -q "cannot write" "$T/w.err" || fail "no write error: $(cat "$T/w.err")"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["runs"]) == 2' "$T/w.json" \
        || fail "the summary was discarded"
    [ "$(ls "$T/w" | grep -c '\.json$')" -eq 2 ] || fail "the other result was not kept"
    # run: the log fails after the run, the JSON is printed all the same, exit 1
    if [ -c /dev/full ]; then
        rc=0
        "$PRIMOD" run --json --max-steps 20 --log /dev/full >"$T/r.json" 2>"$T/r.err" || rc=$?
        [ "$rc" -eq 1 ] || fail "run --log /dev/full: exit $rc"
        python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["steps"] == 20' "$T/r.json" \
            || fail "run discarded its JSON when the log failed"
        grep -q "cannot write" "$T/r.err" || fail "run: no write error"
    fi
    ;;
progress)
    # Issue 10 (6): without a terminal, a progress line every PRIMOD_PROGRESS_SECONDS (default 10) on stderr with
    # done/total, failures and an ETA; --quiet silences it; a short batch under the default interval stays quiet
    PRIMOD_PROGRESS_SECONDS=0 "$PRIMOD" compare --rules reflex,pm --seeds 1-2 --max-steps 300 --jobs 1 \
        >/dev/null 2>"$T/p.err"
    grep -q "^primod compare: 4/4 runs done, 0 failed, ETA 0m00s$" "$T/p.err" || fail "no final progress line: $(cat "$T/p.err")"
    grep -q "^primod compare: 1/4 runs done, 0 failed, ETA " "$T/p.err" || fail "no first progress line"
    PRIMOD_PROGRESS_SECONDS=0 "$PRIMOD" compare --rules reflex --seeds 1-2 --max-steps 300 --quiet >/dev/null 2>"$T/q.err"
    [ ! -s "$T/q.err" ] || fail "--quiet printed: $(cat "$T/q.err")"
    "$PRIMOD" compare --rules reflex --seeds 1-2 --max-steps 300 >/dev/null 2>"$T/d.err"
    [ ! -s "$T/d.err" ] || fail "a short batch printed progress: $(cat "$T/d.err")"
    # on a terminal (script(1) gives one): a live line redrawn with \r, ending on a fresh line
    if command -v script >/dev/null 2>&1; then
        script -qc "'$PRIMOD' compare --rules reflex --seeds 1-2 --max-steps 300 --jobs 1" /dev/null >"$T/tty" </dev/null
        tr '\r' '\n' <"$T/tty" | grep -q "^2/2 runs done, 0 failed, ETA 0m00s" || fail "no live line: $(cat -v "$T/tty")"
    fi
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
