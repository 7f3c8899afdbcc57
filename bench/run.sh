#!/bin/bash
# make bench: every speed and memory target of vmscope, measured against its competitors in the
# same run (interleaved: A B C D A B C D ...), N repetitions, min / median, headline as a ratio.
# Records every sample; bench/report.py then prints one table and writes it as
# bench/results/latest.json. bench/README.md explains the rows.
#
# Environment:
#   BENCH_QUICK=1       1 repetition, small sizes (2,000 VMAs, short loops): a smoke run (~30 s)
#   BENCH_REPS=N        repetitions (default 5; 1 with BENCH_QUICK=1)
#   BENCH_VMAS=N        VMAs of the big-map helper (default 60000; 2000 with BENCH_QUICK=1)
#   BENCH_CHURN=N       iterations of the churn loop (default 50000; 2000 with BENCH_QUICK=1)
#   BENCH_FAULT_MIB=N   MiB the fault loop touches per round (default 1024; 64 with BENCH_QUICK=1)
#   BENCH_FLOOD=N       mmap+munmap pairs of the event-rate flood (default 500000; 20000 quick)
#   BENCH_ALL_PROCS=N, BENCH_ALL_VMAS=M  map --all: N helpers of M VMAs (default 100 x 300; 10 x 100 quick)
#   BENCH_FLOOD_PROCS=N map_flood producers at once (default: one per CPU)
#   BENCH_NO_MODEL=1    leave the model alone (its rows n/a): for a machine where someone else runs it
#   BENCH_RESULTS=DIR   where latest.json goes (default bench/results)
#   VMSCOPE, OUTPUT     the binary and the build dir (default ./vmscope and .output)
#
# Needs root for every BPF row (the model, bpftrace, mmap_lock); without it those rows are n/a.
# The C helpers bench/churn_loop.c and bench/fault_loop.c are built here with cc into $OUTPUT/bench/; the big-map helper is
# the test helper $OUTPUT/tests/helpers/regions (make tests-build).
# The system is left as found: the model is stopped at the end if it was not running before (and
# restarted if it was), helpers and tracers are killed, on any exit.
set -u
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VMSCOPE=${VMSCOPE:-$ROOT/vmscope}
OUTPUT=${OUTPUT:-$ROOT/.output}
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	REPS=${BENCH_REPS:-1}; NVMAS=${BENCH_VMAS:-2000}; CHURN=${BENCH_CHURN:-2000}; FAULT_MIB=${BENCH_FAULT_MIB:-64}
	GCC_RUNS=1; PY_RUNS=3; GEN_FUNCS=40; FLOOD=${BENCH_FLOOD:-20000}
	ALL_PROCS=${BENCH_ALL_PROCS:-10}; ALL_VMAS=${BENCH_ALL_VMAS:-100}
else
	REPS=${BENCH_REPS:-5}; NVMAS=${BENCH_VMAS:-60000}; CHURN=${BENCH_CHURN:-50000}; FAULT_MIB=${BENCH_FAULT_MIB:-1024}
	FLOOD=${BENCH_FLOOD:-500000}
	ALL_PROCS=${BENCH_ALL_PROCS:-100}; ALL_VMAS=${BENCH_ALL_VMAS:-300}
	GCC_RUNS=3; PY_RUNS=20; GEN_FUNCS=100
fi
MAP_REPS=$((REPS * 2))
FLOOD_PROCS=${BENCH_FLOOD_PROCS:-$(nproc)}   # event-rate producers, one per CPU   # the map reads are short: twice the repetitions
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results}
BOUT=$OUTPUT/bench
# The test library: the scratch dir, processes killed and reaped at exit, /proc and JSON helpers.
# shellcheck source-path=SCRIPTDIR source=../tests/lib.sh
LIB_TMP_NAME=vmscope-bench . "$ROOT/tests/lib.sh"
T=$TMPDIR_TEST
DATA=$T/data.tsv
: >"$DATA"

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }
[ -x "$VMSCOPE" ] || die "no vmscope binary at $VMSCOPE (run make)"
[ -x "$HELPERS/regions" ] || die "no helper $HELPERS/regions (run make tests-build)"
[ -x "$HELPERS/map_flood" ] || die "no helper $HELPERS/map_flood (run make tests-build)"
NO_MODEL=${BENCH_NO_MODEL:-0}
command -v python3 >/dev/null || die "python3 is needed (tools/deps.sh)"

# ---- records (tab-separated, read by bench/report.py at the end) -------------------------------
# R id scenario name unit num den op threshold target_text   a row; ratio = median(num)/median(den)
# C id competitor label                                      a competitor of a row, in order
# S id competitor value                                      one sample
# N id competitor reason                                     the competitor could not be measured
# A id reason                                                the whole row is n/a
# V id value                                                 the headline value, when not a ratio
# X id key value                                             extra information for the row
# D scenario text                                            a line describing the scenario
# M key value                                                the run's configuration
rec() { local IFS=$'\t'; echo "$*" >>"$DATA"; }
row() { rec R "$@"; }
comp() { rec C "$@"; }
sample() { rec S "$@"; }
na() { rec N "$@"; }
row_na() { rec A "$@"; }
extra() { rec X "$@"; }
describe() { rec D "$@"; }
meta() { rec M "$@"; }
# vs_untraced ID SCENARIO NAME COMP LABEL OP THRESHOLD TARGET: a row timing COMP (labelled LABEL)
# against the untraced runs, in seconds
vs_untraced() {
	row "$1" "$2" "$3" s "$4" untraced "$6" "$7" "$8"
	comp "$1" untraced "untraced"; comp "$1" "$4" "$5"
}

