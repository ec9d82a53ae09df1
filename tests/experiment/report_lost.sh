#!/bin/sh
# Issue 13 item 8: `report --quick` where every run loses the line (speed 1000) says so per rule, compares no
# error integrals of lost runs, and explains every "–" cell instead of printing "IQR –––".
# usage: report_lost.sh PRIMOD_BINARY
set -eu
PRIMOD=$1
T=$(mktemp -d "${TMPDIR:-/tmp}/primod-report-lost.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$PRIMOD" report --quick --set robot.speed=1000 --out "$T/rep" --jobs 2 >/dev/null 2>"$T/err" || fail "report failed: $(cat "$T/err")"
md="$T/rep/report.md"
# every rule row: 0/2 successes, 2 lost, 0 diverged (2 seeds x 1 track; at 1000 units/s no run keeps the line)
# columns: rule | eta | success | smooth success | step | error integral | lost | diverged | quality...
for r in "reflex only" "BP" "P&M" "S&R" "sign-only" "sat-prime" "sat-sign" "P&M-motion"; do
    grep -q "^| $r | [^|]* | 0/2 [^|]* | 0/2 [^|]* | – | – | 2 | 0 |" "$md" ||
        fail "no lost count 2 for $r: $(grep "^| $r |" "$md")"
done
grep -q "The reflex alone got lost in 2 of its 2 runs" "$md" || fail "the text does not say the reflex got lost"
grep -q "left out of the error integrals" "$md" || fail "the text does not say lost runs are left out"
grep -q "nan" "$md" && fail "an undefined value is printed as nan"
grep -q "IQR –" "$md" && fail "a success step IQR of no values is printed"
grep -q "–––" "$md" && fail "an interval of no values is printed as –––"
grep -q "p = – on the error integrals (lost/diverged runs left out)" "$md" || fail "error integrals of lost runs compared"
grep -q "– marks a value that does not exist" "$md" || fail "no sentence explains the – cells of the rules table"
grep -q "^– : no successful run on that track" "$md" || fail "no sentence explains the – cells of the track table"
grep -q "^– in the error-integral columns" "$md" || fail "no sentence explains the – cells of the test table"
echo "ok report_lost"
