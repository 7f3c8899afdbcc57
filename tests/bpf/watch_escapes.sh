#!/bin/bash
# Terminal escapes that any user plants (issue 20, finding 2) never reach root's terminal through
# watch: the helper (tests/helpers/escapes, loop mode) maps and unmaps a file whose name holds
# ESC sequences, CSI as a C1 character and as a raw byte, BEL, newline, tab and DEL, under a comm
# that holds them too. `watch -p` text output, under LC_ALL=C and C.UTF-8, holds no raw control
# byte (nothing below 0x20 but the newline, no DEL, no C1); --json parses, holds none either, and
# keeps the name exactly. `map --backend bpf-iter` (names built in the kernel) is held to the same.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"

T=watch_escapes
W=$TMPDIR_TEST
if [ "$(id -u)" -ne 0 ]; then
	skip_bpf "$T" "not root"
	exit 0
fi
mkdir -p "$W/d"
start_bg "$W/h.out" "$HELPERS/escapes" "$W/d" loop -- $'arg\xe2\x1b[2J' $'\xc2\x9b31m' ||
	{ fail "$T: helper starts"; exit 0; }
H=$BG_PID

# clean FILE KIND LOC: no raw control byte but CSV's \r\n (text: no C1 byte under C; else valid
# UTF-8 without U+0080..U+009F); JSON lines parse and name the file exactly; the file's events
# are there.
clean() {
	python3 - "$@" "$H" <<'PYEOF'
import json, sys
path, kind, loc, pid = sys.argv[1:5]
data = open(path, "rb").read()
errs = []
for i, b in enumerate(data):
    if b == 0x0a or (b == 0x0d and kind == "csv" and data[i + 1:i + 2] == b"\n"):
        continue
    if b < 0x20 or b == 0x7f or (loc == "C" and kind == "text" and 0x80 <= b < 0xa0):
        errs.append("raw byte 0x%02x at %d: %r" % (b, i, data[max(0, i - 20):i + 10]))
if loc != "C" or kind != "text":
    try:
        if any(0x80 <= ord(c) < 0xa0 for c in data.decode("utf-8")):
            errs.append("C1 characters")
    except UnicodeDecodeError as e:
        errs.append("not valid UTF-8: %s" % e)
raw = [l.split(None, 5)[5] for l in open("/proc/%s/maps" % pid, "rb").read().split(b"\n") if b"z.dat" in l][0]
want = raw.decode("utf-8", "surrogateescape")
if kind == "json":
    names = set()
    for line in data.decode("utf-8").splitlines():
        o = json.loads(line)
        if o.get("name") and o["name"].endswith("z.dat"):
            names.add(o["name"])
    if names != {want}:
        errs.append("names %r, want {%r}" % (sorted(names), want))
elif b"?[31mR?]0;T?" not in data:
    errs.append("no escaped line of the file in %r" % data[-300:])
print("; ".join(errs[:4]))
sys.exit(1 if errs else 0)
PYEOF
}

for loc in C C.UTF-8; do
	LC_ALL=$loc "$VMSCOPE" watch --no-summary -p "$H" --duration 1 >"$W/w.txt" 2>"$W/w.err"; rc=$?
	if [ "$rc" = 0 ] && out=$(clean "$W/w.txt" text "$loc"); then
		pass "$T: watch -p text LC_ALL=$loc: no raw control byte ($(grep -c 'z.dat' "$W/w.txt") lines of the file)"
	else
		fail "$T: watch -p text LC_ALL=$loc: no raw control byte" "rc $rc: ${out:-} $(head -c 200 "$W/w.err")"
	fi
	LC_ALL=$loc "$VMSCOPE" watch --json --no-summary -p "$H" --duration 1 >"$W/w.json" 2>"$W/w.err"; rc=$?
	if [ "$rc" = 0 ] && out=$(clean "$W/w.json" json "$loc" 2>&1); then
		pass "$T: watch -p --json LC_ALL=$loc: parses, no raw control byte, exact names"
	else
		fail "$T: watch -p --json LC_ALL=$loc" "rc $rc: ${out:-} $(head -c 200 "$W/w.err")"
	fi
	for o in "" "-X" "-F csv"; do
		# shellcheck disable=SC2086
		LC_ALL=$loc "$VMSCOPE" map --backend bpf-iter $o "$H" >"$W/m.out" 2>"$W/m.err"; rc=$?
		kind=text; [ "$o" = "-F csv" ] && kind=csv
		if [ "$rc" = 0 ] && out=$(clean "$W/m.out" "$kind" "$loc" 2>&1); then
			pass "$T: map --backend bpf-iter ${o:+$o }LC_ALL=$loc: no raw control byte"
		else
			fail "$T: map --backend bpf-iter ${o:+$o }LC_ALL=$loc" "rc $rc: ${out:-} $(head -c 200 "$W/m.err")"
		fi
	done
done
exit 0
