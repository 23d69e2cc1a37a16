#!/usr/bin/env bash
# Prove workflow/profiles/slurm on a real Slurm: a one-node cluster on this machine.
#
#   bash cluster/slurm_local.sh        (or: make slurm-check)
#
# 1. installs Debian's slurm-wlm and munge with apt-get if they are missing (needs root);
# 2. starts a private cluster in a temporary folder: munged on its own socket and key,
#    slurmctld and slurmd on free ports, one node (this host, 127.0.0.1), waits until
#    the node is idle; no system daemon is touched, and the one file written outside
#    that folder is the link /etc/slurm/slurm.conf, for the duration of the run;
# 3. runs the whole pipeline in a scratch copy of the project through the slurm
#    executor (every job submitted with sbatch, run with srun on the node), and the
#    same pipeline in another scratch copy with the local default profile;
# 4. checks that every Snakemake job except local rules ran as a Slurm job that
#    COMPLETED, and compares every file under results/ (cluster/compare_results.py);
# 5. tears the cluster down (also on failure or Ctrl-C) and prints PASS or FAIL with
#    counts and the time of each step. Exit status 0 on PASS.
#
# Environment: REV=<git revision> runs that commit (git archive) instead of the working
# tree; KEEP=1 keeps the temporary folder (always kept on FAIL).
#
# The test cluster has no accounting database (no slurmdbd): `sacct` answers
# "Slurm accounting storage is disabled", so the run uses the plugin's squeue status
# command, reliable here because MinJobAge (3600 s) is far above the status-check
# interval. docs/cluster.md explains this and what differs on a production cluster.

set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/.venv/bin
KEEP=${KEEP:-0}
REV=${REV:-}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf '[slurm-check] %s\n' "$*"; }
die() {
	say "ERROR: $*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (apt-get install, and slurmd runs jobs as their user)"
[ -x "$BIN/snakemake" ] || die "$BIN/snakemake not found: run 'make' first (or use 'make slurm-check')"
"$BIN/python" -c "import snakemake_executor_plugin_slurm" 2>/dev/null ||
	die "snakemake-executor-plugin-slurm is not installed in .venv: run 'make' (requirements.lock pins it)"

# Settings meant for a production cluster must not leak into the test cluster.
unset SBATCH_ACCOUNT SBATCH_PARTITION SNAKEMAKE_SLURM_PARTITIONS SNAKEMAKE_PROFILE \
	SLURM_JOB_ID SLURM_CONF

if [ -n "$REV" ]; then
	git -C "$ROOT" rev-parse --verify --quiet "$REV^{commit}" >/dev/null || die "REV=$REV is not a commit"
	SOURCE="commit $(git -C "$ROOT" rev-parse --short "$REV")"
else
	SOURCE="working tree $ROOT"
fi

T_START=$(now)
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)

# ---------------------------------------------------------------- 1. install
T0=$(now)
if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null &&
	command -v munged >/dev/null && command -v mungekey >/dev/null; then
	INSTALL_NOTE="already installed"
else
	say "installing slurm-wlm and munge (apt-get)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
	INSTALL_NOTE="installed with apt-get"
fi
SLURM_VERSION=$(slurmd -V)
T_INSTALL=$(elapsed "$T0" "$(now)")
say "$SLURM_VERSION ($INSTALL_NOTE, $T_INSTALL s)"

# ---------------------------------------------------------------- 2. cluster
WORK=$(mktemp -d /tmp/her2-slurm-check.XXXXXX)
CLUSTER=$WORK/cluster
mkdir -p "$CLUSTER"/{state,spool,log,munge}
chmod 755 "$WORK" "$CLUSTER"
chmod 700 "$CLUSTER/munge" # munged refuses a key readable by others
DAEMON_PIDS=()
RESULT=FAIL
TORN_DOWN=0
T_TEARDOWN=""

