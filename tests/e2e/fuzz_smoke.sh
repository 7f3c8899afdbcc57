#!/bin/bash
# Fuzz smoke test: builds every tests/fuzz/fuzz_*.c target with clang/libFuzzer (ASan + UBSan)
# into $OUTPUT/fuzz and runs each one a fixed number of runs with a fixed seed, from the
# checked-in corpus (tests/fuzz/run.sh): a few seconds a target. A crash, a sanitizer report or
# a violated property (JSON parses, CSV is UTF-8, totals are their rows' sums, parsers agree
# with their grammar, names round-trip) is a failure. A missing clang or libFuzzer is a
# failure, not a skip: tools/deps.sh installs them.
#   FUZZ_RUNS=N     runs per target (default: per target, below)
#   FUZZ_SECONDS=S  instead: S seconds per target, random seed (a longer local run)
#   VMS_FUZZ_TEXT_CONTROLS=0  do not check that text output holds no control byte (issue 20,
#                   finding 2; on by default)
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

# runs per target: a few seconds each here (procfs prints every format of each input)
# core: inputs are whole cores (tens of KB), so fewer runs, and at most 30 s whatever the machine
for t in procfs:1500 args:40000 names:40000 records:40000 render:30000 snapshot:60000 jsonimp:30000 core:5000 serve:800; do
	name=${t%%:*}
	if [ -n "${FUZZ_SECONDS:-}" ]; then
		args=(-max_total_time="$FUZZ_SECONDS")
	else
		args=(-runs="${FUZZ_RUNS:-${t#*:}}" -seed=1)
	fi
	[ "$name" = core ] && args+=(-max_total_time="${FUZZ_SECONDS:-30}")
	tlog=$fuzzdir/fuzz_$name.log
	rm -f "$fuzzdir/fuzz_$name"
	"$here/../fuzz/run.sh" "$fuzzdir" "$name" -- "${args[@]}" -timeout=10 >"$tlog" 2>&1
	rc=$?
	if [ ! -x "$fuzzdir/fuzz_$name" ]; then
		fail "fuzz: build fuzz_$name" "see $tlog"
		sed 's/^/    /' "$tlog" | tail -n 20
		continue
	fi
	# libFuzzer exits non-zero on a crash, leak, timeout, sanitizer report or abort() (a
	# property), and leaves a crash-/leak-/timeout- artifact; any one is a failure.
	if [ "$rc" -eq 0 ] && [ -z "$(ls -A "$fuzzdir/artifacts/$name" 2>/dev/null)" ] &&
	   ! grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' -e 'ERROR: LeakSanitizer' \
		-e 'PROPERTY VIOLATED' "$tlog"; then
		pass "fuzz: $name: no crash, leak or violated property ($(grep -o 'Done [0-9]* runs' "$tlog" | tail -n1))"
	else
		fail "fuzz: $name: no crash, leak or violated property" \
			"exit $rc, artifacts in $fuzzdir/artifacts/$name, log $tlog"
		grep -m 20 -A 12 -e 'ERROR:' -e 'runtime error:' -e 'PROPERTY VIOLATED' "$tlog" | sed 's/^/    /'
	fi
done

# The core reader's seeds made now, as the checked-in ones were (tests/fuzz/make_core_seeds.sh:
# a helper dumped by gdb's gcore and by the kernel's core_pattern), each run once through the
# target (its checks and every format): the reader still reads the cores this machine makes.
# Not added to the fuzzing above, whose runs depend on the checked-in seeds alone.
if [ -x "$fuzzdir/fuzz_core" ]; then
	fresh=$fuzzdir/fresh_core
	rm -rf "$fresh"
	if [ "$(id -u)" != 0 ] || ! command -v gdb >/dev/null 2>&1; then
		echo "SKIP: fuzz: core: fresh seed cores -- need root (core_pattern) and gdb"
	elif "$here/../fuzz/make_core_seeds.sh" "$fresh" >"$fuzzdir/fresh_core.log" 2>&1 &&
	     [ -s "$fresh/gcore_static" ] && [ -s "$fresh/kernel_static" ] &&
	     "$fuzzdir/fuzz_core" "$fresh/gcore_static" "$fresh/kernel_static" >>"$fuzzdir/fresh_core.log" 2>&1 &&
	     ! grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' -e 'PROPERTY VIOLATED' "$fuzzdir/fresh_core.log"; then
		pass "fuzz: core: fresh seed cores (gcore, core_pattern) made now pass the target"
	else
		fail "fuzz: core: fresh seed cores (gcore, core_pattern) made now pass the target" \
			"see $fuzzdir/fresh_core.log"
	fi
fi
