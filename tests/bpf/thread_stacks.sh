#!/bin/bash
# Thread stacks /proc cannot show: tests/helpers/threads_run's threads spin in user space (their
# `syscall` file says "running", kstkesp is 0) on stacks it mmap'd itself, some with a
# sigaltstack. Without the model they are unlabelled, and nothing says so as an error; with the
# model (both tiers) every stack carries its tid (`[ stack tid=N ]`, vmmap's `thread N`) and
# every sigaltstack its thread's (`[ altstack tid=N ]`, `signal stack of thread N`), through
# --backend bpf and --backend procfs alike: from the stack pointer each thread was created with
# (a helper started after the model) or the one sampled at `start` (a helper started before).
# Threads that exit take their records with them; 2,000 short-lived threads leave none.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

T=thread_stacks
if [ "$(id -u)" -ne 0 ]; then skip_bpf "$T: thread stacks through the model" "needs root"; exit 0; fi

# labels FILE PID BACKEND...: checks that `map --format illumos` and `--format vmmap` label every
# stack and altstack FILE (the helper's output) lists, at its start address; prints what is wrong.
labels() {
	local lines=$1 pid=$2
	shift 2
	"$VMSCOPE" map "$@" --format illumos "$pid" >"$TMPDIR_TEST/il" 2>"$TMPDIR_TEST/il.err" || echo "illumos: exit $?"
	"$VMSCOPE" map "$@" --format vmmap "$pid" >"$TMPDIR_TEST/vm" 2>"$TMPDIR_TEST/vm.err" || echo "vmmap: exit $?"
	[ -s "$TMPDIR_TEST/il.err" ] && echo "illumos stderr: $(head -n 2 "$TMPDIR_TEST/il.err")"
	[ -s "$TMPDIR_TEST/vm.err" ] && echo "vmmap stderr: $(head -n 2 "$TMPDIR_TEST/vm.err")"
	python3 - "$lines" "$TMPDIR_TEST/il" "$TMPDIR_TEST/vm" <<'EOF'
import re, sys
want = [l.split() for l in open(sys.argv[1]) if l.startswith(("stack ", "altstack "))]
il = {}
for l in open(sys.argv[2]):
    m = re.match(r"([0-9A-F]{8,16}) +\d+K? +\S+ +(.*)$", l.rstrip("\n"))
    if m:
        il[int(m.group(1), 16)] = m.group(2).strip()
vm = {}
for l in open(sys.argv[3]):
    m = re.match(r"(.*?) +([0-9a-f]+)-([0-9a-f]+) \[.*?\] \S+ SM=\S+ +(.*)$", l.rstrip("\n"))
    if m:
        vm[int(m.group(2), 16)] = (m.group(1).strip(), m.group(4).strip())
bad = []
if len(want) < 2:
    bad.append("the helper listed %d stacks" % len(want))
for kind, tid, start, end in want:
    s = int(start, 16)
    lab = "[ %s tid=%s ]" % (kind, tid)
    if il.get(s) != lab:
        bad.append("illumos %s: %r, not %r" % (start, il.get(s), lab))
    det = ("signal stack of thread " if kind == "altstack" else "thread ") + tid
    if vm.get(s) != ("Stack", det):
        bad.append("vmmap %s: %r, not %r" % (start, vm.get(s), ("Stack", det)))
print("\n".join(bad[:6]))
EOF
}

# No model: the spinning threads' stacks are unlabelled (anon), and nothing is said about it.
"$VMSCOPE" stop >/dev/null 2>&1
if start_bg "$TMPDIR_TEST/none.out" "$HELPERS/threads_run" spin 4; then
	none=$BG_PID
	"$VMSCOPE" map --backend procfs --format illumos "$none" >"$TMPDIR_TEST/none.il" 2>"$TMPDIR_TEST/none.err"; rc=$?
	nlab=$(grep -c 'tid=' "$TMPDIR_TEST/none.il")
	if [ $rc = 0 ] && [ ! -s "$TMPDIR_TEST/none.err" ] && [ "$nlab" = 0 ]; then
		pass "$T: without the model, running threads' stacks are unlabelled, with no error"
	else fail "$T: without the model, running threads' stacks are unlabelled, with no error" \
		"rc=$rc, $nlab labels, stderr: $(head -c 200 "$TMPDIR_TEST/none.err")"; fi
	kill_pid "$none"
else fail "$T: threads_run spin did not start"; fi

# records_settle: dead_thread_records of `status --json` (0 wanted), asked a few times: other
# threads of the machine may exit between the walk and the check.
records_settle() {
	local dead
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		dead=$("$VMSCOPE" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["dead_thread_records"])')
		[ "$dead" = 0 ] && break
		sleep 0.3
	done
	echo "$dead"
}

for tier in kfunc-resync event-resync; do
	if [ $tier = event-resync ]; then env=(env VMSCOPE_TIER=event-resync); else env=(env); fi
	start_bg "$TMPDIR_TEST/early.out" "$HELPERS/threads_run" spin 2; early=$BG_PID # sampled at start
	if ! out=$("${env[@]}" "$VMSCOPE" start 2>&1); then
		skip_bpf "$T ($tier): thread stacks through the model" "vmscope start failed: $out"
		kill_pid "$early"
		continue
	fi
	got=$("$VMSCOPE" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["tier"])')
	if [ "$got" != $tier ]; then
		skip_bpf "$T ($tier): thread stacks through the model" "the model loaded tier $got"
		"$VMSCOPE" stop >/dev/null; kill_pid "$early"
		continue
	fi
	start_bg "$TMPDIR_TEST/late.out" "$HELPERS/threads_run" spin 4; late=$BG_PID # followed from birth
	for be in bpf procfs; do
		for who in late early; do
			pid=${!who}
			why=$(labels "$TMPDIR_TEST/$who.out" "$pid" --backend $be)
			name="$T ($tier): --backend $be labels every stack and altstack of running threads ($who: $([ $who = late ] && echo "their creation sp" || echo "the sp sampled at start"))"
			if [ -z "$why" ]; then pass "$name"; else fail "$name" "$(echo "$why" | head -n 4 | tr '\n' ';')"; fi
		done
	done
	# The threads return: their records go, their regions (still mapped) lose their labels.
	kill -USR1 "$late"
	if wait_for "$TMPDIR_TEST/late.out" '^joined$' 5 "$late"; then
		# only the main thread's sigaltstack stays labelled
		left=$("$VMSCOPE" map --backend bpf --format illumos "$late" | grep 'tid=' | grep -vc "\[ altstack tid=$late \]")
		dead=$(records_settle)
		if [ "$left" = 0 ] && [ "$dead" = 0 ]; then
			pass "$T ($tier): exited threads lose their labels and records"
		else fail "$T ($tier): exited threads lose their labels and records" "$left labels left, $dead dead records"; fi
	else fail "$T ($tier): threads_run did not join its threads"; fi
	kill_pid "$late" "$early"
	# Churn: 2,000 short-lived threads, each with a sigaltstack, leave no record behind.
	out=$("$HELPERS/threads_run" churn 2000 2>&1); rc=$?
	dead=$(records_settle)
	full=$("$VMSCOPE" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["thread_map_full"])')
	if [ $rc = 0 ] && [ "$dead" = 0 ] && [ "$full" = 0 ]; then
		pass "$T ($tier): 2,000 short-lived threads leave no thread records ($out)"
	else fail "$T ($tier): 2,000 short-lived threads leave no thread records" "rc=$rc ($out), dead records $dead, map full $full"; fi
	"$VMSCOPE" stop >/dev/null
done
