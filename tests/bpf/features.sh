#!/bin/bash
# `vmscope features`: the probes run, the JSON is complete, this kernel gets the right tier,
# nothing is left loaded or pinned, and bad options fail cleanly.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

KEYS="bpffs tracefs btf ringbuf tp_btf raw_tp iter_task_vma kfunc_iter find_vma fentry
perf_pagefault perf_fault_minmaj page_fault_user procmap_query pagemap_scan"
# Program names of bpf/probe_*.bpf.c.
PROGS="vmsp_ringbuf vmsp_tp_btf vmsp_raw_tp vmsp_iter_vma vmsp_kfunc_iter vmsp_find_vma
vmsp_fentry vmsp_perf_pf vmsp_flt_min vmsp_flt_user"
T=$TMPDIR_TEST

# version_ge A B: kernel release A is at least B (numeric part only).
version_ge() {
	local a=${1%%-*}
	[ "$(printf '%s\n%s\n' "$2" "$a" | sort -V | head -n1)" = "$2" ]
}

# JSON field: jget FILE EXPR (a Python expression on `d`).
jget() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# the live model may be running (pinned by `vmscope start`): features must add nothing to it
pins_before=$(find "${VMSCOPE_PIN_DIR:-/sys/fs/bpf/vmscope}" 2>/dev/null | sort)
"$VMSCOPE" features >"$T/table" 2>"$T/table.err"
check "features exits 0" test $? -eq 0
check "features prints a tier" grep -Eq '^tier (kfunc-resync|event-resync|procfs): .+' "$T/table"
check "features prints the fault-count source" grep -Eq '^faults \(start --faults\): .+' "$T/table"
check "features prints no libbpf noise without -v" test ! -s "$T/table.err"

"$VMSCOPE" features --json >"$T/json" 2>"$T/json.err"
check "features --json exits 0" test $? -eq 0
if python3 -c 'import json,sys; json.load(sys.stdin)' <"$T/json" 2>/dev/null; then
	pass "features --json parses"
	missing=""
	for k in $KEYS; do
		jget "$T/json" "type(d['features']['$k']['available']) is bool and type(d['features']['$k']['detail']) is str" \
			2>/dev/null | grep -qx True || missing="$missing $k"
	done
	check "features --json has every probe key${missing:+ (missing:$missing)}" test -z "$missing"
	check "features --json has kernel, tier, tier_reason, faults_source, faults_reason" \
		test "$(jget "$T/json" "all(k in d for k in ('kernel','tier','tier_reason','faults_source','faults_reason'))")" = True
	check "features --json kernel is uname -r" test "$(jget "$T/json" "d['kernel']")" = "$(uname -r)"
else
	fail "features --json parses"
fi

"$VMSCOPE" features -v >/dev/null 2>"$T/verbose.err"
check "features -v shows libbpf debug output" grep -q '^libbpf: ' "$T/verbose.err"

if [ "$(id -u)" -ne 0 ]; then
	skip_bpf "features on a kfunc-capable kernel" "not root"
else
	rel=$(uname -r)
	if version_ge "$rel" 6.7 && bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null |
			grep -q "FUNC 'bpf_iter_task_vma_new'"; then
		check "features tier is kfunc-resync on $rel" test "$(jget "$T/json" "d['tier']")" = kfunc-resync
		want="btf ringbuf tp_btf raw_tp iter_task_vma kfunc_iter find_vma perf_pagefault pagemap_scan"
		want="$want perf_fault_minmaj"
		version_ge "$rel" 6.11 && want="$want procmap_query"
		[ -d /sys/kernel/tracing/events/exceptions/page_fault_user ] && want="$want page_fault_user"
		for k in $want; do
			v=$(jget "$T/json" "d['features']['$k']['available']")
			check "features: $k available" test "$v" = True
			[ "$v" = True ] || echo "    $k: $(jget "$T/json" "d['features']['$k']['detail']")"
		done
	else
		skip_bpf "features on a kfunc-capable kernel" "kernel $rel has no bpf_iter_task_vma_new"
	fi
	check "features: bpffs mounted" test "$(stat -f -c %t /sys/fs/bpf)" = cafe4a11
	check "features: tracefs mounted" test "$(stat -f -c %t /sys/kernel/tracing)" = 74726163

	# Links and programs are freed by the kernel after an RCU grace period: allow a moment.
	pattern="name ($(echo $PROGS | tr ' ' '|'))( |\$)"
	left=""
	for _ in $(seq 50); do
		left=$(bpftool prog show 2>/dev/null | grep -E "$pattern")
		[ -z "$left" ] && break
		sleep 0.1
	done
	check "features leaves no BPF programs loaded" test -z "$left"
	[ -z "$left" ] || echo "$left" | sed 's/^/    /'
	pins_after=$(find "${VMSCOPE_PIN_DIR:-/sys/fs/bpf/vmscope}" 2>/dev/null | sort)
	check "features pins nothing under /sys/fs/bpf/vmscope" test "$pins_before" = "$pins_after"
fi

"$VMSCOPE" features --no-such-option >"$T/bad.out" 2>"$T/bad.err"
check "features with an unknown option exits 1" test $? -eq 1
check "features with an unknown option prints one stderr line" test "$(wc -l <"$T/bad.err")" -eq 1
check "features error line starts with 'vmscope: '" grep -q '^vmscope: ' "$T/bad.err"
