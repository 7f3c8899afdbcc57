#!/bin/bash
# The seed tools' views are the same from every backend: tests/helpers/views read through the
# live model (--backend bpf, after `vmscope start`) and through /proc gives identical JSON/CSV
# kinds, vmmap report and summary, VMMap types and illumos tables (threads, NUMA and page sizes
# come from /proc for both, with the model's thread records for both; the model backend reads
# smaps when a view needs accounting).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

T=views
if [ "$(id -u)" -ne 0 ]; then skip_bpf "$T: model and procfs views" "needs root"; exit 0; fi

"$VMSCOPE" stop >/dev/null 2>&1
start_bg "$TMPDIR_TEST/early.out" "$HELPERS/views" 2; early=$BG_PID # seeded at start
if ! out=$("$VMSCOPE" start 2>&1); then
	skip_bpf "$T: model and procfs views" "vmscope start failed: $out"
	exit 0
fi
start_bg "$TMPDIR_TEST/late.out" "$HELPERS/views" 3; late=$BG_PID # followed from its birth
for p in $early $late; do
	stop_pid "$p" || fail "$T: stop helper $p"
done

# same_view NAME PID ARGS...: `map ARGS` through the model and through /proc, the backend's name
# blanked, byte for byte; a fallback of the model to /proc (-v says so) is a failure. The helper
# is stopped, but smaps' shared/private split of its library pages follows the other processes
# mapping them (the page's map count), which the suite's other work changes between two reads:
# a pair that differs is taken again, up to 3 pairs, and the last one is judged.
# ws_split: the types view with its Private WS and Shared WS columns blanked. They split a
# library page by whether another process has it mapped at that moment, and the reader is such a
# process: which pages of libc it has touched before it reads smaps follows its own code path, so
# the two backends' readers split some pages differently, every time (seen: 36 kB). What the
# model gives (the regions, their types, sizes, Total WS) is still compared.
ws_split() {
	awk '$NF ~ /^[0-9]+$/ && NF >= 11 { $(NF-5) = "-"; $(NF-3) = "-" } { print }'
}
same_view() {
	local name=$1 pid=$2 a b filter=cat
	shift 2
	[ "$name" = types ] && filter=ws_split
	for _ in 1 2 3; do
		a=$("$VMSCOPE" map -v --backend bpf "$@" "$pid" 2>"$TMPDIR_TEST/v.err" |
			sed -e 's/"backend": "bpf"/"backend": "-"/' -e 's/^Backend: .*/Backend: -/' | $filter)
		b=$("$VMSCOPE" map --backend procfs "$@" "$pid" 2>&1 |
			sed -e 's/"backend": "procfs"/"backend": "-"/' -e 's/^Backend: .*/Backend: -/' | $filter)
		grep -q 'reading /proc' "$TMPDIR_TEST/v.err" && break
		[ -n "$a" ] && [ "$a" = "$b" ] && break
	done
	if grep -q 'reading /proc' "$TMPDIR_TEST/v.err"; then
		fail "$T: $name (pid $pid)" "the model fell back to /proc: $(grep 'reading /proc' "$TMPDIR_TEST/v.err")"
	elif [ -n "$a" ] && [ "$a" = "$b" ]; then
		pass "$T: $name (pid $pid)"
	else
		fail "$T: $name (pid $pid)" "differs"
		diff <(echo "$a") <(echo "$b") | head -n 8 | sed 's/^/    /'
	fi
}
for p in $early $late; do
	same_view "json (kinds, thread stacks)" "$p" --format json
	same_view "csv" "$p" --format csv
	same_view "illumos table (labels, tids)" "$p" -L
	same_view "illumos -x -s -S -a" "$p" -x -s -S -a
	same_view "vmmap" "$p" --format vmmap
	same_view "vmmap-summary -pages" "$p" --format vmmap-summary -pages
	same_view "types" "$p" --format types
done
n=$("$VMSCOPE" map --backend bpf -L "$late" | grep -o 'stack tid=[0-9]* \]$' | sort -u | wc -l)
if [ "$n" = 3 ]; then pass "$T: the model's illumos table has the 3 thread stacks"
else fail "$T: stacks through the model" "$n"; fi
"$VMSCOPE" stop >/dev/null
