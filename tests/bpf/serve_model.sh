#!/bin/bash
# vmscope serve on a live model (private pin dir): the numbers come from the model's maps, never
# from /proc/PID/maps of the processes it tracks (strace says which files serve opens); they equal
# `vmscope map`'s for a stopped helper; the model's health, program run times and page faults by
# region type (start --faults) are exported; --require-model without a model exports only
# vmscope_model_up 0. Real BPF: under VMSCOPE_REQUIRE_BPF=1 it must run.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then skip_bpf "serve on the live model" "needs root"; exit 0; fi
W=$TMPDIR_TEST
export VMSCOPE_PIN_DIR=/sys/fs/bpf/vmscope-serve-$$
trap '"$VMSCOPE" stop >/dev/null 2>&1; _cleanup' EXIT
metric() { K="$2${3:+{$3\}}" awk '$1 == ENVIRON["K"] { print $2 }' "$1"; }

"$VMSCOPE" serve --once --require-model >"$W/none.txt" 2>"$W/none.err"; rc=$?
if [ $rc -eq 0 ] && [ "$(metric "$W/none.txt" vmscope_model_up)" = 0 ] && ! grep -q '^vmscope_process_vmas{' "$W/none.txt" \
	&& grep -q 'require-model' "$W/none.err"; then
	pass "--require-model without a model: only vmscope_model_up 0, said on stderr"
else fail "--require-model without a model: only vmscope_model_up 0" "rc=$rc $(cat "$W/none.err")"; fi

if ! out=$("$VMSCOPE" start --faults 2>&1); then
	skip_bpf "serve on the live model" "start failed: $out"
	exit 0
fi
start_bg "$W/h.out" "$HELPERS/regions" --comm vms-serve-h
hp=$BG_PID
stop_pid "$hp"
"$VMSCOPE" serve --once --top 10000 --faults >"$W/m.txt" 2>"$W/m.err"; rc=$?
check "serve --once on the model: exit 0" test $rc -eq 0
check "vmscope_model_up 1 and serve_info source=\"model\"" \
	grep -q '^vmscope_serve_info{source="model",' "$W/m.txt"
if grep -q 'reading the live model' "$W/m.err"; then pass "serve says it reads the live model"
else fail "serve says it reads the live model" "$(cat "$W/m.err")"; fi
if out=$(promtool check metrics <"$W/m.txt" 2>&1); then pass "promtool accepts the exposition with the model's metrics"
else fail "promtool accepts the exposition with the model's metrics" "$(echo "$out" | head -3)"; fi
vmas=$("$VMSCOPE" map --backend bpf --format json "$hp" | jget - "len(d['regions'])")
virt=$("$VMSCOPE" map --backend bpf --format json "$hp" | jget - "sum(int(r['end'], 16) - int(r['start'], 16) for r in d['regions'])")
rss=$("$VMSCOPE" map -x "$hp" | awk '/^total kB/ { print $4 * 1024 }')
got=$(metric "$W/m.txt" vmscope_process_vmas "pid=\"$hp\",comm=\"vms-serve-h\"")
check "the helper's VMA count equals map --backend bpf's ($vmas)" test "${got:-x}" = "$vmas"
got=$(grep "^vmscope_process_region_virtual_bytes{pid=\"$hp\"," "$W/m.txt" | awk '{ s += $2 } END { print s }')
check "its virtual bytes by region type sum to the map's ($virt)" test "${got:-x}" = "$virt"
got=$(grep "^vmscope_process_region_resident_bytes{pid=\"$hp\"," "$W/m.txt" | awk '{ s += $2 } END { print s }')
check "its resident bytes by region type sum to map -x's ($rss)" test "${got:-x}" = "$rss"
got=$(grep "^vmscope_process_region_page_faults_total{pid=\"$hp\",.*fault_type=\"minor\"" "$W/m.txt" | awk '{ s += $2 } END { print s + 0 }')
check "--faults: its minor page faults by region type ($got > 0)" test "$got" -gt 0
for m in vmscope_model_vma_capacity vmscope_model_vmas vmscope_model_processes; do
	v=$(metric "$W/m.txt" $m)
	check "model health: $m ($v > 0)" test "${v:-0}" -gt 0
done
for m in vmscope_model_divergences_total vmscope_model_map_full_total vmscope_model_missed_runs_total \
	 vmscope_model_lost_faults_total vmscope_model_thread_map_full_total; do
	check "model health: $m exported" test -n "$(metric "$W/m.txt" $m)"
done
check "losses by stage: vmscope_model_lost_events_total{stage=\"entry\"}" \
	test -n "$(metric "$W/m.txt" vmscope_model_lost_events_total 'stage="entry"')"
