# Shared by the shell test suites (sourced). Each check prints one "PASS: name" or "FAIL: name"
# line; tests/run.sh counts them. Helpers are built by `make tests-build` into $OUTPUT/tests/helpers.
set -u
: "${VMSCOPE:?VMSCOPE must point at the vmscope binary (run through make test)}"
: "${OUTPUT:?OUTPUT must point at the build dir}"
HELPERS=$OUTPUT/tests/helpers
TMPDIR_TEST=$(mktemp -d /tmp/vmscope-test.XXXXXX)
_cleanup_pids=""
_cleanup() {
	for p in $_cleanup_pids; do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
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
# Register a pid to be killed at exit.
cleanup_pid() { _cleanup_pids="$_cleanup_pids $1"; disown "$1" 2>/dev/null || true; }
# Compare two files byte for byte; print a short diff on mismatch.
same_bytes() { # same_bytes NAME EXPECTED ACTUAL
	if cmp -s "$2" "$3"; then pass "$1"
	else fail "$1" "output differs"; diff "$2" "$3" | head -n 10 | sed 's/^/    /'; fi
}

# wait_ready FILE PID: waits (10 s at most) for a line "ready" in FILE while PID lives.
wait_ready() {
	for _ in $(seq 200); do
		grep -qx ready "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# start_bg OUT CMD...: starts CMD in the background with stdout in OUT, waits for "ready",
# registers it for cleanup. Sets BG_PID (empty on failure).
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

# stop_pid PID: SIGSTOP, then wait until every thread is stopped (state T).
stop_pid() {
	local pid=$1 t st all
	kill -STOP "$pid" 2>/dev/null || return 1
	for _ in $(seq 200); do
		all=1
		for t in /proc/"$pid"/task/*/stat; do
			st=$(sed 's/.*) //' "$t" 2>/dev/null | cut -d' ' -f1)
			[ "$st" = T ] || [ "$st" = t ] || { all=0; break; }
		done
		[ $all = 1 ] && return 0
		sleep 0.02
	done
	return 1
}