# ---- clean-up: leave the system as found --------------------------------------------------------
MODEL_WAS_RUNNING=0
MODEL_START_OPTS=()
cleanup() {
	main_shell || return 0
	# shellcheck disable=SC2086 # a list of pids
	kill_pid $_cleanup_pids
	# bpf_stats back as found (the bpfcost rows turn it on for one loop)
	[ -n "${STATS_OLD:-}" ] && echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null
	if [ "$(id -u)" -eq 0 ] && [ "$NO_MODEL" != 1 ]; then
		if [ "$MODEL_WAS_RUNNING" = 1 ]; then
			"$VMSCOPE" status >/dev/null 2>&1 || "$VMSCOPE" start "${MODEL_START_OPTS[@]}" >/dev/null 2>&1 \
				|| echo "bench: could not restart the model that was running before" >&2
		else
			"$VMSCOPE" status >/dev/null 2>&1 && "$VMSCOPE" stop >/dev/null 2>&1
		fi
	fi
	# debugfs as found (mounted below for bpftrace)
	[ "${DEBUGFS_MOUNTED:-0}" = 1 ] && { umount /sys/kernel/debug/tracing 2>/dev/null; umount /sys/kernel/debug 2>/dev/null; }
	_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- what can run here ---------------------------------------------------------------------------
IS_ROOT=0; [ "$(id -u)" -eq 0 ] && IS_ROOT=1
HAVE_MODEL=0; MODEL_WHY="needs root"
HAVE_BPFTRACE=0; BPFTRACE_WHY="needs root"
HAVE_STRACE=0; STRACE_WHY="strace not installed"
HAVE_WATCH=0; WATCH_WHY="needs root"
HAVE_TIME=0; [ -x /usr/bin/time ] && HAVE_TIME=1
HAVE_PMAP=0; command -v pmap >/dev/null && HAVE_PMAP=1
HAVE_GCC=0; command -v gcc >/dev/null && HAVE_GCC=1
HAVE_PERF=0; PERF_WHY="perf not installed (Debian package linux-perf)"
perf stat -e page-faults -o /dev/null true >/dev/null 2>&1 && { HAVE_PERF=1; PERF_WHY=""; }
HAVE_FAULTS=0; FAULTS_WHY="needs root"
command -v strace >/dev/null && { HAVE_STRACE=1; STRACE_WHY=""; }
# The real interpreter, not a version-manager shim (pyenv's is a shell script).
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[ -x "${PY:-}" ] || PY=$(command -v python3)
if [ $IS_ROOT = 1 ]; then
	if command -v bpftrace >/dev/null; then HAVE_BPFTRACE=1; BPFTRACE_WHY=""; else BPFTRACE_WHY="bpftrace not installed"; fi
	# Debian's bpftrace 0.17 finds tracepoints only under debugfs, which a fresh machine has not
	# mounted: mounted for the bench, unmounted after
	if [ $HAVE_BPFTRACE = 1 ] && [ ! -d /sys/kernel/debug/tracing/events ]; then
		if mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null; then
			DEBUGFS_MOUNTED=1
		else
			HAVE_BPFTRACE=0; BPFTRACE_WHY="debugfs is not mounted and cannot be (bpftrace 0.17 needs it)"
		fi
	fi
	HAVE_WATCH=1; WATCH_WHY=""
	if [ "$NO_MODEL" = 1 ]; then
		MODEL_WHY="BENCH_NO_MODEL=1"
		log "BENCH_NO_MODEL=1: the model is left alone, its rows are n/a"
	elif "$VMSCOPE" status >/dev/null 2>&1; then
		MODEL_WAS_RUNNING=1
		mv=$(status_get "d.get('max_vmas', 0)" 2>/dev/null)
		[ -n "$mv" ] && [ "$mv" != 131072 ] && [ "$mv" != 0 ] && MODEL_START_OPTS=(--max-vmas "$mv")
		log "the model was running: it is stopped and started during the bench, and left running"
	fi
	if [ "$NO_MODEL" != 1 ]; then
		"$VMSCOPE" stop >/dev/null 2>&1
		if out=$("$VMSCOPE" start 2>&1); then HAVE_MODEL=1; MODEL_WHY=""
		else MODEL_WHY="vmscope start failed: $(echo "$out" | head -n1)"; fi
		"$VMSCOPE" stop >/dev/null 2>&1
		if out=$("$VMSCOPE" start --faults 2>&1); then HAVE_FAULTS=1; FAULTS_WHY=""
		else FAULTS_WHY="vmscope start --faults failed: $(echo "$out" | head -n1)"; fi
		"$VMSCOPE" stop >/dev/null 2>&1
	else
		FAULTS_WHY="BENCH_NO_MODEL=1"
	fi
fi
log "repetitions $REPS (map reads $MAP_REPS), churn $CHURN iterations, big map $NVMAS VMAs, flood $FLOOD pairs"
log "root=$IS_ROOT model=$HAVE_MODEL${MODEL_WHY:+ ($MODEL_WHY)} watch=$HAVE_WATCH strace=$HAVE_STRACE bpftrace=$HAVE_BPFTRACE${BPFTRACE_WHY:+ ($BPFTRACE_WHY)}"

# ---- helpers --------------------------------------------------------------------------------------
# Not writable (another user's build dir): build into the scratch dir instead.
mkdir -p "$BOUT" 2>/dev/null && [ -w "$BOUT" ] || BOUT=$T
for h in churn_loop fault_loop; do
	if [ ! -x "$BOUT/$h" ] || [ "$ROOT/bench/$h.c" -nt "$BOUT/$h" ]; then
		cc -O2 -Wall -Wextra -o "$BOUT/$h" "$ROOT/bench/$h.c" || die "cannot build $h"
	fi
done
# A generated C file for the compile workload (fixed content, independent of the tree).
GEN_C=$T/gen.c
python3 - "$GEN_FUNCS" >"$GEN_C" <<'EOF'
import sys
n = int(sys.argv[1])
print("#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n")
for i in range(n):
    print(f"""struct s{i} {{ int a[16]; double d; char name[32]; }};
static int cmp{i}(const void *x, const void *y) {{ return *(const int *)x - *(const int *)y; }}
int f{i}(int n, struct s{i} *s) {{
	int acc = {i};
	for (int k = 0; k < n; k++) {{
		switch ((k ^ acc) & 7) {{
		case 0: acc += s->a[k & 15] * {i + 3}; break;
		case 1: acc ^= (int)(s->d * k); break;
		case 2: acc -= (int)strlen(s->name) + k; break;
		case 3: qsort(s->a, 16, sizeof(int), cmp{i}); break;
		case 4: snprintf(s->name, sizeof(s->name), "%d-%d", acc, k); break;
		default: acc = acc * 31 + k;
		}}
	}}
	return acc;
}}""")
print("int main(void) { return 0; }")
EOF
WL_CHURN=("$BOUT/churn_loop" "$CHURN")
WL_FAULTS=("$BOUT/fault_loop" "$FAULT_MIB" 3)
WL_GCC=(sh -c "i=0; while [ \$i -lt $GCC_RUNS ]; do gcc -O2 -c '$GEN_C' -o '$T/gen.o' || exit 1; i=\$((i+1)); done")
WL_PY=(sh -c "i=0; while [ \$i -lt $PY_RUNS ]; do '$PY' -c pass || exit 1; i=\$((i+1)); done")

# secs_between T0 T1: the seconds from T0 to T1 ($EPOCHREALTIME values).
secs_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f\n", b - a }'; }
# per_sec N NS: N in NS nanoseconds, per second.
per_sec() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f\n", n / (t / 1e9) }'; }
ns_to_s() { awk -v x="$1" 'BEGIN { printf "%.9f\n", x / 1e9 }'; }
# Wall time of a command, stdout discarded; prints seconds. Returns the command's status.
wall() {
	local t0 t1 rc
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>>"$T/stderr"
	rc=$?
	t1=$EPOCHREALTIME
	secs_between "$t0" "$t1"
	return $rc
}
# Times one workload under PREFIX... (the tracer command, none for the others): sets V (seconds)
# or WHY. The churn loop is timed by itself (its loop only); the others by wall time.
measure_wl() { # WL [PREFIX...]
	local wl=$1 out
	shift
	V="" WHY=""
	case $wl in
	churn|faults)
		local cmd=("${WL_CHURN[@]}")
		[ "$wl" = faults ] && cmd=("${WL_FAULTS[@]}")
		if out=$("$@" "${cmd[@]}" 2>>"$T/stderr"); then
			V=$(echo "$out" | awk '$1 == "ns" { printf "%.6f\n", $2 / 1e9 }')
		fi ;;
	gcc) [ $HAVE_GCC = 1 ] || { WHY="gcc not installed"; return 1; }
		V=$(wall "$@" "${WL_GCC[@]}") || V="" ;;
	py) V=$(wall "$@" "${WL_PY[@]}") || V="" ;;
	esac
	[ -n "$V" ] && return 0
	WHY="failed: $(tail -n1 "$T/stderr" 2>/dev/null)"
	return 1
}
# Records the last measure_wl as competitor COMP of each ROW.
record_wl() { # COMP ROW...
	local c=$1 r
	shift
	for r in "$@"; do
		if [ -n "$V" ]; then sample "$r" "$c" "$V"; else na "$r" "$c" "$WHY"; fi
	done
}

