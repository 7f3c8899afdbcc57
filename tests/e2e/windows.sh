#!/bin/bash
# The Windows port under wine: `make windows` builds vmscope.exe and the helpers with mingw-w64;
# win_regions.exe makes regions it knows (a reservation with a committed part, a guard page, a
# shared and a copy-on-write view of a temp file, a thread that waits, a system DLL) and prints
# them; `vmscope.exe map --format json PID`, run under the same wineserver, must find each with
# the right kind, perms, size and name, each thread's stack labelled with its tid, the process
# heap's first segment as [heap]. win_selfmap.exe checks the working set accounting (-x, -XX)
# and every format of the core's registry on itself: wine's QueryWorkingSetEx answers for the
# calling process only, and `map -x` of another process must say so in one line.
#
# Skipped (one SKIP line) only when mingw-w64 or wine64 is missing, and never under CI=true,
# where tools/deps.sh installs them. The wine prefix is made once (wineboot: ~15 s) and kept in
# /var/cache/vmscope-wine/PREFIX (a temp dir if that is not writable), under a lock; the
# wineserver of that prefix is killed at the end.
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/lib.sh"
root=$(cd "$here/.." && pwd)
T=windows
W=$TMPDIR_TEST

# The Linux build compiles nothing of the port, whatever is installed.
make -C "$root" --no-print-directory -n -B OUTPUT_BASE="$W/dry" all >"$W/dry.log" 2>&1
n=$(grep -cE 'user/windows|win_regions|win_selfmap|mingw' "$W/dry.log")
if [ "$n" = 0 ] && grep -q 'user/core/' "$W/dry.log"; then
	pass "$T: make (Linux) compiles nothing of the Windows port"
else
	fail "$T: make (Linux) compiles nothing of the Windows port" "$n commands name it"
fi

WIN_CC=${WIN_CC:-x86_64-w64-mingw32-gcc}
WINE=$(command -v wine64 || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; } || command -v wine)
WINESERVER=$(command -v wineserver || { [ -x /usr/lib/wine/wineserver ] && echo /usr/lib/wine/wineserver; })
missing=""
command -v "$WIN_CC" >/dev/null 2>&1 || missing="$missing $WIN_CC (gcc-mingw-w64-x86-64)"
[ -n "$WINE" ] && [ -n "$WINESERVER" ] || missing="$missing wine64 (wine, wine64)"
if [ -n "$missing" ]; then
	if [ "${CI:-}" = true ]; then fail "$T: tools" "missing under CI:$missing (tools/deps.sh installs them)"
	else echo "SKIP: $T: the Windows port is not tested -- missing:$missing (run tools/deps.sh)"; fi
	exit 0
fi

if make -C "$root" --no-print-directory -j2 windows >"$W/make.log" 2>&1; then
	pass "$T: make windows builds vmscope.exe and its test helpers"
else
	fail "$T: make windows builds vmscope.exe and its test helpers" "$(tail -n 3 "$W/make.log" | tr '\n' ' ')"
	exit 0
