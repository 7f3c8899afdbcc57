#!/usr/bin/env python3
"""Checks vmscope's -X/-XX output against pmap's where vmscope is exact on purpose.

procps 4.0.2 ignores -A with -X/-XX and keeps adding -X totals up from one PID to the next;
vmscope filters the range and totals each process. So instead of bytes, this compares: the
"PID:   cmdline" lines, the column header, every row (blanks folded) — pmap's rows restricted
to the range — and that each total is the column sum of the rows vmscope printed.

usage: pmap_ext_check.py PMAP_OUT VMSCOPE_OUT [LOW HIGH]   (hex; the -A range)
"""
import re
import sys

ROW = re.compile(rb"^\s*[0-9a-f]+ [r-][w-][x-][ps] ")
HEAD = re.compile(rb"^\d+:   ")


def blocks(path):
    out = []
    for line in open(path, "rb").read().split(b"\n"):
        if HEAD.match(line):
            out.append({"head": line, "rows": [], "cols": None, "total": None})
        elif out and ROW.match(line):
            out[-1]["rows"].append(line)
        elif out and line.strip().startswith(b"Address"):
            out[-1]["cols"] = line
        elif out and line.rstrip().endswith(b"KB"):
            out[-1]["total"] = line
    return out


def fold(line):
    return b" ".join(line.split())


def main():
    pm, vm = blocks(sys.argv[1]), blocks(sys.argv[2])
    rng = (int(sys.argv[3], 16), int(sys.argv[4], 16)) if len(sys.argv) > 4 else None
    if [b["head"] for b in pm] != [b["head"] for b in vm]:
        return "the PID:   cmdline lines differ"
    for i, (p, v) in enumerate(zip(pm, vm)):
        want = p["rows"]
        if rng:
            def inside(r):
                t = r.split()
                start, size = int(t[0], 16), int(t[5])
                return not (start + size * 1024 - 1 < rng[0]) and not (rng[1] < start)
            want = [r for r in want if inside(r)]
        if [fold(r) for r in want] != [fold(r) for r in v["rows"]]:
            for a, b in zip([fold(r) for r in want] + [b"(none)"], [fold(r) for r in v["rows"]] + [b"(none)"]):
                if a != b:
                    return f"block {i}: row differs: pmap {a!r} vmscope {b!r}"
        if (p["cols"] is None) != (v["cols"] is None) or (p["cols"] and fold(p["cols"]) != fold(v["cols"])):
            return f"block {i}: column headers differ: {p['cols']!r} vs {v['cols']!r}"
        if p["total"] is not None and v["total"] is None and v["rows"]:
            return f"block {i}: vmscope printed no totals"
        if v["total"] is not None:
            tot = [int(x) for x in v["total"].split()[:-1]]
            sums = [0] * len(tot)
            for r in v["rows"]:
                t = r.split()
                for k in range(len(tot)):
                    sums[k] += int(t[5 + k])
            if sums != tot:
                return f"block {i}: totals {tot} are not the sums of the printed rows {sums}"
    return None


if __name__ == "__main__":
    err = main()
    if err:
        print(err)
        sys.exit(1)
