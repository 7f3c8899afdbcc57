# The live model on this kernel, differentially (as tests/bpf/model_stress.sh on the host, with
# fewer ops: TCG is ~10x slower; 4000 ops take ~20 s there): `vmscope start`, then vma_stress
# performs random VMA-changing ops from several threads, with forks and an exec; at every
# quiescent point `vmscope map --backend bpf` must equal `--backend procfs` (the "backend" field
# aside) with no fallback to /proc. Then `vmscope stop` must leave nothing pinned. A kernel where
# `vmscope start` refuses fails here: it has no live model.
. /tests/lib.sh
OPS=$(kparam ops)
OPS=${OPS:-4000}
SEED=$(kparam seed)
SEED=${SEED:-1}
BATCH=100 THREADS=3 DETAILS=3

if ! "$VMSCOPE" start >"$T/start.out" 2>&1; then
	fail "model vmscope start" "$(grep -v '^libbpf' "$T/start.out" | head -n 2 | tr '\n' ' ')"
	# why, when libbpf knows: the end of the verifier's log (a refusal before loading has none)
	"$VMSCOPE" start -v >"$T/start.v" 2>&1 && "$VMSCOPE" stop >/dev/null 2>&1
	sed -n '/BEGIN PROG LOAD LOG/,/END PROG LOAD LOG/p' "$T/start.v" >"$T/verifier"
	[ -s "$T/verifier" ] || tail -n 8 "$T/start.v" >"$T/verifier"
	tail -n 30 "$T/verifier" | sed 's/^/    /'
	no_pins "model failed start leaves nothing pinned"
	exit 0
fi
pass "model vmscope start"

compared=0 mismatches=0 fallbacks=0 errors=0 batches=0 children=0 done_ops="" failed_ops=""
compare() { # compare PID LABEL
	compared=$((compared + 1))
	if ! wait_stopped "$1"; then
		errors=$((errors + 1))
		echo "    $2: PID $1 did not stop"
		return
	fi
	"$VMSCOPE" map -v --backend bpf --format json "$1" </dev/null >"$T/bpf.json" 2>"$T/bpf.err"
	rb=$?
	"$VMSCOPE" map --backend procfs --format json "$1" </dev/null >"$T/proc.json" 2>"$T/proc.err"
	rp=$?
	if grep -q '^vmscope: debug: .*reading /proc' "$T/bpf.err"; then
		fallbacks=$((fallbacks + 1))
		echo "    fallback at $2: $(grep -m1 'reading /proc' "$T/bpf.err")"
	fi
	json_norm "$T/bpf.json" >"$T/bpf.n"
	json_norm "$T/proc.json" >"$T/proc.n"
	[ $rb -eq 0 ] && [ $rp -eq 0 ] && cmp -s "$T/bpf.n" "$T/proc.n" && return
	mismatches=$((mismatches + 1))
	echo "    MISMATCH at $2 (pid $1): bpf exit $rb, procfs exit $rp"
	[ $mismatches -gt $DETAILS ] && return
	grep -v debug "$T/bpf.err" | head -n 3 | sed 's/^/      bpf stderr: /'
	head -n 3 "$T/proc.err" | sed 's/^/      procfs stderr: /'
	diff "$T/proc.n" "$T/bpf.n" | head -n 16 | sed 's/^/      /'
	grep 'model generation' "$T/bpf.err" | head -n 1 | sed 's/^/      /'
	# a child's own ops since the fork, to tell which one the model missed
	grep " c$1 " "$T/ops.log" 2>/dev/null | head -n 14 | sed 's/^/      op: /'
	"$VMSCOPE" status 2>&1 | grep -E '^(events|range_resyncs|full_resyncs|concurrent_ops|foreign_writes|lock_busy|lost_entries|lost_exits|missed_runs) ' |
		tr -s ' ' | tr '\n' ';' | sed 's/^/      status: /; s/;$/\n/'
}

echo "    seed $SEED ops $OPS batch $BATCH threads $THREADS"
t0=$(cut -d' ' -f1 /proc/uptime)
mkdir -p "$T/stress"
mkfifo "$T/out"
# its own session and process group, so that a kill takes its unreported children too
setsid "$HELPERS/vma_stress" -s "$SEED" -n "$OPS" -b "$BATCH" -t "$THREADS" -l "$T/ops.log" \
	-d "$T/stress" >"$T/out" 2>"$T/helper.err" &
hp=$!
_cleanup_pids="$_cleanup_pids $hp"
while read -r -t 120 line; do
	set -- $line
	case $1 in
	batch)	# batch K ops N pid P: every worker joined, the process stopped itself
		batches=$((batches + 1))
		compare "$6" "batch $2"
		kill -CONT "$6"
		;;
	child|exec-child)	# a fork (or fork+exec) child, stopped: compared, then killed
		children=$((children + 1))
		compare "$2" "$1 $2"
		kill -KILL "$2"
		;;
	done) done_ops=$3 failed_ops=$5 ;;
	seed|info) echo "    helper: $line" ;;
	*)
		errors=$((errors + 1))
		echo "    helper: $line"
		;;
	esac
done <"$T/out"
if [ -z "$done_ops" ] && kill -0 "$hp" 2>/dev/null; then
	echo "    the helper went silent for 120 s: killing it"
	kill -KILL -- "-$hp" 2>/dev/null
	kill -KILL "$hp" 2>/dev/null
fi
wait "$hp"
rc=$?
[ -s "$T/helper.err" ] && head -n 5 "$T/helper.err" | sed 's/^/    helper stderr: /'
echo "    ops ${done_ops:-?} (failed ${failed_ops:-?}) batches $batches children $children" \
	"compared $compared mismatches $mismatches fallbacks $fallbacks" \
	"($(echo "$(cut -d' ' -f1 /proc/uptime) - $t0" | bc) s)"
"$VMSCOPE" status 2>&1 | grep -E '^(processes|VMAs|events|range_resyncs|full_resyncs|lock_busy|map_full|divergences|lost_entries|lost_exits|missed_runs) ' |
	tr -s ' ' | tr '\n' ';' | sed 's/^/    status: /; s/;$/\n/; s/;/; /g'

if [ $rc -eq 0 ] && [ $errors -eq 0 ] && [ "${done_ops:-0}" -ge "$OPS" ]; then
	pass "model helper ran $done_ops ops"
else
	fail "model helper ran $OPS ops" "exit $rc, ops ${done_ops:-none}, $errors protocol errors"
fi
if [ $mismatches -eq 0 ] && [ $fallbacks -eq 0 ] && [ $compared -gt 0 ]; then
	pass "model bpf == procfs at all $compared quiescent points (seed $SEED)"
else
	fail "model bpf == procfs at every quiescent point (seed $SEED)" \
		"$mismatches mismatches, $fallbacks fallbacks in $compared comparisons"
fi

if "$VMSCOPE" stop >"$T/stop.out" 2>&1; then pass "model vmscope stop"
else fail "model vmscope stop" "$(head -n 2 "$T/stop.out" | tr '\n' ' ')"; fi
no_pins "model stop leaves nothing pinned"