# bpftrace one-liner printing every mmap/munmap/mprotect of the system (as the model sees every
# process), its output read by a sink that writes to /dev/null.
BT_ONELINER='BEGIN { printf("ready\n"); }
tracepoint:syscalls:sys_exit_mmap, tracepoint:syscalls:sys_exit_munmap, tracepoint:syscalls:sys_exit_mprotect
{ printf("%d %s %s %d\n", pid, comm, probe, args->ret); }'
BT_PID=""
bt_start() { # [SCRIPT]: starts the one-liner (or SCRIPT), waits until its probes are attached
	rm -f "$T/bt.fifo" "$T/bt.ready"
	mkfifo "$T/bt.fifo" || return 1
	{ while IFS= read -r l; do [ "$l" = ready ] && break; done; : >"$T/bt.ready"; exec cat >/dev/null; } <"$T/bt.fifo" &
	BT_SINK=$!; cleanup_pid $BT_SINK
	bpftrace -e "${1:-$BT_ONELINER}" >"$T/bt.fifo" 2>>"$T/bt.err" &
	BT_PID=$!; cleanup_pid $BT_PID
	for _ in $(seq 300); do
		[ -e "$T/bt.ready" ] && return 0
		kill -0 $BT_PID 2>/dev/null || break
		sleep 0.1
	done
	bt_stop; return 1
}
bt_stop() {
	[ -n "$BT_PID" ] || return 0
	kill -INT "$BT_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$BT_PID" 2>/dev/null || break; sleep 0.1; done
	kill_pid "$BT_PID" "$BT_SINK"; BT_PID=""
}
bt_why() { # [ERRFILE [WHAT]]: why bpftrace gave nothing, with its last error line
	echo "bpftrace ${2:-did not attach}: $(grep -v RLIMIT "${1:-$T/bt.err}" | tail -n1)"
}
# vmscope watch, stdout to /dev/null (text mode: it formats every event), under /usr/bin/time for its
# max RSS when there is one. WT is the pid to wait for, WP vmscope's own.
WT="" WP=""
watch_start() { # ARGS...: starts vmscope watch ARGS, waits until its programs are attached
	rm -f "$T/watch.err" "$T/watch.rss"
	if [ $HAVE_TIME = 1 ]; then
		/usr/bin/time -f %M -o "$T/watch.rss" "$VMSCOPE" watch "$@" >/dev/null 2>"$T/watch.err" &
	else
		"$VMSCOPE" watch "$@" >/dev/null 2>"$T/watch.err" &
	fi
	WT=$!; cleanup_pid $WT; WP=$WT
	# Attached: watch says so on stderr once every program is attached and it reads events.
	local c
	for _ in $(seq 600); do
		if [ $HAVE_TIME = 1 ] && [ "$WP" = "$WT" ]; then
			c=$(pgrep -P "$WT" | head -n1); [ -n "$c" ] && WP=$c
		fi
		if [ "$WP" != "$WT" ] || [ $HAVE_TIME = 0 ]; then
			grep -q '^vmscope: watch: attached' "$T/watch.err" 2>/dev/null && return 0
		fi
		kill -0 "$WT" 2>/dev/null || break
		sleep 0.05
	done
	watch_stop; return 1
}
# Stops watch (SIGTERM to vmscope itself: /usr/bin/time does not pass signals on), or waits for
# it to exit by itself (-p). Sets W_SHOWN, W_LOST, W_RSS from its summary and time.
watch_stop() { # [wait]
	W_SHOWN="" W_LOST="" W_RSS=""
	[ -n "$WT" ] || return 1
	[ "${1:-}" = wait ] || kill -TERM "$WP" 2>/dev/null
	for _ in $(seq 300); do kill -0 "$WT" 2>/dev/null || break; sleep 0.05; done
	kill -TERM "$WP" 2>/dev/null
	wait "$WT" 2>/dev/null; forget_pid "$WT"; WT="" WP=""
	read -r W_SHOWN W_LOST < <(sed -n 's/^vmscope: watch: \([0-9]*\) events shown, \([0-9]*\) lost;.*/\1 \2/p' "$T/watch.err")
	[ -s "$T/watch.rss" ] && W_RSS=$(grep -E '^[0-9]+$' "$T/watch.rss" | tail -n1)
	[ -n "$W_SHOWN" ]
}
watch_why() { echo "vmscope watch failed: $(grep -v '^Command' "$T/watch.err" 2>/dev/null | tail -n1)"; }
model_start() { # OUTFILE [OPTION...]: start the model, its output in OUTFILE
	local out=$1
	shift
	"$VMSCOPE" start "$@" "${MODEL_START_OPTS[@]}" >"$out" 2>&1
}
start_why() { echo "vmscope start${1:-} failed: $(head -n1 "$T/start.out")"; } # [ --faults]
model_stop() { [ "$NO_MODEL" = 1 ] || "$VMSCOPE" stop >/dev/null 2>&1; return 0; }
status_json() { "$VMSCOPE" status --json 2>/dev/null; }

# ==== scenario 1 (tracing overhead) and 5 (start-up) ==============================================
log "scenario 1: tracing overhead (churn loop, gcc -O2, python3 start-up) x $REPS; scenario 5: start-up"
WLS="churn gcc py"
declare -A WL_NAME=([churn]="churn loop" [gcc]="gcc -O2" [py]="python3 start-up")
describe 1 "churn loop: $CHURN x (mmap 8K, touch 2 pages, mprotect, munmap), the loop's own time"
describe 1 "gcc -O2: $GCC_RUNS x gcc -O2 -c of a generated ${GEN_FUNCS}-function C file, wall time"
describe 1 "python3 start-up: $PY_RUNS x $PY -c pass, wall time"
describe 1 "tracers: model = vmscope start (pinned, no process); strace -f -e trace=memory -o /dev/null;"
describe 1 "  bpftrace = sys_exit_{mmap,munmap,mprotect} of every process printed to /dev/null"
describe 1 "ratio = traced / untraced (medians); targets: model and watch <= 1.10x on the churn loop, <= 1.03x on the others"
declare -A WL_TARGET=([churn]="<=	1.10	<= 1.10x (goal 1.05x)" [gcc]="<=	1.03	<= 1.03x" [py]="<=	1.03	<= 1.03x")
for wl in $WLS; do
	IFS=$'\t' read -r op thr ttext <<<"${WL_TARGET[$wl]}"
	vs_untraced "$wl.model" 1 "${WL_NAME[$wl]}: model" model "model (pinned)" "$op" "$thr" "$ttext"
	vs_untraced "$wl.watch" 1 "${WL_NAME[$wl]}: watch" watch "vmscope watch >/dev/null" "$op" "$thr" "$ttext"
	[ $HAVE_WATCH = 1 ] || na "$wl.watch" watch "$WATCH_WHY"
	vs_untraced "$wl.strace" 1 "${WL_NAME[$wl]}: strace" strace "strace" "" "" "-"
	vs_untraced "$wl.bpftrace" 1 "${WL_NAME[$wl]}: bpftrace" bpftrace "bpftrace" "" "" "-"
	[ $HAVE_MODEL = 1 ] || na "$wl.model" model "$MODEL_WHY"
	[ $HAVE_STRACE = 1 ] || na "$wl.strace" strace "$STRACE_WHY"
	[ $HAVE_BPFTRACE = 1 ] || na "$wl.bpftrace" bpftrace "$BPFTRACE_WHY"
done
describe 5 "vmscope start: attach, then seed every process of the system (model stopped before each run)"
row start 5 "vmscope start" s "" "" "" "" "-"
comp start wall "wall time"; comp start seed "seed (reported)"
describe 5 "watch attach: from the exec of vmscope watch (system-wide) to its 'attached' line on stderr, when"
describe 5 "  events begin; bpftrace: from its exec to the BEGIN of the one-liner of scenario 1 (after its attach)"
row watch.attach 5 "vmscope watch: exec to attached" s attached "" "<=" 0.3 "<= 0.3 s (#15; #13 asked <= 1 s)"
comp watch.attach attached "vmscope watch"; comp watch.attach bpftrace "bpftrace one-liner"
[ $HAVE_WATCH = 1 ] || row_na watch.attach "$WATCH_WHY"
[ $HAVE_BPFTRACE = 1 ] || na watch.attach bpftrace "$BPFTRACE_WHY"
[ $HAVE_MODEL = 1 ] || row_na start "$MODEL_WHY"

