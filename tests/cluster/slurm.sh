#!/bin/sh
# A real single-node Slurm (SPEC §11), started and stopped by this test: `primod sweep --slurm` writes a job array,
# `sbatch --wait` runs it, `primod merge` must give the local sweep's statistics (only wall times differ), and a
# task whose run fails must fail `sbatch --wait`. Needs root (munged runs as user munge); exits 77 (skipped) when
# slurmctld, slurmd, munged or sbatch is missing or this is not root.
# usage: slurm.sh PRIMOD_BINARY
set -eu
PRIMOD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
for tool in slurmctld slurmd munged sbatch sinfo setpriv; do
    command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
    command -v "$tool" >/dev/null 2>&1 || { echo "skip: $tool not installed"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root (munged runs as user munge)"; exit 77; }
id munge >/dev/null 2>&1 || { echo "skip: no user munge"; exit 77; }

D=$(mktemp -d "${TMPDIR:-/tmp}/primod-slurm.XXXXXX")
chmod 755 "$D"   # munged (user munge) must reach its directory below
pids=""
# Stop exactly the daemons started here, by PID, then reap them; the directory goes last.
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
    rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
    echo "FAIL: $*" >&2
    for f in slurmctld.log slurmd.log; do [ -f "$D/$f" ] && tail -20 "$D/$f" >&2; done
    exit 1
}
t0=$(date +%s.%N)

# munge: its own key, socket, pid, log and seed files, as user munge, in the foreground (PID from $!)
mkdir -p "$D/munge/run" "$D/munge/log" "$D/munge/lib" "$D/munge/etc"
dd if=/dev/urandom of="$D/munge/etc/munge.key" bs=1024 count=1 2>/dev/null
chown -R munge:munge "$D/munge"
chmod 700 "$D/munge/etc" "$D/munge/log" "$D/munge/lib"
chmod 755 "$D/munge/run"
chmod 400 "$D/munge/etc/munge.key"
setpriv --reuid=munge --regid=munge --clear-groups munged -F --socket="$D/munge/run/munge.socket" \
    --key-file="$D/munge/etc/munge.key" --pid-file="$D/munge/run/munged.pid" --log-file="$D/munge/log/munged.log" \
    --seed-file="$D/munge/lib/munged.seed" >"$D/munged.out" 2>&1 &
pids="$!"
i=0
while [ ! -S "$D/munge/run/munge.socket" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$D/munge/run/munge.socket" ] || fail "munged did not start: $(cat "$D/munge/log/munged.log" 2>/dev/null)"

# slurm: every path in $D, ports from this process id so concurrent tests do not meet
port=$((20000 + $$ % 20000 * 2))
mkdir -p "$D/state" "$D/spool"
cat >"$D/slurm.conf" <<CONF
ClusterName=primodci
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/run/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$D/slurm.conf"
slurmctld -D -f "$SLURM_CONF" >"$D/slurmctld.out" 2>&1 &
pids="$pids $!"
slurmd -D -N localhost -f "$SLURM_CONF" >"$D/slurmd.out" 2>&1 &
pids="$pids $!"
i=0
until sinfo -h -o %T 2>/dev/null | grep -q idle; do
    i=$((i + 1))
    [ $i -lt 200 ] || fail "the node did not become idle: $(sinfo 2>&1)"
    sleep 0.1
done
t1=$(date +%s.%N)

# the sweep of the GNU parallel test: a grid over a non-rate key, two tracks
set -- sweep --rules pm --seeds 1-2 --grid network.hidden_width=3,10 --tracks paper,oval --max-steps 600 --quiet
"$PRIMOD" "$@" --out "$D/runs" --slurm "$D/job.sh" --tasks 3 >"$D/slurm.msg"
grep -q "8 runs in 3 array tasks" "$D/slurm.msg" || fail "unexpected --slurm message: $(cat "$D/slurm.msg")"
grep -q '^#SBATCH --array=0-2$' "$D/job.sh" || fail "no 3-task array in the script"
(cd "$D" && sbatch --wait "$D/job.sh" >"$D/sbatch.out") || fail "sbatch --wait failed: $(cat "$D"/runs/slurm-*.log)"
[ "$(ls "$D/runs" | grep -c '\.json$')" -eq 8 ] || fail "the array wrote $(ls "$D/runs")"
[ "$(ls "$D/runs" | grep -c '^slurm-.*\.log$')" -eq 3 ] || fail "expected 3 task logs: $(ls "$D/runs")"
"$PRIMOD" merge --json "$D/runs" >"$D/merged.json"
"$PRIMOD" "$@" --jobs 2 --json >"$D/local.json"
python3 "$HERE/../cli/same_results.py" "$D/merged.json" "$D/local.json" || fail "merge of the Slurm runs != local sweep"
# nothing left to run: the script's array is a single task with no command
"$PRIMOD" "$@" --out "$D/runs" --slurm "$D/again.sh" >"$D/again.msg"
grep -q "0 runs in 1 array tasks" "$D/again.msg" || fail "finished runs emitted again: $(cat "$D/again.msg")"
t2=$(date +%s.%N)

# a task whose run fails (its temporary result path is taken by a directory) fails `sbatch --wait`
set -- compare --rules reflex --seeds 1-2 --max-steps 200 --quiet --out "$D/bad"
"$PRIMOD" "$@" --slurm "$D/bad.sh" >/dev/null
target=$(sed -n "s/.*> '\([^']*\)\.tmp'.*/\1/p" "$D/bad.sh" | head -1)
mkdir -p "$target.tmp"
if (cd "$D" && sbatch --wait "$D/bad.sh" >/dev/null 2>&1); then fail "sbatch --wait succeeded with a failed run"; fi
t3=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN { printf "ok slurm: daemons up in %.1f s, array + merge + local sweep in %.1f s, failing array in %.1f s\n", b - a, c - b, d - c }'
