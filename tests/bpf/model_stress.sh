#!/bin/bash
# The live model's core promise under stress: vma_stress performs >= 10,000 random VMA-changing
# operations (every syscall the model follows) from several threads, with forks and an exec.
# At every quiescent point (end of a batch, and every child) the model's view of the process
# (`vmscope map --backend bpf`) must be exactly /proc's (`--backend procfs`), the "backend"
# field aside. /proc is the only oracle. The bpf backend quietly reads /proc when the model
# lost a process: with -v it says so, and every such fallback fails the test too.
#
# Environment: VMS_STRESS_SEED (default 1), VMS_STRESS_OPS (10000), VMS_STRESS_BATCH (100),
# VMS_STRESS_THREADS (3), VMS_STRESS_KEEP=DIR (keep the op log and the JSON of mismatches there),
# VMS_STRESS_EXCLUDE=op,op (leave op kinds out: only to isolate a class of mismatch by hand;
# a run with exclusions never passes).
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"

NAME="model stress"
SEED=${VMS_STRESS_SEED:-1}
OPS=${VMS_STRESS_OPS:-10000}
BATCH=${VMS_STRESS_BATCH:-100}
THREADS=${VMS_STRESS_THREADS:-3}
KEEP=${VMS_STRESS_KEEP:-}
EXCLUDE=${VMS_STRESS_EXCLUDE:-}
HELPER=$HELPERS/vma_stress
T=$TMPDIR_TEST
DETAILS=5	# mismatches shown in full; later ones get one line each

if [ "$(id -u)" -ne 0 ]; then
	skip_bpf "$NAME" "not root"
	exit 0
fi
if [ ! -x "$HELPER" ]; then
	fail "$NAME" "$HELPER is not built (make tests-build)"
	exit 0
fi

started=0 hp="" pids="" stress_dir=""
stress_cleanup() {
	main_shell || return 0
	# the helper runs in a process group of its own: that takes its unreported children too
	if [ -n "$hp" ]; then
		kill -KILL -- "-$hp" 2>/dev/null
		kill -KILL "$hp" 2>/dev/null
	fi
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	# segments are IPC_RMID'd right after their attach; one made just before a kill may linger
	if [ -n "$pids" ]; then
		ipcs -m -p 2>/dev/null | awk -v pids=" $pids " \
			'$1 ~ /^[0-9]+$/ && index(pids, " " $3 " ") { print $1 }' |
			while read -r id; do ipcrm -m "$id" 2>/dev/null; done
	fi
	[ -n "$stress_dir" ] && rm -rf "$stress_dir"
	[ "$started" = 1 ] && "$VMSCOPE" stop >/dev/null 2>&1
	_cleanup
}
trap stress_cleanup EXIT

if ! "$VMSCOPE" status >/dev/null 2>&1; then
	if ! "$VMSCOPE" start >"$T/start.out" 2>&1; then
		tier=$("$VMSCOPE" features --json 2>/dev/null | jget - "d['tier']" 2>/dev/null)
		if [ "$tier" = procfs ]; then
			skip_bpf "$NAME" "no live model on this kernel (tier ${tier:-unknown})"
		else
			fail "$NAME" "vmscope start failed: $(head -n 1 "$T/start.out")"
		fi
		exit 0
	fi
	started=1
fi
"$VMSCOPE" status --json >"$T/status0.json" 2>/dev/null
echo "    tier $(jget "$T/status0.json" "d['tier']" 2>/dev/null)"
# Someone else restarting the model during the run would disturb it: say so if it happens.
model_id() { stat -c %i.%Y "$PIN/links/sys_enter" 2>/dev/null; }
model0=$(model_id)

stress_dir=$(mktemp -d /var/tmp/vmscope-stress.XXXXXX)
LOG=$T/ops.log
echo "    seed $SEED ops $OPS batch $BATCH threads $THREADS" \
	"(reproduce: VMS_STRESS_SEED=$SEED bash $0)"

