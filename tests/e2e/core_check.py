#!/usr/bin/env python3
"""Compares `vmscope map --format json CORE` with `vmscope map --format json --backend procfs PID`
taken just before the dump (tests/e2e/core_files.sh), for every column a core holds:

  core_check.py WRITER LIVE.json SMAPS CORE.json HELPER_OUT TIDS LIVE.il CORE.il [LABEL]
    WRITER      kernel (core_pattern) or gdb (gcore)
    SMAPS       /proc/PID/smaps taken with LIVE.json (VmFlags: what gdb leaves out)
    HELPER_OUT  core_threads' "main TID" / "thread TID LOW HIGH" lines (without "thread" lines:
                each sp in an anonymous writable region)
    TIDS        /proc/PID/task's entries, space-separated
    LIVE.il, CORE.il  `map -F illumos` of the live process and of the core: the view that labels
                each thread's stack ([ stack tid=N ]) from the snapshot's threads

What a core holds, and so what is compared (README "Core files"):
  - regions: the kernel writes a segment for every VMA: the same list, bounds equal. gdb leaves
    out the VMAs it does not dump: anonymous ones flagged dd (MADV_DONTDUMP, [vvar]) are gone,
    file ones are still listed by NT_FILE (perms "????").
  - perms: every character the core gives (not '?') equals /proc's; which ones it must give:
    rwx from the kernel, wx from gdb (which marks every segment readable); p for anonymous
    regions, s for /dev/zero (deleted) and /SYSV (deleted).
  - offset: equal. dev, inode: null for files (NT_FILE has none), 00:00 and 0 for the rest.
  - name: equal for files; [stack], [vdso] and [vsyscall] equal; other anonymous names
    ([heap], [vvar], [anon:x]) are not in a core: "".
  - pid, comm; cmdline: the kernel's pr_psargs holds its first 79 bytes, gdb's argv[0].
  - threads (NT_PRSTATUS): the stacks the illumos view labels with their tids are the live ones,
    for every tid of /proc/PID/task, each inside that thread's own stack bounds.
Prints one "PASS: ..." or "FAIL: ..." line per check.
"""
import json
import sys

writer, live_path, smaps_path, core_path, helper_path, tids_arg, live_il, core_il = sys.argv[1:9]
live = json.load(open(live_path))
core = json.load(open(core_path))
tag = "core (%s%s)" % (writer, ", " + sys.argv[9] if len(sys.argv) > 9 else "")
failed = False


def check(name, ok, detail=""):
    global failed
    print("%s: %s: %s%s" % ("PASS" if ok else "FAIL", tag, name, "" if ok else " -- " + detail))
    failed |= not ok


def vmflags(path):
    flags, cur = {}, None
    for line in open(path, errors="surrogateescape"):
        f = line.split()
        if f and "-" in f[0] and not line.startswith("VmFlags") and ":" not in f[0]:
            cur = f[0]
        elif line.startswith("VmFlags:") and cur:
            flags[cur] = f[1:]
    return flags


def is_file(r):
    return r["name"].startswith("/") and r["inode"] != 0


flags = vmflags(smaps_path)
key = lambda r: "%x-%x" % (int(r["start"], 16), int(r["end"], 16))
expected = [r for r in live["regions"]
            if not (writer == "gdb" and not is_file(r) and "dd" in flags.get(key(r), []))]
check("the regions /proc listed (gdb: but anonymous dd ones)",
      [key(r) for r in core["regions"]] == [key(r) for r in expected],
      "core %d regions, expected %d: %s" % (
          len(core["regions"]), len(expected),
          sorted(set(map(key, core["regions"])) ^ set(map(key, expected)))[:6]))

