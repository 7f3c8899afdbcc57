#!/bin/bash
# vmscope map --all: every process in one pass over the live model (and from /proc, said once on
# stderr, when it is not running), with the content /proc/*/maps has for every process present
# in both: the test's stopped helpers must be there, and every other process whose maps did not
# change across the read (quiescent system processes) must be exact too. Each tier, and the
# model without its reader (refused: reads by batches). Real BPF: under VMSCOPE_REQUIRE_BPF=1 it
# must run.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then skip_bpf "map --all" "needs root"; exit 0; fi
CHECK=$(dirname "$0")/../map_all_check.py
T=$TMPDIR_TEST

snap() { # snap DIR: a copy of every readable /proc/PID/maps
	local d p
	rm -rf "$1"; mkdir -p "$1"
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		cat "$d/maps" >"$1/$p" 2>/dev/null || rm -f "$1/$p"
	done
}
# all_equals NAME FORMAT [ENV...]: map --all -F FORMAT against /proc, the helpers required
all_equals() {
	local name=$1 fmt=$2 rc out
	shift 2
	snap "$T/before"
	env "$@" "$VMSCOPE" map --all -F "$fmt" >"$T/all.$fmt" 2>"$T/all.err"; rc=$?
	snap "$T/after"
	# the only errors allowed: processes this root cannot read (a sandbox's init)
	if grep -v 'permission denied' "$T/all.err" | grep -v 'reading /proc, since' | grep -q .; then
		fail "$name" "stderr: $(head -c 300 "$T/all.err")"; return
	fi
	if [ $rc -ne 0 ] && ! grep -q 'permission denied' "$T/all.err"; then
		fail "$name" "exit $rc"; return
	fi
	# shellcheck disable=SC2086 # the helpers' pids
	if out=$(python3 "$CHECK" "$fmt" "$T/all.$fmt" "$T/before" "$T/after" $HELPER_PIDS 2>&1); then
		pass "$name (${out##*$'\n'})"
	else fail "$name" "$(echo "$out" | head -n 6 | tr '\n' '|')"; fi
}

"$VMSCOPE" stop >/dev/null 2>&1
HELPER_PIDS=
start_bg "$T/r1.out" "$HELPERS/regions" --ascii-names && HELPER_PIDS="$HELPER_PIDS $BG_PID"
start_bg "$T/r2.out" "$HELPERS/regions" many 300 && HELPER_PIDS="$HELPER_PIDS $BG_PID"
start_bg "$T/r3.out" "$HELPERS/regions" many-file 200 && HELPER_PIDS="$HELPER_PIDS $BG_PID"
start_python "$T/py.out" json csv sqlite3 && HELPER_PIDS="$HELPER_PIDS $BG_PID"
for p in $HELPER_PIDS; do stop_pid "$p"; done
if [ "$(echo $HELPER_PIDS | wc -w)" -ne 4 ]; then fail "map --all helpers start" "$HELPER_PIDS"; fi
set -- $HELPER_PIDS
hp=$1

# ---- without the model: /proc, said once ----
"$VMSCOPE" map --all -F csv >/dev/null 2>"$T/noproc.err"
n=$(grep -c 'reading /proc' "$T/noproc.err")
if [ "$n" -eq 1 ]; then pass "map --all without the model says once that it reads /proc"
else fail "map --all without the model says once that it reads /proc" "$n lines: $(head -c 200 "$T/noproc.err")"; fi
all_equals "map --all -F json from /proc equals /proc/*/maps" json
all_equals "map --all -F csv --backend procfs equals /proc/*/maps" csv

