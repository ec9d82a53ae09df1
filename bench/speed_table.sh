#!/usr/bin/env bash
# Prints the README's speed table ("Speed and default rates") from fresh runs of the benchmark programs:
# bench_net (learn + forward and forward only, paper network, also with all-zero inputs), bench_closed_loop (whole
# step, P&M) and bench_sim (sensors + kinematics). Each cell is "median (fastest)" in µs; run it on a quiet machine.
#   bench/speed_table.sh [build-dir]
set -euo pipefail
dir=${1:-build}
for b in bench_net bench_closed_loop bench_sim; do
  [ -x "$dir/$b" ] || { echo "speed_table: $dir/$b not built (cmake --build $dir)" >&2; exit 2; }
done
net=$("$dir/bench_net")
loop=$("$dir/bench_closed_loop")
sim=$("$dir/bench_sim")
# bench_net rows: "paper" shape, weights, rule, median, (best), steps/s, fwd median, (fwd best)
net=$(sed 's/( */(/g' <<<"$net")   # "(  1.234)" -> "(1.234)": one field
lf_bp=$(awk '/^paper/ && $4 == "BP" {print $5, $6}' <<<"$net")
lf_pm=$(awk '/^paper/ && $4 == "P&M" {print $5, $6}' <<<"$net")
fwd=$(awk '/^paper/ && $4 == "P&M" {print $8, $9}' <<<"$net")
zero=$(awk '/^paper, zero inputs/ {print $6, $7}' <<<"$net")
pm=$(awk '$1 == "pm" {print $2; for (i = 1; i <= NF; i++) if ($i == "fastest") print $(i + 1)}' <<<"$loop" |
     paste -sd' ')
read -r pm_med pm_min <<<"$pm"
sense=$(awk '/^sense\+step/ {print $2}' <<<"$sim" | sort -g | paste -sd' ')
echo "| what | µs per step, median (fastest) |"
echo "|---|---|"
echo "| learn + forward, paper network (720 → 10×10 → 2, 8,120 weights), BP / P&M | $lf_bp / $lf_pm |"
echo "| forward only, paper network | $fwd |"
echo "| learn + forward, paper network, all-zero inputs (the fixed cost), P&M | $zero |"
echo "| whole closed-loop step, paper preset, P&M | $pm_med ($pm_min) = $(awk -v u="$pm_med" 'BEGIN {printf "%.0f", 1e6 / u}') steps/s |"
echo "| sensors + kinematics (\`pm_sim_sense\` + \`pm_sim_step\`), runs | $sense |"