# Region-level explanation of a mismatch, with the logged ops of that process and batch that
# touched the regions involved. Args: BPF_JSON PROC_JSON LOG BATCH WHO_REGEX
explain() {
	python3 - "$@" <<'EOF'
import json, re, sys
bpf, proc, log, batch, who = sys.argv[1:6]
def regions(path):
    try:
        d = json.load(open(path))
    except Exception as e:
        print("    (unreadable JSON %s: %s)" % (path, e))
        return []
    return [(int(r["start"], 16), int(r["end"], 16), r["perm"], r["offset"], r.get("inode"),
             r.get("name", "")) for r in d.get("regions", [])]
b, p = regions(bpf), regions(proc)
only_b = sorted(set(b) - set(p))
only_p = sorted(set(p) - set(b))
def show(r):
    return "%x-%x %s %s %s %s" % (r[0], r[1], r[2], r[3], r[4], r[5])
for r in only_b[:12]:
    print("    model only: " + show(r))
for r in only_p[:12]:
    print("    /proc only: " + show(r))
spans = [(r[0], r[1]) for r in only_b + only_p]
if not spans:
    sys.exit(0)
lines = []
pat = re.compile(r"^b%s (%s) " % (re.escape(batch), who))
for line in open(log, errors="replace"):
    if not pat.match(line):
        continue
    addrs = [int(x, 16) for x in re.findall(r"0x[0-9a-f]+", line)]
    addrs = [a for a in addrs if a >= 0x100000]
    if any(lo - 0x10000 <= a <= hi + 0x10000 for a in addrs for lo, hi in spans) or \
       re.search(r" (mlockall|munlockall|shmat|shmdt|io_setup|io_destroy|uffd_\w+|userfaultfd_open|stack|brk|fork\S*) ", line):
        lines.append(line.rstrip())
print("    ops of batch %s near those regions (%d):" % (batch, len(lines)))
for l in lines[-25:]:
    print("      " + l)
EOF
}

compared=0 mismatches=0 fallbacks=0 errors=0 batches=0 children=0 exec_children=0
done_ops="" failed_ops=""
# compare PID LABEL BATCH WHO_REGEX
compare() {
	local p=$1 label=$2 b m rb rp
	compared=$((compared + 1))
	if ! wait_stopped "$p"; then
		errors=$((errors + 1))
		echo "    $label: PID $p did not stop"
		return
	fi
	"$VMSCOPE" map -v --backend bpf --format json "$p" >"$T/bpf.json" 2>"$T/bpf.err"
	rb=$?
	"$VMSCOPE" map --backend procfs --format json "$p" >"$T/proc.json" 2>"$T/proc.err"
	rp=$?
	if grep -q '^vmscope: debug: .*reading /proc' "$T/bpf.err"; then
		fallbacks=$((fallbacks + 1))
		echo "    fallback at $label: $(grep -m1 'reading /proc' "$T/bpf.err")"
	fi
	b=$(<"$T/bpf.json")
	m=$(<"$T/proc.json")
	b=${b/'"backend": "bpf"'/'"backend": ""'}
	b=${b/'"backend": "procfs"'/'"backend": ""'}
	m=${m/'"backend": "procfs"'/'"backend": ""'}
	[ "$rb" -eq 0 ] && [ "$rp" -eq 0 ] && [ "$b" = "$m" ] && return
	mismatches=$((mismatches + 1))
	if [ "$mismatches" -gt "$DETAILS" ]; then
		echo "    MISMATCH at $label (pid $p)"
		return
	fi
	echo "    MISMATCH at $label (pid $p): bpf exit $rb, procfs exit $rp"
	[ "$rb" -eq 0 ] || sed 's/^/      bpf stderr: /' "$T/bpf.err" | grep -v 'debug' | head -n 3
	[ "$rp" -eq 0 ] || sed 's/^/      procfs stderr: /' "$T/proc.err" | head -n 3
	diff <(python3 -m json.tool "$T/bpf.json" 2>&1) <(python3 -m json.tool "$T/proc.json" 2>&1) |
		head -n 20 | sed 's/^/      /'
	explain "$T/bpf.json" "$T/proc.json" "$LOG" "$3" "$4"
	if [ -n "$KEEP" ]; then
		mkdir -p "$KEEP"
		cp "$T/bpf.json" "$KEEP/mismatch$mismatches.bpf.json"
		cp "$T/proc.json" "$KEEP/mismatch$mismatches.proc.json"
	fi
}

t0=$(date +%s%N)
mkfifo "$T/out"
setsid "$HELPER" -s "$SEED" -n "$OPS" -b "$BATCH" -t "$THREADS" -l "$LOG" -d "$stress_dir" \
	${EXCLUDE:+-x "$EXCLUDE"} >"$T/out" 2>"$T/helper.err" &
