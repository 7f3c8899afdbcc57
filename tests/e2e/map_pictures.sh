#!/bin/bash
# The pictures of the address space (`map --format svg|html|picture`) on stopped helpers with
# hostile file names: tests/helpers/regions (every region kind; names with a newline, tab,
# quotes, invalid UTF-8), tests/helpers/escapes (terminal escapes, C1, DEL) and a python3 that
# maps files named with markup (<script>, &, quotes, ]]>, U+FFFE, a lone 0xff).
# - SVG: parses (xmllint and Python's ElementTree); one region group per /proc/PID/maps line,
#   top to bottom, its hover <title> being that line (escaped as markup_text does); one gap per
#   hole; several PIDs give one document with a column each.
# - HTML: opened by headless Chromium: the DOM's title names the process, the table has a row per
#   maps line in address order, a column sorts (#sort=-2: sizes descending), the only script is
#   ours; a screenshot is taken and holds the colours of the drawing; several PIDs give one page
#   with a section each.
# - picture: a border per boundary labelled with its address; colours on a terminal (a pty from
#   script(1)) only, not with NO_COLOR or --no-color, always with --color; no raw control byte.
# The pictures are formats (any backend gives them); the procfs backend is named, so that a live
# model another test pinned meanwhile does not change what is compared with /proc.
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/lib.sh"

T=map_pictures
W=$TMPDIR_TEST
for tool in python3 xmllint chromium script; do
	if ! command -v "$tool" >/dev/null; then
		fail "$T: $tool installed" "run tools/deps.sh"
		exit 0
	fi
done

mkdir -p "$W/files-a" "$W/e" "$W/x"
tag=$$
start_bg "$W/A.out" "$HELPERS/regions" --comm "vmspa$tag" --dir "$W/files-a" all; HA=$BG_PID
start_bg "$W/E.out" "$HELPERS/escapes" "$W/e" -- $'arg<b>&\x1b[2J'; HE=$BG_PID
start_bg "$W/X.out" python3 -c '
import ctypes, mmap, os, sys, time
ctypes.CDLL(None).prctl(15, b"vmspx" + sys.argv[1].encode(), 0, 0, 0)  # PR_SET_NAME
keep = []
for n in sys.argv[3:]:
    p = os.path.join(sys.argv[2].encode(), os.fsencode(n))
    os.makedirs(os.path.dirname(p), exist_ok=True)  # a "/" in a name is a directory
    with open(p, "wb") as f:
        f.write(b"x" * 4096)
    with open(p, "rb") as f:
        keep.append(mmap.mmap(f.fileno(), 4096, prot=mmap.PROT_READ))
print("ready", flush=True)
time.sleep(600)' "$tag" "$W/x" '<script>alert(1)</script>.bin' $'a&b;"c\'d]]>e.bin' \
	$'\xef\xbf\xbe\xff-\xe2\x82.bin' '</title><b>x</b>.bin' '<img src=x onerror=alert(1)>.bin'; HX=$BG_PID
for v in HA HE HX; do
	p=${!v}
	if [ -z "$p" ] || ! stop_pid "$p"; then fail "$T: start and stop helper $v" "see above"; exit 1; fi
done
pass "$T: helpers started and stopped (A=$HA E=$HE X=$HX)"

cat >"$W/check.py" <<'PYEOF'
import html.parser, re, struct, sys, zlib
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
MAPLINE = re.compile(rb"^([0-9a-f]+)-([0-9a-f]+) ")


def ok(name):
    print("PASS: " + name)


def bad(name, why):
    print("FAIL: %s -- %s" % (name, str(why)[:600]))


def maps(pid):
    with open("/proc/%s/maps" % pid, "rb") as f:
        return [l for l in f.read().split(b"\n") if l]


def lead_len(c):
    return 1 if c < 0x80 else -1 if c < 0xc2 else 2 if c < 0xe0 else 3 if c < 0xf0 else 4 if c < 0xf5 else -1


