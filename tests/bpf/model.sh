#!/bin/bash
# The live model: start/stop/status, the model against /proc for real programs, churn and pid
# reuse, overflow, and a clean kernel afterwards. Real BPF: under VMSCOPE_REQUIRE_BPF=1 it must run.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then skip_bpf "live model" "needs root"; exit 0; fi

no_programs_left() { no_progs 'name (vms_|store_|resync_)'; }

"$VMSCOPE" stop >/dev/null 2>&1
# A process that exists before the model starts is seeded, not followed from its birth.
start_python "$TMPDIR_TEST/early.out" json csv sqlite3 threading
early=$BG_PID

out=$("$VMSCOPE" start 2>&1); rc=$?
if [ $rc -eq 0 ] && [ -d "$PIN" ] && [ "$(stat -c %a "$PIN")" = 700 ]; then pass "start pins the model under $PIN (0700)"
else fail "start pins the model under $PIN (0700)" "rc=$rc $out"; fi
echo "    $out"
out=$("$VMSCOPE" start 2>&1); rc=$?
if [ $rc -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q 'already running'; then
	pass "a second start says it is already running"
else fail "a second start says it is already running" "rc=$rc $out"; fi
procs=$(status_get "d['processes']")
if [ "${procs:-0}" -gt 3 ]; then pass "status reports the seeded processes ($procs)"
else fail "status reports the seeded processes" "$procs"; fi

stop_pid $early
check "model equals /proc for a process seeded at start (python3)" model_equals_proc $early

start_bg "$TMPDIR_TEST/regions.out" "$HELPERS/regions"
hp=$BG_PID
stop_pid $hp
check "model equals /proc for every region kind (followed from its start)" model_equals_proc $hp
for mode in "" -d -q "-d -q" -p -k; do
	# shellcheck disable=SC2086
	if cmp -s <(pmap $mode $hp 2>/dev/null || true) <("$VMSCOPE" map $mode --backend bpf $hp) || [ "$mode" = -k ]; then
		if [ "$mode" = -k ]; then
			check "map -k from the model equals procfs" \
				cmp -s <("$VMSCOPE" map -k --backend procfs $hp) <("$VMSCOPE" map -k --backend bpf $hp)
			continue
		fi
		pass "map --backend bpf $mode equals pmap byte for byte"
	else fail "map --backend bpf $mode equals pmap byte for byte"; fi
done

start_python "$TMPDIR_TEST/py.out" json csv ssl sqlite3 decimal email.parser threading
py=$BG_PID
stop_pid $py
check "model equals /proc for python3 importing modules" model_equals_proc $py
if cmp -s <(pmap $py) <("$VMSCOPE" map --backend bpf $py); then pass "map --backend bpf of python3 equals pmap byte for byte"
else fail "map --backend bpf of python3 equals pmap byte for byte"; fi

# A compiler run, stopped in the middle: cc1 of a large generated file.
src=$TMPDIR_TEST/big.c
python3 -c "
print('#include <stdio.h>')
for i in range(12000): print(f'static int f{i}(int x) {{ return x * {i} + (x >> 3) - {i % 17}; }}')
print('int main(void) { int s = 0;')
for i in range(12000): print(f's += f{i}(s);')
print('printf(\"%d\\\\n\", s); return 0; }')" >"$src"
gcc -O1 -c "$src" -o "$TMPDIR_TEST/big.o" &
gccpid=$!
cc1=""
for _ in $(seq 100); do cc1=$(pgrep -P $gccpid -x cc1 | head -n1); [ -n "$cc1" ] && break; sleep 0.05; done
if [ -n "$cc1" ]; then
	sleep 0.2; stop_pid "$cc1"
	check "model equals /proc for a running compiler (cc1)" model_equals_proc "$cc1"
	kill -CONT "$cc1"
else fail "model equals /proc for a running compiler (cc1)" "no cc1 seen"; fi
wait $gccpid 2>/dev/null

# A reader never sees a torn model: a range update edits the published set in place, so a read
# that overlapped one is redone. A process that moves a page between two far-apart addresses
# must always show exactly one of them (before the fix, about 6% of the reads here had both or
# neither). Answers from /proc (after 16 overlapped reads) are not the model's and are counted.
# (a pause of 200 us between flips: a model read walks the whole VMA map, slower than one flip)
# With PAD more VMAs (3,000: more than tier kfunc-resync reads at a process's VMA starts), a read
# of the process copies its slots from the mapped slab: the same checks.
torn_check() { # PAD WHAT
	local pad=$1 what=$2
	rm -f "$TMPDIR_TEST"/st.*
	start_bg "$TMPDIR_TEST/flip.out" "$HELPERS/mremap_flip" 200 "$pad"
	fp=$BG_PID
	if [ -n "$fp" ]; then
		read -r _ lo _ hi <"$TMPDIR_TEST/flip.out"
		# until 40 reads were the model's (how many fall back depends on the machine's speed), at
		# most 600 tries; at least 20 must be the model's for the check to mean anything
		torn=0 fellback=0 reads=0
		for _ in $(seq 600); do
			[ "$reads" -ge 40 ] && break
			"$VMSCOPE" map -v -q --backend bpf "$fp" >"$TMPDIR_TEST/flip.txt" 2>"$TMPDIR_TEST/flip.err" || continue
			if grep -q '/proc' "$TMPDIR_TEST/flip.err"; then fellback=$((fellback + 1)); continue; fi
			reads=$((reads + 1))
			[ "$(grep -Ec "^0*($lo|$hi) " "$TMPDIR_TEST/flip.txt")" -eq 1 ] || torn=$((torn + 1))
		done
		# ... and each read is a whole, real picture: equal to /proc's with the helper stopped in one
		# of its two states (both captured first, stopped between two moves), for map PID and for the
		# process's line of map --all
		norm() { sed 's/"backend": "[a-z-]*"/"backend": "-"/'; }
		for _ in $(seq 100); do
			[ -s "$TMPDIR_TEST/st.lo" ] && [ -s "$TMPDIR_TEST/st.hi" ] && break
			stop_pid "$fp"
			"$VMSCOPE" map --backend procfs -F json "$fp" | norm >"$TMPDIR_TEST/st.json"
			kill -CONT "$fp"
			if grep -q "\"0x$lo\"" "$TMPDIR_TEST/st.json"; then mv "$TMPDIR_TEST/st.json" "$TMPDIR_TEST/st.lo"
			else mv "$TMPDIR_TEST/st.json" "$TMPDIR_TEST/st.hi"; fi
			sleep 0.01
		done
		whole=0 broken=0 wfell=0
		for i in $(seq 300); do
			[ "$whole" -ge 30 ] && break
			if [ $((i % 2)) = 0 ]; then
				"$VMSCOPE" map -v --backend bpf -F json "$fp" 2>"$TMPDIR_TEST/w.err" | norm >"$TMPDIR_TEST/w.json"
				grep -q '/proc' "$TMPDIR_TEST/w.err" && { wfell=$((wfell + 1)); continue; }
			else
				"$VMSCOPE" map --all -F json 2>/dev/null | grep "^{\"pid\": $fp," >"$TMPDIR_TEST/w.all"
				grep -q '"backend": "bpf"' "$TMPDIR_TEST/w.all" || { wfell=$((wfell + 1)); continue; }
				norm <"$TMPDIR_TEST/w.all" >"$TMPDIR_TEST/w.json"
			fi
			if cmp -s "$TMPDIR_TEST/w.json" "$TMPDIR_TEST/st.lo" || cmp -s "$TMPDIR_TEST/w.json" "$TMPDIR_TEST/st.hi"; then
				whole=$((whole + 1))
			else broken=$((broken + 1)); fi
		done
		echo "    $whole model reads (map PID and map --all) compared whole with /proc's two stopped states: $broken differ; $wfell answered from /proc"
		if [ -s "$TMPDIR_TEST/st.lo" ] && [ -s "$TMPDIR_TEST/st.hi" ] && [ "$whole" -ge 15 ] && [ "$broken" -eq 0 ]; then
			pass "every model read of a churning process$what equals /proc's picture of it stopped ($whole reads)"
		else fail "every model read of a churning process$what equals /proc's picture of it stopped" "$broken of $((whole + broken)) differ; states captured: $(ls "$TMPDIR_TEST"/st.* 2>/dev/null | wc -l)"; fi
		kill_pid "$fp"
		echo "    $reads model reads of a process flipping a page: $torn torn; $fellback answered from /proc"
		if [ "$reads" -ge 20 ] && [ "$torn" -eq 0 ]; then pass "the model is never read torn$what ($reads reads)"
		else fail "the model is never read torn$what" "$torn torn of $reads"; fi
	else
		fail "the model is never read torn$what" "mremap_flip did not start"
	fi
}
torn_check 0 ""
torn_check 3000 " (3,000 VMAs: read from the slab)"

# Churn: processes come and go; the model must not keep any of them.
out=$("$HELPERS/churn" 10000 2>&1); rc=$?
echo "    $out"
# `status` collects dead generations first; other processes of the machine may exit meanwhile
# (their entries wait for the next sweep), so it is asked again a few times before the counts
# have to be zero. All three counts come from one status call, which runs alone: python3 started
# beside it (a pyenv shim starts a dozen short processes) would exit processes into its count.
for _ in 1 2 3 4 5 6 7 8 9 10; do
	"$VMSCOPE" status --json >"$TMPDIR_TEST/churn.status"
	read -r dead dead_e garbage < <(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(d["dead_processes"], d["dead_process_entries"], d["garbage_entries"])' "$TMPDIR_TEST/churn.status")
	[ "$dead" = 0 ] && [ "$dead_e" = 0 ] && break
	sleep 0.3
done
echo "    after churn: dead processes $dead, their entries $dead_e, old generations awaiting the sweep $garbage"
if [ $rc -eq 0 ] && [ "$dead" = 0 ] && [ "$dead_e" = 0 ] && [ "$garbage" -lt 1024 ]; then
	pass "10,000 short-lived processes leave no model entries (dead 0, their entries 0)"
else fail "10,000 short-lived processes leave no model entries" "rc=$rc dead=$dead entries=$dead_e garbage=$garbage"; fi

# Pid reuse: a new process under a pid the model knew must not inherit its regions.
sleep 300 & old=$!
sleep 0.2; kill -KILL $old; wait $old 2>/dev/null
echo $((old - 1)) >/proc/sys/kernel/ns_last_pid
sh -c 'exec python3 -c "import time; time.sleep(30)"' &
new=$!; cleanup_pid $new
if [ "$new" = "$old" ]; then
	sleep 1; stop_pid $new
	check "a reused pid gets the new process's regions" model_equals_proc $new
else skip_bpf "a reused pid gets the new process's regions" "could not reuse pid $old (got $new)"; fi

# Overflow: tiny maps. Losses are counted, nothing wrong is printed, and the model is exact
# again once it has room.
"$VMSCOPE" stop
"$VMSCOPE" start --max-vmas 64 >/dev/null 2>&1
full=$(status_get "d['counters']['map_full']"); ovf=$(status_get "d['overflow_processes']")
if [ "${full:-0}" -gt 0 ] && [ "${ovf:-0}" -gt 0 ]; then pass "a full map is counted (map_full $full, $ovf processes overflowed)"
else fail "a full map is counted" "map_full=$full overflow=$ovf"; fi
if cmp -s <("$VMSCOPE" map --backend procfs -d $hp) <("$VMSCOPE" map --backend bpf -d $hp); then
	pass "with a full model the output is still exact (fallback to /proc)"
else fail "with a full model the output is still exact (fallback to /proc)"; fi
"$VMSCOPE" stop; "$VMSCOPE" start >/dev/null
check "the model is exact again with room (helper)" model_equals_proc $hp

# A stop signal at any moment of `start` ends it within 0.5 s with nothing left pinned (or, if
# it came after start finished, start succeeded). The moments spread over the measured start
# time, in both tiers (event-resync's seeding from /proc is the longer unwinding phase).
"$VMSCOPE" stop
for tier in "" event-resync; do
	t0=$(date +%s%N)
	VMSCOPE_TIER=$tier "$VMSCOPE" start >/dev/null 2>&1
	ms=$((($(date +%s%N) - t0) / 1000000))
	"$VMSCOPE" stop
	bad="" interrupted=0
	for frac in 0 10 25 50 75 90; do
		for sig in INT TERM; do
			VMSCOPE_TIER=$tier "$VMSCOPE" start >/dev/null 2>"$TMPDIR_TEST/sig.err" &
			sp=$!
			sleep "$(awk -v m="$ms" -v f="$frac" 'BEGIN { printf "%.3f", m * f / 100000 }')"
			kill -"$sig" $sp 2>/dev/null
			t1=$(date +%s%N)
			wait $sp; rc=$?
			took=$((($(date +%s%N) - t1) / 1000000))
			if [ $rc -eq 0 ]; then
				"$VMSCOPE" stop # it had finished: a started model
			# no line only when the signal beat the handlers (the first ms after exec)
			elif [ $rc -ne $((128 + $(kill -l $sig))) ] || [ -e "$PIN" ] || [ $took -gt 500 ] ||
				[ "$(wc -l <"$TMPDIR_TEST/sig.err")" -gt 1 ] ||
				{ [ -s "$TMPDIR_TEST/sig.err" ] &&
				  ! grep -q '^vmscope: start: interrupted by SIG' "$TMPDIR_TEST/sig.err"; }; then
				bad="$bad SIG$sig@$frac%:rc=$rc,${took}ms,$(head -c 120 "$TMPDIR_TEST/sig.err")"
				"$VMSCOPE" stop
			else
				interrupted=$((interrupted + 1))
			fi
		done
	done
	echo "    start (tier ${tier:-best}) takes ${ms} ms; $interrupted of 12 signals interrupted it"
	if [ -z "$bad" ] && [ $interrupted -ge 1 ]; then
		pass "start (tier ${tier:-best}): a signal at any moment ends it within 0.5 s, nothing pinned, at most one line"
	else
		fail "start (tier ${tier:-best}): a signal at any moment ends it within 0.5 s, nothing pinned, at most one line" "${bad:-no signal came before start finished}"
	fi
done
check "start: no program left after the interrupted starts" no_programs_left
"$VMSCOPE" start >/dev/null

# Clean kernel state after stop, twice in a row.
ok=1
for i in 1 2; do
	"$VMSCOPE" stop || ok=0
	[ -e "$PIN" ] && ok=0
	no_programs_left || ok=0
	[ $i = 1 ] && { "$VMSCOPE" start >/dev/null || ok=0; }
done
if [ $ok = 1 ]; then pass "start/stop twice leaves $PIN absent and no programs loaded"
else fail "start/stop twice leaves $PIN absent and no programs loaded" "$(ls "$PIN" 2>&1; bpftool prog show | grep -E 'vms_' | head -3)"; fi
out=$("$VMSCOPE" status 2>&1); rc=$?
if [ $rc -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 1 ]; then pass "status without a model is one clear error"
else fail "status without a model is one clear error" "rc=$rc $out"; fi
out=$("$VMSCOPE" map --backend bpf $$ 2>&1 >/dev/null); rc=$?
if [ $rc -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 1 ]; then pass "--backend bpf without a model is one clear error"
else fail "--backend bpf without a model is one clear error" "rc=$rc $out"; fi

# Reconcile: a model entry lost behind the model's back is found, logged with its cause,
# counted, and repaired.
"$VMSCOPE" start >/dev/null
sleep 30 &
victim=$!; cleanup_pid $victim
sleep 0.3
"$VMSCOPE" status >/dev/null # collects old generations first
# shellcheck disable=SC2046 # the key's bytes, one word each
gen=$(bpftool map lookup pinned "$PIN"/maps/vms_procs key $(python3 -c "import struct; print(' '.join(str(b) for b in struct.pack('<I', $victim)))") -j |
	python3 -c "import json, struct, sys; v = bytes(int(x, 16) for x in json.load(sys.stdin)['value']); print(struct.unpack('<QQ', v[:16])[1] >> 32)")
# the tier's storage: the slab's index (kfunc-resync; the slot stays, as after a lost race), or
# the hash (event-resync)
vmamap=vms_index
[ "$(status_get "d['tier']")" = kfunc-resync ] || vmamap=vms_vmas
key=$(bpftool map dump pinned "$PIN"/maps/$vmamap -j | python3 -c "
import json, struct, sys
for e in json.load(sys.stdin):
    k = bytes(int(x, 16) for x in e['key'])
    if struct.unpack('<II', k[:8]) == ($victim, $gen):
        print(' '.join(str(b) for b in k)); break")
if [ $vmamap = vms_index ]; then # the entry's slot is emptied too
	# shellcheck disable=SC2086 # the key's bytes, one word each
	slot=$(bpftool map lookup pinned "$PIN"/maps/vms_index key $key -j |
		python3 -c "import json, sys; print(' '.join(str(int(x, 16)) for x in json.load(sys.stdin)['value']))")
	# shellcheck disable=SC2086,SC2046
	bpftool map update pinned "$PIN"/maps/vms_slab key $slot value $(printf '0 %.0s' $(seq 56))
fi
# shellcheck disable=SC2086 # the key's bytes, one word each
bpftool map delete pinned "$PIN"/maps/$vmamap key $key
out=$("$VMSCOPE" reconcile 2>&1)
div=$(status_get "d['counters']['divergences']")
if echo "$out" | grep -q "PID $victim (sleep): model lacks" && [ "${div:-0}" -ge 1 ]; then
	pass "reconcile finds, logs and counts a lost entry ($div divergences)"
else fail "reconcile finds, logs and counts a lost entry" "$out"; fi
stop_pid $victim
check "reconcile repairs the model" model_equals_proc $victim
"$VMSCOPE" stop

# Corner cases the stress test once caught, one process each (tests/helpers/vma_cases.c).
"$VMSCOPE" start >/dev/null
for c in heap stack-kernel stack-user uffd-dev uffd-syscall uffd-close uffd-child; do
	"$HELPERS/vma_cases" $c >"$TMPDIR_TEST/case.out" 2>&1 &
	cp=$!; cleanup_pid $cp
	wait_stopped $cp || { fail "model: $c" "did not stop: $(cat "$TMPDIR_TEST/case.out")"; continue; }
	check "model equals /proc: $(sed -n 's/^ready [0-9]* //p' "$TMPDIR_TEST/case.out")" model_equals_proc $cp
	kill_pid $cp
done
"$VMSCOPE" stop
