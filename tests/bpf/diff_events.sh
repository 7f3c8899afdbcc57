#!/bin/bash
# vmscope diff with the live model's events (issue 17: "regions are matched by identity ... and
# the model's events when it ran between the two"). A helper moves an anonymous region by mremap
# to a new address AND a new size between two snapshots: with the model running, diff reports
# exactly one move (old -> new, the size change) and nothing removed or added for it; a chain of
# two moves composes; diff B A undoes it; diff -d and diff FILE PID use the same; the log travels
# in the file (export -> import). Without the model, with the model restarted between the saves,
# or with more moves than the log keeps, it is removed + added as before, and the last two say
# why in one line. Short-lived processes that moved and exited (or exec'd) leave no move log.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
T=diff-events
W=$TMPDIR_TEST
H=$HELPERS/snap_change

if [ "$(id -u)" -ne 0 ]; then skip_bpf "$T" "needs root"; exit 0; fi
trap '"$VMSCOPE" stop >/dev/null 2>&1; _cleanup' EXIT
"$VMSCOPE" stop >/dev/null 2>&1
if ! out=$("$VMSCOPE" start 2>&1); then skip_bpf "$T" "the model does not load: $out"; exit 0; fi
tier=$(status_get "d['tier']")
if [ "$tier" != kfunc-resync ]; then
	# the move log is tier kfunc-resync's: elsewhere diff matches by address, and says nothing
	skip_bpf "$T" "tier $tier keeps no move log"
	exit 0
fi

BASE=0x200000000000
# moves NAME K [restart]: a helper moving its region K times between two saves (the model
# restarted in between with "restart"); leaves $W/NAME.a.vms, $W/NAME.b.vms and MOVED (where the
# region is, its size in bytes)
moves() {
	local name=$1 k=$2 pid
	start_bg "$W/$name.out" "$H" moves "$k"; pid=$BG_PID
	"$VMSCOPE" snapshot save -o "$W/$name.a.vms" "$pid" >/dev/null
	if [ "${3:-}" = restart ]; then "$VMSCOPE" stop >/dev/null; "$VMSCOPE" start >/dev/null; fi
	kill -USR1 "$pid"
	wait_for "$W/$name.out" '^moved ' 10 "$pid"
	"$VMSCOPE" snapshot save -o "$W/$name.b.vms" "$pid" >/dev/null
	read -r _ MOVED_AT MOVED_LEN < <(grep '^moved ' "$W/$name.out")
	MOVED_PID=$pid
}
# structural JSON FILE WANT...: the diff's non-residency changes are exactly WANT (python tuples:
# change, start, old_start, size_kb, d_size_kb, matched), and its model_events used == USED
structural() {
	python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
used, want = sys.argv[2] == "1", sorted(eval(sys.argv[3]))
got = sorted((tuple(x["change"]), int(x["start"], 16), int(x.get("old_start", x["start"]), 16),
              x["size_kb"], x["d_size_kb"], x.get("matched", ""))
             for x in d["regions"] if x["change"] != ["resident"])
if got != want or d["model_events"]["used"] != used:
    print("got ", got, d["model_events"]); print("want", want, used); sys.exit(1)
PY
}
B=$((BASE))
MB=$((1 << 20))

# ---- one move, resized: moved+grown, from the model's events ---------------------------------
moves one 1
"$VMSCOPE" diff --json "$W/one.a.vms" "$W/one.b.vms" >"$W/one.json" 2>"$W/one.err"
check "$T: a region moved and resized by mremap is one move (moved+grown, matched by the model)" \
	structural "$W/one.json" 1 "[(('moved','grown'), $((B + 64 * MB)), $B, 3072, 2048, 'model')]"
"$VMSCOPE" diff "$W/one.a.vms" "$W/one.b.vms" >"$W/one.txt" 2>&1
check "$T: the text says the move came from the model's events" \
	grep -q "^moved+grown .* (from 200000000000) (followed by the model's events) (was 1024 kB)" "$W/one.txt" \
	-a -n "$(grep "^The model's events: 1 move by mremap between the snapshots, 1 region followed" "$W/one.txt")"
"$VMSCOPE" diff --json "$W/one.b.vms" "$W/one.a.vms" >"$W/back.json" 2>&1
check "$T: diff B A undoes the move (moved+shrunk, matched by the model)" \
	structural "$W/back.json" 1 "[(('moved','shrunk'), $B, $((B + 64 * MB)), 1024, -2048, 'model')]"
# the log travels in the file: JSON export -> import keeps it, and the diff is the same
"$VMSCOPE" snapshot export "$W/one.b.vms" >"$W/one.b.json" &&
	"$VMSCOPE" snapshot import "$W/one.b.json" -o "$W/one.bi.vms" >/dev/null 2>&1
"$VMSCOPE" diff --json "$W/one.a.vms" "$W/one.bi.vms" >"$W/onei.json" 2>&1
check "$T: the model's position and moves survive export -> import (same diff)" \
	structural "$W/onei.json" 1 "[(('moved','grown'), $((B + 64 * MB)), $B, 3072, 2048, 'model')]"
