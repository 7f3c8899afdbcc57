#!/usr/bin/env python3
"""The report of `make bench` (bench/run.sh collects, this prints and writes).

Usage: bench/report.py DATA OUT

DATA is the tab-separated record file bench/run.sh writes (its "records" section says what each
kind of line holds; M lines carry the run's configuration). Writes OUT (bench/results/latest.json)
and prints the table on stdout. bench/README.md explains the rows.
"""
import json, os, platform, statistics, subprocess, sys, time

data_path, out_path = sys.argv[1], sys.argv[2]
rows, order, descr = {}, [], {}
M = {}  # the run's configuration (M lines)
for line in open(data_path):
    f = line.rstrip("\n").split("\t")
    kind, rid = f[0], f[1]
    if kind == "M":
        M[rid] = f[2] if len(f) > 2 else ""
        continue
    if kind == "D":
        descr.setdefault(int(rid), []).append(f[2])
        continue
    if kind == "R":
        scen, name, unit, num, den, op, thr, ttext = f[2:10]
        rows[rid] = dict(id=rid, scenario=int(scen), name=name, unit=unit, num=num, den=den, op=op,
                         threshold=float(thr) if thr else None, target=ttext, comps={}, comp_order=[],
                         na=None, value=None, extra={})
        order.append(rid)
        continue
    r = rows[rid]
    if kind == "C":
        r["comps"][f[2]] = dict(label=f[3], samples=[], na=None, failures=[])
        r["comp_order"].append(f[2])
    elif kind == "S":
        r["comps"][f[2]]["samples"].append(float(f[3]))
    elif kind == "N":
        r["comps"][f[2]]["failures"].append(f[3])
    elif kind == "A":
        r["na"] = r["na"] or f[2]
    elif kind == "V":
        r["value"] = float(f[2])
    elif kind == "X":
        r["extra"][f[2]] = f[3]

out_rows = []
for rid in order:
    r = rows[rid]
    comps = []
    for cn in r["comp_order"]:
        c = r["comps"][cn]
        # n/a when nothing was measured; a run that failed among good ones is reported, not hidden
        na = None if c["samples"] else (c["failures"][0] if c["failures"] else (r["na"] or "not measured"))
        ok = c["samples"] and not na
        comps.append(dict(name=cn, label=c["label"],
                          min=min(c["samples"]) if ok else None,
                          median=statistics.median(c["samples"]) if ok else None,
                          samples=c["samples"], na=na,
                          failed_runs=len(c["failures"]) if c["samples"] else 0,
                          failure=c["failures"][0] if c["samples"] and c["failures"] else None))
    cm = {c["name"]: c for c in comps}
    ratio = ratio_min = None
    if not r["na"] and r["value"] is None and r["num"] and r["den"]:
        a, b = cm.get(r["num"]), cm.get(r["den"])
        if a and b and a["median"] is not None and b["median"] is not None and b["median"] > 0:
            ratio = a["median"] / b["median"]
            ratio_min = a["min"] / b["min"] if b["min"] > 0 else None
    if r["value"] is None and not r["na"] and r["num"] and not r["den"] and cm.get(r["num"]):
        r["value"] = cm[r["num"]]["median"]   # a row headed by one competitor's median (events)
    headline = r["value"] if r["value"] is not None and not r["na"] else ratio
    if r["na"]:
        result = "n/a"
    elif r["threshold"] is None:
        # no target: information, unless the ratio it is about could not be measured
        result = "n/a" if r["num"] and r["den"] and ratio is None else "info"
    elif headline is None:
        result = "n/a"
    else:
        ok = headline <= r["threshold"] if r["op"] == "<=" else headline >= r["threshold"]
        result = "PASS" if ok else "FAIL"
    na_reason = r["na"]
    if result == "n/a" and not na_reason:
        na_reason = next((c["na"] for c in comps if c["na"]), "not measured")
    out_rows.append(dict(
        id=rid, scenario=r["scenario"], name=r["name"], unit=r["unit"], competitors=comps,
        ratio=None if ratio is None else round(ratio, 4),
        ratio_of_mins=None if ratio_min is None else round(ratio_min, 4),
        ratio_of=f'{r["num"]} / {r["den"]} (medians)' if r["num"] and r["den"] else None,
        value=r["value"], target=r["target"], result=result, na_reason=na_reason,
        extra=r["extra"]))

def cpu_model():
    try:
        for l in open("/proc/cpuinfo"):
            if l.startswith("model name"):
                return l.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()

def mem_kb():
    try:
        for l in open("/proc/meminfo"):
            if l.startswith("MemTotal:"):
                return int(l.split()[1])
    except OSError:
        pass
    return None