declare -A MODEL_EVENTS=() WATCH_EVENTS=() WATCH_LOST=()
# Declared here (scenario 4) so that scenario 1's watch runs can add their RSS samples.
row rss.watch 4 "max RSS of vmscope watch" KiB "" "" "" "" "-"
for wl in $WLS; do comp rss.watch "sys.$wl" "system-wide, ${WL_NAME[$wl]}"; done
comp rss.watch flood "-p map_flood ($FLOOD pairs)"
[ $HAVE_WATCH = 1 ] || row_na rss.watch "$WATCH_WHY"
[ $HAVE_TIME = 1 ] || row_na rss.watch "/usr/bin/time not installed (Debian package time)"
for rep in $(seq "$REPS"); do
	log "  repetition $rep/$REPS"
	# A: untraced (the model stopped)
	model_stop
	for wl in $WLS; do
		measure_wl "$wl"
		record_wl untraced "$wl.model" "$wl.watch" "$wl.strace" "$wl.bpftrace"
	done
	# B: the pinned model
	if [ $HAVE_MODEL = 1 ]; then
		t0=$EPOCHREALTIME
		if model_start "$T/start.out"; then
			sample start wall "$(secs_between "$t0" "$EPOCHREALTIME")"
			read -r procs vmas secs < <(sed -n 's/.*: \([0-9]*\) processes, \([0-9]*\) VMAs seeded in \([0-9.]*\) s.*/\1 \2 \3/p' "$T/start.out")
			[ -n "${secs:-}" ] && { sample start seed "$secs"; extra start processes "$procs"; extra start vmas "$vmas"; }
			for wl in $WLS; do
				# The model's own event counter across the run: did it see the workload?
				e0=$(status_get "d['counters']['events']" 2>/dev/null)
				measure_wl "$wl"; record_wl model "$wl.model"
				e1=$(status_get "d['counters']['events']" 2>/dev/null)
				[ -n "$e0" ] && [ -n "$e1" ] && MODEL_EVENTS[$wl]="${MODEL_EVENTS[$wl]:-}${MODEL_EVENTS[$wl]:+ }$((e1 - e0))"
			done
		else
			for wl in $WLS; do na "$wl.model" model "$(start_why)"; done
		fi
		model_stop
	fi
	# C: vmscope watch, system-wide like the model and bpftrace, stdout to /dev/null; one watch per
	# workload, so its summary counts that workload's events (and the rest of the system's).
	if [ $HAVE_WATCH = 1 ]; then
		for wl in $WLS; do
			if watch_start; then
				measure_wl "$wl"; record_wl watch "$wl.watch"
				if watch_stop; then
					WATCH_EVENTS[$wl]="${WATCH_EVENTS[$wl]:-}${WATCH_EVENTS[$wl]:+ }$W_SHOWN"
					WATCH_LOST[$wl]="${WATCH_LOST[$wl]:-}${WATCH_LOST[$wl]:+ }$W_LOST"
					[ -n "$W_RSS" ] && sample rss.watch "sys.$wl" "$W_RSS"
				fi
			else
				na "$wl.watch" watch "$(watch_why)"
			fi
		done
	fi
	# D: strace
	if [ $HAVE_STRACE = 1 ]; then
		for wl in $WLS; do measure_wl "$wl" strace -f -e trace=memory -o /dev/null; record_wl strace "$wl.strace"; done
	fi
	# E: bpftrace
	if [ $HAVE_BPFTRACE = 1 ]; then
		if bt_start; then
			for wl in $WLS; do measure_wl "$wl"; record_wl bpftrace "$wl.bpftrace"; done
			bt_stop
		else
			for wl in $WLS; do na "$wl.bpftrace" bpftrace "$(bt_why)"; done
		fi
	fi
done

for wl in $WLS; do
	[ -n "${MODEL_EVENTS[$wl]:-}" ] && extra "$wl.model" note "events the model counted per run: ${MODEL_EVENTS[$wl]}"
done
[ -n "${MODEL_EVENTS[churn]:-}" ] && extra churn.model expected_events ">= $((3 * CHURN)) per run (3 syscalls per iteration)"
for wl in $WLS; do
	[ -n "${WATCH_EVENTS[$wl]:-}" ] && extra "$wl.watch" note "events shown per run (whole system): ${WATCH_EVENTS[$wl]}; lost: ${WATCH_LOST[$wl]}"
done
[ -n "${WATCH_EVENTS[churn]:-}" ] && extra churn.watch expected_events ">= $((3 * CHURN)) per run (3 syscalls per iteration)"

# ---- scenario 1, the BPF programs' own cost: bpf_stats over one churn loop ----
describe 1 "bpf_stats: ns per run of each program over one churn loop (sysctl kernel.bpf_stats_enabled=1 just"
describe 1 "  for that loop); the model's from status --json, watch's from bpftool prog show"
row bpfcost.model 1 "model: BPF ns per run (bpf_stats)" ns "" "" "" "" "-"
row bpfcost.watch 1 "watch: BPF ns per run (bpf_stats)" ns "" "" "" "" "-"
declare -A COST_COMP=()
cost_samples() { # ROW: "name ns_per_run" lines on stdin -> samples (a competitor per program)
	local name ns
	while read -r name ns; do
		[ -n "${COST_COMP[$1.$name]:-}" ] || { comp "$1" "$name" "$name"; COST_COMP[$1.$name]=1; }
		sample "$1" "$name" "$ns"
	done
}
STATS_OLD=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null)
if [ -z "$STATS_OLD" ] || ! [ -w /proc/sys/kernel/bpf_stats_enabled ]; then
	row_na bpfcost.model "kernel.bpf_stats_enabled cannot be set here"
	row_na bpfcost.watch "kernel.bpf_stats_enabled cannot be set here"