check "region events by kind: vmscope_region_events_total{kind=\"fork\"}" \
	test -n "$(metric "$W/m.txt" vmscope_region_events_total 'kind="fork"')"
# every counter of `vmscope status` reaches the exposition (a counter added to the model and
# forgotten here is a loss nobody sees): status's name -> the sample that carries it ("names",
# the name map's entries, is a state and no counter)
"$VMSCOPE" status >"$W/status.txt" 2>&1
missing=""
while read -r pair; do
	grep -q "^${pair%%:*} " "$W/status.txt" || missing="$missing ${pair%%:*}(not in status)"
	grep -qF "${pair#*:}" "$W/m.txt" || missing="$missing ${pair#*:}"
done <<'PAIRS'
events:vmscope_region_events_total{kind="vma_change"}
forks:vmscope_region_events_total{kind="fork"}
execs:vmscope_region_events_total{kind="exec"}
exits:vmscope_region_events_total{kind="exit"}
stack_grows:vmscope_region_events_total{kind="stack_grow"}
range_resyncs:vmscope_model_resyncs_total{scope="range"}
full_resyncs:vmscope_model_resyncs_total{scope="full"}
map_full:vmscope_model_map_full_total
divergences:vmscope_model_divergences_total
lost_entries:vmscope_model_lost_events_total{stage="entry"}
lost_exits:vmscope_model_lost_events_total{stage="exit"}
thread_map_full:vmscope_model_thread_map_full_total
lock_busy:op="lock_busy"
unnamed:op="unnamed"
gc_runs:op="gc_runs"
gc_deleted:op="gc_deleted"
concurrent_ops:op="concurrent_ops"
foreign_writes:op="foreign_writes"
reconciled:op="reconciled"
fast_unmaps:op="fast_unmaps"
fast_spans:op="fast_spans"
missed_runs:vmscope_model_missed_runs_total
PAIRS
extra=$(awk 'NF == 2 && $1 ~ /^[a-z_]+$/ && $2 ~ /^[0-9]+$/ { print $1 }' "$W/status.txt" | grep -vxE \
	'events|forks|execs|exits|stack_grows|range_resyncs|full_resyncs|map_full|divergences|lost_entries|lost_exits|thread_map_full|lock_busy|unnamed|gc_runs|gc_deleted|concurrent_ops|foreign_writes|reconciled|fast_unmaps|fast_spans|missed_runs|names' | tr '\n' ' ')
check "every counter of 'vmscope status' is exported${missing:+ (missing:$missing)}${extra:+ (status has new: $extra)}" \
	test -z "$missing$extra"
if grep -q '^vmscope_bpf_program_runs_total{program="sys_enter"}' "$W/m.txt"; then
	pass "per-program run counts, named as pinned"
