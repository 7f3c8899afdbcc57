#!/bin/bash
# The seed tools' views (--format vmmap, vmmap-summary, types, illumos; -L -s -S -r -a; vmmap's
# single-dash options) on tests/helpers/views, a stopped process with a known layout: every type
# appears and is classified right, N threads give N stacks with their tids, summary totals are
# the sums of their rows and equal smaps_rollup where both measure the same, -L on this machine's
# nodes, -s sees the THP region as 2M where THP is on.
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/lib.sh"

T=map_views
W=$TMPDIR_TEST
N=4
# procfs: these checks are of the views, not of a live model another suite may have pinned
map() { "$VMSCOPE" map --backend procfs "$@"; }

# Private copies of the loader and libc: nobody else maps their pages, so Shared_*/Private_*
# cannot move between two reads (see map_pmap.sh).
RT=$W/rt
mkdir -p "$RT"
private_runtime "$RT" "$HELPERS/views" ||
	{ fail "$T: setup private runtime" "no dynamic loader found by ldd"; exit 1; }
start_bg "$W/h.out" "${PRIV[@]}" "$RT/views" $N; hp=$BG_PID
if [ -z "$hp" ] || ! stop_pid "$hp"; then fail "$T: start and stop the helper" "see above"; exit 1; fi
key() { awk -v k="$1" '$1 == k { print $2; exit }' "$W/h.out"; }
mapfile -t TIDS < <(awk '$1 == "tid" { print $2 }' "$W/h.out")
if [ "${#TIDS[@]}" = $N ]; then pass "$T: helper up with $N threads"
else fail "$T: helper up with $N threads" "${TIDS[*]}"; fi