else
	for rep in $(seq "$REPS"); do
		if [ $HAVE_MODEL = 1 ] && model_start "$T/start.out"; then
			echo 1 >/proc/sys/kernel/bpf_stats_enabled
			measure_wl churn
			# (not a pipe into cost_samples: its competitor list must outlive the call)
			cost_samples bpfcost.model < <(status_json | python3 -c 'import json,sys
for p in json.load(sys.stdin)["programs"]:
    if p["run_cnt"] >= 100: print(p["name"], round(p["ns_per_run"], 1))')
			echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled
			model_stop
		fi
		if [ $HAVE_WATCH = 1 ] && command -v bpftool >/dev/null && watch_start; then
			echo 1 >/proc/sys/kernel/bpf_stats_enabled
			measure_wl churn
			cost_samples bpfcost.watch < <(bpftool prog show -j 2>/dev/null | python3 -c 'import json,sys
for p in json.load(sys.stdin):
    n = p.get("name", "")
    if n.startswith("watch_") and p.get("run_cnt", 0) >= 100:
        print(n, round(p["run_time_ns"] / p["run_cnt"], 1))')
			echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled
			watch_stop >/dev/null 2>&1
		fi
	done
fi
[ $HAVE_MODEL = 1 ] || row_na bpfcost.model "$MODEL_WHY"
[ $HAVE_WATCH = 1 ] || row_na bpfcost.watch "$WATCH_WHY"

# ---- scenario 1, fault loop: the cost of `start --faults` on the worst case, a fault per page ----
log "scenario 1: fault loop ($FAULT_MIB MiB x 3 rounds) x $REPS"
NFAULTS=$((FAULT_MIB * 256 * 3))
describe 1 "fault loop: 3 rounds of touching $FAULT_MIB MiB of fresh anonymous memory page by page (MADV_NOHUGEPAGE,"
describe 1 "  $NFAULTS minor faults), after an untimed warm-up round; the loop's own time. faults = vmscope start --faults;"
describe 1 "  perf stat = perf stat -e page-faults (the kernel's counter, counting mode); bpftrace = a count per"
describe 1 "  (pid, 2 MiB of address) on exceptions:page_fault_user. Target: faults <= 1.10x untraced"
vs_untraced faults.model 1 "fault loop: model (no --faults)" model "model (pinned)" "" "" "-"
vs_untraced faults.faults 1 "fault loop: model --faults" faults "model --faults" "<=" 1.10 "<= 1.10x"
vs_untraced faults.perf 1 "fault loop: perf stat" perf "perf stat -e page-faults" "" "" "-"
vs_untraced faults.bpftrace 1 "fault loop: bpftrace" bpftrace "bpftrace count per 2 MiB" "" "" "-"
[ $HAVE_MODEL = 1 ] || na faults.model model "$MODEL_WHY"
[ $HAVE_FAULTS = 1 ] || na faults.faults faults "$FAULTS_WHY"
[ $HAVE_PERF = 1 ] || na faults.perf perf "$PERF_WHY"
[ $HAVE_BPFTRACE = 1 ] || na faults.bpftrace bpftrace "$BPFTRACE_WHY"
BT_FAULTS='BEGIN { printf("ready\n"); }
tracepoint:exceptions:page_fault_user { @[pid, args->address >> 21] = count(); }'
FAULT_COUNTS=""
for rep in $(seq "$REPS"); do
	model_stop
	measure_wl faults; record_wl untraced faults.model faults.faults faults.perf faults.bpftrace
	if [ $HAVE_MODEL = 1 ]; then
		if model_start "$T/start.out"; then measure_wl faults; record_wl model faults.model
		else na faults.model model "$(start_why)"; fi
		model_stop
	fi
	if [ $HAVE_FAULTS = 1 ]; then
		if model_start "$T/start.out" --faults; then
			measure_wl faults; record_wl faults faults.faults
			# did it count them? the fault map's total over the run is read back as a check
			FAULT_COUNTS="$FAULT_COUNTS $(status_get "'%s/%s' % (d['fault_entries'], d['faults_lost'])" 2>/dev/null)"
		else na faults.faults faults "$(start_why " --faults")"; fi
		model_stop
	fi
	if [ $HAVE_PERF = 1 ]; then measure_wl faults perf stat -e page-faults -o /dev/null --; record_wl perf faults.perf; fi
	if [ $HAVE_BPFTRACE = 1 ]; then
		if bt_start "$BT_FAULTS"; then measure_wl faults; record_wl bpftrace faults.bpftrace; bt_stop
		else na faults.bpftrace bpftrace "$(bt_why)"; fi
	fi
done
[ -n "$FAULT_COUNTS" ] && extra faults.faults note "fault entries / faults not attributed after each run:$FAULT_COUNTS"

# ==== scenario 2 (reading a big map) and 4 (memory) ===============================================
log "scenario 2: reading a map of $NVMAS VMAs x $MAP_REPS; scenario 4: memory"
describe 2 "target: regions many $NVMAS (stopped), the model running; wall time of one read, stdout to /dev/null"
describe 2 "ratio = slower / faster (medians); mmap_lock rows: time the target's mmap_lock was held / waited for"
describe 2 "  per read (bpftrace on the mmap_lock tracepoints, locks of another mm taken by the reader's pid)"
row map.bpf 2 "map: bpf backend vs pmap" s pmap bpf ">=" 10 ">= 10x faster"
comp map.bpf bpf "vmscope map --backend bpf"; comp map.bpf pmap "pmap"
row map.procfs 2 "map: procfs backend vs pmap" s pmap procfs "" "" "-"
comp map.procfs procfs "vmscope map --backend procfs"; comp map.procfs pmap "pmap"
row mapx.smaps 2 "map -x vs cat smaps (floor)" s mapx smaps "<=" 1.2 "<= 1.2x"
comp mapx.smaps mapx "vmscope map -x"; comp mapx.smaps smaps "cat smaps"
row mapx.pmapx 2 "map -x vs pmap -x" s pmapx mapx ">=" 3 ">= 3x faster"
comp mapx.pmapx mapx "vmscope map -x"; comp mapx.pmapx pmapx "pmap -x"
READERS="bpf procfs pmap mapx pmapx smaps"
declare -A READER_LABEL=([bpf]="vmscope map --backend bpf" [procfs]="vmscope map --backend procfs" [pmap]="pmap"
	[mapx]="vmscope map -x" [pmapx]="pmap -x" [smaps]="cat smaps")
lock_na() { local k; for k in held wait count; do row_na "lock.$k" "$1"; done; } # WHY
for k in held wait count; do
	if [ $k = count ]; then row lock.count 2 "target's mmap_lock acquisitions per read" "" "" "" "" "" "-"
	else row "lock.$k" 2 "target's mmap_lock $k per read" s "" "" "" "" "-"; fi
	for r in $READERS; do comp "lock.$k" "$r" "${READER_LABEL[$r]}"; done
done
describe 4 "kernel memory: status --json kernel_bytes and vmas, without and with the $NVMAS-VMA helper;"
describe 4 "  marginal = bytes added / VMAs added (the target uses it), average = kernel_bytes / vmas"
row kmem 4 "kernel bytes per VMA" B "" "" "<=" 128 "<= 128 B/VMA (marginal)"
comp kmem without "model, no helper"; comp kmem with "model + $NVMAS-VMA helper"
row rss.map 4 "max RSS of a read ($NVMAS VMAs)" KiB "" "" "" "" "-"
for r in bpf procfs pmap mapx pmapx; do comp rss.map "$r" "${READER_LABEL[$r]}"; done
describe 2 "snapshots of the same target (procfs backend): save = smaps, numa_maps, pagemap, threads + encode + zlib + fsync;"
describe 2 "  map -x -L -s reads the same /proc files; show -XX = read + decode"
row snap.save 2 "snapshot save vs map -x -L -s (the same reads)" s save mapx "<=" 1.5 "<= 1.5x"
comp snap.save save "vmscope snapshot save"; comp snap.save mapx "vmscope map -x -L -s --backend procfs"
row snap.show 2 "snapshot show -XX vs map -XX" s mapxx show ">=" 1 ">= 1x (a file is no slower than /proc)"
comp snap.show show "vmscope snapshot show -XX FILE"; comp snap.show mapxx "vmscope map -XX --backend procfs"
row snap.diff 2 "diff of two $NVMAS-VMA snapshots" s "" "" "" "" "-"
comp snap.diff diff "vmscope diff A B"

# ==== scenario 3 (event throughput) ==============================================================
log "scenario 3: event throughput, map_flood $FLOOD x $REPS"
describe 3 "map_flood $FLOOD x $FLOOD_PROCS producers at once (one per CPU): $FLOOD x (mmap 4K, munmap) each, $((2 * FLOOD * FLOOD_PROCS)) events,"
describe 3 "  under vmscope watch -p PID... >/dev/null (text); rate = events / the longest producer's own time;"
describe 3 "  shown = consumed (the target), offered = shown + lost;"
describe 3 "  untraced = the flood's own rate without watch: the most any consumer could be offered here"
row events 3 "events consumed by vmscope watch" "ev/s" shown "" ">=" 1000000 ">= 1M events/s"
comp events shown "watch: shown (consumed)"; comp events offered "watch: shown + lost"
comp events untraced "map_flood untraced"
flood_run() { # [watch]: one flood by FLOOD_PROCS producers at once; sets FNS (the longest's ns) or returns 1
	local i p ns pids="" ok=1 wargs=()
	FNS=""
	for i in $(seq "$FLOOD_PROCS"); do
		"$HELPERS/map_flood" "$FLOOD" >"$T/flood$i.out" 2>&1 &
		p=$!; cleanup_pid $p; pids="$pids $p"; wargs+=(-p "$p")
	done
	i=0
	for p in $pids; do i=$((i + 1)); wait_ready "$T/flood$i.out" "$p" || ok=0; done
	# shellcheck disable=SC2086 # pids
	if [ $ok = 0 ] || { [ "${1:-}" = watch ] && ! watch_start "${wargs[@]}"; }; then
		kill_pid $pids; return 1
	fi
	# shellcheck disable=SC2086 # pids
	kill -USR1 $pids
	for p in $pids; do wait "$p"; forget_pid "$p"; done
	FNS=0
	for i in $(seq "$FLOOD_PROCS"); do
		ns=$(sed -n 's/^done \([0-9]*\)$/\1/p' "$T/flood$i.out")
		[ -n "$ns" ] || return 1
		[ "$ns" -gt "$FNS" ] && FNS=$ns
	done
	[ "$FNS" -gt 0 ]
}
if [ $HAVE_WATCH = 1 ]; then
	[ $HAVE_MODEL = 1 ] && model_stop
	FLOST=""
	for rep in $(seq "$REPS"); do
		if flood_run; then sample events untraced "$(per_sec $((2 * FLOOD * FLOOD_PROCS)) "$FNS")"
		else na events untraced "map_flood failed: $(tail -n1 "$T/flood1.out")"; fi
		if flood_run watch; then
			# -p: watch ends by itself once the flood has exited (and it has drained the buffer)
			if watch_stop wait; then
				sample events shown "$(per_sec "$W_SHOWN" "$FNS")"
				sample events offered "$(per_sec $((W_SHOWN + W_LOST)) "$FNS")"
				FLOST="$FLOST${FLOST:+ }$W_LOST/$W_SHOWN"
				[ -n "$W_RSS" ] && sample rss.watch flood "$W_RSS"
			else
				na events shown "$(watch_why)"; na events offered "$(watch_why)"
			fi
		else
			na events shown "$(watch_why)"; na events offered "$(watch_why)"
			watch_stop >/dev/null 2>&1
		fi
	done
	[ -n "$FLOST" ] && extra events note "lost/shown per run: $FLOST (shown includes a few marker and exit events)"
else
	row_na events "$WATCH_WHY"
fi

# ==== scenario 5: how long watch takes to attach ===================================================
# first_line PREFIX: the seconds from ATT_T0 until a line starting with PREFIX comes on fd 3 (a
# FIFO, not a file polled: no poll interval in the figure). Sets V, or WHY (the last other line).
first_line() {
	local l t1="" last=""
	V=""
	while IFS= read -r -t 30 l; do
		case $l in "$1"*) t1=$EPOCHREALTIME; break ;; esac
		last=$l
	done <&3
	[ -n "$t1" ] && V=$(secs_between "$ATT_T0" "$t1")
	WHY="no '$1' line within 30 s${last:+: $last}"
	[ -n "$V" ]
}
# attach_run watch|bpftrace: one start-up, timed from just before the exec
attach_run() {
	local p
	rm -f "$T/att.fifo"; mkfifo "$T/att.fifo" || return 1
	ATT_T0=$EPOCHREALTIME
	if [ "$1" = watch ]; then
		"$VMSCOPE" watch >/dev/null 2>"$T/att.fifo" &
	else
		bpftrace -e "$BT_ONELINER" >"$T/att.fifo" 2>>"$T/bt.err" &
	fi
	p=$!; cleanup_pid $p
	exec 3<"$T/att.fifo"
	if [ "$1" = watch ]; then first_line "vmscope: watch: attached"; else first_line ready; fi
	local rc=$?
	if [ "$1" = watch ]; then kill -TERM "$p" 2>/dev/null; else kill -INT "$p" 2>/dev/null; fi
	timeout 10 cat <&3 >/dev/null   # until it has exited (its summary, bpftrace's output)
	exec 3<&-
	kill_pid "$p"
	return $rc
}
if [ $HAVE_WATCH = 1 ]; then
	log "scenario 5: watch attach time x $REPS"
	for rep in $(seq "$REPS"); do
		if attach_run watch; then sample watch.attach attached "$V"; else na watch.attach attached "$WHY"; fi
		if [ $HAVE_BPFTRACE = 1 ]; then
			if attach_run bpftrace; then sample watch.attach bpftrace "$V"; else na watch.attach bpftrace "$WHY"; fi
		fi
	done
fi

if [ $HAVE_MODEL = 1 ]; then
	model_start "$T/start.out" || { HAVE_MODEL=0; MODEL_WHY=$(start_why); }
fi
if [ $HAVE_MODEL = 1 ]; then
	sleep 0.5
	status_json >"$T/status0.json"
fi
"$HELPERS/regions" many "$NVMAS" >"$T/regions.out" 2>&1 &
HP=$!; cleanup_pid $HP
if ! wait_ready "$T/regions.out" $HP 60; then
	why="the helper did not start: $(head -n1 "$T/regions.out")"
	for r in map.bpf map.procfs mapx.smaps mapx.pmapx lock.held lock.wait lock.count kmem rss.map \
		snap.save snap.show snap.diff; do row_na "$r" "$why"; done
else
	stop_pid $HP
	nmaps=$(wc -l <"/proc/$HP/maps")
	extra map.bpf target_vmas "$nmaps"
	if [ $HAVE_MODEL = 1 ]; then
		sleep 0.5
		status_json >"$T/status1.json"
		read -r b0 v0 < <(jget "$T/status0.json" "'%s %s' % (d['kernel_bytes'], d['vmas'])" 2>/dev/null)
		read -r b1 v1 < <(jget "$T/status1.json" "'%s %s' % (d['kernel_bytes'], d['vmas'])" 2>/dev/null)
		if [ -n "$b0" ] && [ -n "$b1" ] && [ -n "$v0" ] && [ -n "$v1" ] && [ "$v1" -gt "$v0" ]; then
			sample kmem without "$b0"; sample kmem with "$b1"
			extra kmem vmas_without "$v0"; extra kmem vmas_with "$v1"
			extra kmem average_without "$(awk -v b="$b0" -v v="$v0" 'BEGIN { printf "%.1f", b / v }')"
			extra kmem average_with "$(awk -v b="$b1" -v v="$v1" 'BEGIN { printf "%.1f", b / v }')"
			rec V kmem "$(awk -v a="$b0" -v b="$b1" -v x="$v0" -v y="$v1" 'BEGIN { printf "%.1f", (b - a) / (y - x) }')"
		else
			row_na kmem "status --json gave no usable kernel_bytes/vmas ($b0/$v0 -> $b1/$v1)"
		fi
		# Does the model serve the big process, or fall back to /proc? (-v says so on stderr.)
		"$VMSCOPE" map -v --backend bpf "$HP" >/dev/null 2>"$T/bpf.err"
		if grep -q 'reading /proc' "$T/bpf.err"; then
			extra map.bpf note "the bpf backend fell back to /proc: $(grep -m1 'reading /proc' "$T/bpf.err")"
		fi
	else
		row_na kmem "$MODEL_WHY"
		na map.bpf bpf "$MODEL_WHY"
		na mapx.smaps mapx "$MODEL_WHY; without the model map -x only reads /proc"
		na mapx.pmapx mapx "$MODEL_WHY; without the model map -x only reads /proc"
		for k in held wait count; do na lock.$k bpf "$MODEL_WHY"; na lock.$k mapx "$MODEL_WHY"; done
		na rss.map bpf "$MODEL_WHY"; na rss.map mapx "$MODEL_WHY"
	fi
	[ $HAVE_PMAP = 1 ] || for r in map.bpf map.procfs mapx.pmapx rss.map; do na "$r" pmap "procps pmap not installed"; done
	[ $HAVE_PMAP = 1 ] || na mapx.pmapx pmapx "procps pmap not installed"
	if [ $HAVE_PMAP = 1 ] && ! cmp -s <(pmap "$HP" 2>/dev/null) <("$VMSCOPE" map "$HP" 2>/dev/null); then
		extra map.bpf note "vmscope map output differs from pmap's"
	fi
	declare -A READER_CMD=(
		[bpf]="$VMSCOPE map --backend bpf $HP" [procfs]="$VMSCOPE map --backend procfs $HP" [pmap]="pmap $HP"
		[mapx]="$VMSCOPE map -x $HP" [pmapx]="pmap -x $HP" [smaps]="cat /proc/$HP/smaps")
	reader_ok() { # READER: can it run here?
		case $1 in
		bpf|mapx) [ $HAVE_MODEL = 1 ] ;;
		pmap|pmapx) [ $HAVE_PMAP = 1 ] ;;
		*) true ;;
		esac
	}
	# The rows each reader is a competitor of (under its own name).
	declare -A READER_ROWS=([bpf]="map.bpf" [procfs]="map.procfs" [pmap]="map.bpf map.procfs"
		[mapx]="mapx.smaps mapx.pmapx" [pmapx]="mapx.pmapx" [smaps]="mapx.smaps")
	# Interleaved: bpf procfs pmap mapx pmapx smaps, bpf procfs ...
	for rep in $(seq "$MAP_REPS"); do
		for r in $READERS; do
			reader_ok "$r" || continue
			# shellcheck disable=SC2086
			if v=$(wall ${READER_CMD[$r]}); then
				for row in ${READER_ROWS[$r]}; do sample "$row" "$r" "$v"; done
			else
				why="failed: $(tail -n1 "$T/stderr")"
				for row in ${READER_ROWS[$r]}; do na "$row" "$r" "$why"; done
			fi
		done
	done
	# Max RSS of each reader (one run each).
	if [ $HAVE_TIME = 1 ]; then
		for r in bpf procfs pmap mapx pmapx; do
			reader_ok "$r" || continue
			# shellcheck disable=SC2086
			if /usr/bin/time -f %M -o "$T/rss" ${READER_CMD[$r]} >/dev/null 2>>"$T/stderr"; then
				sample rss.map "$r" "$(tail -n1 "$T/rss")"
			else na rss.map "$r" "failed: $(tail -n1 "$T/stderr")"; fi
		done
	else
		row_na rss.map "/usr/bin/time not installed (Debian package time)"
	fi
	# Snapshots of the big target (the file's size as an extra), interleaved like the reads.
	snapfail() { for r in snap.save snap.show snap.diff; do row_na "$r" "$1"; done; }
	if "$VMSCOPE" snapshot save --backend procfs -o "$T/big.vms" "$HP" >/dev/null 2>>"$T/stderr"; then
		extra snap.save file_bytes "$(stat -c %s "$T/big.vms")"
		snap_sample() { # ROW COMP CMD...: one timed run of CMD as a sample of COMP
			local row=$1 c=$2 v
			shift 2
			if v=$(wall "$@"); then sample "$row" "$c" "$v"
			else na "$row" "$c" "failed: $(tail -n1 "$T/stderr")"; fi
		}
		for rep in $(seq "$MAP_REPS"); do
			snap_sample snap.save save "$VMSCOPE" snapshot save --backend procfs -o "$T/big.vms" "$HP"
			snap_sample snap.save mapx "$VMSCOPE" map -x -L -s --backend procfs "$HP"
			snap_sample snap.show show "$VMSCOPE" snapshot show -XX "$T/big.vms"
			snap_sample snap.show mapxx "$VMSCOPE" map -XX --backend procfs "$HP"
			snap_sample snap.diff diff "$VMSCOPE" diff "$T/big.vms" "$T/big.vms"
		done
	else
		snapfail "snapshot save failed: $(tail -n1 "$T/stderr")"
	fi
	# The target's mmap_lock during each read, summed per reader pid (the reader is what takes the
	# target's lock). The target's mm pointer is learned when it runs: SIGCONT makes it re-enter
	# pause() (a syscall), then it is stopped again before the reads.
	if [ $HAVE_BPFTRACE = 1 ]; then
		cat >"$T/lock.bt" <<'EOF'