def markup(b):
    """What markup_text() makes of bytes: each byte that does not start a valid UTF-8 character
    is U+FFFD, control characters are '?', U+FFFE/U+FFFF are U+FFFD."""
    out, i = [], 0
    while i < len(b):
        n = lead_len(b[i])
        ch = None
        if n > 0:
            try:
                ch = b[i:i + n].decode("utf-8")
            except UnicodeDecodeError:
                ch = None
        if ch is None or len(ch) != 1:
            out.append("\ufffd")
            i += 1
            continue
        o = ord(ch)
        out.append("?" if o < 0x20 or 0x7f <= o < 0xa0 else "\ufffd" if o in (0xfffe, 0xffff) else ch)
        i += n
    return "".join(out)


def holes(lines):
    """The gaps pic_items() draws: from 0 to the first region, and between regions."""
    se = [tuple(int(x, 16) for x in MAPLINE.match(l).groups()) for l in lines]
    n = 1 if se and se[0][0] > 0 else 0
    return n + sum(1 for a, b in zip(se, se[1:]) if b[0] > a[1])


def check_svg(name, path, pids):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return bad(name + ": parses", e)
    ok(name + ": parses (ElementTree)")
    procs = root.findall(SVG + "g/" + SVG + "g[@class='vproc']")
    if len(procs) != len(pids):
        return bad(name + ": a column per process", "%d columns for %d PIDs" % (len(procs), len(pids)))
    title = root.find(SVG + "title").text
    want = "vmscope: " + ", ".join("PID %s (%s)" % (p, markup(open("/proc/%s/comm" % p, "rb").read()[:-1])) for p in pids)
    if title != want:
        bad(name + ": document title", "%r, want %r" % (title, want))
    else:
        ok(name + ": document title names the processes")
    for pid, g in zip(pids, procs):
        lines = maps(pid)
        titles = [e.find(SVG + "title").text for e in g.findall(SVG + "g[@class='vr']")]
        want = [markup(l) for l in reversed(lines)]
        if titles != want:
            diff = [(a, b) for a, b in zip(titles, want) if a != b][:2]
            bad(name + ": PID %s: a region per maps line, its line as title" % pid,
                "%d titles, %d lines; first differences %r" % (len(titles), len(want), diff))
        else:
            ok(name + ": PID %s: %d regions, each titled with its /proc/PID/maps line" % (pid, len(titles)))
        # to scale (picture.h): a region 14 px + 2.5 px per doubling of pages, stacked without
        # overlap or space, top to bottom in falling addresses
        y, errs = None, []
        for e in g.findall(SVG + "g"):
            r = e.find(SVG + "rect")
            ry, rh = float(r.get("y")), float(r.get("height"))
            if y is not None and abs(ry - y) > 0.11:
                errs.append("item at y=%s, the one above ends at %s" % (ry, y))
            y = ry + rh
            if e.get("class") == "vr":
                m = MAPLINE.match(e.find(SVG + "title").text.encode())
                pages = (int(m.group(2), 16) - int(m.group(1), 16)) >> 12
                want = 14 + 2.5 * (pages.bit_length() - 1 if pages else 0)
                if abs(rh - want) > 0.06:
                    errs.append("%s: height %s, want %s" % (m.group(0), rh, want))
        if errs:
            bad(name + ": PID %s: heights to the log scale, stacked" % pid, errs[:3])
        else:
            ok(name + ": PID %s: every height on the log scale, items stacked edge to edge" % pid)
        gaps = len(g.findall(SVG + "g[@class='vg']"))
        if gaps != holes(lines):
            bad(name + ": PID %s: a gap per hole" % pid, "%d gaps, %d holes" % (gaps, holes(lines)))
        else:
            ok(name + ": PID %s: %d gaps drawn" % (pid, gaps))


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.in_title, self.sections, self.scripts = "", False, [], 0
        self.cell, self.row, self.in_body = None, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "title" and not self.sections and not self.title:
            self.in_title = True
        elif tag == "script":
            self.scripts += 1
        elif tag == "section":
            self.sections.append({"id": a.get("id"), "rows": []})
        elif tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.row = []
        elif tag == "td" and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        elif tag == "td" and self.cell is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.sections[-1]["rows"].append(self.row)
            self.row = None
        elif tag == "tbody":
            self.in_body = False

    def handle_data(self, d):
        if self.in_title:
            self.title += d
        if self.cell is not None:
            self.cell += d


