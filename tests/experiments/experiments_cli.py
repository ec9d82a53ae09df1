#!/usr/bin/env python3
"""CLI tests of the experiment commands (primod render, impulse, report): run as experiments_cli.py PRIMOD CASE."""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

PRIMOD = sys.argv[1]
CASE = sys.argv[2]
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def run(*args, expect=0):
    p = subprocess.run([PRIMOD, *args], capture_output=True, text=True)
    check(p.returncode == expect, f"primod {' '.join(args)}: exit {p.returncode}, expected {expect}\n{p.stderr}")
    return p


def png_size(path):
    """Width and height from the IHDR chunk (PNG spec: 8-byte signature, then length, 'IHDR', width, height)."""
    if not os.path.exists(path):
        check(False, f"{path}: missing")
        return (0, 0)
    with open(path, "rb") as f:
        head = f.read(24)
    check(head[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG")
    check(head[12:16] == b"IHDR", f"{path}: no IHDR chunk first")
    return struct.unpack(">II", head[16:24])


def read_tsv(text):
    lines = text.strip().split("\n")
    header = lines[0].split("\t")
    rows = [[float(v) for v in line.split("\t")] for line in lines[1:]]
    return header, rows


def case_impulse(tmp):
    # 150 steps: a header line + one row per step, columns step E steering offset
    p = run("impulse", "--steps", "150", "--out", os.path.join(tmp, "imp"))
    header, rows = read_tsv(p.stdout)
    check(header == ["step", "E", "steering", "offset"], f"impulse header {header}")
    check(len(rows) == 150, f"impulse printed {len(rows)} rows, expected 150")
    check([r[0] for r in rows] == list(range(150)), "impulse step column is not 0..149")
    e = [r[1] for r in rows]
    # centred on the line both reflex sensors (at +-5, line half-width 1.375) read pure white: E exactly 0
    # (SPEC §6) until the kick at step 1 has moved the robot
    check(e[0] == 0.0 and e[1] == 0.0, f"E before the kick acts: {e[:2]}")
    # the default kick +20 adds to the left wheel: the robot turns right, ends up right of the line (offset > 0)
    # and sees the line on its LEFT: E = g_E (left - right) < 0 first (SPEC §6 sign convention)
    first = next((v for v in e if v != 0.0), 0.0)
    check(first < 0, f"first non-zero E after a right kick should be negative, got {first}")
    peak = max(abs(v) for v in e)
    check(peak > 0.1, f"the kick produced no error (peak |E| {peak})")
    tail = max(abs(v) for v in e[100:])
    # the reflex pulls the robot back: E decays toward 0 (last third below 5% of the peak)
    check(tail < 0.05 * peak, f"E does not decay: max |E| over steps 100..149 = {tail}, peak {peak}")
    check(rows[1][2] == 20.0, f"steering at the kick step should be E(1) + 20 = 20, got {rows[1][2]}")
    # mirror symmetry of the straight-line world: kick -20 gives exactly -E
    m = run("impulse", "--steps", "150", "--kick", "-20")
    _, mrows = read_tsv(m.stdout)
    check(all(abs(a[1] + b[1]) <= 1e-9 * max(1.0, abs(a[1])) for a, b in zip(rows, mrows)),
          "E(-kick) != -E(kick)")
    # no kick: the robot stays on the line and E stays exactly 0
    z = run("impulse", "--steps", "100", "--kick", "0")
    _, zrows = read_tsv(z.stdout)
    check(all(r[1] == 0.0 for r in zrows), "E is not 0 without a kick")
    w, h = png_size(os.path.join(tmp, "imp", "impulse.png"))
    # plot.h: timeseries default 900 x (120 + 200 per panel), 3 panels
    check((w, h) == (900, 720), f"impulse.png is {w}x{h}, expected 900x720")


def case_render(tmp):
    log = os.path.join(tmp, "run.tsv")
    model = os.path.join(tmp, "model.bin")
    ref = os.path.join(tmp, "reflex.tsv")
    run("run", "--preset", "study", "--rule", "pm", "--max-steps", "400", "--log", log, "--save-model", model,
        "--quiet")
    run("run", "--preset", "study", "--rule", "reflex", "--max-steps", "400", "--log", ref, "--quiet")
    out = os.path.join(tmp, "pics")
    p = run("render", "--preset", "study", "--log", log, "--reference", ref, "--model", model, "--out", out)
    names = ["track_time", "track_error", "signals", "weights", "first_layer"]
    listed = p.stdout.split()
    for n in names:
        path = os.path.join(out, n + ".png")
        check(os.path.exists(path), f"render did not write {n}.png")
        check(path in listed, f"render did not list {path} on stdout")
    check(len(listed) == len(names), f"render listed {len(listed)} files, expected {len(names)}")
    # plot.h defaults: timeseries 900 x (120 + 200 x 2 panels) = 900 x 520; weight distance 900 x 600;
    # track: 800 px of world area plus margins and colour bar, so wider than 800
    check(png_size(os.path.join(out, "signals.png")) == (900, 520), "signals.png size")
    check(png_size(os.path.join(out, "weights.png")) == (900, 600), "weights.png size")
    check(png_size(os.path.join(out, "track_time.png"))[0] > 800, "track_time.png narrower than its world area")
    check(png_size(os.path.join(out, "first_layer.png"))[0] == 900, "first_layer.png width")
    # SVG output and a reflex log (no weight columns, no model): no weights / first_layer picture
    svg = os.path.join(tmp, "svg")
    p = run("render", "--log", ref, "--out", svg, "--format", "svg", "--preset", "study")
    got = sorted(os.listdir(svg))
    check(got == ["signals.svg", "track_error.svg", "track_time.svg"], f"svg render wrote {got}")
    with open(os.path.join(svg, "signals.svg")) as f:
        check("<svg" in f.read(400), "signals.svg is not SVG")
    # without --track the built-in track is found from the log's start pose; a start no built-in track has
    # cannot be matched, and render says it falls back to the configured track
    oval = os.path.join(tmp, "oval.tsv")
    run("run", "--track", "oval", "--rule", "reflex", "--max-steps", "20", "--log", oval, "--quiet")
    p = run("render", "--log", oval, "--out", os.path.join(tmp, "o1"))
    check("note:" not in p.stderr, f"oval log not matched to the oval track: {p.stderr!r}")
    moved = os.path.join(tmp, "moved.tsv")
    run("run", "--track", "oval", "--start", "125,66,0", "--rule", "reflex", "--max-steps", "20", "--log", moved,
        "--quiet")
    # the log's '#' header carries the run's configuration (track and start included): no guessing needed
    with open(moved) as f:
        lines = f.read().split("\n")
    check(lines[0] == "# primod run log v1", f"log magic line: {lines[0]!r}")
    check("# config world.track=oval" in lines and "# config world.start=125,66,0" in lines,
          "log header lacks the track and start")
    p = run("render", "--log", moved, "--out", os.path.join(tmp, "o2"))
    check("note:" not in p.stderr, f"log with a header still guessed: {p.stderr!r}")
    # explicit options win over the header: the header's config gives the same picture (byte for byte: the
    # drawing is deterministic) as the same options given explicitly, and --track paper a different one
    run("render", "--log", moved, "--out", os.path.join(tmp, "o3"), "--track", "paper", "--set", "world.start=")
    run("render", "--log", moved, "--out", os.path.join(tmp, "o4"), "--track", "oval", "--start", "125,66,0")
    h2, h3, h4 = (open(os.path.join(tmp, d, "track_time.png"), "rb").read() for d in ("o2", "o3", "o4"))
    check(h2 == h4, "header config and the same options given explicitly draw different tracks")
    check(h2 != h3, "--track did not override the log's track")
    # a log without the header (older primod): fallback to the start pose; the moved start matches no track
    bare = os.path.join(tmp, "bare.tsv")
    with open(bare, "w") as f:
        f.write("\n".join(x for x in lines if not x.startswith("#")))
    p = run("render", "--log", bare, "--out", os.path.join(tmp, "o5"))
    check("no built-in track starts at the log's first pose" in p.stderr, f"moved start: {p.stderr!r}")
    # a newer log version, a bad key in the header: usage errors naming the line
    for name, i, text, want in (("v2.tsv", 0, "# primod run log v2", "v2.tsv:1: unsupported log version"),
                                ("key.tsv", 2, "# config world.bogus=1", "key.tsv:3: [world] bogus")):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write("\n".join(lines[:i] + [text] + lines[i + 1:]))
        p = run("render", "--log", path, "--out", os.path.join(tmp, "o6"), expect=2)
        check(want in p.stderr, f"{name}: {p.stderr!r}")


def case_bad_input(tmp):
    log = os.path.join(tmp, "run.tsv")
    run("run", "--rule", "reflex", "--max-steps", "50", "--log", log, "--quiet")
    p = run("render", "--log", os.path.join(tmp, "missing.tsv"), "--out", tmp, expect=2)
    check("primod render:" in p.stderr and "missing.tsv" in p.stderr, f"missing log message: {p.stderr!r}")
    p = run("render", "--log", log, expect=2)
    check("--out" in p.stderr, f"render without --out: {p.stderr!r}")
    # a directory as --log or --reference: said so (it was reported as an "empty log (no header line)")
    p = run("render", "--log", tmp, "--out", os.path.join(tmp, "od"), expect=2)
    check("Is a directory" in p.stderr, f"render --log DIR: {p.stderr!r}")
    p = run("render", "--log", log, "--reference", tmp, "--out", os.path.join(tmp, "od"), expect=2)
    check("Is a directory" in p.stderr, f"render --reference DIR: {p.stderr!r}")
    afile = os.path.join(tmp, "afile")
    open(afile, "w").close()
    p = run("render", "--log", log, "--out", afile, expect=2)
    check("not a directory" in p.stderr, f"render --out FILE: {p.stderr!r}")
    p = run("render", "--log", log, "--out", os.path.join(tmp, "no", "such", "dir"), expect=2)
    check("cannot create" in p.stderr, f"render --out deep/missing: {p.stderr!r}")
    bad = os.path.join(tmp, "bad.tsv")
    with open(log) as f:
        lines = f.read().split("\n")
    row = next(i for i, x in enumerate(lines) if x.startswith("step\t")) + 3   # the third data row
    lines[row] = lines[row].replace("\t", "\tx", 1)
    with open(bad, "w") as f:
        f.write("\n".join(lines))
    p = run("render", "--log", bad, "--out", tmp, expect=2)
    check(f"bad.tsv:{row + 1}:" in p.stderr, f"malformed log should name line {row + 1}: {p.stderr!r}")
    notlog = os.path.join(tmp, "notlog.tsv")
    with open(notlog, "w") as f:
        f.write("a\tb\n1\t2\n")
    p = run("render", "--log", notlog, "--out", tmp, expect=2)
    check("no column" in p.stderr, f"foreign TSV: {p.stderr!r}")
    p = run("render", "--log", log, "--out", tmp, "--model", os.path.join(tmp, "nomodel"), expect=2)
    check("--model" in p.stderr, f"missing model: {p.stderr!r}")
    p = run("render", "--log", log, "--out", tmp, "--format", "gif", expect=2)
    check("--format" in p.stderr, f"bad format: {p.stderr!r}")
    for args in (["--steps", "0"], ["--steps", "abc"], ["--kick-step", "5", "--steps", "5"], ["--kick", "nan"],
                 ["--line-width", "0"], ["--out", afile]):
        p = run("impulse", *args, expect=2)
        check(p.stderr.startswith("primod impulse:") and p.stdout == "", f"impulse {args}: {p.stderr!r}")
    for args in (["--seeds", "0", "--out", tmp], ["--jobs", "x", "--out", tmp], ["--quick"],
                 ["--quick", "--out", afile], ["--quick", "--tracks", "nosuchtrack", "--out", tmp],
                 ["--quick", "--tracks", "a,,b", "--out", tmp]):
        p = run("report", *args, expect=2)
        check(p.stderr.startswith("primod report:"), f"report {args}: {p.stderr!r}")
    check(not os.path.exists(os.path.join(tmp, "report.md")), "a refused report wrote report.md")


RULES = ["reflex only", "BP", "P&M", "S&R", "sign-only", "sat-prime", "sat-sign", "P&M-motion"]


def case_report_quick(tmp):
    out = os.path.join(tmp, "rep")
    p = run("report", "--quick", "--out", out, "--jobs", "2")
    m = re.search(r"(\d+) runs in ([0-9.]+) s wall time", p.stdout)
    check(m is not None, f"report did not print its wall time: {p.stdout!r}")
    # --quick: 7 learning rules x 2 rates x 1 track x 1 sweep seed, then 8 rules + BP and P&M at the authors'
    # rates x 1 track x 2 seeds
    check(m and int(m.group(1)) == 7 * 2 + 10 * 2, f"report ran {m and m.group(1)} runs, expected 34")
    md_path = os.path.join(out, "report.md")
    check(os.path.exists(md_path), "no report.md")
    md = open(md_path).read()
    for r in RULES:
        row = re.search(r"^\| " + re.escape(r) + r" \| [^|]+ \| (\d+)/(\d+) \(", md, re.M)
        check(row is not None, f"report.md has no table row for {r}")
        if row:
            k, n = int(row.group(1)), int(row.group(2))
            check(n == 2 and 0 <= k <= n, f"{r}: {k}/{n} runs, expected out of 2 (2 seeds x 1 track)")
    check("Mann-Whitney p = " in md, "no Mann-Whitney p in the text")
    # every section of issue 11, each with a verdict generated from the numbers, and the time it took
    for head in ["Does this benchmark separate the rules?", "### (a)", "### (b)", "### (c)", "### Generalisation",
                 "### Learning curves", "### Beyond the paper", "## Summary (generated)"]:
        check(head in md, f"report.md lacks {head!r}")
    check(md.count("Verdict") >= 7, f"only {md.count('Verdict')} verdicts")
    t = re.search(r"\*\*Time: ([0-9.]+) s wall\*\*", md)
    check(t is not None and abs(float(t.group(1)) - float(m.group(2))) < 5, "report.md does not state its time")
    # the controller-quality columns and the authors' rates are in the main table
    check("smooth success (95% CI)" in md and "median chatter" in md, "no quality columns")
    check(re.search(r"^\| BP \(authors' rate\) \| 0.1 \|", md, re.M) is not None, "no BP row at the authors' rate")
    check(re.search(r"^\| P&M \(authors' rate\) \| 1e-05 \|", md, re.M) is not None, "no P&M row at 1e-5")
    # every picture referenced by the report exists and is a PNG of the size its spec asks for
    refs = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    check(len(refs) >= 12, f"only {len(refs)} pictures referenced")
    for ref in refs:
        path = os.path.join(out, ref)
        check(os.path.exists(path), f"report.md references missing {ref}")
        if os.path.exists(path):
            w, h = png_size(path)
            check(100 <= w <= 2000 and 100 <= h <= 2000, f"{ref}: {w}x{h}")
    # sizes from plot.h defaults and the report's own choices: 10 groups -> max(500, 140 x 10) x 600 boxes;
    # rate sweep xy default 800 x 600; depth 760 x 480; impulse 900 x 720 (3 panels); depth grid and curves
    # 820 x 520; one rule's curve with its band 640 x 400
    expected = {"boxes_error_integral.png": (1400, 600), "rate_sweep.png": (800, 600), "depth.png": (760, 480),
                "impulse.png": (900, 720), "pm_signals.png": (760, 460), "bp_weights.png": (760, 460),
                "depth_success.png": (820, 520), "depth_rms.png": (820, 520), "curves.png": (820, 520),
                "curves_pm.png": (640, 400), "curves_sat.png": (640, 400)}
    for name, size in expected.items():
        path = os.path.join(out, name)
        check(os.path.exists(path) and png_size(path) == size, f"{name}: expected {size}")


CASES = {"impulse": case_impulse, "render": case_render, "bad_input": case_bad_input,
         "report_quick": case_report_quick}

if __name__ == "__main__":
    tmp = tempfile.mkdtemp(prefix="primod-exp-")
    try:
        CASES[CASE](tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("ok")
