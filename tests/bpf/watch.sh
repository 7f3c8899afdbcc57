#!/bin/bash
# vmscope watch against real programs: the exact event sequence of a scripted helper, the
# kernel-side filters (-p, -f, -c, --cgroup, --min-size) with the kernel's own counters, loss
# under a flood into a tiny ring buffer, `watch | head`, SIGINT/SIGTERM (after the attach and at
# moments during start-up), the attached line and its time, and bad arguments.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"

T=$TMPDIR_TEST
SEQ=$HELPERS/watch_seq
FLOOD=$HELPERS/map_flood

if [ "$(id -u)" -ne 0 ]; then
	skip_bpf "watch" "not root"
	exit 0
fi
for h in "$SEQ" "$FLOOD"; do
	[ -x "$h" ] || { fail "watch" "$h is not built (make tests-build)"; exit 0; }
done

cg_dir=""
watch_cleanup() {
	main_shell || return 0
	if [ -n "$cg_dir" ] && [ -d "$cg_dir" ]; then
		while read -r p; do echo "$p" >"$(dirname "$cg_dir")/cgroup.procs"; done \
			<"$cg_dir/cgroup.procs" 2>/dev/null
		rmdir "$cg_dir" 2>/dev/null
	fi
	_cleanup
}
trap watch_cleanup EXIT

# The watch programs loaded in the kernel, and those PID holds (fds of programs or links).
watch_progs() { bpftool prog show 2>/dev/null | sed -n 's/^\([0-9]*\): .* name watch_.*/\1/p' | sort -u; }
held_progs() { # [PID]: of PID, or of every process
	grep -h '^prog_id:' /proc/"${1:-[0-9]*}"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -u
}
attached() { held_progs "$1" | comm -12 - <(watch_progs) | wc -l; }
# No watch program is left that no process holds: watches of others may run on the machine
# meanwhile, but theirs are held by their fds. Programs are freed after an RCU grace period:
# give them a moment.
detached() {
	for _ in $(seq 60); do
		[ -z "$(watch_progs | comm -23 - <(held_progs))" ] && return 0
		sleep 0.05
	done
	return 1
}
summary_field() { # summary_field ERRFILE WORDS: the number before WORDS in the summary line
	sed -n "s/.* \([0-9]*\) $2.*/\1/p" "$1" | tail -n 1
}
kernel_filtered() { # the N of "in the kernel N of M operations filtered out"
	sed -n 's/.* in the kernel \([0-9]*\) of [0-9]* operations filtered out.*/\1/p' "$1" | tail -n 1
}
MARKER='"size": 12288'

# ---- 1. the scripted sequence, exactly, with -f ----
start_bg "$T/seq.out" "$SEQ" "$T/expected.jsonl" || { fail "watch: helper starts"; exit 0; }
seq_pid=$BG_PID
"$VMSCOPE" watch --json -f -p "$seq_pid" >"$T/w.json" 2>"$T/w.err" &
wpid=$!
cleanup_pid "$wpid"
if wait_for "$T/w.json" "$MARKER"; then
	kill -USR1 "$seq_pid"
	if wait_exit "$wpid" 20; then
		pass "watch -p: ends by itself when the watched processes have exited"
		check "watch -p: exit status 0" [ "$WAIT_RC" = 0 ]
	else
		fail "watch -p: ends by itself when the watched processes have exited"
	fi
	if out=$(awk -v pid="$seq_pid" -f "$here/../watch_check.awk" "$T/expected.jsonl" "$T/w.json"); then
		pass "watch --json: the scripted sequence, exact ranges and perms, in order ($out)"
	else
		fail "watch --json: the scripted sequence" "$out"
	fi
	child=$(sed -n 's/.*"child_pid": \([0-9]*\).*/\1/p' "$T/expected.jsonl")
	true_path=$(readlink -f /bin/true)
	check "watch -f: the forked child's exec is seen, named as /proc names it" \
		grep -q "\"pid\": $child, .*\"event\": \"exec\", .*\"name\": \"$true_path\"" "$T/w.json"
	check "watch -f: the child's exit (status 0) is seen" \
		grep -q "\"pid\": $child, .*\"event\": \"exit\", .*\"thread\": false, \"exit_code\": 0" \
		"$T/w.json"
	check "watch: stderr is the attached line, then the summary line" \
		[ "$(wc -l <"$T/w.err")" = 2 -a \
		"$(sed -n 1p "$T/w.err" | grep -c "^vmscope: watch: attached ([0-9]* programs) in [0-9.]* s, watching PID $seq_pid and its children$")" = 1 -a \
		"$(sed -n 2p "$T/w.err" | grep -c '^vmscope: watch: [0-9]* events shown')" = 1 ]