def check_dom(name, path, pids, sort):
    d = Dom()
    d.feed(open(path, encoding="utf-8").read())
    want = "vmscope: " + ", ".join("PID %s (%s)" % (p, markup(open("/proc/%s/comm" % p, "rb").read()[:-1])) for p in pids)
    if d.title != want:
        bad(name + ": page title", "%r, want %r" % (d.title, want))
    else:
        ok(name + ": page title %r" % d.title)
    if d.scripts != 1:
        bad(name + ": one script (ours)", "%d script elements" % d.scripts)
    else:
        ok(name + ": one script element: no name became markup")
    if [s["id"] for s in d.sections] != ["pid-%s" % p for p in pids]:
        return bad(name + ": a section per process", [s["id"] for s in d.sections])
    ok(name + ": a section per process")
    for pid, sec in zip(pids, d.sections):
        lines = maps(pid)
        rows = sec["rows"]
        starts = ["%012x" % int(MAPLINE.match(l).group(1), 16) for l in lines]
        names = [markup(l.split(None, 5)[5]) if len(l.split(None, 5)) > 5 else "" for l in lines]
        if sort:
            sizes = [int(r[2]) for r in rows]
            if sizes != sorted(sizes, reverse=True) or sorted(r[0] for r in rows) != sorted(starts):
                bad(name + ": PID %s: #sort=-2 sorts by size, descending" % pid, sizes[:20])
            else:
                ok(name + ": PID %s: #sort=-2 sorts the %d rows by size, descending" % (pid, len(rows)))
            continue
        got = [r[0] for r in rows]
        if got != starts:
            bad(name + ": PID %s: a row per maps line, in order" % pid, "%d rows, %d lines: %r" % (len(got), len(starts), [(a, b) for a, b in zip(got, starts) if a != b][:3]))
        else:
            ok(name + ": PID %s: %d rows, one per maps line, in address order" % (pid, len(rows)))
        got = [r[5] for r in rows]
        if got != names:
            bad(name + ": PID %s: names" % pid, [(a, b) for a, b in zip(got, names) if a != b][:3])
        else:
            ok(name + ": PID %s: every name, escaped, in its row" % pid)


