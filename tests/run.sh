#!/bin/bash
# Runs the whole suite: unit tests (cmocka), then every tests/e2e/*.sh and tests/bpf/*.sh.
# Closing line: "N passed, N failed" (", N skipped" when any were skipped).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${OUTPUT:=$here/../.output}"
export OUTPUT VMSCOPE
passed=0 failed=0 skipped=0
log=$(mktemp /tmp/vmscope-run.XXXXXX)

count_shell() { # counts PASS/FAIL/SKIP lines of a suite's output file
	local p f s
	p=$(grep -c '^PASS: ' "$1"); f=$(grep -c '^FAIL: ' "$1"); s=$(grep -c '^SKIP: ' "$1")
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

for t in "$OUTPUT"/tests/test_*; do
	[ -x "$t" ] || continue
	echo "== unit: $(basename "$t")"
	if CMOCKA_MESSAGE_OUTPUT=stdout "$t" >"$log" 2>&1; then rc=0; else rc=$?; fi
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
	passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "FAIL: $(basename "$t") exited $rc"; failed=$((failed + 1))
	fi
done

for s in "$here"/e2e/*.sh "$here"/bpf/*.sh; do
	[ -f "$s" ] || continue
	echo "== $(basename "$(dirname "$s")"): $(basename "$s")"
	start=$(date +%s)
	bash "$s" >"$log" 2>&1
	rc=$?
	cat "$log"
	count_shell "$log"
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL: ' "$log"; then
		echo "FAIL: $(basename "$s") exited $rc"; failed=$((failed + 1))
	fi
	echo "   ($(( $(date +%s) - start )) s)"
done
rm -f "$log"

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
