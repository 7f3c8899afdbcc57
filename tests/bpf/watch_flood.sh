#!/bin/bash
# vmscope watch stays responsive during a flood that never lets up (two map_flood processes, and
# a slow reader of watch's output, as a pager or a remote terminal is: more events come than watch
# can write): --duration, SIGINT and a closed stdout (`| head`) end it within about a second, with
# its summary. The drain of the ring buffer is bounded, and a pending stop breaks out of it
# (user/watch/watch.c).
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"

T=$TMPDIR_TEST
FLOOD=$HELPERS/map_flood

if [ "$(id -u)" -ne 0 ]; then skip_bpf "watch under a flood" "not root"; exit 0; fi
[ -x "$FLOOD" ] || { fail "watch flood" "$FLOOD is not built (make tests-build)"; exit 0; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# A reader of about 400 KB/s.
slow() { python3 -c 'import sys, time
while sys.stdin.buffer.read1(4096): time.sleep(0.01)'; }

# Two floods of mmap+munmap that outlast every check (killed at the end).
floods=()
for i in 1 2; do
	start_bg "$T/flood$i.out" "$FLOOD" 2000000000 || { fail "watch flood" "map_flood did not start"; exit 0; }
	floods+=("$BG_PID")
	kill -USR1 "$BG_PID"
done
pids=(-p "${floods[0]}" -p "${floods[1]}")

# the time of watch's own exit (its attach included), not of the reader's
t0=$(now_ms)
{ timeout -k 5 30 "$VMSCOPE" watch "${pids[@]}" --duration 1 2>"$T/d.err"; echo $? >"$T/d.rc"; now_ms >"$T/d.end"; } | slow
rc=$(cat "$T/d.rc") ms=$(($(cat "$T/d.end") - t0))
check "watch --duration 1 during a flood ends within 2 s (${ms} ms, status $rc)" \
	test "$rc" = 0 -a "$ms" -lt 2000
check "watch --duration 1 during a flood: its summary" grep -q 'events shown' "$T/d.err"

"$VMSCOPE" watch "${pids[@]}" 2>"$T/i.err" > >(slow) &
wpid=$!
cleanup_pid "$wpid"
if wait_for "$T/i.err" 'attached' 10 "$wpid"; then
	sleep 0.5
	t0=$(now_ms)
	kill -INT "$wpid"
	if wait_exit "$wpid" 20; then
		ms=$(($(now_ms) - t0))
		check "watch: SIGINT during a flood ends it within 1 s (${ms} ms, status $WAIT_RC)" \
			test "$WAIT_RC" = 0 -a "$ms" -lt 1000
		check "watch: SIGINT during a flood: its summary" grep -q 'events shown' "$T/i.err"
	else
		fail "watch: SIGINT during a flood ends it" "still running after 20 s"
	fi
else
	fail "watch: SIGINT during a flood" "not attached: $(head -c 300 "$T/i.err")"
fi

t0=$(now_ms)
timeout -k 5 30 "$VMSCOPE" watch --no-summary "${pids[@]}" 2>/dev/null | head -n 5 >"$T/h.txt"
rc=${PIPESTATUS[0]}
ms=$(($(now_ms) - t0))
check "watch | head -n 5 during a flood ends within 2 s (${ms} ms, status $rc)" \
	test "$rc" = 0 -a "$ms" -lt 2000 -a "$(wc -l <"$T/h.txt")" = 5
