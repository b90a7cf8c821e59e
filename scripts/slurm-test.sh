#!/usr/bin/env bash
# The real-Slurm test of `gradlab sweep --slurm` (test/cluster/slurm.test.ts):
# a one-node Slurm cluster on this machine, started here and stopped here.
#
#   npx -y pnpm@12.4.2 run test:cluster      (builds, then runs this script)
#
# Installs slurm-wlm and munge from Debian when they are missing (needs root
# and apt-get), writes every configuration, state and log file under a fresh
# temporary folder (nothing in /etc is touched), starts munged, slurmctld and
# slurmd on ports of their own, runs the vitest file against them, and stops
# every daemon it started by its PID, whatever happens (trap on EXIT).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
say() { printf 'slurm-test: %s\n' "$*"; }

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "slurm-wlm and munge are not installed, and installing them needs root and apt-get (Debian/Ubuntu)"; exit 1
  fi
  say "installing slurm-wlm and munge from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge </dev/null >/dev/null
  say "installed in $(( $(date +%s) - started )) s"
fi
if [ "$(id -u)" != 0 ]; then say "the one-node cluster runs its daemons as root; run this script as root"; exit 1; fi

work=$(mktemp -d /tmp/gradlab-slurm-XXXXXX)
chmod 755 "$work"
munge_dir="$work/munge"
export SLURM_CONF="$work/slurm.conf"

stop_pidfile() { # stop_pidfile NAME FILE: TERM the PID in FILE, then KILL it if it is still there after 10 s
  local name=$1 file=$2 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || { say "stopped $name (pid $pid)"; return 0; }; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  say "killed $name (pid $pid)"
}
cleanup() {
  local status=$?
  set +e
  if [ -n "${test_pid:-}" ] && kill -0 "$test_pid" 2>/dev/null; then kill -- "-$test_pid"; wait "$test_pid" 2>/dev/null; fi
  if [ -s "$work/slurmctld.pid" ] && kill -0 "$(cat "$work/slurmctld.pid")" 2>/dev/null; then
    # Jobs still in the queue (a failed test) are cancelled first, so no job step outlives the cluster.
    scancel --quiet --user=root 2>/dev/null
    for _ in $(seq 1 50); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  stop_pidfile slurmd "$work/slurmd.pid"
  stop_pidfile slurmctld "$work/slurmctld.pid"
  stop_pidfile munged "$munge_dir/munged.pid"
  if [ "$status" != 0 ]; then
    say "FAILED (exit $status); the daemons' logs:"
    tail -n 30 "$work/slurmctld.log" "$work/slurmd.log" 2>/dev/null
  fi
  rm -rf "$work"
  say "took $(( $(date +%s) - started )) s in all"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# munge: its own key, socket and files, owned by the munge user, as munged requires.
mkdir -p "$munge_dir"
head -c 1024 /dev/urandom > "$munge_dir/munge.key"
chown -R munge:munge "$munge_dir"
chmod 400 "$munge_dir/munge.key"
runuser -u munge -- /usr/sbin/munged --key-file="$munge_dir/munge.key" --socket="$munge_dir/munge.socket" \
  --pid-file="$munge_dir/munged.pid" --log-file="$munge_dir/munged.log" --seed-file="$munge_dir/munged.seed"

# Ports from this shell's PID, so a second cluster on the machine does not collide; the daemons talk
# over 127.0.0.1, so the host's name need not resolve.
port=$(( 20000 + ($$ % 5000) * 2 ))
host=$(uname -n | cut -d. -f1) # the short name, as slurmd reports it (the hostname command may be missing)
mkdir -p "$work/state" "$work/spool"
cat > "$SLURM_CONF" <<CONF
ClusterName=gradlabtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$(( port + 1 ))
AuthType=auth/munge
CredType=cred/munge
# cred_expire is also how long a requeued job waits before it may start again (default 120 s).
AuthInfo=socket=$munge_dir/munge.socket,cred_expire=10
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
/usr/sbin/slurmctld
/usr/sbin/slurmd
for _ in $(seq 1 150); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.2
done
[ "$state" = idle ] || { say "the node did not come up (sinfo: '$state')"; exit 1; }
say "one-node cluster up in $(( $(date +%s) - started )) s (slurmctld pid $(cat "$work/slurmctld.pid"), slurmd pid $(cat "$work/slurmd.pid"), munged pid $(cat "$munge_dir/munged.pid"))"

# In its own process group, in the background, waited for: INT or TERM then reach the trap at once
# (bash runs traps only between commands), and the trap stops the test's whole group.
setsid npx vitest run --config vitest.cluster.config.ts &
test_pid=$!
wait "$test_pid"
