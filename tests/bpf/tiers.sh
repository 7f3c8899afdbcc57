#!/bin/bash
# The one tier decision, by fault injection: VMSCOPE_INJECT_REFUSAL (tests only) makes the
# verifier really refuse a tier's, the fault counts' or the bpf-iter backend's programs. Then
# `start` must fall back and say why in one line, `features` must name what `start` runs, and
# `status` must show the same reason; the model it falls back to must still be exact.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then skip_bpf "tier fallbacks" "needs root"; exit 0; fi
T=$TMPDIR_TEST

one_line() { # FILE: exactly one line, prefixed "vmscope: "
	[ "$(wc -l <"$1")" -eq 1 ] && grep -q '^vmscope: ' "$1"
}
nothing_pinned() { [ ! -e "$PIN" ]; }
not_grep_perm() { ! grep -qi 'permission denied' "$1"; }

"$VMSCOPE" stop >/dev/null 2>&1
start_bg "$T/regions.out" "$HELPERS/regions" || fail "regions helper starts"
hp=$BG_PID

# --- the best tier refused: start falls back to event-resync ---
export VMSCOPE_INJECT_REFUSAL=kfunc-resync
"$VMSCOPE" features --json >"$T/f.json" 2>"$T/f.err"
check "features exits 0 with tier kfunc-resync refused" test $? -eq 0
check "features names tier event-resync when kfunc-resync is refused" \
	test "$(jget "$T/f.json" "d['tier']")" = event-resync
check "features says which program the verifier refused" \
	grep -q "the verifier refused program 'vms_sys_exit': R0 invalid mem access" <(jget "$T/f.json" "d['tier_reason']")
check "features: fault counts off, because tier event-resync cannot follow them" \
	grep -q '^off, because tier event-resync cannot follow them' <(jget "$T/f.json" "d['faults_reason']")
"$VMSCOPE" start --faults >"$T/start.out" 2>"$T/start.err"; rc=$?
check "start falls back (exit 0)" test $rc -eq 0
check "start says why it fell back, in one line" \
	grep -qx "vmscope: start: tier kfunc-resync did not load: the verifier refused program 'vms_sys_exit': R0 invalid mem access 'scalar'; running tier event-resync" "$T/start.err"
check "start says fault counts are off, in one line" \
	grep -qx "vmscope: start: page fault counts off, because tier event-resync cannot follow them (their keys move with the in-kernel range resync of tier kfunc-resync)" "$T/start.err"
check "start prints nothing else on stderr" test "$(wc -l <"$T/start.err")" -eq 2
"$VMSCOPE" status --json >"$T/s.json"
check "status agrees with features on the tier" \
	test "$(jget "$T/s.json" "d['tier']")" = "$(jget "$T/f.json" "d['tier']")"
check "status shows the fallback's reason" \
	grep -q "tier kfunc-resync did not load: the verifier refused program 'vms_sys_exit'" <(jget "$T/s.json" "d['tier_fallback']")
check "status shows why fault counts are off" \
	grep -q 'tier event-resync cannot follow them' <(jget "$T/s.json" "d['faults_off_reason']")
"$VMSCOPE" status >"$T/s.txt"
check "status (table) shows the fallback line" grep -q '^fallback  *tier kfunc-resync did not load' "$T/s.txt"
check "status (table) says page faults off, because" grep -q '^page faults  *off, because tier event-resync' "$T/s.txt"
check "the fallback tier's model equals /proc (regions helper)" model_equals_proc $hp
"$VMSCOPE" map --faults $hp >/dev/null 2>"$T/mf.err"; rc=$?
check "map --faults without fault counts exits 1 with one line" test $rc -eq 1 -a "$(wc -l <"$T/mf.err")" -eq 1
"$VMSCOPE" stop
check "stop leaves nothing pinned" nothing_pinned

# --- only the fault programs refused: the best tier runs without them ---
export VMSCOPE_INJECT_REFUSAL=faults
"$VMSCOPE" features --json >"$T/f.json" 2>/dev/null
check "features keeps tier kfunc-resync when only the fault programs are refused" \
	test "$(jget "$T/f.json" "d['tier']")" = kfunc-resync