else fail "per-program run counts, named as pinned" "$(grep -m2 bpf_program "$W/m.txt")"; fi
# every program of the model: its hooks (links/), fault handlers (faults/, one per CPU: one name)
# and the syscall programs readers run (progs/: dump, resync, gc...)
missing=""
for f in "$VMSCOPE_PIN_DIR"/links/* "$VMSCOPE_PIN_DIR"/faults/* "$VMSCOPE_PIN_DIR"/progs/*; do
	[ -e "$f" ] || continue
	name=$(basename "$f")
	case $f in */faults/*) name=$(echo "$name" | sed 's/_[0-9]*$//') ;; esac
	grep -q "^vmscope_bpf_program_runs_total{program=\"${name:0:31}\"}" "$W/m.txt" || missing="$missing $name"
done
check "every pinned program of the model has its run counts (missing:${missing:- none})" test -z "$missing"
# run time is counted only while kernel.bpf_stats_enabled=1 (a sysctl: restored afterwards)
old=$(cat /proc/sys/kernel/bpf_stats_enabled)
echo 1 >/proc/sys/kernel/bpf_stats_enabled
sh -c 'for i in $(seq 50); do true; done' # some syscalls and forks for the programs
# a syscall program's run (tier kfunc-resync reads from the mapped slab and runs none for a
# pass; a small process read alone runs the per-process reader)
"$VMSCOPE" map --backend bpf $$ >/dev/null 2>&1
"$VMSCOPE" serve --once --no-smaps >"$W/s.txt" 2>/dev/null
echo "$old" >/proc/sys/kernel/bpf_stats_enabled
rt=$(grep '^vmscope_bpf_program_run_time_seconds_total{program="sys_enter"}' "$W/s.txt" | awk '{ print ($2 > 0) }')
check "with bpf_stats_enabled: run time of sys_enter > 0, vmscope_bpf_stats_enabled 1" \
	test "${rt:-0}" = 1 -a "$(metric "$W/s.txt" vmscope_bpf_stats_enabled)" = 1
for prog in dump_proc dump; do
	[ -e "$VMSCOPE_PIN_DIR/progs/$prog" ] || continue
	dr=$(grep "^vmscope_bpf_program_runs_total{program=\"$prog\"}" "$W/s.txt" | awk '{ print ($2 > 0) }')
	check "with bpf_stats_enabled: the reader program $prog ran (a read of a small process)" test "${dr:-0}" = 1
	break
done

# the files serve opens: the model's pins and /proc/PID/stat, never a tracked process's maps
# (LeakSanitizer cannot run under ptrace: off for the straced runs of an ASan build)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -y -qq -e trace=openat -o "$W/strace.txt" "$VMSCOPE" serve --once --no-smaps --top 10000 >/dev/null 2>&1
n=$(grep -c "/proc/$hp/stat\"" "$W/strace.txt")
m=$(grep -cE "/proc/${hp}[^ ]*>?, \"(maps|smaps)\"|/proc/$hp/(maps|smaps)" "$W/strace.txt")
if [ "$n" -ge 1 ] && [ "$m" -eq 0 ]; then pass "serve --no-smaps on the model never opens the helper's maps or smaps (its stat: $n)"
else fail "serve --no-smaps on the model never opens the helper's maps or smaps" "stat $n, maps $m"; fi
# maps of other processes: only those the model had no answer for (serve itself, new since the
# model saw it) or could not read (counted as errors), never one per process
"$VMSCOPE" serve --once --no-smaps --top 10000 >"$W/st.txt" 2>/dev/null
procs_opened() { sed -nE "s/.*(<\/proc\/([0-9]+)>, \"$1\"|\"\/proc\/([0-9]+)\/$1\").*/\2\3/p" "$2" | sort -u | wc -l; }
all=$(procs_opened maps "$W/strace.txt")
nproc_=$(metric "$W/st.txt" vmscope_processes)
bound=$(( $(metric "$W/st.txt" vmscope_model_fallback_processes) + $(metric "$W/st.txt" vmscope_collect_errors_total) + 2 ))
check "serve on the model opens /proc/PID/maps of $all of $nproc_ processes (<= fallbacks + errors + 2 = $bound)" \
	test "$all" -le "$bound" -a "$all" -lt "${nproc_:-0}"
# with smaps (the default): smaps of the --top processes only
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -y -qq -e trace=openat -o "$W/strace2.txt" "$VMSCOPE" serve --once --top 5 >/dev/null 2>&1
sm=$(procs_opened smaps "$W/strace2.txt")
check "serve --top 5 on the model opens /proc/PID/smaps of $sm processes (<= 5)" test "$sm" -ge 1 -a "$sm" -le 5
"$VMSCOPE" stop >/dev/null 2>&1
check "the model is gone: serve says so and falls back to /proc" \
	sh -c "'$VMSCOPE' serve --once 2>&1 >/dev/null | grep -q 'no live model is running'"

# the systemd unit's commands, as systemd runs them: start (no model yet), serve, SIGTERM, stop
unit=$(dirname "$0")/../../tools/systemd/vmscope.service.in
cmd() { sed -n "s/^$1=//p" "$unit" | sed "s|@BINDIR@/vmscope|$VMSCOPE|g"; }
eval "$(cmd ExecStartPre)" >"$W/pre.out" 2>&1; rc=$?
check "unit: ExecStartPre starts the model (exit $rc)" test $rc -eq 0 -a -d "$VMSCOPE_PIN_DIR"
eval "$(cmd ExecStartPre)" >"$W/pre2.out" 2>&1; rc=$?
check "unit: ExecStartPre again, with the model running: exit 0 (it is kept)" test $rc -eq 0
# shellcheck disable=SC2046 # the unit's command line, split as systemd splits it
$(cmd ExecStart) --listen 127.0.0.1:0 --interval 0.5 >"$W/u.out" 2>"$W/u.err" &
up=$!
cleanup_pid "$up"
if wait_for "$W/u.err" 'listening on' 10 "$up"; then
	port=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9]*\)\/metrics$/\1/p' "$W/u.err")
	check "unit: ExecStart serves the model" \
		sh -c "curl -s http://127.0.0.1:$port/metrics | grep -qx 'vmscope_model_up 1'"
else fail "unit: ExecStart serves the model" "$(cat "$W/u.err")"; fi
kill -TERM "$up"
wait_exit "$up" 5
check "unit: SIGTERM ends serve with status 0" test "${WAIT_RC:-1}" -eq 0
forget_pid "$up"
eval "$(cmd ExecStopPost)" >"$W/post.out" 2>&1; rc=$?
check "unit: ExecStopPost stops the model and removes its pins" test $rc -eq 0 -a ! -e "$VMSCOPE_PIN_DIR"