BEGIN { printf("ready\n"); }
tracepoint:raw_syscalls:sys_enter /pid == $1 && @target == 0/ { @target = (uint64)curtask->mm; }
tracepoint:mmap_lock:mmap_lock_start_locking /@target != 0 && (uint64)args->mm == @target/ { @s[tid] = nsecs; }
tracepoint:mmap_lock:mmap_lock_acquire_returned /@target != 0 && (uint64)args->mm == @target/ {
	if (@s[tid]) { @wait[pid] = sum(nsecs - @s[tid]); delete(@s[tid]); }
	if (args->success) { @a[tid] = nsecs; }
}
tracepoint:mmap_lock:mmap_lock_released /@target != 0 && (uint64)args->mm == @target && @a[tid]/ {
	@held[pid] = sum(nsecs - @a[tid]); @n[pid] = count(); delete(@a[tid]);
}
END { clear(@s); clear(@a); }
EOF
		bpftrace "$T/lock.bt" "$HP" >"$T/lock.out" 2>"$T/lock.err" &
		LP=$!; cleanup_pid $LP
		if wait_ready "$T/lock.out" $LP 30; then
			kill -CONT $HP; sleep 0.2; stop_pid $HP
			: >"$T/lock.pids"
			for rep in $(seq "$REPS"); do
				for r in $READERS; do
					reader_ok "$r" || continue
					# shellcheck disable=SC2086
					${READER_CMD[$r]} >/dev/null 2>&1 &
					p=$!; wait $p
					echo "$p $r" >>"$T/lock.pids"
				done
			done
			sleep 0.2
			kill -INT $LP; wait $LP 2>/dev/null; forget_pid $LP
		fi
		if grep -q '^@target: [1-9-]' "$T/lock.out"; then
			# "@held[PID]: NS" -> samples in seconds; a reader with no event took no mmap_lock.
			while read -r p r; do
				h=$(sed -n "s/^@held\[$p\]: \([0-9]*\)$/\1/p" "$T/lock.out")
				w=$(sed -n "s/^@wait\[$p\]: \([0-9]*\)$/\1/p" "$T/lock.out")
				n=$(sed -n "s/^@n\[$p\]: \([0-9]*\)$/\1/p" "$T/lock.out")
				sample lock.held "$r" "$(ns_to_s "${h:-0}")"
				sample lock.wait "$r" "$(ns_to_s "${w:-0}")"
				sample lock.count "$r" "${n:-0}"
			done <"$T/lock.pids"
			extra lock.held note "locks taken inside BPF programs, and per-VMA locks, are not seen"
		else
			lock_na "$(bt_why "$T/lock.err" "did not attach or never saw the target's mm")"
			kill_pid $LP
		fi
	else
		lock_na "$BPFTRACE_WHY"
	fi
	kill_pid $HP