teardown() {
	[ "$TORN_DOWN" -eq 1 ] && return 0
	TORN_DOWN=1
	local t0
	t0=$(now)
	if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ]; then
		# Stop any job still running so that no slurmstepd outlives the cluster.
		scancel --full --quiet --user "$(id -un)" 2>/dev/null || true
		for _ in $(seq 50); do
			[ -z "$(squeue --noheader --states=RUNNING,PENDING,COMPLETING 2>/dev/null)" ] && break
			sleep 0.2
		done
	fi
	# slurmd first, then the controller, then munge (the others need it to talk).
	local i
	for ((i = ${#DAEMON_PIDS[@]} - 1; i >= 0; i--)); do
		kill "${DAEMON_PIDS[i]}" 2>/dev/null || true
		wait "${DAEMON_PIDS[i]}" 2>/dev/null || true
	done
	if [ -n "${SYSTEM_CONF:-}" ] && [ "$(readlink "$SYSTEM_CONF" 2>/dev/null)" = "${SLURM_CONF:-}" ]; then
		rm -f "$SYSTEM_CONF"
	fi
	T_TEARDOWN=$(elapsed "$t0" "$(now)")
	if [ "$KEEP" = 1 ] || [ "$RESULT" != PASS ]; then
		say "kept $WORK (slurm.conf, daemon logs, both scratch copies, run logs)"
	else
		rm -rf "$WORK"
	fi
}
trap teardown EXIT
trap 'exit 130' INT TERM

T0=$(now)
read -r CTLD_PORT SLURMD_PORT < <("$BIN/python" - <<'EOF'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
EOF
)
HOST=$(hostname -s)
NCPU=$(nproc)
CPUS=$((NCPU < 2 ? NCPU : 2))
MEM_MB=$(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo)
REAL_MB=$((MEM_MB / 2 < 8192 ? MEM_MB / 2 : 8192))

mungekey --create --keyfile="$CLUSTER/munge/munge.key"
munged --foreground --force --socket="$CLUSTER/munge.socket" \
	--key-file="$CLUSTER/munge/munge.key" --pid-file="$CLUSTER/munged.pid" \
	--seed-file="$CLUSTER/munge/munged.seed" --log-file="$CLUSTER/log/munged.log" \
	>"$CLUSTER/log/munged.out" 2>&1 &
DAEMON_PIDS+=($!)

# The executor's job step (snakemake-executor-plugin-slurm-jobstep) removes SLURM_*
# variables, SLURM_CONF included, before it calls srun inside the job, so srun reads
# the compiled-in /etc/slurm/slurm.conf as on a production node. Point that path at
# this cluster's file for the duration of the check, never replacing a real one.
SYSTEM_CONF=/etc/slurm/slurm.conf
if [ -L "$SYSTEM_CONF" ] && [[ "$(readlink "$SYSTEM_CONF")" == /tmp/her2-slurm-check.* ]]; then
	other=$(dirname "$(readlink "$SYSTEM_CONF")")
	if [ -f "$other/slurmctld.pid" ] && kill -0 "$(cat "$other/slurmctld.pid")" 2>/dev/null; then
		die "another slurm-check is running (cluster in $other)"
	fi
	rm -f "$SYSTEM_CONF" # left by a check that was killed
elif [ -e "$SYSTEM_CONF" ] || [ -L "$SYSTEM_CONF" ]; then
	die "$SYSTEM_CONF exists: this machine has a Slurm of its own; the check will not replace its configuration"
fi
export SLURM_CONF=$CLUSTER/slurm.conf
mkdir -p /etc/slurm
ln -s "$SLURM_CONF" "$SYSTEM_CONF"
cat >"$SLURM_CONF" <<EOF
# One-node test cluster written by cluster/slurm_local.sh (Slurm ${SLURM_VERSION#slurm }).
ClusterName=her2check
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$CLUSTER/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$CLUSTER/state
SlurmdSpoolDir=$CLUSTER/spool
SlurmctldPidFile=$CLUSTER/slurmctld.pid
SlurmdPidFile=$CLUSTER/slurmd.pid
SlurmctldLogFile=$CLUSTER/log/slurmctld.log
SlurmdLogFile=$CLUSTER/log/slurmd.log
MailProg=/bin/true
# A container without systemd or writable cgroups: track processes by parent pid,
# no task binding, no accounting database.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
# Schedule on every submission, by cores and memory (--mem is honoured as on a
# production cluster).
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Finished jobs stay visible to squeue for an hour: the executor's status checks
# (every few seconds here) see every job end.
MinJobAge=3600
# A cancelled job is killed 5 s after SIGTERM (default 30 s), within the teardown's wait.
KillWait=5
ReturnToService=2
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$REAL_MB State=UNKNOWN
PartitionName=local Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -f "$SLURM_CONF" >"$CLUSTER/log/slurmctld.out" 2>&1 &
DAEMON_PIDS+=($!)
slurmd -D -N "$HOST" -f "$SLURM_CONF" >"$CLUSTER/log/slurmd.out" 2>&1 &
DAEMON_PIDS+=($!)

STATE=""
for _ in $(seq 120); do
	STATE=$(sinfo --noheader --nodes="$HOST" --format=%T 2>/dev/null || true)
	[ "$STATE" = idle ] && break
	sleep 0.5
done
if [ "$STATE" != idle ]; then
	tail -n 20 "$CLUSTER"/log/*.log >&2 || true
	die "node $HOST is '${STATE:-unreachable}', not idle, after 60 s"
fi
T_CLUSTER=$(elapsed "$T0" "$(now)")
say "cluster up in $T_CLUSTER s: node $HOST idle, CPUs=$CPUS RealMemory=${REAL_MB}M, partition 'local'"
scontrol show node "$HOST" | sed -n 's/^ *\(State=[^ ]*\).*/  \1/p; s/^ *\(CfgTRES=.*\)/  \1/p'

# ---------------------------------------------------------------- 3. runs
copy_project() {
	mkdir -p "$1"
	if [ -n "$REV" ]; then
		git -C "$ROOT" archive "$REV" | tar -C "$1" -xf -
	else
		# The working tree as git sees it (tracked and new files, as they are now),
		# without what .gitignore lists: .venv, earlier results and logs, caches.
		(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' name; do [ -e "$name" ] && printf '%s\0' "$name"; done |
			tar --null -T - -cf -) | tar -C "$1" -xf -
	fi
}
copy_project "$WORK/slurm"
copy_project "$WORK/local"
# .venv has the library installed editable from $ROOT/src, which others may be
# editing: each run imports the copy's own library instead (sbatch passes the
# environment on to the jobs).
run_in() { (cd "$1" && PYTHONPATH="$1/src${PYTHONPATH:+:$PYTHONPATH}" "${@:2}"); }

say "pipeline through the slurm executor (log: $WORK/slurm.log)"
T0=$(now)
SLURM_RC=0
run_in "$WORK/slurm" "$BIN/snakemake" --workflow-profile workflow/profiles/slurm \
	--slurm-status-command squeue --slurm-init-seconds-before-status-checks 2 \
	--slurm-keep-successful-logs >"$WORK/slurm.log" 2>&1 || SLURM_RC=$?
T_SLURM=$(elapsed "$T0" "$(now)")
say "slurm run: exit $SLURM_RC in $T_SLURM s"

say "pipeline with the local default profile (log: $WORK/local.log)"
T0=$(now)
LOCAL_RC=0
run_in "$WORK/local" "$BIN/snakemake" --workflow-profile workflow/profiles/default \
	--cores "$CPUS" >"$WORK/local.log" 2>&1 || LOCAL_RC=$?
T_LOCAL=$(elapsed "$T0" "$(now)")
say "local run: exit $LOCAL_RC in $T_LOCAL s"

# ---------------------------------------------------------------- 4. checks
# Every job of the Snakemake run is either a local rule (run by Snakemake itself,
# printed as "localrule") or a Slurm job of this run that must have COMPLETED.
steps() { sed -n 's/^\([0-9]*\) of \1 steps (100%) done$/\1/p' "$1" | tail -n 1; }
SLURM_STEPS=$(steps "$WORK/slurm.log")
LOCAL_STEPS=$(steps "$WORK/local.log")
LOCAL_RULES=$(grep -c '^localrule ' "$WORK/slurm.log" || true)
SUBMITTED=$(grep -c 'has been submitted with SLURM jobid' "$WORK/slurm.log" || true)
RUN_ID=$(sed -n 's/.*SLURM run ID: \([0-9a-f-]*\).*/\1/p' "$WORK/slurm.log" | head -n 1)
JOB_STATES=$(squeue --noheader --states=all --name="${RUN_ID:-none}" --format=%T | sort | uniq -c |
	awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')
COMPLETED=$(squeue --noheader --states=all --name="${RUN_ID:-none}" --format=%T | grep -c '^COMPLETED$' || true)
EXPECTED_JOBS=$((${SLURM_STEPS:-0} - LOCAL_RULES))
# Seconds each job spent on the node (start to end, as Slurm recorded them): the
# cost of one job, a fresh Snakemake plus the rule's script.
JOB_SECONDS=$(squeue --noheader --states=all --name="${RUN_ID:-none}" --format='%S %e' |
	while read -r start end; do echo $(($(date -d "$end" +%s) - $(date -d "$start" +%s))); done |
	sort -n | awk '{ s += $1; v[NR] = $1 } END { if (NR) printf "mean %.1f s, min %d s, max %d s, sum %d s", s / NR, v[1], v[NR], s }')

T0=$(now)
COMPARE_RC=0
COMPARISON=$("$BIN/python" "$ROOT/cluster/compare_results.py" "$WORK/local/results" "$WORK/slurm/results" 2>&1) ||
	COMPARE_RC=$?
T_COMPARE=$(elapsed "$T0" "$(now)")

PROBLEMS=()
[ "$SLURM_RC" -eq 0 ] || PROBLEMS+=("slurm run exited $SLURM_RC (tail of $WORK/slurm.log below)")
[ "$LOCAL_RC" -eq 0 ] || PROBLEMS+=("local run exited $LOCAL_RC (tail of $WORK/local.log below)")
[ "${SLURM_STEPS:-x}" = "${LOCAL_STEPS:-y}" ] ||
	PROBLEMS+=("slurm run did ${SLURM_STEPS:-?} steps, local run ${LOCAL_STEPS:-?}")
[ "$SUBMITTED" -eq "$EXPECTED_JOBS" ] && [ "$COMPLETED" -eq "$EXPECTED_JOBS" ] && [ "$EXPECTED_JOBS" -gt 0 ] ||
	PROBLEMS+=("expected $EXPECTED_JOBS Slurm jobs: $SUBMITTED submitted, $COMPLETED COMPLETED")
[ "$COMPARE_RC" -eq 0 ] || PROBLEMS+=("results differ")
[ ${#PROBLEMS[@]} -eq 0 ] && RESULT=PASS

teardown

# ---------------------------------------------------------------- 5. summary
T_TOTAL=$(elapsed "$T_START" "$(now)")
echo
echo "== slurm-check: workflow/profiles/slurm on a one-node Slurm =="
echo "$SLURM_VERSION, node $HOST (CPUs=$CPUS, RealMemory=${REAL_MB}M), no accounting database"
echo "pipeline           $SOURCE"
echo "snakemake steps    slurm run ${SLURM_STEPS:-?}, local run ${LOCAL_STEPS:-?} (local rules in slurm run: $LOCAL_RULES)"
echo "slurm jobs         $SUBMITTED submitted with sbatch; states: ${JOB_STATES:-none}; on the node: ${JOB_SECONDS:-n/a}"
echo "results/           $(tail -n 1 <<<"$COMPARISON")"
sed '$d' <<<"$COMPARISON" | sed 's/^/                   /'
echo "machine            $(nproc) CPUs; 1-minute load average $LOAD_START at start, $(cut -d' ' -f1 /proc/loadavg) at end"
printf 'timings (s)        install %s (%s), cluster start %s, slurm run %s, local run %s, compare %s, teardown %s, total %s\n' \
	"$T_INSTALL" "$INSTALL_NOTE" "$T_CLUSTER" "$T_SLURM" "$T_LOCAL" "$T_COMPARE" "$T_TEARDOWN" "$T_TOTAL"
for problem in "${PROBLEMS[@]}"; do echo "problem:           $problem"; done
[ "$SLURM_RC" -eq 0 ] || tail -n 30 "$WORK/slurm.log"
[ "$LOCAL_RC" -eq 0 ] || tail -n 30 "$WORK/local.log"
echo "RESULT: $RESULT"
[ "$RESULT" = PASS ]