bad = {"perm": [], "perm known": [], "offset": [], "devino": [], "name": []}
for c, l in zip(core["regions"], expected):
    k = key(l)
    if any(a != "?" and a != b for a, b in zip(c["perm"], l["perm"])):
        bad["perm"].append("%s %s/%s" % (k, c["perm"], l["perm"]))
    if c["perm"] != "????":
        must = [1, 2] if writer == "gdb" else [0, 1, 2]
        if not is_file(l) or l["name"] in ("/dev/zero (deleted)",) or l["name"].startswith("/SYSV"):
            must.append(3)
        if any(c["perm"][i] == "?" for i in must):
            bad["perm known"].append("%s %s/%s" % (k, c["perm"], l["perm"]))
    elif not is_file(l):
        bad["perm known"].append("%s: an anonymous region without a segment" % k)
    if c["offset"] != l["offset"]:
        bad["offset"].append("%s %s/%s" % (k, c["offset"], l["offset"]))
    if is_file(l):
        if c["dev"] is not None or c["inode"] is not None:
            bad["devino"].append("%s %s %s" % (k, c["dev"], c["inode"]))
    elif (c["dev"], c["inode"]) != (l["dev"], l["inode"]):
        bad["devino"].append("%s %s %s / %s %s" % (k, c["dev"], c["inode"], l["dev"], l["inode"]))
    if is_file(l) or l["name"] in ("[stack]", "[vdso]", "[vsyscall]"):
        if c["name"] != l["name"]:
            bad["name"].append("%s %r/%r" % (k, c["name"], l["name"]))
    elif c["name"] != "":
        bad["name"].append("%s %r/%r" % (k, c["name"], l["name"]))
for what, v in bad.items():
    check("%s of every region as /proc's" % what, not v, "; ".join(v[:4]))
check("a file shared-mapped shows 's' or '?', never 'p'",
      all(c["perm"][3] in "s?" for c, l in zip(core["regions"], expected) if l["perm"][3] == "s"))

check("pid and comm", (core["pid"], core["comm"]) == (live["pid"], live["comm"]),
      "%s %s / %s %s" % (core["pid"], core["comm"], live["pid"], live["comm"]))
lc, cc = live["cmdline"], core["cmdline"]
if writer == "gdb":  # gdb 13 writes the program (argv[0]) alone
    check("cmdline (gdb's pr_psargs: argv[0])", cc and (lc == cc or lc.startswith(cc + " ")),
          "%r / %r" % (cc, lc))
else:
    check("cmdline (pr_psargs: the first 79 bytes)",
          cc == lc if len(lc) < 79 else (lc.startswith(cc) and len(cc) >= 70), "%r / %r" % (cc, lc))

main, stacks = None, {}
for line in open(helper_path):
    f = line.split()
    if f and f[0] == "main":
        main = int(f[1])
    elif f and f[0] == "thread":
        stacks[int(f[1])] = (int(f[2], 16), int(f[3], 16))


def stack_labels(path):  # {region start: "[ stack ]" or "[ stack tid=N ]"}
    out = {}
    for line in open(path, errors="surrogateescape"):
        if "[ stack" in line:
            out[int(line.split()[0], 16)] = line[line.index("[ stack"):].strip()
    return out


live_st, core_st = stack_labels(live_il), stack_labels(core_il)
tids = sorted(int(t) for t in tids_arg.split())
core_tids = sorted([main] + [int(v[len("[ stack tid="):-2]) for v in core_st.values() if "tid=" in v])
check("threads: the stacks labelled with their tids are the live ones", core_st == live_st,
      "core %s / live %s" % (sorted(core_st.items())[:4], sorted(live_st.items())[:4]))
check("threads: a stack for every tid of /proc/PID/task", core_tids == tids, "%s / %s" % (core_tids, tids))
stack = [r for r in core["regions"] if r["name"] == "[stack]"]
wrong = []
for start, label in core_st.items():
    r = [x for x in core["regions"] if int(x["start"], 16) == start][0]
    lo, hi = int(r["start"], 16), int(r["end"], 16)
    if "tid=" not in label:
        ok = len(stack) == 1 and stack[0] is r
    else:
        tid = int(label[len("[ stack tid="):-2])
        slo, shi = stacks.get(tid, (lo, hi))  # without bounds from the helper: its region
        ok = lo < shi and slo < hi
    if not ok:
        wrong.append("%s at %#x" % (label, start))
check("threads: each labelled stack is that thread's own", not wrong and core_st, "; ".join(wrong))
sys.exit(1 if failed else 0)