fi

# ---- map --all: every process, against cat /proc/*/maps (the monitoring agent's read) ----
log "scenario 2: map --all over $ALL_PROCS processes of $ALL_VMAS VMAs x $MAP_REPS"
describe 2 "map --all: $ALL_PROCS helpers (half 'regions many-file $ALL_VMAS', half 'regions many $ALL_VMAS'), stopped,"
describe 2 "  with the rest of the system; cat = sh -c 'cat /proc/[0-9]*/maps'; -F csv holds every maps field"
row mapall 2 "map --all -F csv vs cat /proc/*/maps" s cat all ">=" 10 ">= 10x faster"
comp mapall all "vmscope map --all -F csv"; comp mapall cat "cat /proc/*/maps"
row mapall.pmap 2 "map --all (pmap tables) vs cat /proc/*/maps" s cat allpmap "" "" "-"
comp mapall.pmap allpmap "vmscope map --all"; comp mapall.pmap cat "cat /proc/*/maps"
row mapall.procfs 2 "map --all -F csv from /proc vs cat /proc/*/maps" s cat allproc "" "" "-"
comp mapall.procfs allproc "vmscope map --all -F csv --backend procfs"; comp mapall.procfs cat "cat /proc/*/maps"
ALL_PIDS=""
for i in $(seq "$ALL_PROCS"); do
	if [ $((i % 2)) = 0 ]; then kind=many-file; else kind=many; fi
	"$HELPERS/regions" $kind "$ALL_VMAS" >"$T/all$i.out" 2>&1 &
	cleanup_pid $!; ALL_PIDS="$ALL_PIDS $!"
