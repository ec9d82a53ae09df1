#!/usr/bin/env bash
# The robot twin's learning demo (docs/robot.md): the same track twice, reflex only and with P&M learning, and
# the reflex error integral of each run's second half. Needs a build with the twin (simavr installed).
#   scripts/twin-demo.sh [SECONDS] [more primod twin options]     (default 120 s per run, about 4 minutes)
#   PRIMOD=path/to/primod scripts/twin-demo.sh                    (another binary than build/primod)
#   RATE=1e-3 scripts/twin-demo.sh                                (P&M rate, default 1e-2; robot.ini's 1e-5
#                                                                  changes nothing measurable in 2 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
primod=${PRIMOD:-./build/primod}
seconds=${1:-120}
shift || true
out=${OUT:-out/twin-demo}
mkdir -p "$out"
rate=${RATE:-1e-2}
for rule in reflex pm; do
  extra=()
  [ "$rule" = pm ] && extra=(--rate "$rate")
  echo "== $rule: primod twin --seconds $seconds --rule $rule ${extra[*]} $*" >&2
  "$primod" twin --seconds "$seconds" --rule "$rule" "${extra[@]}" --json --quiet --log "$out/$rule.tsv" "$@" \
    >"$out/$rule.json"
done
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
r = {k: json.load(open(f"{out}/{k}.json")) for k in ("reflex", "pm")}
for k, d in r.items():
    h, m = d["error_integral_halves"], d["mean_abs_error_halves"]
    print(f"{k:6s}: {d['seconds']:.0f} s, {d['steps']} steps, {d['learned_steps']} learned, "
          f"on the line {100 * d['on_line_fraction']:.1f} %, error integral halves {h[0]:.1f} / {h[1]:.1f}, "
          f"mean |E| per step {m[0]:.3f} / {m[1]:.3f}")
# the step count follows the wall clock (one step per camera frame the host gets), so compare per step too
a, b = r["reflex"]["error_integral_halves"][1], r["pm"]["error_integral_halves"][1]
ma, mb = r["reflex"]["mean_abs_error_halves"][1], r["pm"]["mean_abs_error_halves"][1]
if a > 0 and ma > 0:
    print(f"second half: error integral P&M {b:.1f} vs reflex only {a:.1f} ({100 * (1 - b / a):.0f} % lower); "
          f"mean |E| {mb:.3f} vs {ma:.3f} ({100 * (1 - mb / ma):.0f} % lower)")
PY