fi
EXE=$root/.output/windows/vmscope.exe
WH=$root/.output/windows/tests/helpers
pe=$(python3 -c 'import struct, sys
b = open(sys.argv[1], "rb").read(4096)
o = struct.unpack_from("<I", b, 0x3c)[0]
print("pe32+-x86-64" if b[:2] == b"MZ" and b[o:o + 4] == b"PE\0\0" and
      struct.unpack_from("<H", b, o + 4)[0] == 0x8664 and struct.unpack_from("<H", b, o + 24)[0] == 0x20b else "no")' "$EXE" 2>&1)
if [ "$pe" = pe32+-x86-64 ] && ! grep -qE '(BPF|GEN-SKEL)' "$W/make.log"; then
	pass "$T: vmscope.exe is a PE32+ x86-64 program, built without BPF"
else
	fail "$T: vmscope.exe is a PE32+ x86-64 program, built without BPF" "$pe"
fi

# ---- wine: one prefix, made once, used under a lock (two runs must not share its server) ----
cache=/var/cache/vmscope-wine
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then cache=$W/wine; mkdir -p "$cache"; fi
ver=$("$WINE" --version 2>/dev/null | tr -c 'A-Za-z0-9.\n-' _)
export WINEPREFIX=$cache/prefix-${ver:-wine} WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
exec 9>"$cache/lock"
flock 9
wine_stop() { "$WINESERVER" -k >/dev/null 2>&1; }
trap 'wine_stop; _cleanup' EXIT
if [ ! -s "$WINEPREFIX/system.reg" ]; then
	# made aside and renamed: an interrupted wineboot leaves no half prefix behind
	start=$(date +%s) final=$WINEPREFIX
	export WINEPREFIX=$final.new.$$
	rm -rf "$final" "$final".new.*
	timeout 300 "$WINE" wineboot -i </dev/null >"$W/wineboot.log" 2>&1
	timeout 60 "$WINESERVER" -w
	[ -s "$WINEPREFIX/system.reg" ] && mv "$WINEPREFIX" "$final"
	rm -rf "$WINEPREFIX"
	export WINEPREFIX=$final
	echo "   (wine prefix $WINEPREFIX made in $(( $(date +%s) - start )) s)"
fi
if [ -s "$WINEPREFIX/system.reg" ]; then pass "$T: a wine prefix is ready"
else fail "$T: a wine prefix is ready" "$(tail -n 3 "$W/wineboot.log" 2>/dev/null | tr '\n' ' ')"; exit 0; fi
wine_run() { timeout 60 "$WINE" "$@" </dev/null; }

# ---- the helper with known regions ----
"$WINE" "$WH/win_regions.exe" 60 </dev/null >"$W/helper.json" 2>"$W/helper.err" &
hpid=$!
cleanup_pid "$hpid"
for _ in $(seq 1 300); do
	grep -q '"heap_block"' "$W/helper.json" 2>/dev/null && break
	kill -0 "$hpid" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q '"heap_block"' "$W/helper.json"; then
	fail "$T: win_regions.exe reports its regions" "$(head -c 300 "$W/helper.err")"
	exit 0
fi
WPID=$(jget "$W/helper.json" 'd["pid"]')

if wine_run "$EXE" map --format json "$WPID" >"$W/map.json" 2>"$W/map.err"; then
	pass "$T: map --format json PID exits 0"
else
	fail "$T: map --format json PID exits 0" "$(head -c 300 "$W/map.err")"
fi

# Each known region, as the helper knows it, against what vmscope.exe found.
python3 - "$W/helper.json" "$W/map.json" <<'EOF'
import json, sys
try:
    h = json.load(open(sys.argv[1]))
    m = json.load(open(sys.argv[2]))
except ValueError as e:
    print("FAIL: windows: the helper's and vmscope.exe's JSON parse -- %s" % e)
    sys.exit(0)
regs = [dict(r, lo=int(r["start"], 16), hi=int(r["end"], 16)) for r in m["regions"]]

def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + "windows: " + name + ("" if ok else " -- " + why))

def inside(lo, hi):
    return [r for r in regs if r["lo"] >= lo and r["hi"] <= hi]

def exact(lo, hi):
    return [r for r in regs if r["lo"] == lo and r["hi"] == hi]

def covers(rs, lo, hi):  # rs, in order, tile [lo, hi) exactly
    at = lo
    for r in rs:
        if r["lo"] != at:
            return False
        at = r["hi"]
    return at == hi

def show(rs):
    return "; ".join("%s-%s %s %s %s" % (r["start"], r["end"], r["perm"], r["kind"], r["name"]) for r in rs[:6])

def path(p):  # GetFinalPathNameByHandle's \\?\C:\... is C:\...
    return p[4:] if p.startswith("\\\\?\\") else p

check("the JSON names the process and the backend",
      m["pid"] == h["pid"] and m["comm"].lower() == "win_regions.exe" and m["backend"] == "windows"
      and "win_regions.exe" in m["cmdline"], "%s %s %s" % (m["pid"], m["comm"], m["backend"]))
