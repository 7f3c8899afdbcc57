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
