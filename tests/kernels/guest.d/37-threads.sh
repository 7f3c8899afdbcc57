# The model's thread records on this kernel's tier: tests/helpers/threads_run's threads spin in
# user space on stacks it mmap'd (/proc gives no sp for them), one with a sigaltstack; with the
# model started first, `map --format illumos` labels each stack [ stack tid=N ] and each
# sigaltstack [ altstack tid=N ] at the address the helper printed; 300 short-lived threads
# leave no record behind (status: dead_thread_records 0).
. /tests/lib.sh

if ! "$VMSCOPE" start >"$T/start.out" 2>&1; then
	fail "threads vmscope start" "$(head -n 2 "$T/start.out" | tr '\n' ' ')"
	exit 0
fi
if start_bg "$T/thr.out" "$HELPERS/threads_run" spin 2; then
	hp=$BG_PID
	"$VMSCOPE" map --format illumos "$hp" >"$T/il" 2>"$T/il.err"
	bad="" n=0
	while read -r kind tid start end; do
		case $kind in stack|altstack) ;; *) continue ;; esac
		n=$((n + 1))
		# illumos prints the start as 16 upper-case hex digits
		up=$(printf '%016x' "0x$start" | tr a-f A-F)
		grep -q "^$up .*\[ $kind tid=$tid \]\$" "$T/il" || bad="$bad $kind:$tid@$start"
	done <"$T/thr.out"
	if [ $n -ge 3 ] && [ -z "$bad" ] && [ ! -s "$T/il.err" ]; then
		pass "threads running threads' stacks and altstacks labelled ($n)"
	else
		fail "threads running threads' stacks and altstacks labelled" "of $n missing:$bad $(head -c 200 "$T/il.err")"
		grep 'tid=' "$T/il" | head -n 6 | sed 's/^/    /'
	fi
	kill -KILL "$hp"
	wait "$hp" 2>/dev/null
fi
"$HELPERS/threads_run" churn 300 >"$T/churn.out" 2>&1
dead=x
i=0
while [ $i -lt 10 ]; do
	"$VMSCOPE" status --json >"$T/st.json" 2>&1
	dead=$(sed -n 's/.*"dead_thread_records": \([0-9]*\).*/\1/p' "$T/st.json")
	[ "$dead" = 0 ] && break
	sleep 0.3
	i=$((i + 1))
done
if grep -q '^done 300$' "$T/churn.out" && [ "$dead" = 0 ]; then
	pass "threads 300 short-lived threads leave no thread records"
else fail "threads 300 short-lived threads leave no thread records" "$(head -c 120 "$T/churn.out"), dead records $dead"; fi
"$VMSCOPE" stop >/dev/null 2>&1
no_pins "threads stop leaves nothing pinned"