ordered = all(a["hi"] <= b["lo"] for a, b in zip(regs, regs[1:])) and all(r["lo"] < r["hi"] for r in regs)
check("regions are sorted, non-empty and do not overlap", ordered)

lo, size = h["reserve"]; clo, csize = h["commit"]
rs = inside(lo, lo + size)
com = exact(clo, clo + csize)
res = [r for r in rs if r not in com]
check("VirtualAlloc reserve: the 1 MiB reservation is tiled by its regions", covers(rs, lo, lo + size), show(rs))
check("VirtualAlloc commit: the committed 64 KiB is one rw-p private region",
      len(com) == 1 and com[0]["perm"] == "rw-p" and com[0]["kind"] == "private" and com[0]["name"] == "", show(com))
check("VirtualAlloc reserve: the uncommitted rest is ---p [reserved]",
      len(res) == 2 and all(r["perm"] == "---p" and r["name"] == "[reserved]" and r["kind"] == "private" for r in res),
      show(res))

g, page = h["guard"][0], h["page"]
gs = inside(g, g + 3 * page)
check("PAGE_GUARD: the guard page is a ---p region between two rw-p pages (private: no stack is next to it)",
      covers(gs, g, g + 3 * page) and [r["perm"] for r in gs] == ["rw-p", "---p", "rw-p"]
      and gs[1]["kind"] == "private" and gs[1]["lo"] == g + page and gs[1]["hi"] == g + 2 * page, show(gs))

f = path(h["file"]).lower()
check("the temp file's name reaches the JSON as UTF-8 (U+00E9, U+65E5, U+1F600: a surrogate pair)",
      "vms-\u00e9\u65e5\U0001F600-" in f and any(r["name"].lower() == f for r in regs), f)
for key, perm, kind in (("view", "rw-s", "mapped-file"), ("cow", "rw-p", "mapped-file")):
    vlo, vsize = h[key]
    v = exact(vlo, vlo + vsize)
    check("MapViewOfFile (%s): %s %s of the temp file, named and with its file index" % (key, perm, kind),
          len(v) == 1 and v[0]["perm"] == perm and v[0]["kind"] == kind and v[0]["name"].lower() == f
          and v[0]["inode"] == h["file_index"], show(v) + " want " + f)

for key in ("thread", "main"):
    t = h[key]
    st = [r for r in regs if r["name"] == "[stack:%d]" % t["tid"]]
    check("thread stack (%s): [stack:TID] regions tile its reservation [low, high) exactly" % key,
          covers(st, t["low"], t["high"]) and all(r["kind"] == "stack" for r in st), show(st))
    if key == "thread":
        top = [r for r in st if r["hi"] == t["high"]]
        check("thread stack: its committed part [StackLimit, StackBase) is one rw-p region",
              len(top) == 1 and top[0]["lo"] == t["limit"] and top[0]["perm"] == "rw-p", show(top))

d = h["dll"].lower()
ds = [r for r in regs if r["name"].lower() == d]
check("LoadLibrary: the DLL's regions tile [base, base + SizeOfImage), kind image",
      covers(ds, h["dll_base"], h["dll_base"] + h["dll_size"]) and all(r["kind"] == "image" for r in ds), show(ds))
check("LoadLibrary: headers r--p first, code r-x somewhere, offsets are RVAs, a file identity",
      ds and ds[0]["perm"] == "r--p" and any(r["perm"] == "r-xp" for r in ds)
      and all(int(r["offset"], 16) == r["lo"] - h["dll_base"] for r in ds) and ds[0]["inode"] != 0, show(ds))

hp = [r for r in regs if r["lo"] <= h["heap"] < r["hi"]]
hb = [r for r in regs if r["lo"] <= h["heap_block"] < r["hi"]]
check("the process heap (PEB ProcessHeap) is [heap], kind heap, a block from it too",
      len(hp) == 1 and hp[0]["name"] == "[heap]" and hp[0]["kind"] == "heap" and hp[0]["lo"] == h["heap"]
      and len(hb) == 1 and hb[0]["kind"] == "heap", show(hp + hb))
