# The live model follows a new task from its very first syscalls: a fork child, the child of a
# fork by a new thread, and a new thread itself (tests/helpers/fork_probe) map 3 pages, split them
# with an mprotect and grow the heap, at once or after a pause, then stop; `map --backend bpf`
# must equal `--backend procfs` each time, with no fallback to /proc. (On 7.3 the syscall
# tracepoints of a task forked by a young thread fire only after its first few syscalls.)
. /tests/lib.sh

if ! "$VMSCOPE" start >"$T/start.out" 2>&1; then
	fail "fork vmscope start" "$(head -n 1 "$T/start.out")"
	exit 0
fi
bad=0 n=0 k=0
for run in fork:0 fork:50 thread-fork:0 thread-fork:0 thread-fork:0 thread-fork:50 thread:0 thread:0 thread:50; do
	k=$((k + 1))
	out=$T/fp.$k.out
	"$HELPERS/fork_probe" "${run%%:*}" "${run#*:}" >"$out" 2>&1 &
	pp=$!
	i=0
	while [ $i -lt 1000 ] && ! grep -q '^stopped ' "$out"; do sleep 0.02; i=$((i + 1)); done
	set -- $(cat "$out") x x
	sp=$2
	if [ "$1" != stopped ] || ! wait_stopped "$sp"; then
		bad=$((bad + 1))
		echo "    $run: did not stop ($(head -c 200 "$out"))"
		kill -KILL "$pp" 2>/dev/null
		continue
	fi
	n=$((n + 1))
	"$VMSCOPE" map -v --backend bpf --format json "$sp" >"$T/b.json" 2>"$T/b.err"
	"$VMSCOPE" map --backend procfs --format json "$sp" >"$T/p.json" 2>/dev/null
	json_norm "$T/b.json" >"$T/b.n"
	json_norm "$T/p.json" >"$T/p.n"
	if grep -q 'reading /proc' "$T/b.err" || ! cmp -s "$T/b.n" "$T/p.n"; then
		bad=$((bad + 1))
		echo "    $run: PID $sp differs: $(grep -m1 'reading /proc' "$T/b.err")"
		diff "$T/p.n" "$T/b.n" | head -n 8 | sed 's/^/      /'
	fi
	kill -KILL "$sp" "$pp" 2>/dev/null
	wait "$pp" 2>/dev/null
done
if [ $n -gt 0 ] && [ $bad -eq 0 ]; then pass "fork model follows new tasks from their first syscalls ($n tasks)"
else fail "fork model follows new tasks from their first syscalls" "$bad of $k differ or did not stop"; fi
"$VMSCOPE" stop >/dev/null 2>&1
no_pins "fork stop leaves nothing pinned"