def version():
    try:
        return subprocess.run([M["vmscope"], "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return None

SCEN = {1: "tracing overhead", 2: "reading a big map", 3: "event throughput", 4: "memory", 5: "start-up"}
SCEN[6] = "fleet export (vmscope serve)"
doc = dict(
    tool="vmscope bench", version=version(), git=M.get("git") or None,
    date=time.strftime("%Y-%m-%dT%H:%M:%S%z"), quick=M["quick"] == "1",
    repetitions=int(M["reps"]), map_repetitions=int(M["map_reps"]),
    machine=dict(kernel=platform.release(), arch=platform.machine(), nproc=os.cpu_count(),
                 cpu=cpu_model(), mem_kb=mem_kb(), root=M["root"] == "1"),
    config=dict(churn_iterations=int(M["churn"]), flood_pairs=int(M["flood"]),
                big_map_vmas=int(M["vmas"]), fault_loop_mib=int(M["fault_mib"]),
                gcc_runs=int(M["gcc_runs"]), python_runs=int(M["py_runs"]),
                python=M["python"]),
    scenarios={str(k): dict(title=v, notes=descr.get(k, [])) for k, v in SCEN.items()},
    rows=out_rows)
doc["summary"] = {k: sum(1 for o in out_rows if o["result"] == k) for k in ("PASS", "FAIL", "n/a", "info")}
tmp = out_path + ".tmp"
with open(tmp, "w") as fp:
    json.dump(doc, fp, indent=1)
    fp.write("\n")
os.replace(tmp, out_path)

# ---- the table: one line per competitor; the ratio, target and result on the row's last line.
# A competitor identical to one already printed in the previous row of the scenario (the same
# untraced runs, the same pmap runs) is not printed again.
def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "s":
        if v == 0: return "0"
        if v >= 1: return f"{v:.3f} s"
        if v >= 1e-3: return f"{v*1e3:.2f} ms"
        return f"{v*1e6:.1f} us"
    if unit == "B":
        return f"{v/1048576:.2f} MiB" if v >= 1048576 else f"{v:.0f} B"
    if unit == "KiB":
        return f"{v/1024:.1f} MiB" if v >= 10240 else f"{v:.0f} KiB"
    if unit == "ev/s":
        return f"{v/1e6:.3f}M/s"
    if unit == "scr/s":
        return f"{v:.0f}/s"
    return f"{v:g} {unit}".strip()

def headline(o):
    if o["result"] == "n/a":
        return "n/a"
    if o["value"] is not None:
        if o["unit"] == "ev/s":
            return f'{o["value"]/1e6:.2f}M ev/s'
        if o["unit"] == "s":
            return fmt(o["value"], "s")
        return f'{o["value"]:.1f} B/VMA' if o["unit"] == "B" else f'{o["value"]:g}'
    if o["ratio"] is not None:
        return f'{o["ratio"]:.2f}x'
    return "-"

W = (32, 29, 10, 10, 12, 22)
hdr = (f'{"row":<{W[0]}} {"competitor":<{W[1]}} {"min":>{W[2]}} {"median":>{W[3]}} '
       f'{"ratio":>{W[4]}}  {"target":<{W[5]}} result')
m = doc["machine"]
print()
print(f'vmscope bench  {doc["date"]}  {doc["version"] or ""} {doc["git"] or ""}')
print(f'kernel {m["kernel"]}, {m["nproc"]} CPUs ({m["cpu"]}), {doc["repetitions"]} repetitions'
      f' ({doc["map_repetitions"]} for map reads){"  [BENCH_QUICK]" if doc["quick"] else ""}')
print("=" * len(hdr))
print(hdr)
for s in sorted(SCEN):
    print("-" * len(hdr))
    print(f"{s}. {SCEN[s]}")
    for d in descr.get(s, []):
        print(f"   {d}")
    prev = set()
    for o in [o for o in out_rows if o["scenario"] == s]:
        shown = []
        for c in o["competitors"]:
            key = (c["label"], tuple(c["samples"]), c["na"])
            if key in prev and c["samples"]:
                continue
            shown.append(c)
        prev = {(c["label"], tuple(c["samples"]), c["na"]) for c in o["competitors"]}
        if not shown:
            shown = o["competitors"][-1:]
        for i, c in enumerate(shown):
            left = o["name"] if i == 0 else ""
            if c["na"]:
                reason = f'n/a ({c["na"]})'
                cell = f'{c["label"]:<{W[1]}} {reason:<{W[2] + W[3] + 1}}'
            else:
                cell = f'{c["label"]:<{W[1]}} {fmt(c["min"], o["unit"]):>{W[2]}} {fmt(c["median"], o["unit"]):>{W[3]}}'
            line = f'{left:<{W[0]}} {cell}'
            if i == len(shown) - 1:
                line += f' {headline(o):>{W[4]}}  {o["target"]:<{W[5]}} {o["result"]}'
            print(line.rstrip())
        e = o["extra"]
        if o["id"] == "kmem" and "vmas_with" in e:
            print(f'{"":<{W[0]}}   VMAs {e["vmas_without"]} -> {e["vmas_with"]}; average '
                  f'{e["average_without"]} -> {e["average_with"]} B/VMA; PASS/FAIL on the marginal')
        if o["id"] == "start" and "processes" in e:
            print(f'{"":<{W[0]}}   seeded {e["processes"]} processes, {e["vmas"]} VMAs (last run)')
        if "note" in e:
            print(f'{"":<{W[0]}}   note: {e["note"]}' + (f' (expected {e["expected_events"]})' if "expected_events" in e else ""))
        for c in o["competitors"]:
            if c["failed_runs"] and c in shown:
                print(f'{"":<{W[0]}}   note: {c["label"]}: {c["failed_runs"]} run(s) failed, not counted: {c["failure"]}')
print("=" * len(hdr))
sm = doc["summary"]
print(f'targets: {sm["PASS"]} PASS, {sm["FAIL"]} FAIL, {sm["n/a"]} n/a; {sm["info"]} rows without a target'
      f'   -> {out_path}')