# ---- classification: JSON kinds of the known regions --------------------------------------------
map --format json "$hp" >"$W/j.json" 2>"$W/j.err"
kind_at() { # kind_at ADDR: the kind of the region starting at ADDR (0x...)
	jget "$W/j.json" "[r['kind'] for r in d['regions'] if int(r['start'], 16) == $1][0]" 2>/dev/null
}
bad=""
for pair in private:private reserve:private noreserve:private shanon:shareable memfd:shareable \
	alias:shareable file:mapped-file thp:private heapguard:guard; do
	k=${pair%%:*} want=${pair#*:} a=$(key "${pair%%:*}")
	[ -n "$a" ] || { bad="$bad $k(missing)"; continue; }
	got=$(kind_at "$a")
	[ "$got" = "$want" ] || bad="$bad $k=$got(want $want)"
done
named=$(jget "$W/j.json" "' '.join(sorted(set(r['kind'] for r in d['regions'] if r['name'] in ('[heap]', '[stack]', '[vdso]', '[vsyscall]') or r['name'].endswith('/views') or 'libc.so' in r['name'])))")
[ "$named" = "heap image stack system vdso" ] || bad="$bad named:$named"
arenas=$(jget "$W/j.json" "sum(1 for r in d['regions'] if r['kind'] == 'heap' and r['perm'] == 'rw-p' and int(r['start'], 16) % (64 << 20) == 0)")
[ "$arenas" -ge 1 ] || bad="$bad arenas:$arenas"
check_kinds() { [ -z "$bad" ]; }
if check_kinds; then pass "$T: every known region has its kind (and $arenas glibc arena heaps)"
else fail "$T: every known region has its kind" "$bad"; fi

# ---- N threads, N stacks, each with its tid ----------------------------------------------------
map -x "$hp" >/dev/null 2>&1 # (warm nothing; a no-op read)
map -S "$hp" >"$W/il.out" 2>"$W/il.err" || fail "$T: map -S" "$(cat "$W/il.err")"
missing=""
for t in "${TIDS[@]}"; do
	grep -q "\[ stack tid=$t \]\$" "$W/il.out" || missing="$missing $t"
done
nst=$(grep -c '\[ stack tid=' "$W/il.out")
nmain=$(grep -c '\[ stack \]$' "$W/il.out")
if [ -z "$missing" ] && [ "$nst" = $N ] && [ "$nmain" = 1 ]; then
	pass "$T: illumos table: $N '[ stack tid=N ]' with the threads' tids, one '[ stack ]'"
else fail "$T: illumos table: one stack per thread" "missing:$missing, $nst thread stacks, $nmain main"; fi
map --format vmmap "$hp" >"$W/vm.out" 2>"$W/vm.err"
missing=""
for t in "${TIDS[@]}"; do grep -qE "^Stack .* thread $t\$" "$W/vm.out" || missing="$missing $t"; done
grep -qE "^Stack .* thread $hp \(main\)\$" "$W/vm.out" || missing="$missing main"
ng=$(grep -cE '^STACK GUARD .* stack guard for thread [0-9]+$' "$W/vm.out")
if [ -z "$missing" ] && [ "$ng" = $N ]; then pass "$T: vmmap: a Stack per thread, and its STACK GUARD"
else fail "$T: vmmap: a Stack per thread" "missing:$missing guards:$ng"; fi

# ---- the vmmap report ----------------------------------------------------------------------------
cat >"$W/vm.py" <<'PYEOF'
import re, sys

pid, path, maps = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
errs = []
regions = []
for line in open(maps):
    a, b = line.split()[0].split("-")
    regions.append((int(a, 16), int(b, 16), line.split()[1]))
row = re.compile(r"^(.{22}) ([0-9a-f]{16})-([0-9a-f]{16}) \[ *(\d+)\] (...)/(...) SM=(COW|PRV|NUL|ALI|SHM)  (.*)$")
sec = None
rows = []
for ln in text.split("\n"):
    if ln.startswith("==== Non-writable regions for process " + pid):
        sec = "ro"
    elif ln.startswith("==== Writable regions for process " + pid):
        sec = "rw"
    elif ln.startswith("===="):
        sec = None
    elif sec and not ln.startswith("REGION TYPE") and ln:
        m = row.match(ln)
        if not m:
            errs.append("bad row %r" % ln)
            continue
        rows.append((sec, int(m.group(2), 16), int(m.group(3), 16), int(m.group(4)), m.group(5), m.group(6), m.group(1).strip()))
for sec, a, b, pages, prt, mx, typ in rows:
    if (prt[1] == "w") != (sec == "rw"):
        errs.append("row %x in the wrong section" % a)
    if pages * 4096 != b - a:
        errs.append("row %x: %d pages for %d bytes" % (a, pages, b - a))
    if re.match(r"^[r-][w-][x-]$", mx) is None:
        errs.append("row %x: max %r" % (a, mx))
    for i, p in enumerate(prt):
        if p != "-" and mx[i] == "-":
            errs.append("row %x: %s beyond its max %s" % (a, prt, mx))
# coalesced rows cover exactly the regions
cover = sorted((a, b) for _, a, b, *_ in rows)
merged = []
for a, b, _ in sorted(regions):
    if merged and merged[-1][1] == a:
        pass
    merged.append((a, b))
spans = sum(b - a for a, b in cover)
if spans != sum(b - a for a, b, _ in regions):
    errs.append("rows cover %d bytes, regions %d" % (spans, sum(b - a for a, b, _ in regions)))
if "==== Legend" not in text or "SM=sharing mode:" not in text:
    errs.append("no legend")
# summary: TOTAL is the sum of the type rows (pages)
summ = text.split("REGION TYPE                        PAGES")[-1] if "PAGES" in text else ""
tot = None
sums = [0, 0, 0, 0, 0]
for ln in text.split("\n"):
    m = re.match(r"^(.{31}) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$", ln)
    if not m:
        continue
    vals = [int(m.group(i)) for i in range(2, 7)]
    if m.group(1).strip() == "TOTAL":
        tot = vals
    else:
        sums = [x + y for x, y in zip(sums, vals)]
if tot is None:
    errs.append("no TOTAL row")
elif tot != sums:
    errs.append("TOTAL %s != sum of rows %s" % (tot, sums))
elif tot[0] * 4096 != sum(b - a for a, b, _ in regions):
    errs.append("TOTAL virtual %d pages, maps %d bytes" % (tot[0], sum(b - a for a, b, _ in regions)))
elif tot[4] != len(regions):
    errs.append("TOTAL count %d, %d regions" % (tot[4], len(regions)))
print("\n".join(errs) if errs else "ok %d rows" % len(rows))
PYEOF
map --format vmmap -pages "$hp" >"$W/vmp.out" 2>&1
out=$(python3 "$W/vm.py" "$hp" "$W/vmp.out" "/proc/$hp/maps" 2>&1)
case $out in ok*) pass "$T: vmmap -pages: sections by W, PRT within MAX, rows cover the map, TOTAL = sum of rows = maps ($out)" ;;
	*) fail "$T: vmmap -pages report" "$out" ;; esac