hp=$!
pids=$hp
exec 3<"$T/out"
batch_no=1
while read -r -t 60 -u 3 line; do
	# shellcheck disable=SC2086 # the words of the line
	set -- $line
	case $1 in
	batch)	# batch K ops N pid P: every worker joined, the process stopped itself
		batches=$((batches + 1))
		compare "$6" "batch $2" "$2" 't[0-9]+'
		kill -CONT "$6"
		batch_no=$(($2 + 1))
		;;
	child)	# a fork child (of this batch), stopped: compared, then killed
		children=$((children + 1))
		pids="$pids $2"
		compare "$2" "child $2 (batch $batch_no)" "$batch_no" "c$2"
		kill -KILL "$2"
		;;
	exec-child)
		exec_children=$((exec_children + 1))
		pids="$pids $2"
		compare "$2" "exec-child $2 (batch $batch_no)" "$batch_no" "[xy]$2"
		kill -KILL "$2"
		;;
	done)	# done ops N failed F
		done_ops=$3 failed_ops=$5
		;;
	seed|info)
		echo "    helper: $line"
		;;
	*)
		errors=$((errors + 1))
		echo "    helper: $line"
		;;
	esac
done
exec 3<&-
if [ -z "$done_ops" ] && kill -0 "$hp" 2>/dev/null; then
	echo "    the helper went silent for 60 s: killing it"
	kill -KILL -- "-$hp" 2>/dev/null
fi
wait "$hp"
rc=$?
hp=""
elapsed=$((($(date +%s%N) - t0) / 1000000000))
[ -s "$T/helper.err" ] && sed 's/^/    helper stderr: /' "$T/helper.err" | head -n 5

echo "    ops ${done_ops:-?} batches $batches compared $compared mismatches $mismatches" \
	"fallbacks $fallbacks (failed ops ${failed_ops:-?}, children $children," \
	"exec children $exec_children, $elapsed s)"

[ "$(model_id)" = "$model0" ] ||
	echo "    NOTE: the model was stopped or restarted during the run (not by this test)"
# Informational: what the model did meanwhile (counter deltas over the run).
if "$VMSCOPE" status --json >"$T/status1.json" 2>/dev/null; then
	python3 - "$T/status0.json" "$T/status1.json" "$T/fast_spans" <<'EOF'
import json, sys
try:
    a = json.load(open(sys.argv[1]))["counters"]
except Exception:
    a = {}
b = json.load(open(sys.argv[2]))
c = b["counters"]
keys = ["events", "range_resyncs", "fast_spans", "fast_unmaps", "full_resyncs", "lock_busy",
        "concurrent_ops", "map_full", "unnamed", "stack_grows", "forks", "execs", "exits"]
print("    model counters over the run: " +
      " ".join("%s %d" % (k, c[k] - a.get(k, 0)) for k in keys if k in c))
with open(sys.argv[3], "w") as f:
    f.write("%d\n" % (c.get("fast_spans", 0) - a.get("fast_spans", 0)))
print("    model now: processes %d vmas %d dirty %d overflow %d garbage %d" %
      (b["processes"], b["vmas"], b["dirty_processes"], b["overflow_processes"], b["garbage_entries"]))
EOF
fi
if [ -n "$KEEP" ]; then
	mkdir -p "$KEEP" && cp "$LOG" "$KEEP/ops.log"
fi

ok=1
[ "$rc" -eq 0 ] && [ -n "$done_ops" ] && [ "$errors" -eq 0 ] || ok=0
[ "${done_ops:-0}" -ge "$OPS" ] || ok=0
if [ "$ok" = 1 ]; then
	pass "$NAME: helper ran $done_ops ops with $THREADS threads, $children forks, $exec_children exec"
else
	fail "$NAME: helper ran to the end" "exit $rc, ops ${done_ops:-none}, $errors protocol errors"
fi
# The one-lookup paths of the exit handler (store_span, protect_in_one, unmap_in_one) must be
# among what was compared: a stress run that never takes them tests only the walk.
if [ "$(jget "$T/status0.json" "d['tier']" 2>/dev/null)" = kfunc-resync ]; then
	spans=$(cat "$T/fast_spans" 2>/dev/null || echo 0)
	if [ "${spans:-0}" -gt 0 ]; then
		pass "$NAME: the exit handler's one-lookup paths were taken ($spans times) and compared"
	else
		fail "$NAME: the exit handler's one-lookup paths were taken" "fast_spans ${spans:-none}"
	fi
fi
if [ -n "$EXCLUDE" ]; then
	fail "$NAME: model == /proc at every quiescent point (seed $SEED)" \
		"ops left out ($EXCLUDE): $mismatches mismatches, $fallbacks fallbacks in $compared comparisons"
elif [ "$mismatches" -eq 0 ] && [ "$fallbacks" -eq 0 ] && [ "$compared" -gt 0 ]; then
	pass "$NAME: model == /proc at all $compared quiescent points (seed $SEED)"
else
	fail "$NAME: model == /proc at every quiescent point (seed $SEED)" \
		"$mismatches mismatches, $fallbacks fallbacks in $compared comparisons"
fi