EOF

# The same snapshot through the other formats of the core's registry.
wine_run "$EXE" map --format csv "$WPID" >"$W/map.csv" 2>&1
n_json=$(jget "$W/map.json" 'len(d["regions"])')
n_csv=$(($(wc -l <"$W/map.csv") - 1))
if [ "$n_csv" -eq "$n_json" ] && head -n1 "$W/map.csv" | grep -q $'^pid,start,end,perm,offset,dev,inode,kind,name,size_kb\r$'; then
	pass "$T: --format csv has the JSON's regions, CRLF rows (stdout is binary)"
else
	fail "$T: --format csv has the JSON's regions, CRLF rows (stdout is binary)" "csv $n_csv, json $n_json"
fi
# Snapshots the Linux build reads: vmscope.exe's export, imported here into a .vms file, shows
# the same regions as vmscope.exe's own JSON (the identity and every region, byte for byte).
if wine_run "$EXE" snapshot export "$WPID" >"$W/export.json" 2>"$W/export.err" &&
   "$VMSCOPE" snapshot import "$W/export.json" -o "$W/win.vms" 2>"$W/import.err" &&
   "$VMSCOPE" snapshot show --format json "$W/win.vms" >"$W/win_show.json" 2>"$W/show.err" &&
   python3 - "$W/map.json" "$W/win_show.json" <<'EOF2'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
keep = ("pid", "comm", "regions")
sys.exit(0 if all(a[k] == b[k] for k in keep) and len(a["regions"]) > 10 else 1)
EOF2
then
	pass "$T: snapshot export -> Linux snapshot import -> show: vmscope.exe's regions"
else
	fail "$T: snapshot export -> Linux snapshot import -> show: vmscope.exe's regions" \
		"$(cat "$W/export.err" "$W/import.err" "$W/show.err" 2>/dev/null | head -c 300)"
fi
wine_run "$EXE" map -k "$WPID" >"$W/map.k" 2>&1
wine_run "$EXE" map "$WPID" >"$W/map.pmap" 2>&1
tid=$(jget "$W/helper.json" 'd["thread"]["tid"]')
dll=$(jget "$W/helper.json" 'd["dll"].split("\\")[-1].lower()')
if grep -q " \[stack:$tid\]\$" "$W/map.k" && grep -qi " $dll\$" "$W/map.pmap" &&
   grep -q '   \[ stack \]$' "$W/map.pmap" && grep -qE '^ total +[0-9]+K$' "$W/map.pmap" &&
   head -n1 "$W/map.pmap" | grep -q "^$WPID:   .*win_regions.exe"; then
	pass "$T: pmap tables: file names after the last backslash, [ stack ], -k shows [stack:TID]"
else
	fail "$T: pmap tables: file names after the last backslash, [ stack ], -k shows [stack:TID]" "$(head -n 3 "$W/map.pmap" | tr '\n' ' ')"
fi

# -v: GetProcessMemoryInfo's totals and the counts, on one debug line.
wine_run "$EXE" map -v "$WPID" >/dev/null 2>"$W/v.err"
if grep -qE "^vmscope: debug: PID $WPID: working set [0-9]+ kB, private bytes [0-9]+ kB, [0-9]+ regions, ([2-9]|[1-9][0-9]+) threads" "$W/v.err"; then
	pass "$T: map -v: GetProcessMemoryInfo's working set and private bytes, regions, threads (at least 2)"
else
	fail "$T: map -v: GetProcessMemoryInfo's working set and private bytes, regions, threads (at least 2)" "$(head -c 200 "$W/v.err")"
fi