map --format vmmap -pages -noCoalesce "$hp" >"$W/vmn.out" 2>&1
nrows=$(grep -cE '^.{22} [0-9a-f]{16}-[0-9a-f]{16} \[' "$W/vmn.out")
nmaps=$(wc -l <"/proc/$hp/maps")
crows=$(grep -cE '^.{22} [0-9a-f]{16}-[0-9a-f]{16} \[' "$W/vmp.out")
if [ "$nrows" = "$nmaps" ] && [ "$crows" -lt "$nrows" ]; then pass "$T: -noCoalesce: one row per region ($nrows), coalesced $crows"
else fail "$T: -noCoalesce: one row per region" "$nrows rows, $nmaps regions, $crows coalesced"; fi
map --format vmmap -interleaved -resident "$hp" >"$W/vmi.out" 2>&1
if grep -q "^==== regions for process $hp  (non-writable and writable regions are interleaved)$" "$W/vmi.out" &&
	! grep -q '^==== Writable' "$W/vmi.out" && grep -q '\[ VSIZE  RSDNT  DIRTY   SWAP\]' "$W/vmi.out" &&
	[ "$(grep -oE '^.{22} [0-9a-f]{16}' "$W/vmi.out" | awk '{print $NF}' | sort -c && echo sorted)" = sorted ]; then
	pass "$T: -interleaved -resident: one section in address order, RSDNT DIRTY SWAP columns"
else fail "$T: -interleaved -resident" "$(head -c 600 "$W/vmi.out")"; fi
map -summary -pages "$hp" >"$W/s1.out" 2>&1
map --format vmmap-summary --pages "$hp" >"$W/s2.out" 2>&1
if cmp -s "$W/s1.out" "$W/s2.out" && grep -q '^TOTAL ' "$W/s1.out" && ! grep -q '^==== Legend' "$W/s1.out"; then
	pass "$T: -summary is --format vmmap-summary (header and summary only); --pages is -pages"