else
	fail "watch --json: the scripted sequence" "no marker event within 10 s: $(head -c 300 "$T/w.err")"
fi

# ---- 2. -p without -f: other processes and the child are filtered in the kernel ----
start_bg "$T/noise.out" "$SEQ" "$T/noise.jsonl"; noise=$BG_PID
start_bg "$T/seq2.out" "$SEQ" "$T/expected2.jsonl"; seq2=$BG_PID
"$VMSCOPE" watch --json -p "$seq2" >"$T/p.json" 2>"$T/p.err" &
wpid=$!
cleanup_pid "$wpid"
if wait_for "$T/p.json" "$MARKER" && kill -USR1 "$seq2" && wait_exit "$wpid" 20; then
	others=$(grep -vc "\"pid\": $seq2," "$T/p.json")
	check "watch -p: no event of another process (noise pid $noise, the child)" [ "$others" = 0 ]
	if out=$(awk -v pid="$seq2" -f "$here/../watch_check.awk" "$T/expected2.jsonl" "$T/p.json"); then
		pass "watch -p: the sequence again, next to a noisy process"
	else
		fail "watch -p: the sequence again, next to a noisy process" "$out"
	fi
	filtered=$(kernel_filtered "$T/p.err")
	check "watch -p: the kernel-side filter dropped events (counter: ${filtered:-none})" \
		[ "${filtered:-0}" -gt 0 ]
else
	fail "watch -p: filtered run" "$(head -c 300 "$T/p.err")"
fi

# ---- 3. -c COMM ----
cp "$SEQ" "$T/other_seq"
start_bg "$T/other.out" "$T/other_seq" "$T/other.jsonl"; other=$BG_PID
"$VMSCOPE" watch --json -c other_seq --duration 1 >"$T/c.json" 2>"$T/c.err"
rc=$?
check "watch -c: exit status 0 after --duration" [ "$rc" = 0 ]
check "watch -c: the process of that name is seen" grep -q "\"pid\": $other," "$T/c.json"
check "watch -c: nothing else is" [ "$(grep -vc '"comm": "other_seq"' "$T/c.json")" = 0 ]
filtered=$(kernel_filtered "$T/c.err")
check "watch -c: the kernel-side filter dropped events (counter: ${filtered:-none})" \
	[ "${filtered:-0}" -gt 0 ]

# ---- 4. --min-size ----
"$VMSCOPE" watch --json -p "$other" --min-size 16K --duration 0.5 >"$T/m.json" 2>"$T/m.err"
small=$(summary_field "$T/m.err" "regions below --min-size")
check "watch --min-size 16K: 12K regions hidden in the kernel (counter: ${small:-none})" \
	[ ! -s "$T/m.json" -a "${small:-0}" -gt 0 ]
"$VMSCOPE" watch --json -p "$other" --min-size 12K --duration 0.5 >"$T/m2.json" 2>/dev/null
check "watch --min-size 12K: 12K regions shown" grep -q "$MARKER" "$T/m2.json"

# ---- 5. --cgroup ----
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
if [ -z "$cg2" ]; then
	skip_bpf "watch --cgroup" "no cgroup v2 mount"