# -x of another process: wine's QueryWorkingSetEx refuses it; one clear line, exit 1, no zeros.
wine_run "$EXE" map -x "$WPID" >"$W/x.out" 2>"$W/x.err"
rc=$?
if [ "$rc" = 1 ] && [ "$(wc -l <"$W/x.err")" = 1 ] && grep -q 'QueryWorkingSetEx' "$W/x.err" &&
   ! grep -q '^0000' "$W/x.out"; then
	pass "$T: map -x of another process under wine: one line naming QueryWorkingSetEx, exit 1"
else
	fail "$T: map -x of another process under wine: one line naming QueryWorkingSetEx, exit 1" "rc $rc: $(head -c 200 "$W/x.err")"
fi

# Errors: a gone PID is 42, an unknown name 42, an unknown format 1 (with the registry's names).
wine_run "$EXE" map 4294967292 >/dev/null 2>"$W/e1"; r1=$?
wine_run "$EXE" map no_such_image >/dev/null 2>"$W/e2"; r2=$?
wine_run "$EXE" map --format nope "$WPID" >/dev/null 2>"$W/e3"; r3=$?
wine_run "$EXE" map 0 >/dev/null 2>"$W/e4"; r4=$?
wine_run "$EXE" map -L --format json "$WPID" >/dev/null 2>"$W/e5"; r5=$?
if [ "$r1$r2$r3$r4$r5" = 4242111 ] && grep -q 'no such process' "$W/e1" && grep -q "no process named 'no_such_image'" "$W/e2" &&
   grep -q "unknown format 'nope' (pmap, json" "$W/e3" && grep -q 'not a possible PID' "$W/e4" &&
   grep -q "illumos pmap's: they print the illumos table (not with --format json)" "$W/e5"; then
	pass "$T: errors: gone PID and unknown name 42; unknown format, PID 0, -L with json 1; one line each"
else
	fail "$T: errors: gone PID and unknown name 42; unknown format, PID 0, -L with json 1; one line each" "$r1 $r2 $r3 $r4 $r5"
fi
if wine_run "$EXE" map win_regions >"$W/byname" 2>&1 && head -n1 "$W/byname" | grep -q "^$WPID:"; then
	pass "$T: a process is found by its image name, without .exe"
else
	fail "$T: a process is found by its image name, without .exe" "$(head -n 2 "$W/byname")"
fi

# The formats come from the core's registry: --help names each of them, as the error above did.
wine_run "$EXE" map --help >"$W/help" 2>&1
if grep -q -- '--format=FMT *pmap, json or csv' "$W/help" || grep -qE -- '--format=FMT +pmap, json, csv' "$W/help"; then
	pass "$T: map --help lists the core's formats"
else
	fail "$T: map --help lists the core's formats" "$(grep -- --format "$W/help")"
fi
# Several targets: one JSON object each, in order (the same process twice here).
wine_run "$EXE" map --format json "$WPID" "$WPID" >"$W/two.json" 2>&1
if [ "$(wc -l <"$W/two.json")" = 2 ] && [ "$(python3 -c 'import json,sys
print(sum(json.loads(l)["pid"] == int(sys.argv[2]) for l in open(sys.argv[1])))' "$W/two.json" "$WPID")" = 2 ]; then
	pass "$T: two targets give two JSON lines"
else
	fail "$T: two targets give two JSON lines" "$(head -c 200 "$W/two.json")"
fi

# ---- working set accounting, read by the backend on its own process ----
wine_run "$WH/win_selfmap.exe" >"$W/self.out" 2>"$W/self.err"
python3 - "$W/self.out" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().split("\n")
def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + "windows: " + name + ("" if ok else " -- " + why))
try:
    h = json.loads(lines[0]); m = json.loads(lines[1])
except (ValueError, IndexError) as e:
    check("win_selfmap.exe maps itself with accounting", False, str(e)); sys.exit(0)
regs = {int(r["start"], 16): r for r in m["regions"]}
c, r = regs.get(h["commit"]), regs.get(h["reserve"])
check("-x: 256 KiB committed, 64 KiB touched: rss_kb 64, all private (anon_kb 64)",
      c is not None and c["rss_kb"] == 64 and c["anon_kb"] == 64 and c["kind"] == "private", str(c))
