#!/bin/bash
# make bench, smoke run: BENCH_QUICK=1 bench/run.sh (1 repetition, small sizes) must run every
# scenario, write JSON that parses with a row per scenario and a result per row, and leave the
# system as it found it. It asserts no timing: the numbers of a quick run on a shared machine mean
# nothing. The model rows need root; without it they are n/a (a failure under VMSCOPE_REQUIRE_BPF=1).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

model_running() { [ "$(id -u)" -eq 0 ] && "$VMSCOPE" status >/dev/null 2>&1; }
before=0; model_running && before=1
start=$(date +%s)
BENCH_QUICK=1 BENCH_RESULTS="$TMPDIR_TEST/results" VMSCOPE="$VMSCOPE" OUTPUT="$OUTPUT" \
	timeout 170 bash "$ROOT/bench/run.sh" >"$TMPDIR_TEST/out" 2>"$TMPDIR_TEST/err"
rc=$?
echo "    ($(( $(date +%s) - start )) s)"
if [ $rc -eq 0 ]; then pass "BENCH_QUICK=1 bench/run.sh exits 0"
else fail "BENCH_QUICK=1 bench/run.sh exits 0" "rc=$rc"; tail -n 5 "$TMPDIR_TEST/err" | sed 's/^/    /'; fi
check "it prints the table with its targets line" grep -q '^targets: [0-9]* PASS, [0-9]* FAIL' "$TMPDIR_TEST/out"

JSON=$TMPDIR_TEST/results/latest.json
# Prints one line per problem; nothing when the JSON has what it must.
json_problems() {
	python3 - "$JSON" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"does not parse: {e}"); sys.exit()
rows = {r.get("id"): r for r in d.get("rows", [])}
want = ["churn.model", "churn.watch", "churn.strace", "churn.bpftrace",
        "gcc.model", "gcc.watch", "gcc.strace", "gcc.bpftrace",
        "py.model", "py.watch", "py.strace", "py.bpftrace",
        "faults.model", "faults.faults", "faults.perf", "faults.bpftrace",
        "map.bpf", "map.procfs", "mapx.smaps", "mapx.pmapx", "lock.held", "lock.wait", "lock.count",
        "events", "kmem", "rss.map", "rss.watch", "start", "watch.attach",
        "snap.save", "snap.show", "snap.diff", "map.small", "startup"]
for w in want:
    if w not in rows:
        print(f"no row {w}")
for s in range(1, 6):
    if not any(r.get("scenario") == s for r in rows.values()):
        print(f"no row for scenario {s}")
for r in rows.values():
    for k in ("name", "competitors", "target", "result"):
        if k not in r:
            print(f"row {r.get('id')}: no {k}")
    if r.get("result") not in ("PASS", "FAIL", "n/a", "info"):
        print(f"row {r.get('id')}: result {r.get('result')!r}")
    if r.get("result") in ("PASS", "FAIL") and r.get("ratio") is None and r.get("value") is None:
        print(f"row {r.get('id')}: {r['result']} without a ratio or value")
    for c in r.get("competitors", []):
        if not c.get("na") and (c.get("min") is None or c.get("median") is None):
            print(f"row {r.get('id')}: competitor {c.get('name')} has neither timings nor n/a")
m = d.get("machine", {})
if not m.get("kernel") or not m.get("nproc"):
    print("no machine info (kernel, nproc)")
PY
}
probs=$(json_problems 2>&1)
if [ -z "$probs" ]; then pass "latest.json parses: a row per scenario and target, a result per row"
else fail "latest.json parses: a row per scenario and target, a result per row"; echo "$probs" | head -n 10 | sed 's/^/    /'; fi

# Rows whose result is n/a although they should have run here.
na_rows() { # IDS...: prints the ids among IDS whose result is n/a, with the reason
	python3 - "$JSON" "$@" <<'PY' 2>/dev/null
import json, sys
d = json.load(open(sys.argv[1]))
rows = {r["id"]: r for r in d["rows"]}
for i in sys.argv[2:]:
    r = rows.get(i)
    if r is None or r["result"] == "n/a":
        print(f"{i}: {r and r.get('na_reason')}")
PY
}
out=$(na_rows churn.strace map.procfs startup)
if [ -z "$out" ]; then pass "the rows that need no BPF were measured (strace, procfs)"
elif ! command -v strace >/dev/null; then echo "SKIP: the rows that need no BPF were measured -- strace not installed"
else fail "the rows that need no BPF were measured (strace, procfs)" "$out"; fi
if [ "$(id -u)" -ne 0 ]; then
	skip_bpf "the model, watch, bpftrace and mmap_lock rows were measured" "needs root"
else
	out=$(na_rows churn.model gcc.model py.model map.bpf map.small mapx.smaps kmem start churn.bpftrace lock.held \
		churn.watch gcc.watch py.watch events rss.watch watch.attach)
	if [ -z "$out" ]; then pass "the model, watch, bpftrace and mmap_lock rows were measured"
	elif [ "${VMSCOPE_REQUIRE_BPF:-0}" = 1 ]; then
		fail "the model, watch, bpftrace and mmap_lock rows were measured" "$(echo "$out" | tr '\n' ';')"
	else skip_bpf "the model, watch, bpftrace and mmap_lock rows were measured" "$(echo "$out" | tr '\n' ';')"; fi
fi

after=0; model_running && after=1
if [ $before = $after ]; then pass "the model is left as found (running=$before)"
else fail "the model is left as found" "running before=$before after=$after"; fi
left=$(pgrep -f "^$OUTPUT/tests/helpers/regions many " | tr '\n' ' ')
bt=$(pgrep -x bpftrace | wc -l)
if [ -z "$left" ] && [ "$bt" -eq 0 ]; then pass "no helper or tracer is left running"
else fail "no helper or tracer is left running" "helpers: $left; bpftrace processes: $bt"; fi
# Scratch dirs made during this test and still there (another bench running at the same time
# would show up here too; none should).
new=$(find /tmp -maxdepth 1 -name 'vmscope-bench.*' -newermt "@$start" 2>/dev/null)
if [ -z "$new" ]; then pass "the scratch dir is removed"; else fail "the scratch dir is removed" "$new"; fi
