# `vmscope watch` on this kernel: the scripted sequence of tests/helpers/watch_seq (mmap, a
# partial mprotect, munmaps across and inside regions, mremap grow and move, brk grow and shrink,
# a thread exit, fork + exec, exit) must come out exactly, in order (tests/watch_check.awk, as
# on the host), the forked child's exec too (-f), and nothing may stay attached afterwards.
. /tests/lib.sh

if ! start_bg "$T/seq.out" "$HELPERS/watch_seq" "$T/expected.jsonl"; then
	fail "watch helper starts"
	exit 0
fi
seq_pid=$BG_PID
"$VMSCOPE" watch --json -f -p "$seq_pid" >"$T/w.json" 2>"$T/w.err" &
wpid=$!
_cleanup_pids="$_cleanup_pids $wpid"
# Loading watch's programs is mostly the verifier, which TCG slows down (2 s here now, 20-30 s
# before its programs were made cheaper to verify; more when two guests share the host): up to
# 120 s by the guest's clock (a count of sleeps undercounts).
t0=$(cut -d. -f1 /proc/uptime)
while [ $(($(cut -d. -f1 /proc/uptime) - t0)) -lt 120 ] && ! grep -q '"size": 12288' "$T/w.json" 2>/dev/null; do
	kill -0 "$wpid" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q '"size": 12288' "$T/w.json"; then
	fail "watch attaches and sees the helper" \
		"after $(($(cut -d. -f1 /proc/uptime) - t0)) s: $(head -c 400 "$T/w.err" | tr '\n' ' ')"
	exit 0
fi
pass "watch attaches and sees the helper (in $(($(cut -d. -f1 /proc/uptime) - t0)) s)"
kill -USR1 "$seq_pid"
i=0
while [ $i -lt 600 ] && kill -0 "$wpid" 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
if kill -0 "$wpid" 2>/dev/null; then
	fail "watch -p ends when the watched processes exit" "still running after 30 s"
	exit 0
fi
wait "$wpid"
rc=$?
[ $rc -eq 0 ] && pass "watch -p ends when the watched processes exit" ||
	fail "watch -p ends when the watched processes exit" "exit status $rc: $(head -c 300 "$T/w.err")"
if out=$(awk -v pid="$seq_pid" -f /tests/watch_check.awk "$T/expected.jsonl" "$T/w.json"); then
	pass "watch scripted sequence exact ($out)"
else
	fail "watch scripted sequence exact" "$out"
fi
child=$(sed -n 's/.*"child_pid": \([0-9]*\).*/\1/p' "$T/expected.jsonl")
if grep -q "\"pid\": $child, .*\"event\": \"exec\"" "$T/w.json"; then
	pass "watch -f sees the child's exec"
else
	fail "watch -f sees the child's exec" "no exec event of pid $child"
fi