check "features: fault counts off, because the kernel refused them (named program)" \
	grep -q "^off, because the kernel refused them: the verifier refused program 'vms_flt_min'" <(jget "$T/f.json" "d['faults_reason']")
check "features: faults_source is off" test "$(jget "$T/f.json" "d['faults_source']")" = off
"$VMSCOPE" start --faults >"$T/start.out" 2>"$T/start.err"; rc=$?
check "start --faults with refused fault programs still starts (exit 0)" test $rc -eq 0
check "... and says so in one line" one_line "$T/start.err"
check "... naming the refused program" grep -q "page fault counts off, because the kernel refused them: the verifier refused program 'vms_flt_min'" "$T/start.err"
"$VMSCOPE" status --json >"$T/s.json"
check "status: tier kfunc-resync, no tier fallback" \
	test "$(jget "$T/s.json" "d['tier']"),$(jget "$T/s.json" "d['tier_fallback']")" = kfunc-resync,
check "status: faults off with the refusal as reason" \
	grep -q "vms_flt_min" <(jget "$T/s.json" "d['faults_off_reason']")
check "the model without fault programs equals /proc" model_equals_proc $hp
"$VMSCOPE" stop

# --- every tier refused: start fails in one line and leaves nothing behind ---
export VMSCOPE_INJECT_REFUSAL=kfunc-resync,event-resync
"$VMSCOPE" start >"$T/start.out" 2>"$T/start.err"; rc=$?
check "start with every tier refused exits 1" test $rc -eq 1
check "... with one line naming both refusals" \
	grep -qx "vmscope: start: cannot load the model: no model tier loads (kfunc-resync: the verifier refused program 'vms_sys_exit': .*; event-resync: the verifier refused program 'vms_sys_exit_ev': .*): /proc backend only" "$T/start.err"
check "... and pins nothing" nothing_pinned
"$VMSCOPE" features --json >"$T/f.json" 2>/dev/null
check "features names tier procfs when no tier loads" test "$(jget "$T/f.json" "d['tier']")" = procfs
check "map still works (procfs) with every tier refused" \
	cmp -s <("$VMSCOPE" map $hp) <("$VMSCOPE" map --backend procfs $hp)

# --- bpf-iter's program refused: it answers from /proc and says so only under -v ---
export VMSCOPE_INJECT_REFUSAL=bpf-iter
"$VMSCOPE" map --backend bpf-iter $hp >"$T/it.out" 2>"$T/it.err"; rc=$?
check "bpf-iter with its program refused exits 0" test $rc -eq 0
check "... prints what procfs prints" cmp -s "$T/it.out" <("$VMSCOPE" map --backend procfs $hp)
check "... and nothing on stderr without -v" test ! -s "$T/it.err"
"$VMSCOPE" map -v --backend bpf-iter $hp 2>&1 >/dev/null | grep '^vmscope: ' >"$T/itv.err"
check "-v says the program was refused and /proc was read" \
	grep -q "bpf-iter: cannot load its program: the verifier refused program 'vms_vma_iter'" "$T/itv.err"
check "... never 'permission denied' for root" not_grep_perm "$T/itv.err"
unset VMSCOPE_INJECT_REFUSAL

# --- without injection: features and start agree ---
"$VMSCOPE" features --json >"$T/f.json" 2>/dev/null
"$VMSCOPE" start >/dev/null 2>"$T/start.err"
"$VMSCOPE" status --json >"$T/s.json"
check "features names the tier start runs" \
	test "$(jget "$T/f.json" "d['tier']")" = "$(jget "$T/s.json" "d['tier']")"
check "start says nothing on stderr when the best tier loads" test ! -s "$T/start.err"
"$VMSCOPE" stop
check "nothing pinned at the end" nothing_pinned

# --- the tier start falls back to is exact under stress too (the differential stress test) ---
VMSCOPE_INJECT_REFUSAL=kfunc-resync VMS_STRESS_OPS=${VMS_FALLBACK_OPS:-2000} \
	bash "$(dirname "$0")/model_stress.sh" 2>&1 |
	sed -E 's/^(PASS|FAIL|SKIP): /\1: fallback tier: /'
check "nothing pinned after the fallback tier's stress test" nothing_pinned