def png_pixels(path, max_rows):
    """RGB(A) pixels of the first max_rows rows of an 8-bit non-interlaced PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif typ == b"IDAT":
            idat.append(body)
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unexpected PNG kind %r" % (hdr,))
    bpp = 3 if ctype == 2 else 4
    stride = w * bpp
    raw = zlib.decompressobj().decompress(b"".join(idat), (stride + 1) * min(h, max_rows))
    prev = bytearray(stride)
    out = []
    for y in range(min(h, max_rows)):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif f == 4:
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(bytes(line))
        prev = line
    return w, h, bpp, out


def check_png(name, path, want_w, want_h):
    try:
        w, h, bpp, rows = png_pixels(path, 300)
    except (OSError, ValueError, zlib.error, struct.error, TypeError) as e:
        return bad(name + ": a PNG", e)
    if (w, h) != (want_w, want_h):
        return bad(name + ": window size", "%dx%d" % (w, h))
    seen = {}
    for r in rows:
        for i in range(0, len(r), bpp):
            px = r[i:i + 3]
            seen[px] = seen.get(px, 0) + 1
    # the drawing's fills (svg.c/picture_common.c): image, heap, the page's background
    want = {"image": bytes.fromhex("a58be0"), "heap": bytes.fromhex("f29a5e"), "page": bytes.fromhex("f6f8fa")}
    missing = [k for k, v in want.items() if seen.get(v, 0) < 40]
    if missing:
        bad(name + ": the picture is drawn", "too few pixels of %s; most common %r" % (missing, sorted(seen.items(), key=lambda kv: -kv[1])[:5]))
    else:
        ok(name + ": %dx%d, the drawing's colours are on screen (%s)" % (w, h, ", ".join("%s %d px" % (k, seen[v]) for k, v in want.items())))


what = sys.argv[1]
if what == "svg":
    check_svg(sys.argv[2], sys.argv[3], sys.argv[4:])
elif what == "dom":
    check_dom(sys.argv[2], sys.argv[3], sys.argv[5:], sys.argv[4] == "sort")
elif what == "png":
    check_png(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
PYEOF

# ---- SVG ----------------------------------------------------------------------------------------
for v in HA HE HX; do
	p=${!v}
	"$VMSCOPE" map -B procfs -F svg "$p" >"$W/$v.svg" 2>"$W/err"
	check "$T: svg $v: exit 0" [ $? = 0 ]
	if xmllint --noout "$W/$v.svg" 2>"$W/xmllint.err"; then pass "$T: svg $v: xmllint accepts it"
	else fail "$T: svg $v: xmllint accepts it" "$(head -c 300 "$W/xmllint.err")"; fi
	python3 "$W/check.py" svg "$T: svg $v" "$W/$v.svg" "$p"
done
"$VMSCOPE" map -B procfs -F svg "$HA" "$HE" "$HX" >"$W/all.svg" 2>"$W/err"
check "$T: svg of 3 PIDs: one document" [ "$(grep -c '<?xml' "$W/all.svg")" = 1 ]
xmllint --noout "$W/all.svg" 2>/dev/null && pass "$T: svg of 3 PIDs: xmllint accepts it" ||
	fail "$T: svg of 3 PIDs: xmllint accepts it"
python3 "$W/check.py" svg "$T: svg of 3 PIDs" "$W/all.svg" "$HA" "$HE" "$HX"
# a PID that is not there: pmap's exit code, and still one valid document that says so
"$VMSCOPE" map -B procfs -F svg 2147483646 >"$W/none.svg" 2>/dev/null
rc=$?
if [ "$rc" = 42 ] && xmllint --noout "$W/none.svg" 2>/dev/null && grep -q 'no process could be read' "$W/none.svg"; then
	pass "$T: svg of a missing PID: exit 42, a valid document saying so"
else
	fail "$T: svg of a missing PID: exit 42, a valid document saying so" "rc $rc"
fi
# -x adds the resident overlay (from smaps), -A a range: still valid
"$VMSCOPE" map -B procfs -F svg -x -A "$(awk -F'[- ]' 'NR == 3 { print $1 }' "/proc/$HA/maps")," "$HA" >"$W/x.svg" 2>/dev/null
grep -q 'class="vres"' "$W/x.svg" && xmllint --noout "$W/x.svg" 2>/dev/null &&
	pass "$T: svg -x -A: resident overlay, valid" || fail "$T: svg -x -A: resident overlay, valid"

# ---- HTML in Chromium ---------------------------------------------------------------------------
# headless, root (no sandbox), no stdin, its own profile, 60 s at most (timeout kills its
# process group: the zygote and the GPU process too)
chrome() {
	timeout -k 5 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--user-data-dir="$W/chrome" --no-first-run --no-default-browser-check \
		--disable-extensions --disable-background-networking --disable-sync \
		--disable-component-update --mute-audio --hide-scrollbars "$@" </dev/null 2>>"$W/chrome.err"
}
"$VMSCOPE" map -B procfs -F html "$HA" >"$W/A.html" 2>"$W/err"
check "$T: html A: exit 0" [ $? = 0 ]
"$VMSCOPE" map -B procfs -F html "$HA" "$HE" "$HX" >"$W/all.html" 2>"$W/err"
check "$T: html of 3 PIDs: exit 0" [ $? = 0 ]
start=$(date +%s%N)
rm -f "$W/A.png"
chrome --dump-dom --screenshot="$W/A.png" --window-size=1280,800 "file://$W/A.html" >"$W/A.dom"
python3 "$W/check.py" dom "$T: html A (Chromium DOM)" "$W/A.dom" - "$HA"
python3 "$W/check.py" png "$T: html A screenshot" "$W/A.png" 1280 800
# (the rows' order and names are checked above; here each table is sorted by size on load)
chrome --dump-dom "file://$W/all.html#sort=-2" >"$W/all.dom"
python3 "$W/check.py" dom "$T: html of 3 PIDs (Chromium DOM)" "$W/all.dom" sort "$HA" "$HE" "$HX"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$ms" -lt 40000 ]; then pass "$T: two Chromium runs and their checks in $ms ms"
else fail "$T: two Chromium runs and their checks in $ms ms" "$(tail -n 3 "$W/chrome.err")"; fi
[ -n "${VMSCOPE_KEEP_SCREENSHOT:-}" ] && cp "$W/A.png" "$VMSCOPE_KEEP_SCREENSHOT"

# ---- picture ------------------------------------------------------------------------------------
nl=$(wc -l <"/proc/$HA/maps")
"$VMSCOPE" map -B procfs -F picture "$HA" >"$W/A.pic" 2>"$W/err"
check "$T: picture A: exit 0" [ $? = 0 ]
if python3 - "$W/A.pic" "/proc/$HA/maps" <<'PYEOF'; then
import re, sys
pic = open(sys.argv[1], "rb").read()
lines = [l for l in open(sys.argv[2], "rb").read().split(b"\n") if l]
borders = re.findall(rb"^ *0x([0-9a-f]+) \+-+\+$", pic, re.M)
want = set()
for l in lines:
    s, e = l.split(b" ")[0].split(b"-")
    want |= {int(s, 16), int(e, 16)}
got = [int(b, 16) for b in borders]
ok = got == sorted(got, reverse=True) and want <= set(got) and b"\x1b" not in pic
sys.exit(0 if ok else 1)
PYEOF
	pass "$T: picture A: a border at every region's start and end ($nl regions), high to low, no colour off a tty"
else
	fail "$T: picture A: borders at every boundary" "$(head -n 12 "$W/A.pic")"
fi
# the helper's threads (stopped: their stack pointers are known) each have a labelled stack
missing="" nt=0
for t in /proc/"$HA"/task/*; do
	t=${t##*/}
	[ "$t" = "$HA" ] && continue
	nt=$((nt + 1))
	grep -q "| \[stack tid=$t\] " "$W/A.pic" || missing="$missing $t"
done
check "$T: picture A: each of its $nt threads' stacks labelled [stack tid=N]${missing:+ (missing:$missing)}" \
	test -z "$missing" -a "$nt" -ge 3
script -qc "\"$VMSCOPE\" map -B procfs -F picture $HA" /dev/null </dev/null >"$W/tty.pic" 2>&1
check "$T: picture on a tty: coloured" grep -q $'\033\\[48;5;' "$W/tty.pic"
NO_COLOR=1 script -qc "\"$VMSCOPE\" map -B procfs -F picture $HA" /dev/null </dev/null >"$W/tty.pic" 2>&1
check "$T: picture on a tty with NO_COLOR: plain" test "$(grep -c $'\033' "$W/tty.pic")" = 0
script -qc "\"$VMSCOPE\" map -B procfs -F picture --no-color $HA" /dev/null </dev/null >"$W/tty.pic" 2>&1
check "$T: picture on a tty with --no-color: plain" test "$(grep -c $'\033' "$W/tty.pic")" = 0
"$VMSCOPE" map -B procfs -F picture --color "$HA" >"$W/c.pic" 2>&1
check "$T: picture --color off a tty: coloured" grep -q $'\033\\[48;5;' "$W/c.pic"
for loc in C C.UTF-8; do
	for p in "$HE" "$HX" "$HA"; do
		LC_ALL=$loc "$VMSCOPE" map -B procfs -F picture "$p" >"$W/e.pic" 2>/dev/null
		if python3 - "$W/e.pic" "$loc" <<'PYEOF'; then
import sys
d = open(sys.argv[1], "rb").read()
bad = [b for b in d if (b < 0x20 and b != 0x0a) or b == 0x7f or (sys.argv[2] == "C" and b >= 0x80)]
if sys.argv[2] != "C":
    t = d.decode("utf-8")
    bad += [c for c in t if 0x80 <= ord(c) < 0xa0]
sys.exit(1 if bad or not d else 0)
PYEOF
			pass "$T: picture PID $p LC_ALL=$loc: no raw control byte"
		else
			fail "$T: picture PID $p LC_ALL=$loc: no raw control byte" "$(grep -a dat "$W/e.pic" | od -c | head -4)"
		fi
	done
done
exit 0