check "$T: export -> import of a snapshot with moves is the same file" cmp -s "$W/one.b.vms" "$W/one.bi.vms"
# a file against the live process (the second read live), after one more move
kill -USR1 "$MOVED_PID"
wait_for "$W/one.out" "^moved $(printf %x $((B + 128 * MB)))" 10 "$MOVED_PID"
"$VMSCOPE" diff --json "$W/one.a.vms" "$MOVED_PID" >"$W/live.json" 2>&1
check "$T: diff FILE PID follows the two moves since the file" \
	structural "$W/live.json" 1 "[(('moved','grown'), $((B + 128 * MB)), $B, 2048, 1024, 'model')]"
kill_pid "$MOVED_PID"

# ---- a chain of two moves composes ----------------------------------------------------------
moves chain 2
"$VMSCOPE" diff --json "$W/chain.a.vms" "$W/chain.b.vms" >"$W/chain.json" 2>&1
check "$T: two moves compose into one (1 MiB at BASE -> 2 MiB at BASE+128M)" \
	structural "$W/chain.json" 1 "[(('moved','grown'), $((B + 128 * MB)), $B, 2048, 1024, 'model')]"
kill_pid "$MOVED_PID"

# ---- diff -d: the live pair ------------------------------------------------------------------
start_bg "$W/dd.out" "$H" moves 1; dp=$BG_PID
"$VMSCOPE" diff -d 1 --json "$dp" >"$W/dd.json" 2>"$W/dd.err" & dj=$!
sleep 0.3
kill -USR1 "$dp"
wait "$dj"
check "$T: diff -d 1 follows a move made during that second" \
	structural "$W/dd.json" 1 "[(('moved','grown'), $((B + 64 * MB)), $B, 3072, 2048, 'model')]"
kill_pid "$dp"

# ---- more moves than the log keeps: as before, said in one line -----------------------------
moves many 70
"$VMSCOPE" diff --json "$W/many.a.vms" "$W/many.b.vms" >"$W/many.json" 2>&1
check "$T: 70 moves (the log keeps 64): removed + added, as without the model" \
	structural "$W/many.json" 0 "[(('added',), $((0x$MOVED_AT)), $((0x$MOVED_AT)), $((MOVED_LEN / 1024)), $((MOVED_LEN / 1024)), ''), (('removed',), $B, $B, 1024, -1024, '')]"
"$VMSCOPE" diff "$W/many.a.vms" "$W/many.b.vms" >"$W/many.txt" 2>&1
check "$T: ... and says in one line that the log lost some" \
	test "$(grep -c "^The model's events were not used: 70 moves between the snapshots, the model's log kept 64" "$W/many.txt")" = 1
kill_pid "$MOVED_PID"

# ---- the model restarted between the saves: another log ---------------------------------------
moves restart 1 restart
"$VMSCOPE" diff --json "$W/restart.a.vms" "$W/restart.b.vms" >"$W/restart.json" 2>&1
check "$T: the model restarted between the saves: removed + added" \
	structural "$W/restart.json" 0 "[(('added',), $((B + 64 * MB)), $((B + 64 * MB)), 3072, 3072, ''), (('removed',), $B, $B, 1024, -1024, '')]"
"$VMSCOPE" diff "$W/restart.a.vms" "$W/restart.b.vms" >"$W/restart.txt" 2>&1
check "$T: ... and says the model was restarted" \
	grep -q "^The model's events were not used: the live model was restarted between the snapshots" "$W/restart.txt"
kill_pid "$MOVED_PID"

# ---- short-lived processes that moved leave no move log ----------------------------------------
out=$("$H" churn 1500 2>&1)
for _ in 1 2 3 4 5 6 7 8 9 10; do
	dead=$(status_get "d['dead_move_logs']")
	[ "$dead" = 0 ] && break
	sleep 0.3
done
check "$T: 1500 processes that moved a region and exited (a third exec'd) leave no move log ($out, dead logs $dead)" \
	test "$out" = "done 0" -a "$dead" = 0
"$VMSCOPE" status >"$W/status.txt"
check "$T: status lists the move log's kernel memory" grep -q "^move log .*3080 bytes a process, in kernel memory" "$W/status.txt"

# ---- without the model: as before, nothing said ---------------------------------------------
"$VMSCOPE" stop >/dev/null
moves nomodel 1
"$VMSCOPE" diff --json "$W/nomodel.a.vms" "$W/nomodel.b.vms" >"$W/nomodel.json" 2>&1
check "$T: without the model: removed + added" \
	structural "$W/nomodel.json" 0 "[(('added',), $((B + 64 * MB)), $((B + 64 * MB)), 3072, 3072, ''), (('removed',), $B, $B, 1024, -1024, '')]"
"$VMSCOPE" diff "$W/nomodel.a.vms" "$W/nomodel.b.vms" >"$W/nomodel.txt" 2>&1
check "$T: ... with no word about the model" test "$(grep -c "model" "$W/nomodel.txt")" = 0
kill_pid "$MOVED_PID"