# ---- the model, tier by tier ----
for tier in kfunc-resync event-resync; do
	if [ $tier = event-resync ]; then env=(VMSCOPE_TIER=event-resync); else env=(); fi
	"$VMSCOPE" stop >/dev/null 2>&1
	out=$(env "${env[@]}" "$VMSCOPE" start 2>&1) || { fail "start ($tier)" "$out"; continue; }
	all_equals "map --all -F json from the model ($tier) equals /proc/*/maps" json
	all_equals "map --all -F csv from the model ($tier) equals /proc/*/maps" csv
	"$VMSCOPE" map --all 2>/dev/null | awk -v p="$hp" '$1 == p":" {on=1} on {print} on && / total / {exit}' >"$T/sect.txt"
	if [ -s "$T/sect.txt" ] && cmp -s <(pmap "$hp") "$T/sect.txt"; then
		pass "map --all ($tier): a helper's table equals pmap's byte for byte"
	else fail "map --all ($tier): a helper's table equals pmap's byte for byte" "$(diff <(pmap "$hp") "$T/sect.txt" | head -n 4 | tr '\n' '|')"; fi
	if [ $tier = kfunc-resync ]; then
		n=$("$VMSCOPE" map --all -F json -v 2>&1 >/dev/null | grep -c 'reading the map by batches')
		if [ "$n" -eq 0 ]; then pass "map --all uses the model's reader (no batch read)"
		else fail "map --all uses the model's reader (no batch read)" "$n batch reads"; fi
	fi
done

# ---- the per-process reader: a small process is read at its VMA starts, not from the whole
# slab; refused alone, the model starts without it (one line) and a read copies the process's
# slots from the slab. (Tier kfunc-resync only: tier event-resync is for kernels without the
# kfunc VMA iterator.) ----
"$VMSCOPE" stop >/dev/null 2>&1
"$VMSCOPE" start >/dev/null 2>&1
"$VMSCOPE" map -v --backend bpf "$hp" 2>"$TMPDIR_TEST/bs.err" >/dev/null
if grep -q "read at the kernel's VMA starts" "$TMPDIR_TEST/bs.err"; then
	pass "map PID reads the process at its VMA starts (the per-process reader)"
else fail "map PID reads the process at its VMA starts (the per-process reader)" "$(grep debug "$TMPDIR_TEST/bs.err" | tail -n 3)"; fi
"$VMSCOPE" stop >/dev/null 2>&1
out=$(VMSCOPE_INJECT_REFUSAL=by-start "$VMSCOPE" start 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$(echo "$out" | grep -c "per-process reader is off")" -eq 1 ] &&
	[ ! -e "$PIN/progs/dump_proc" ] && [ -e "$PIN/progs/dump" ]; then
	pass "a refused per-process reader: the model starts with the whole-map reader, said in one line"
else fail "a refused per-process reader: the model starts with the whole-map reader, said in one line" "rc=$rc $out"; fi
"$VMSCOPE" map -v --backend bpf "$hp" 2>"$TMPDIR_TEST/bs.err" >/dev/null
if grep -q "slab read for one process" "$TMPDIR_TEST/bs.err" && ! grep -q "VMA starts" "$TMPDIR_TEST/bs.err"; then
	pass "without it, map PID reads the process's slots from the slab"
else fail "without it, map PID reads the process's slots from the slab" "$(grep debug "$TMPDIR_TEST/bs.err" | tail -n 3)"; fi
check "map PID from the slab equals /proc" model_equals_proc "$hp"

# ---- the reader refused: the model loads without it; reads go from the slab (tier
# kfunc-resync; tier event-resync would read its hash by batches) ----
"$VMSCOPE" stop >/dev/null 2>&1
out=$(VMSCOPE_INJECT_REFUSAL=dump "$VMSCOPE" start 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$(echo "$out" | grep -c "reader is off")" -eq 1 ]; then
	pass "a refused reader: the model starts without it, said in one line"
else fail "a refused reader: the model starts without it, said in one line" "rc=$rc $out"; fi
all_equals "map --all -F json without the reader equals /proc/*/maps" json
check "map PID without the reader equals /proc" model_equals_proc "$hp"
"$VMSCOPE" stop >/dev/null 2>&1

# ---- usage ----
out=$("$VMSCOPE" map --all "$hp" 2>&1); rc=$?
if [ $rc -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 1 ]; then pass "map --all with a PID is one usage error"
else fail "map --all with a PID is one usage error" "rc=$rc $out"; fi
no_progs 'name (vms_|store_|resync_)' && pass "nothing of the model is left loaded" || fail "nothing of the model is left loaded"