else
	cg_dir=$cg2/vmscope-test-$$
	mkdir "$cg_dir" && echo "$other" >"$cg_dir/cgroup.procs"
	"$VMSCOPE" watch --json --cgroup "$cg_dir" --duration 1 >"$T/g.json" 2>"$T/g.err"
	check "watch --cgroup: the process in the cgroup is seen" grep -q "\"pid\": $other," "$T/g.json"
	check "watch --cgroup: nothing outside it is" [ "$(grep -vc "\"pid\": $other," "$T/g.json")" = 0 ]
	rel=${cg_dir#"$cg2"/}
	"$VMSCOPE" watch --json --cgroup "$rel" --duration 0.5 >"$T/g2.json" 2>/dev/null
	check "watch --cgroup RELATIVE: resolved under the cgroup v2 mount" \
		grep -q "\"pid\": $other," "$T/g2.json"
fi

# ---- 6. terminal output ----
"$VMSCOPE" watch -p "$other" --duration 0.5 >"$T/t.txt" 2>/dev/null
check "watch: a header row" grep -q '^TIME  *PID  *TID  *COMM  *EVENT  *RANGE  *SIZE  *PERM  *NAME$' "$T/t.txt"
check "watch: aligned lines with human sizes" grep -qE "^[0-9:.]+ +$other +$other other_seq +map +[0-9a-f]+-[0-9a-f]+ +12K r--p +\[anon\]$" "$T/t.txt"
check "watch: no color codes when stdout is not a terminal" [ "$(grep -c $'\033' "$T/t.txt")" = 0 ]
# on_tty OUT CMD...: CMD with its stdout on a pseudo-terminal, what it wrote there into OUT
on_tty() {
	python3 - "$@" <<'PY'
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[2:], stdout=s, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.close(s)
data = b""
while True:
    try:
        b = os.read(m, 65536)
    except OSError:
        break
    if not b:
        break
    data += b
p.wait()
open(sys.argv[1], "wb").write(data)
PY
}
on_tty "$T/tty.txt" "$VMSCOPE" watch -p "$other" --duration 0.5
check "watch: colors by event kind on a terminal" grep -q $'\033\[' "$T/tty.txt"
on_tty "$T/tty2.txt" env NO_COLOR=1 "$VMSCOPE" watch -p "$other" --duration 0.5
if [ "$(grep -c $'\033' "$T/tty2.txt")" = 0 ] && grep -q " map " "$T/tty2.txt"; then
	pass "watch: no colors on a terminal with NO_COLOR set (its events still shown)"
else fail "watch: no colors on a terminal with NO_COLOR set (its events still shown)" "$(head -c 200 "$T/tty2.txt" | od -c | head -n 3)"; fi

# ---- 7. loss is counted and reported, nothing crashes ----
start_bg "$T/flood.out" "$FLOOD" 300000; flood=$BG_PID
"$VMSCOPE" watch --json -p "$flood" --buffer-size 4K >"$T/f.json" 2>"$T/f.err" &
wpid=$!
cleanup_pid "$wpid"
if wait_for "$T/f.json" "$MARKER" && kill -USR1 "$flood" && wait_exit "$wpid" 60; then
	check "watch flood: exit status 0" [ "$WAIT_RC" = 0 ]
	lost=$(summary_field "$T/f.err" "lost")
	stream=$(python3 -c 'import json,sys
print(sum(e["count"] for e in map(json.loads, open(sys.argv[1])) if e["event"] == "lost"))' "$T/f.json" 2>&1)
	shown=$(grep -vc '"event": "lost"' "$T/f.json")
	check "watch flood: losses counted in the kernel (${lost:-none} lost, $shown shown)" \
		[ "${lost:-0}" -gt 0 ]
	check "watch flood: every loss is reported in the stream ($stream of ${lost:-?})" \
		[ "$stream" = "${lost:-x}" ]
	check "watch flood: shown + lost = every event of the flood (>= 600000)" \
		[ $((shown + ${lost:-0})) -ge 600000 ]
else
	fail "watch flood" "$(head -c 300 "$T/f.err")"
fi

# ---- 8. watch | head, signals: prompt exit, nothing left attached ----
t0=$(date +%s%N)
timeout 30 "$VMSCOPE" watch --no-summary -p "$other" 2>"$T/h.err" | head -n 5 >"$T/h.txt"
rc=${PIPESTATUS[0]}
ms=$((($(date +%s%N) - t0) / 1000000))
check "watch | head -n 5: 5 lines" [ "$(wc -l <"$T/h.txt")" = 5 ]
check "watch | head -n 5: exits promptly (${ms} ms, status $rc)" [ "$rc" = 0 -a "$ms" -lt 5000 ]
check "watch | head: no BPF program left attached" detached
check "watch --no-summary: the attached line only" \
	[ "$(grep -c '^vmscope: watch: attached' "$T/h.err")" = 1 -a "$(wc -l <"$T/h.err")" = 1 ]
"$VMSCOPE" watch -q -p "$other" --duration 0.5 >"$T/q.txt" 2>"$T/q.err"
rc=$?
check "watch -q: status 0, events on stdout, nothing on stderr" \
	[ "$rc" = 0 -a -s "$T/q.txt" -a ! -s "$T/q.err" ]
for sig in INT TERM; do
	"$VMSCOPE" watch >"$T/s.txt" 2>"$T/s.err" &
	wpid=$!
	wait_for "$T/s.txt" '^TIME' # the header comes after the attach and the signal handlers
	n=$(attached "$wpid")
	kill -"$sig" "$wpid"
	if wait_exit "$wpid" 10; then
		check "watch: SIG$sig: exit status 0 ($n programs were held)" \
			[ "$WAIT_RC" = 0 -a "$n" -gt 0 ]
	else
		fail "watch: SIG$sig: exits"
	fi
	check "watch: SIG$sig: nothing left attached or pinned" \
		eval "detached && [ ! -e '$PIN/watch' ]"
done

# ---- 8b. how long watch takes to attach (printed, not asserted: machines are noisy) ----
# From the exec of watch -p on a helper that maps a marker every 10 ms, to the attached line and
# to the first event.
start_bg "$T/att.out" "$FLOOD" 1; att=$BG_PID
t0=$EPOCHREALTIME
"$VMSCOPE" watch --json -p "$att" >"$T/att.json" 2>"$T/att.err" &
wpid=$!
cleanup_pid "$wpid"
t_att="" t_ev="" att_s=""
for _ in $(seq 3000); do
	[ -z "$t_att" ] && grep -q '^vmscope: watch: attached' "$T/att.err" && t_att=$EPOCHREALTIME
	[ -z "$t_ev" ] && [ -s "$T/att.json" ] && t_ev=$EPOCHREALTIME
	[ -n "$t_att" ] && [ -n "$t_ev" ] && break
	kill -0 "$wpid" 2>/dev/null || break
	sleep 0.005
done
kill -USR1 "$att"
if [ -n "$t_att" ] && [ -n "$t_ev" ] && wait_exit "$wpid" 10; then
	own=$(sed -n 's/.* in \([0-9.]*\) s,.*/\1/p' "$T/att.err")
	att_s=$(awk -v a="$t0" -v b="$t_att" 'BEGIN { printf "%.3f", b - a }')
	# the first event's own time stamp (CLOCK_REALTIME), not when the poll above noticed it
	first=$(head -n 1 "$T/att.json" | sed -n 's/.*"ts_ns": \([0-9]*\),.*/\1/p')
	echo "INFO: watch attach $(awk -v a="$t0" -v b="$t_att" 'BEGIN { printf "%.2f", b - a }') s" \
		"from exec to the attached line (watch says ${own:-?} s), first event" \
		"$(awk -v a="$t0" -v b="${first:-0}" 'BEGIN { printf "%.2f", b / 1e9 - a }') s after exec"
	pass "watch: attached line, then events (the times are above, not checked)"
else
	fail "watch: attached line, then events" "$(head -c 300 "$T/att.err")"
fi

# ---- 8c. a stop signal at any moment of the start-up ends watch within 0.5 s ----
# The moments: fixed ones, and a quarter, a half and three quarters of the attach time measured
# above (inside the load on any machine).
# Before the attached line: at once, by the signal (status 128+N, one line on stderr); after it:
# cleanly (status 0, the summary). Either way nothing stays attached. SIGINT is sent once watch
# has its handler (SigCgt): this non-interactive shell starts background jobs with SIGINT
# ignored, and a signal the process ignores cannot be seen by it.
sig_caught() { # sig_caught PID SIGNUM: the process has a handler for it
	local m
	m=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
	[ -n "$m" ] && [ $(((16#$m >> ($2 - 1)) & 1)) = 1 ]
}
# stop_at SIG SIGNUM DELAY: starts watch, sends SIG DELAY s after its exec ("attached": after
# the attached line), checks the exit
stop_at() {
	local sig=$1 num=$2 at=$3 t_exec t_sig t_end rc want ok=1 why="" i
	"$VMSCOPE" watch >/dev/null 2>"$T/sig.err" &
	wpid=$!
	cleanup_pid "$wpid"
	for i in $(seq 2000); do
		[ "$(readlink "/proc/$wpid/exe" 2>/dev/null)" = "$(readlink -f "$VMSCOPE")" ] && break
		sleep 0.001
	done
	t_exec=$EPOCHREALTIME
	if [ "$sig" = INT ]; then
		for i in $(seq 2000); do sig_caught "$wpid" "$num" && break; sleep 0.001; done
	fi
	if [ "$at" = attached ]; then
		wait_for "$T/sig.err" '^vmscope: watch: attached' 10
	else
		sleep "$(awk -v a="$t_exec" -v b="$EPOCHREALTIME" -v d="$at" \
			'BEGIN { s = d - (b - a); printf "%.3f", (s > 0 ? s : 0) }')"
	fi
	kill -"$sig" "$wpid"
	t_sig=$EPOCHREALTIME
	for i in $(seq 1000); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.005; done
	t_end=$EPOCHREALTIME
	wait "$wpid"
	rc=$?
	ms=$(awk -v a="$t_sig" -v b="$t_end" 'BEGIN { printf "%d", (b - a) * 1000 }')
	if grep -q '^vmscope: watch: attached' "$T/sig.err"; then
		want=0
		grep -q '^vmscope: watch: [0-9]* events shown' "$T/sig.err" || { ok=0; why="no summary"; }
	else
		want=$((128 + num))
		if [ "$sig" = INT ] &&
			! grep -qx "vmscope: watch: interrupted by SIG$sig while starting, nothing left behind" "$T/sig.err"; then
			ok=0; why="no interrupted line"
		fi
	fi
	[ "$rc" = "$want" ] || { ok=0; why="status $rc, want $want"; }
	[ "$ms" -lt 500 ] || { ok=0; why="${why:+$why, }exit ${ms} ms after the signal"; }
	detached || { ok=0; why="${why:+$why, }programs left attached"; }
	if [ $ok = 1 ]; then
		pass "watch: SIG$sig at $at: gone in ${ms} ms, status $rc, nothing attached"
	else
		fail "watch: SIG$sig at $at" "$why: $(head -c 300 "$T/sig.err" | tr '\n' ' ')"
	fi
}
quarters=""
[ -n "$att_s" ] && quarters=$(awk -v t="$att_s" 'BEGIN { printf "%.3f %.3f %.3f", t / 4, t / 2, t * 3 / 4 }')
for at in 0 $quarters 0.05 0.1 0.2 0.4 0.8 attached; do
	stop_at INT 2 "$at"
	stop_at TERM 15 "$at"
done

# a target that exits while watch is still loading: watch must notice and end
sleep 0.1 &
short=$!
t0=$(date +%s%N)
timeout 30 "$VMSCOPE" watch --no-summary -p "$short" >/dev/null 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "watch -p: a target gone before the attach ends it (${ms} ms, status $rc)" [ "$rc" = 0 -a "$ms" -lt 10000 ]

# -p TID: a thread id watches its process (the kernel filter is on tgids; it watched nothing)
python3 -c '
import mmap, threading, time
def mapper():
    print(threading.get_native_id(), flush=True)
    while True:
        m = mmap.mmap(-1, 65536)
        m.close()
        time.sleep(0.005)
threading.Thread(target=mapper, daemon=True).start()
time.sleep(30)' >"$T/tid.out" 2>&1 &
tpy=$!
cleanup_pid "$tpy"
for _ in $(seq 100); do [ -s "$T/tid.out" ] && break; sleep 0.05; done
tid=$(head -n 1 "$T/tid.out")
"$VMSCOPE" watch --json -q -p "$tid" --duration 0.5 >"$T/tid.json" 2>"$T/tid.err"
n=$(grep -c "\"pid\": $tpy," "$T/tid.json")
if [ -n "$tid" ] && [ "$tid" != "$tpy" ] && [ "$n" -gt 0 ]; then
	pass "watch -p TID: the thread's process is watched ($n events of pid $tpy from -p $tid)"
else
	fail "watch -p TID: the thread's process is watched" "tid '$tid' pid $tpy: $n events; $(head -c 200 "$T/tid.err")"
fi
kill_pid "$tpy"

# ---- 9. bad arguments: one line, the right status ----
bad() { # bad NAME STATUS ARGS...
	local name=$1 want=$2; shift 2
	"$VMSCOPE" watch "$@" >"$T/bad.out" 2>"$T/bad.err"
	local rc=$?
	if [ "$rc" = "$want" ] && [ "$(wc -l <"$T/bad.err")" = 1 ] && grep -q '^vmscope: ' "$T/bad.err"; then
		pass "watch $name: status $want, one line"
	else
		fail "watch $name: status $want, one line" "rc $rc: $(cat "$T/bad.err")"
	fi
}
bad "-p missing pid" 42 -p 999999999
bad "-p unknown name" 42 -p no-such-process-name
bad "-p kernel thread" 1 -p 2
bad "-p 0 (not a possible pid, as map)" 1 -p 0
bad "-c too long" 1 -c abcdefghijklmnopq
bad "--cgroup missing" 1 --cgroup /nonexistent/cg --duration 1
bad "--cgroup not cgroup2" 1 --cgroup /tmp --duration 1
bad "--buffer-size not a power of two" 1 --buffer-size 5000
bad "--min-size garbage" 1 --min-size 12Q
bad "--duration negative" 1 --duration -1
bad "-f without -p" 1 -f
bad "stray argument" 1 1234
