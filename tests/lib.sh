# shellcheck shell=bash disable=SC2034 # HELPERS, PIN, PRIV...: for the scripts that source it
# Shared by the shell test suites and bench/run.sh (sourced). Each check prints one "PASS: name"
# or "FAIL: name" line; tests/run.sh counts them. Helpers are built by `make tests-build` into
# $OUTPUT/tests/helpers. The guests of the kernel matrix have no bash: tests/kernels/lib.sh is
# their POSIX-sh counterpart of the few functions they use.
#
# Processes: cleanup_pid registers a pid to be killed (and reaped) at exit; it stays a job of the
# shell, so `wait PID` still gives its real exit status. /proc/PID/stat is parsed after the LAST
# ")", so that a process name with spaces and parentheses cannot shift the fields.
set -u
: "${VMSCOPE:?VMSCOPE must point at the vmscope binary (run through make test)}"
: "${OUTPUT:?OUTPUT must point at the build dir}"
HELPERS=$OUTPUT/tests/helpers
# LIB_TMP_NAME: the scratch dir's name before the random part (bench/run.sh names its own).
TMPDIR_TEST=$(mktemp -d "/tmp/${LIB_TMP_NAME:-vmscope-test}.XXXXXX")
_cleanup_pids=""
_lib_shell=$BASHPID
# main_shell: true in the shell that sourced this file, false in its subshells. A background job
# forked by it is bash until its exec, with this file's EXIT trap: a signal in that moment (a
# test that kills what it has just started) would run the trap there. Exit traps begin with it.
main_shell() { [ "$BASHPID" = "$_lib_shell" ]; }
# At exit: every registered process killed and reaped, the scratch dir removed. A script with a
# trap of its own calls _cleanup from it.
_cleanup() {
	main_shell || return 0
	# shellcheck disable=SC2086 # a list of pids
	kill_pid $_cleanup_pids
	rm -rf "$TMPDIR_TEST"
}
trap _cleanup EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+ -- $2}"; }
# A check that cannot run here. Under VMSCOPE_REQUIRE_BPF=1 (CI) a skipped BPF check is a failure.
skip_bpf() {
	if [ "${VMSCOPE_REQUIRE_BPF:-0}" = 1 ]; then fail "$1" "skipped but VMSCOPE_REQUIRE_BPF=1: $2"
	else echo "SKIP: $1 -- $2"; fi
}
check() { # check NAME CMD...: passes when CMD succeeds
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
# Compare two files byte for byte; print a short diff on mismatch.
same_bytes() { # same_bytes NAME EXPECTED ACTUAL
	if cmp -s "$2" "$3"; then pass "$1"
	else fail "$1" "output differs"; diff "$2" "$3" | head -n 10 | sed 's/^/    /'; fi
}
# jget FILE EXPR: a Python expression on the JSON object d read from FILE (- for stdin).
jget() {
	python3 -c 'import json,sys
d = json.load(sys.stdin if sys.argv[1] == "-" else open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

# ---- processes ----------------------------------------------------------------------------------

# cleanup_pid PID: kill PID at exit (it may be a child of another process).
cleanup_pid() { _cleanup_pids="$_cleanup_pids $1"; }
# forget_pid PID: a registered process the script has reaped itself: not to be killed at exit (its
# pid may belong to another process by then).
forget_pid() {
	local p keep=""
	for p in $_cleanup_pids; do [ "$p" = "$1" ] || keep="$keep $p"; done
	_cleanup_pids=$keep
}
# kill_pid PID...: SIGCONT and SIGKILL, then reap the ones that are children of this shell (quietly:
# no "Killed" line), and forget them.
kill_pid() {
	local p
	for p in "$@"; do
		{ kill -CONT "$p"; kill -KILL "$p"; wait "$p"; } 2>/dev/null
		forget_pid "$p"
	done
	return 0
}

# proc_stat PID [TID]: the fields of /proc/PID/stat (or of the thread TID) from the state on
# (field 3 of proc(5)), whatever the process name holds. Returns 1 when there is no such file.
proc_stat() {
	local s="" f=/proc/$1/stat
	[ -n "${2:-}" ] && f=/proc/$1/task/$2/stat
	IFS= read -r -d '' s 2>/dev/null <"$f"
	[ -n "$s" ] || return 1
	s=${s##*") "}
	echo "${s%$'\n'}"
}
# proc_state PID [TID]: the state letter (R, S, T, Z...).
proc_state() {
	local s
	s=$(proc_stat "$@") || return 1
	echo "${s%% *}"
}

# wait_stopped PID [SECONDS]: waits (10 s at most) until PID is in group stop (state T). Returns 1
# at once when PID is gone.
wait_stopped() {
	local i st
	for ((i = 0; i < ${2:-10} * 100; i++)); do
		st=$(proc_state "$1") || return 1
		[ "$st" = T ] && return 0
		sleep 0.01
	done
	return 1
}

# stop_pid PID: SIGSTOP, then wait (4 s at most) until every thread is stopped (state T, or t).
stop_pid() {
	local pid=$1 t st all
	kill -STOP "$pid" 2>/dev/null || return 1
	for _ in $(seq 200); do
		all=1
		for t in /proc/"$pid"/task/*; do
			st=$(proc_state "$pid" "${t##*/}")
			[ "$st" = T ] || [ "$st" = t ] || { all=0; break; }
		done
		[ $all = 1 ] && return 0
		sleep 0.02
	done
	return 1
}

# wait_for FILE PATTERN [SECONDS [PID]]: waits (10 s at most) until grep -q finds PATTERN in FILE;
# with PID, only while PID lives.
wait_for() {
	local i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		[ -z "${4:-}" ] || kill -0 "$4" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
# wait_ready FILE PID [SECONDS]: waits (10 s at most) for a line "ready" in FILE while PID lives.
wait_ready() { wait_for "$1" '^ready$' "${3:-10}" "$2"; }
# start_python OUT MODULE...: start_bg of a python3 that has imported the MODULEs (the many
# mappings of a real program), then sleeps.
start_python() {
	local out=$1 mods
	shift
	mods=$(IFS=,; echo "$*")
	start_bg "$out" python3 -c "import $mods; print('ready', flush=True); import time; time.sleep(120)"
}

# wait_exit PID SECONDS: waits until PID, a child of this shell, has exited; reaps it and sets
# WAIT_RC to its status.
wait_exit() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		if ! kill -0 "$1" 2>/dev/null; then wait "$1"; WAIT_RC=$?; return 0; fi
		sleep 0.05
	done
	return 1
}

# start_bg OUT CMD...: starts CMD in the background with stdout in OUT (stderr in OUT.err), waits
# for "ready", registers it for cleanup. Sets BG_PID (empty on failure).
start_bg() {
	local out=$1; shift
	"$@" </dev/null >"$out" 2>"$out.err" &
	BG_PID=$!
	cleanup_pid "$BG_PID"
	if ! wait_ready "$out" "$BG_PID"; then
		echo "    could not start: $* ($(head -c 300 "$out.err"))"
		BG_PID=
		return 1
	fi
}

# private_runtime DIR PROGRAM...: copies the programs, the libraries they load and the dynamic
# loader into DIR, so that no other process maps the same library pages; sets PRIV, the command
# prefix that runs a program on them ("${PRIV[@]}" DIR/PROGRAM). Returns 1 without a loader.
private_runtime() {
	local dir=$1 lib ldso=""
	shift
	for lib in $(ldd "$@" 2>/dev/null | awk '/=>/ { print $3 } /^\t\// { print $1 }' | sort -u); do
		[ -f "$lib" ] || continue
		cp -L "$lib" "$dir/" || true
		case ${lib##*/} in ld-linux*|ld64*|ld-*.so*) ldso=$dir/${lib##*/} ;; esac
	done
	cp "$@" "$dir/"
	[ -n "$ldso" ] && [ -x "$ldso" ] || return 1
	PRIV=("$ldso" --library-path "$dir")
}

# ---- vmscope and the kernel ----------------------------------------------------------------------

PIN=${VMSCOPE_PIN_DIR:-/sys/fs/bpf/vmscope}	# where `vmscope start` pins the live model
# status_get EXPR: a Python expression on d, the live model's `status --json`.
status_get() { "$VMSCOPE" status --json | jget - "$1"; }
# no_progs REGEX: no loaded BPF program's `bpftool prog show` line matches REGEX. Programs are freed
# after an RCU grace period: waits 5 s at most.
no_progs() {
	for _ in $(seq 50); do
		bpftool prog show 2>/dev/null | grep -qE "$1" || return 0
		sleep 0.1
	done
	return 1
}
# model_equals_proc PID: the model's JSON (map --backend bpf) is /proc's, the backend name blanked;
# a fallback to /proc (the model lost the process, -v says so on stderr) is a failure too. A
# mismatch prints the first lines of the diff.
model_equals_proc() {
	local a b err
	a=$("$VMSCOPE" map -v --backend bpf --format json "$1" 2>"$TMPDIR_TEST/eq.err" | sed 's/"backend": "bpf"/"backend": "-"/')
	err=$(grep 'reading /proc' "$TMPDIR_TEST/eq.err")
	b=$("$VMSCOPE" map --backend procfs --format json "$1" 2>&1 | sed 's/"backend": "procfs"/"backend": "-"/')
	if [ -n "$err" ]; then echo "    fallback: $err"; return 1; fi
	[ -n "$a" ] && [ "$a" = "$b" ] && return 0
	diff <(echo "$a" | python3 -m json.tool 2>&1) <(echo "$b" | python3 -m json.tool 2>&1) | head -n 12 | sed 's/^/    /'
	return 1
}
