# Shared start of the CLI test scripts (sourced with `. cli_lib.sh` after `set -eu`): PRIMOD and CASE from the
# script's arguments, a scratch directory $T removed on exit, and the checks fail and expect_error.
PRIMOD=$1
CASE=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/primod-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_error CODE PATTERN ARGS...: the command exits with CODE, stderr has PATTERN on its only line, and
# nothing reaches stdout.
expect_error() {
    code=$1; pattern=$2; shift 2
    set +e
    "$PRIMOD" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    set -e
    [ "$rc" -eq "$code" ] || fail "'$*' exited $rc, expected $code; stderr: $(cat "$T/err")"
    grep -F -q -- "$pattern" "$T/err" || fail "'$*': stderr lacks '$pattern': $(cat "$T/err")"
    [ "$(wc -l <"$T/err")" -le 1 ] || fail "'$*': more than one line of error: $(cat "$T/err")"
    [ ! -s "$T/out" ] || fail "'$*': wrote to stdout on error"
}