done
all_ok=1
i=0
for p in $ALL_PIDS; do
	i=$((i + 1))
	wait_ready "$T/all$i.out" "$p" 60 && stop_pid "$p" || all_ok=0
done
if [ $all_ok = 0 ]; then
	for r in mapall mapall.pmap mapall.procfs; do row_na "$r" "a helper did not start"; done
else
	extra mapall system_vmas "$(cat /proc/[0-9]*/maps 2>/dev/null | wc -l)"
	extra mapall processes "$(ls -d /proc/[0-9]* | wc -l)"
	if [ $HAVE_MODEL = 1 ]; then
		"$VMSCOPE" map --all -F csv -v 2>&1 >/dev/null | grep -a 'model: ' | sed 's/^vmscope: debug: //' >"$T/all.dbg"
		[ -s "$T/all.dbg" ] && extra mapall note "$(head -n1 "$T/all.dbg")"
	else
		na mapall all "$MODEL_WHY"; na mapall.pmap allpmap "$MODEL_WHY"
	fi
	for rep in $(seq "$MAP_REPS"); do
		if [ $HAVE_MODEL = 1 ]; then
			v=$(wall "$VMSCOPE" map --all -F csv) || true; sample mapall all "$v"
			v=$(wall "$VMSCOPE" map --all) || true; sample mapall.pmap allpmap "$v"
		fi
		v=$(wall sh -c 'cat /proc/[0-9]*/maps 2>/dev/null') || true
		sample mapall cat "$v"; sample mapall.pmap cat "$v"; sample mapall.procfs cat "$v"
		v=$(wall "$VMSCOPE" map --all -F csv --backend procfs) || true; sample mapall.procfs allproc "$v"
	done
fi
# shellcheck disable=SC2086 # pids
kill_pid $ALL_PIDS

# ---- a small process, and the start-up: with ~40 VMAs a read is mostly the reader's own start ----
SMALL_RUNS=20
log "scenario 2: map of a small process; scenario 5: process start ($SMALL_RUNS runs per sample) x $MAP_REPS"
describe 2 "small: 'regions many 20' (about 40 VMAs, stopped), the model running; a sample is the wall time of"
describe 2 "  $SMALL_RUNS runs in a row / $SMALL_RUNS: a read this short is mostly the reader's exec, loader and set-up"
row map.small 2 "map of a small process: bpf vs pmap" s pmap bpf ">=" 1 ">= 1x (not slower than pmap)"
comp map.small bpf "vmscope map --backend bpf"; comp map.small procfs "vmscope map --backend procfs"
comp map.small pmap "pmap"
describe 5 "process start: vmscope --version against /bin/true (the floor: exec of a program linking libc"
describe 5 "  only), $SMALL_RUNS runs per sample, the model running (its hooks see every syscall of both)"
row startup 5 "process start: vmscope --version" s version true "" "" "-"
comp startup version "vmscope --version"; comp startup true "/bin/true (exec floor)"
# wall_n N CMD...: the mean wall time of N runs of CMD in a row, stdout discarded; fails with it.
wall_n() {
	local n=$1 t0 t1 i
	shift
	t0=$EPOCHREALTIME
	for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>>"$T/stderr" || return 1; done
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.7f\n", (b - a) / n }'
}
"$HELPERS/regions" many 20 >"$T/small.out" 2>&1 &
SP=$!; cleanup_pid $SP
if ! wait_ready "$T/small.out" $SP 30; then
	row_na map.small "the helper did not start: $(head -n1 "$T/small.out")"
else
	stop_pid $SP
	extra map.small target_vmas "$(wc -l <"/proc/$SP/maps")"
	[ $HAVE_MODEL = 1 ] || na map.small bpf "$MODEL_WHY"
	[ $HAVE_PMAP = 1 ] || na map.small pmap "procps pmap not installed"
	if [ $HAVE_PMAP = 1 ] && [ $HAVE_MODEL = 1 ] &&
	   ! cmp -s <(pmap "$SP" 2>/dev/null) <("$VMSCOPE" map --backend bpf "$SP" 2>/dev/null); then
		extra map.small note "vmscope map --backend bpf output differs from pmap's"
	fi
	declare -A SMALL_CMD=([bpf]="$VMSCOPE map --backend bpf $SP" [procfs]="$VMSCOPE map --backend procfs $SP"
		[pmap]="pmap $SP" [version]="$VMSCOPE --version" [true]="/bin/true")
	for rep in $(seq "$MAP_REPS"); do
		for r in bpf procfs pmap version true; do
			case $r in bpf) [ $HAVE_MODEL = 1 ] || continue ;; pmap) [ $HAVE_PMAP = 1 ] || continue ;; esac
			row=map.small; case $r in version|true) row=startup ;; esac
			# shellcheck disable=SC2086
			if v=$(wall_n "$SMALL_RUNS" ${SMALL_CMD[$r]}); then sample "$row" "$r" "$v"
			else na "$row" "$r" "failed: $(tail -n1 "$T/stderr")"; fi
		done
	done
fi
kill_pid $SP
[ $HAVE_MODEL = 1 ] && model_stop
# ---- scenario 6: vmscope serve under 20 scrapers (bench/serve_load.sh; starts the model itself) ----
# shellcheck source-path=SCRIPTDIR source=serve_load.sh
. "$ROOT/bench/serve_load.sh"

# ==== report (bench/report.py) ===================================================================
mkdir -p "$RESULTS" || die "cannot create $RESULTS"
git_head=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)
[ -n "$git_head" ] && [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ] && git_head="$git_head+dirty"
meta vmscope "$VMSCOPE"; meta git "$git_head"; meta quick "$QUICK"; meta root "$IS_ROOT"
meta reps "$REPS"; meta map_reps "$MAP_REPS"; meta churn "$CHURN"; meta flood "$FLOOD"
meta fault_mib "$FAULT_MIB"; meta vmas "$NVMAS"; meta gcc_runs "$GCC_RUNS"; meta py_runs "$PY_RUNS"
meta python "$PY"
python3 "$ROOT/bench/report.py" "$DATA" "$RESULTS/latest.json" || die "the report failed"
