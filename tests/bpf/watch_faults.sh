#!/bin/bash
# vmscope watch --faults: with the model started with --faults, a helper faults in 40 fresh pages
# of one guarded region after watch is attached. The `faults` events of that region (one per
# --interval with new counts) must add up to exactly 40 minor faults with a rate, and its unmap
# event must carry the final counts (40). Without fault counts in the model, watch --faults
# fails with one line.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"

T=$TMPDIR_TEST
NAME="watch --faults"
if [ "$(id -u)" -ne 0 ]; then
	skip_bpf "$NAME" "not root"
	exit 0
fi
[ -x "$HELPERS/fault_watch" ] || { fail "$NAME" "fault_watch is not built"; exit 0; }
trap 'main_shell && "$VMSCOPE" stop >/dev/null 2>&1; _cleanup' EXIT

"$VMSCOPE" stop >/dev/null 2>&1
"$VMSCOPE" watch --faults --duration 1 >"$T/e.out" 2>"$T/e.err"
rc=$?
check "$NAME without a model: status 1, one line" \
	[ "$rc" = 1 -a "$(wc -l <"$T/e.err")" = 1 -a ! -s "$T/e.out" ]

if ! "$VMSCOPE" start --faults >"$T/start.out" 2>&1; then
	fail "$NAME: vmscope start --faults" "$(head -n 1 "$T/start.out")"
	exit 0
fi
start_bg "$T/h.out" "$HELPERS/fault_watch" || { fail "$NAME: helper starts"; exit 0; }
hp=$BG_PID
read -r _ rs re < <(grep '^region' "$T/h.out")
rs=0x$rs re=0x$re
"$VMSCOPE" watch --json --faults --interval 0.2 -p "$hp" >"$T/w.json" 2>"$T/w.err" &
wpid=$!
cleanup_pid "$wpid"
wait_for "$T/w.json" '"size": 12288' 15
kill -USR1 "$hp"
if ! wait_exit "$wpid" 15; then
	fail "$NAME: ends when the helper exits"
	exit 0
fi
out=$(awk -v rs="\"$rs\"" -v re="\"$re\"" '
	function field(k,   v) { if (!match($0, "\"" k "\": [^,}]*")) return ""; v = substr($0, RSTART, RLENGTH); sub(/^"[a-z_]*": /, "", v); return v }
	field("start") == rs && field("end") == re && field("event") == "\"faults\"" {
		n++; sum += field("faults_min"); maj += field("faults_maj"); if (field("rate_min") + 0 > 0) rated++ }
	field("start") == rs && field("end") == re && field("event") == "\"unmap\"" { um = field("faults_min") }
	END { printf "%d %d %d %d %s\n", n, sum, maj, rated, um }' "$T/w.json")
read -r n sum maj rated um <<<"$out"
check "$NAME: faults events of the region add up to the 40 touched pages ($n events, $sum minor, $maj major)" \
	[ "$n" -ge 1 -a "$sum" = 40 -a "$maj" = 0 ]
check "$NAME: each with a rate ($rated of $n)" [ "$rated" = "$n" ]
check "$NAME: the unmap event carries the final counts (${um:-none} minor)" [ "$um" = 40 ]