check("-x: a reservation has no working set", r is not None and r["rss_kb"] == 0 and r["name"] == "[reserved]", str(r))
dll = [x for x in m["regions"] if x["kind"] == "image" and x["perm"] == "r-xp"]
check("-x: code of the loaded images is resident", dll and sum(x["rss_kb"] for x in dll) > 0)
# -X: the Windows keys, Committed among them
hdr = next((l for l in lines if "Committed" in l), "")
cols = hdr.split()
rows = {l.split()[0]: l.split() for l in lines if l.strip() and l.split()[0] in ("%08x" % h["commit"], "%08x" % h["reserve"], "%x" % h["commit"], "%x" % h["reserve"])}
def col(addr, key):
    row = rows.get("%08x" % addr) or rows.get("%x" % addr)
    return row[cols.index(key)] if row and key in cols else None
check("-X: Size Committed Rss Anonymous Shareable_WS Shared_WS Locked columns",
      all(k in cols for k in ("Size", "Committed", "Rss", "Anonymous", "Shareable_WS", "Shared_WS", "Locked")), hdr)
check("-X: Committed is 256 for the committed region, 0 for the reservation",
      col(h["commit"], "Committed") == "256" and col(h["reserve"], "Committed") == "0",
      "%s %s" % (col(h["commit"], "Committed"), col(h["reserve"], "Committed")))
# -XX: the VmFlags Windows' state gives (ac: committed private memory; nr: reserved only)
check("-XX: VmFlags 'rd wr ac' for committed private memory, 'nr' for the reservation",
      any(l.split()[0] in ("%08x" % h["commit"], "%x" % h["commit"]) and "rd wr ac" in l for l in lines)
      and any(l.split()[0] in ("%08x" % h["reserve"], "%x" % h["reserve"]) and l.split()[-2] == "nr" for l in lines if l.split()),
      str([l for l in lines if l.split() and l.split()[0] in ("%08x" % h["commit"], "%08x" % h["reserve"])]))
# every format of the core's registry prints a Windows snapshot (with -x accounting)
parts, name = {}, None
for l in lines:
    if l.startswith("== "):
        name = l[3:]; parts[name] = []
    elif name:
        parts[name].append(l)
# --format types: VMMap's Total WS = Private WS + Shareable WS on every row; the stacks' and
# the private memory's working set is private (Windows has no clean/dirty split: Anonymous)
rows = {}
for l in parts.get("types", []):
    f = l.rsplit(None, 10)
    if len(f) == 11 and f[1].isdigit():
        rows[f[0]] = [int(x) for x in f[1:]]
check("--format types: Total WS = Private WS + Shareable WS per type, Stack and Private WS private",
      "Total" in rows and all(v[3] == v[4] + v[5] for v in rows.values())
      and rows.get("Stack", [0] * 10)[4] > 0 and rows["Stack"][4] == rows["Stack"][3]
      and rows.get("Private", [0] * 10)[4] > 0, str(rows))
names = parts.pop("names", [])
empty = [n for n, p in parts.items() if not "".join(p).strip()]
check("every format of the core's registry prints it (%s)" % ", ".join(parts),
      len(parts) >= 3 and "json" in parts and not empty, "empty: %s" % empty)
# NT paths as DOS paths (win_dos_name), on this system's C: device
want = ["C:\\windows\\x.dll", None, "C:\\lower.dll", "\\\\srv\\share\\f.dll", "C:\\y.dll",
        "\\\\srv\\s\\z.dat", None]
try:
    got = json.loads(names[0])
except (ValueError, IndexError):
    got = []
ok = len(got) == len(want) and all(g[1] == (w if w is not None else g[0]) for g, w in zip(got, want))
check("NT paths become DOS paths: the drive's device (case-blind, whole components), Mup and "
      "\\??\\UNC as UNC, \\??\\C:, an unknown device kept", ok, str(got))
EOF