else fail "$T: -summary" "$(diff "$W/s1.out" "$W/s2.out" | head -5)"; fi
out=$(map -resident "$hp" 2>&1); rc=$?
if [ $rc = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q "vmmap's"; then
	pass "$T: -resident without a vmmap format: one line, exit 1"
else fail "$T: -resident without a vmmap format" "rc=$rc $out"; fi

# ---- the VMMap summary: totals, and smaps_rollup ---------------------------------------------------
map --format types "$hp" >"$W/ty.out" 2>&1
cat >"$W/ty.py" <<'PYEOF'
import sys
path, rollup = sys.argv[1], sys.argv[2]
cols = ["Size", "Committed", "Private", "Total WS", "Private WS", "Shareable WS", "Shared WS", "Locked WS", "Blocks", "Largest"]
rows = {}
for ln in open(path).read().split("\n")[2:]:
    if not ln:
        continue
    name, vals, at = ln[:12].strip(), [], 12
    for c in cols:  # fixed columns: " %12s", Blocks " %7s"; Free leaves some blank
        w = 8 if c == "Blocks" else 13
        v = ln[at:at + w].strip()
        vals.append(int(v) if v else 0)
        at += w
    rows[name] = vals
errs = []
want = ["Total", "Image", "Mapped File", "Shareable", "Heap", "Stack", "Private", "Guard", "System", "Free"]
if list(rows) != want:
    errs.append("rows %s" % list(rows))
for t in want[1:]:
    if not rows.get(t) or rows[t][cols.index("Size")] == 0 or rows[t][cols.index("Blocks")] == 0:
        errs.append("type %s is empty" % t)
tot = rows.get("Total", [])
for i, c in enumerate(cols):
    vals = [rows[t][i] for t in want[1:-1] if t in rows]
    s = max(vals) if c == "Largest" else sum(vals)
    if tot and tot[i] != s:
        errs.append("Total %s %d != %d" % (c, tot[i], s))
r = {}
for ln in open(rollup):
    k, _, v = ln.partition(":")
    if v.strip().endswith("kB"):
        r[k] = int(v.split()[0])
same = {"Total WS": r["Rss"], "Private WS": r["Private_Clean"] + r["Private_Dirty"],
        "Shared WS": r["Shared_Clean"] + r["Shared_Dirty"], "Locked WS": r["Locked"]}
for c, v in same.items():
    if tot and tot[cols.index(c)] != v:
        errs.append("Total %s %d, smaps_rollup %d" % (c, tot[cols.index(c)], v))
free = rows.get("Free", [0] * 10)
if free and (free[-1] > free[0] or free[-1] == 0):
    errs.append("Free largest %d of %d" % (free[-1], free[0]))
print("\n".join(errs) if errs else "ok")
PYEOF
out=$(python3 "$W/ty.py" "$W/ty.out" "/proc/$hp/smaps_rollup" 2>&1)
if [ "$out" = ok ]; then pass "$T: types: every type present, Total = sum of rows, = smaps_rollup (Rss, Private, Shared, Locked)"
else fail "$T: types" "$out"; fi

# ---- illumos options ---------------------------------------------------------------------------
map -r "$hp" >"$W/r.out" 2>&1
bad=$(awk 'NR > 2 && $1 ~ /^[0-9A-F]+$/ && $3 !~ /^---/ && $3 !~ /R$/' "$W/r.out")
up() { printf '%016X' "$(($1))"; }
if [ -z "$bad" ] && grep -q "^$(up "$(key reserve)") " "$W/r.out" && grep -q "^$(up "$(key noreserve)") .* rw--R " "$W/r.out" &&
	! grep -q "^$(up "$(key private)") " "$W/r.out"; then
	pass "$T: -r: only PROT_NONE and MAP_NORESERVE ranges (R in Mode)"
else fail "$T: -r" "$bad"; fi
map -S "$hp" >"$W/S.out" 2>&1
pr=$(grep "^$(up "$(key private)") " "$W/S.out")
if echo "$pr" | grep -qE '^[0-9A-F]{16} +64 +- +64 rw--- '; then pass "$T: -S: a touched private mapping is commit-charged (ac) for its size"
else fail "$T: -S commit" "$pr"; fi
a0=$(map -x "$hp" -q 2>/dev/null | head -1) # procps -x is untouched by the illumos options
sa=$(map -x -S "$hp" | grep "^$(up "$(key shanon)") " | awk '{print $4}')
sb=$(map -x -S -a "$hp" | grep "^$(up "$(key shanon)") " | awk '{print $4}')
if [ "$sa" = - ] && [ "$sb" = 64 ] && [ "$a0" = "$hp:   ${PRIV[*]} $RT/views $N" ]; then
	pass "$T: -a counts shared anonymous memory as Anon (64 kB), not without"
else fail "$T: -a" "without:$sa with:$sb"; fi

# -L: this machine's nodes, and page by page (VMSCOPE_NUMA_PER_PAGE=1) the resident kB per node
# equal numa_maps'.
nodes=$(find /sys/devices/system/node -maxdepth 1 -name 'node[0-9]*' -printf '%f\n' 2>/dev/null | sed 's/node//' | sort -n | tr '\n' ' ')
if [ ! -r "/proc/$hp/numa_maps" ]; then
	echo "SKIP: $T: -L -- this kernel has no numa_maps (CONFIG_NUMA off)"
else
	map -L "$hp" >"$W/L.out" 2>&1
	VMSCOPE_NUMA_PER_PAGE=1 map -L "$hp" >"$W/Lp.out" 2>&1
	got=$(awk 'NR > 2 && $1 ~ /^[0-9A-F]+$/ && $4 != "-" { print $4 }' "$W/L.out" "$W/Lp.out" | sort -u | tr '\n' ' ')
	kb() { awk 'NR > 2 && $1 ~ /^[0-9A-F]+$/ && $4 == '"$2"' { s += $2 } END { print s + 0 }' "$1"; }
	bad=""
	for n in $nodes; do
		want=$(tr ' ' '\n' <"/proc/$hp/numa_maps" | awk -F= -v k="N$n" '
			$1 ~ /^kernelpagesize_kB$/ { ps = $2; t += p * ps; p = 0 } $1 == k { p = $2 } END { print t + 0 }')
		[ "$(kb "$W/Lp.out" "$n")" = "$want" ] || bad="$bad node$n:$(kb "$W/Lp.out" "$n")!=$want"
		[ "$(kb "$W/L.out" "$n")" = "$want" ] || bad="$bad (counts) node$n:$(kb "$W/L.out" "$n")!=$want"
	done
	total=$(awk '/^total Kb/ { print $3 }' "$W/Lp.out")
	rows=$(awk 'NR > 2 && $1 ~ /^[0-9A-F]+$/ { s += $2 } END { print s }' "$W/Lp.out")
	if [ -z "$bad" ] && [ "$total" = "$rows" ] && [ -n "$got" ] && ! echo " $got" | tr ' ' '\n' | grep -vxF -f <(echo "$nodes" | tr ' ' '\n') | grep -q .; then
		pass "$T: -L: nodes { $got} of { $nodes}; per node kB = numa_maps' (by count and page by page); rows sum to the total"
	else fail "$T: -L" "nodes { $got} of { $nodes}; $bad total=$total rows=$rows; $(head -c 300 "$W/L.out")"; fi
fi

# -s: the THP region is one 2M run when the kernel gave it huge pages.
thp=$(key thp)
mode=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
ahp=$(awk -v a="$(printf '%x' "$thp")" '$1 ~ "^"a"-" { f = 1; next } f && /^AnonHugePages:/ { print $2; exit }' "/proc/$hp/smaps")
map -s "$hp" >"$W/s.out" 2>&1
row=$(grep "^$(up "$thp") " "$W/s.out")
if [ "$mode" = never ] || [ -z "$mode" ]; then
	echo "SKIP: $T: -s THP -- transparent hugepages are off here ($mode)"
elif [ "${ahp:-0}" -lt 4096 ]; then
	echo "SKIP: $T: -s THP -- the kernel gave the region ${ahp:-0} kB of huge pages (memory fragmented?)"
elif echo "$row" | grep -qE '^[0-9A-F]{16} +4096 +2M rw--- '; then
	pass "$T: -s: the MADV_HUGEPAGE region is one 2M run (THP $mode)"
else fail "$T: -s THP" "$row"; fi
small=$(grep "^$(up "$(key private)") " "$W/s.out")
if echo "$small" | grep -qE '^[0-9A-F]{16} +64 +4K rw--- '; then pass "$T: -s: a touched small mapping is 4K"
else fail "$T: -s 4K" "$small"; fi
# the smaps fallback (kernels before 6.7) gives the same rows for these two regions
VMSCOPE_PAGESIZES=smaps map -s "$hp" >"$W/s2.out" 2>&1
for k in private thp; do
	a=$(grep "^$(up "$(key $k)") " "$W/s.out") b=$(grep "^$(up "$(key $k)") " "$W/s2.out")
	if [ -n "$a" ] && [ "$a" = "$b" ]; then pass "$T: -s from smaps (no PAGEMAP_SCAN) agrees on the $k region"
	else fail "$T: -s from smaps on the $k region" "PAGEMAP_SCAN: $a; smaps: $b"; fi
done
rows=$(awk 'NR > 2 && $1 ~ /^[0-9A-F]+$/ { s += $2 } END { print s }' "$W/s2.out")
total=$(awk '/^total Kb/ { print $3 }' "$W/s2.out")
if [ "$rows" = "$total" ]; then pass "$T: -s from smaps: amounts sum to the total"
else fail "$T: -s smaps sums" "$rows != $total"; fi
rows=$(awk 'NR > 2 && $1 ~ /^[0-9A-F]+$/ { s += $2 } END { print s }' "$W/s.out")
total=$(awk '/^total Kb/ { print $3 }' "$W/s.out")
if [ "$rows" = "$total" ]; then pass "$T: -s: runs sum to the total ($total kB)"
else fail "$T: -s sums" "$rows != $total"; fi

out=$(map -L --format json "$hp" 2>&1); rc=$?
if [ $rc = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ]; then pass "$T: -L with --format json: one line, exit 1"
else fail "$T: -L --format json" "rc=$rc $out"; fi
