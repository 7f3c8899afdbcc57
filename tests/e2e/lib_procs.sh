#!/bin/bash
# The process helpers of tests/lib.sh: a helper whose name holds spaces and ')' (a copy of the
# regions helper named "a b) c") is seen running and stopped, every thread of it stopped, its
# /proc/PID/stat fields where proc(5) puts them; `wait` on a registered pid gives the real exit
# status; the exit trap kills and reaps what was registered, without a "Killed" line.
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/lib.sh"
T=lib
W=$TMPDIR_TEST
ODD="a b) c"

cp "$HELPERS/regions" "$W/$ODD"
if ! start_bg "$W/odd.out" "$W/$ODD" all; then
	fail "$T: the helper \"$ODD\" starts"
	exit 0
fi
hp=$BG_PID
check "$T: the helper's name is \"$ODD\"" test "$(cat "/proc/$hp/comm")" = "$ODD"
# the name really moves the fields of a split on spaces: awk's third is not the state
check "$T: the name shifts awk's third field of /proc/PID/stat" test "$(awk '{ print $3 }' "/proc/$hp/stat")" = "b)"
check "$T: proc_state of a running \"$ODD\" is S" test "$(proc_state "$hp")" = S
read -r st ppid _ < <(proc_stat "$hp")
check "$T: proc_stat: state then the parent, this shell ($st $ppid)" test "$st" = S -a "$ppid" = $$
if wait_stopped "$hp" 1; then fail "$T: wait_stopped times out on a running process"
else pass "$T: wait_stopped times out on a running process"; fi
kill -STOP "$hp"
check "$T: wait_stopped sees \"$ODD\" stopped" wait_stopped "$hp"
check "$T: proc_state of the stopped \"$ODD\" is T" test "$(proc_state "$hp")" = T
kill -CONT "$hp"
nt=$(find "/proc/$hp/task" -mindepth 1 -maxdepth 1 | wc -l)
if stop_pid "$hp"; then
	bad=""
	for t in "/proc/$hp/task"/*; do
		[ "$(proc_state "$hp" "${t##*/}")" = T ] || bad="$bad ${t##*/}"
	done
	check "$T: stop_pid stops every thread of \"$ODD\" ($nt threads)" test "$nt" -ge 4 -a -z "$bad"
else
	fail "$T: stop_pid stops every thread of \"$ODD\""
fi
kill_pid "$hp"
check "$T: kill_pid kills and reaps" test ! -e "/proc/$hp"
if wait_stopped "$hp"; then fail "$T: wait_stopped fails for a process that is gone"
else pass "$T: wait_stopped fails for a process that is gone"; fi
if proc_state "$hp"; then fail "$T: proc_state fails for a process that is gone"
else pass "$T: proc_state fails for a process that is gone"; fi

# wait after cleanup_pid: the real status
sh -c 'exit 3' &
p=$!
cleanup_pid "$p"
wait "$p"
check "$T: wait on a registered pid gives its exit status (3)" test $? = 3
start_bg "$W/t.out" "$HELPERS/regions" simple
kill -TERM "$BG_PID"
wait "$BG_PID"
check "$T: wait on a registered pid killed by SIGTERM gives 143" test $? = 143
# A job killed before its exec runs the exit trap in the forked bash (bash does that; it also says
# "wait_for: No record of process" there, hence the 2>/dev/null): there the trap must do nothing.
{
	for _ in $(seq 20); do
		sleep 100 &
		p=$!
		cleanup_pid "$p"
		kill -TERM "$p"
		wait "$p"
	done
} 2>/dev/null
check "$T: the exit trap does nothing in a job killed before its exec" test -d "$W" -a -e "$W/t.out"

# the exit trap, in a shell of its own
bash -c '. "$1"; sleep 300 & cleanup_pid $!; echo "$! $TMPDIR_TEST"' _ "$here/lib.sh" >"$W/sub.out" 2>"$W/sub.err"
read -r sp sdir <"$W/sub.out"
if [ -n "$sp" ] && ! kill -0 "$sp" 2>/dev/null; then pass "$T: the exit trap kills a registered process"
else fail "$T: the exit trap kills a registered process" "pid ${sp:-none}"; fi
check "$T: the exit trap removes the scratch dir" test -n "$sdir" -a ! -e "$sdir"
check "$T: the exit trap prints nothing" test ! -s "$W/sub.err"
