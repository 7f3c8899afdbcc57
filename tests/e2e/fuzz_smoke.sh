#!/bin/bash
# Fuzz smoke test: builds tests/fuzz/fuzz_procfs.c with clang/libFuzzer into $OUTPUT/fuzz and
# runs it briefly. A missing clang or libFuzzer is a failure, not a skip: tools/deps.sh
# installs them. FUZZ_RUNS=N switches to a fixed number of runs with a fixed seed (CI).
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"
fuzzdir=$OUTPUT/fuzz
mkdir -p "$fuzzdir"
log=$fuzzdir/fuzz.log

if ! command -v "${CLANG:-clang}" >/dev/null 2>&1; then
	fail "fuzz: build" "clang not found (run: make deps)"
	exit 0
fi
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
	"${CLANG:-clang}" -x c -fsanitize=fuzzer - -o "$fuzzdir/probe" 2>"$log"; then
	fail "fuzz: build" "clang cannot link libFuzzer (libclang-rt-14-dev missing?)"
	sed 's/^/    /' "$log" | head -n 5
	exit 0
fi

if [ -n "${FUZZ_RUNS:-}" ]; then
	args=(-runs="$FUZZ_RUNS" -seed=1)
else
	args=(-max_total_time="${FUZZ_SECONDS:-20}")
fi
"$here/../fuzz/run.sh" "$fuzzdir" "${args[@]}" -timeout=10 >"$log" 2>&1
rc=$?
if [ ! -x "$fuzzdir/fuzz_procfs" ]; then
	fail "fuzz: build" "see $log"
	sed 's/^/    /' "$log" | tail -n 20
	exit 0
fi
pass "fuzz: build"
# libFuzzer exits non-zero on a crash, leak, timeout or sanitizer report, and leaves a
# crash-/leak-/timeout- artifact; either one is a failure.
if [ "$rc" -eq 0 ] && [ -z "$(ls -A "$fuzzdir/artifacts" 2>/dev/null)" ] &&
   ! grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' -e 'ERROR: LeakSanitizer' "$log"; then
	pass "fuzz: no crash or leak ($(grep -o 'Done [0-9]* runs' "$log" | tail -n1))"
else
	fail "fuzz: no crash or leak" "exit $rc, artifacts in $fuzzdir/artifacts, log $log"
	grep -m 20 -A 12 -e 'ERROR:' -e 'runtime error:' "$log" | sed 's/^/    /'
fi
