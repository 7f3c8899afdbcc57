#!/bin/bash
# The bpf-iter backend (one iter/task_vma pass, names from d_path) against /proc/PID/maps:
# every field of every region must be equal, for a helper holding every region kind, for real
# processes, and for every process on the machine that stays still long enough to compare.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then skip_bpf "bpf-iter backend" "needs root"; exit 0; fi

# JSON of both backends, with the backend name blanked. A live process may change between the
# two reads, so a mismatch is retried a few times before it counts.
same_json() { # same_json PID
	local i a b
	for i in 1 2 3; do
		a=$("$VMSCOPE" map --backend bpf-iter --format json "$1" 2>&1 | sed 's/"backend": "bpf-iter"/"backend": "-"/')
		b=$("$VMSCOPE" map --backend procfs --format json "$1" 2>&1 | sed 's/"backend": "procfs"/"backend": "-"/')
		[ "$a" = "$b" ] && return 0
		sleep 0.2
	done
	diff <(echo "$a" | python3 -m json.tool 2>&1) <(echo "$b" | python3 -m json.tool 2>&1) | head -n 8 | sed 's/^/    /'
	return 1
}

start_bg "$TMPDIR_TEST/regions.out" "$HELPERS/regions"
hp=$BG_PID
stop_pid $hp
check "bpf-iter equals /proc for every region kind (helper)" same_json $hp
for mode in "" -d -p "-d -p" -k; do
	# shellcheck disable=SC2086
	if cmp -s <("$VMSCOPE" map $mode --backend bpf-iter $hp) <("$VMSCOPE" map $mode --backend procfs $hp); then
		pass "bpf-iter pmap table equals procfs ($mode)"
	else fail "bpf-iter pmap table equals procfs ($mode)"; fi
done

start_python "$TMPDIR_TEST/py.out" json csv ssl sqlite3 threading
py=$BG_PID
stop_pid $py
check "bpf-iter equals /proc for a stopped python3" same_json $py

n=0 bad=0
for d in /proc/[0-9]*; do
	p=${d#/proc/}
	[ -n "$(head -c1 "$d/maps" 2>/dev/null)" ] || continue
	n=$((n + 1))
	same_json "$p" >/dev/null || { bad=$((bad + 1)); echo "    differs: $p $(cat "$d/comm" 2>/dev/null)"; }
done
echo "    compared $n processes, $bad differ"
if [ "$n" -gt 3 ] && [ "$bad" -eq 0 ]; then pass "bpf-iter equals /proc for every process ($n)"
else fail "bpf-iter equals /proc for every process" "$bad of $n differ"; fi

# While a process moves a page between two far-apart addresses, every consistent picture holds
# exactly one of them. The iterators hold no mmap_lock since the 2026 rework: a walk that raced
# with a move must be redone (or answered from /proc), never printed torn (both, or neither).
# Without the validation about 5% of the walks here come out torn.
start_bg "$TMPDIR_TEST/flip.out" "$HELPERS/mremap_flip"
fp=$BG_PID
read -r _ lo _ hi <"$TMPDIR_TEST/flip.out"
torn=0 raced=0 runs=0
for _ in $(seq 60); do
	[ -n "$fp" ] || break
	"$VMSCOPE" map -v -q --backend bpf-iter "$fp" >"$TMPDIR_TEST/c.txt" 2>"$TMPDIR_TEST/c.err" || continue
	# an answer from /proc is not the iterator's: /proc takes no mmap_lock either since 6.17
	# (per-VMA locks) and is seen torn here too
	if grep -q 'raced with changes' "$TMPDIR_TEST/c.err"; then raced=$((raced + 1)); continue; fi
	runs=$((runs + 1))
	n=$(grep -Ec "^0*($lo|$hi) " "$TMPDIR_TEST/c.txt")
	[ "$n" -eq 1 ] || torn=$((torn + 1))
done
[ -n "$fp" ] && kill_pid "$fp"
echo "    $runs walks of a process flipping a page between $lo and $hi: $torn torn; $raced reads answered from /proc after 8 raced walks"
if [ "$runs" -ge 30 ] && [ "$torn" -eq 0 ]; then pass "bpf-iter never prints a torn walk of a changing process ($runs walks)"
else fail "bpf-iter never prints a torn walk of a changing process" "$torn torn of $runs"; fi

# Kernel threads have no mm: the iterator yields nothing, the command says why.
out=$("$VMSCOPE" map --backend bpf-iter 2 2>&1 >/dev/null); rc=$?
if [ $rc -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 1 ]; then pass "bpf-iter: kernel thread is one clear error"
else fail "bpf-iter: kernel thread is one clear error" "rc=$rc: $out"; fi
iter_gone() { ! bpftool prog show 2>/dev/null | grep -q vms_vma_iter; }
if iter_gone || { sleep 2; iter_gone; }; then pass "bpf-iter leaves no program loaded"
else fail "bpf-iter leaves no program loaded"; fi
