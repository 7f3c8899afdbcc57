#!/bin/bash
# Terminal escapes that any user plants (issue 20, finding 2) never reach root's terminal: a
# helper (tests/helpers/escapes) whose comm, command line and mapped file name hold ESC
# sequences, CSI as a C1 character (\xc2\x9b) and as a raw byte (\x9b), BEL, newline, tab and
# DEL. Every `map` format, under LC_ALL=C and LC_ALL=C.UTF-8, may hold no raw control byte: none
# below 0x20 but the newline (and the \r of CSV's line ends), no DEL, no C1 (raw 0x80-0x9f under
# C; under UTF-8 the output must be valid UTF-8 without U+0080-U+009F). JSON must parse and keep
# the names exactly. Where pmap escapes (its rows; the whole output under C but -X), vmscope's
# output stays pmap's byte for byte; log lines are escaped too.
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/lib.sh"

T=escapes
W=$TMPDIR_TEST
PMAP=${PMAP:-/usr/bin/pmap}
mkdir -p "$W/d"
start_bg "$W/h.out" "$HELPERS/escapes" "$W/d" -- $'arg\xe2\x1b[2J' $'\x1b]0;title\x07' $'\xc2\x9b31m' \
	$'\x9b32m' $'del\x7f' || { fail "$T: helper starts"; exit 0; }
H=$BG_PID
pass "$T: helper started (pid $H)"

cat >"$W/check.py" <<'PYEOF'
import json, re, sys

name, path, kind, loc, pid = sys.argv[1:6]
data = open(path, "rb").read()
errs = []
if not data:
    errs.append("empty output")
for i, b in enumerate(data):
    if b == 0x0a or (b == 0x0d and kind == "csv" and data[i + 1:i + 2] == b"\n"):
        continue
    if b < 0x20 or b == 0x7f:
        errs.append("raw byte 0x%02x at %d: %r" % (b, i, data[max(0, i - 20):i + 10]))
    elif loc == "C" and kind == "text" and 0x80 <= b < 0xa0:
        errs.append("raw C1 byte 0x%02x at %d: %r" % (b, i, data[max(0, i - 20):i + 10]))
if loc != "C" or kind != "text":
    try:
        text = data.decode("utf-8")
        c1 = [c for c in text if 0x80 <= ord(c) < 0xa0]
        if c1:
            errs.append("C1 characters %r" % c1[:4])
    except UnicodeDecodeError as e:
        errs.append("not valid UTF-8: %s" % e)
maps = open("/proc/%s/maps" % pid, "rb").read().split(b"\n")
raw = [l.split(None, 5)[5] for l in maps if b"z.dat" in l][0]
want = raw.decode("utf-8", "surrogateescape")
comm = open("/proc/%s/comm" % pid, "rb").read()[:-1].decode("utf-8", "surrogateescape")
if kind == "json":
    for line in data.decode("utf-8").splitlines():
        try:
            o = json.loads(line)
        except ValueError as e:
            errs.append("JSON does not parse: %s" % e)
            continue
        if o["comm"] != comm:
            errs.append("JSON comm %r, want %r" % (o["comm"], comm))
        names = [r["name"] for r in o["regions"] if r["name"].endswith("z.dat")]
        if names != [want]:
            errs.append("JSON names %r, want [%r]" % (names, want))
elif b"?[31mR?]0;T?" not in data:  # not vacuous: the file's row is there, escaped
    errs.append("no escaped row of the file in %r" % data[-300:])
if errs:
    print("FAIL: %s -- %s" % (name, "; ".join(errs[:4])))
else:
    print("PASS: " + name)
PYEOF

MODES=("" "-x" "-X" "-XX" "-d" "-q" "-p" "-p -X" "-k")
for loc in C C.UTF-8; do
	for o in "${MODES[@]}"; do
		# shellcheck disable=SC2086
		LC_ALL=$loc "$VMSCOPE" map $o "$H" >"$W/out" 2>"$W/err"
		python3 "$W/check.py" "$T: map [${o:-default}] LC_ALL=$loc: no raw control byte" "$W/out" text "$loc" "$H"
	done
	for f in csv json; do
		for o in "" "-x"; do
			# shellcheck disable=SC2086
			LC_ALL=$loc "$VMSCOPE" map -F $f $o "$H" >"$W/out" 2>"$W/err"
			python3 "$W/check.py" "$T: map -F $f ${o:+$o }LC_ALL=$loc: no raw control byte" "$W/out" "$f" "$loc" "$H"
		done
	done
done

# Where pmap escapes, the bytes are still pmap's: everything under C but -X/-XX (which pmap
# prints raw), and the rows under UTF-8 (where pmap's header lets "\xe2\x1b[" through).
for o in "" "-x" "-d" "-q" "-p"; do
	# shellcheck disable=SC2086
	LC_ALL=C "$PMAP" $o "$H" >"$W/pmap" 2>/dev/null
	# shellcheck disable=SC2086
	LC_ALL=C "$VMSCOPE" map $o "$H" >"$W/vms" 2>/dev/null
	same_bytes "$T: map [${o:-default}] LC_ALL=C = pmap" "$W/pmap" "$W/vms"
	# shellcheck disable=SC2086
	LC_ALL=C.UTF-8 "$PMAP" $o "$H" | tail -n +2 >"$W/pmap" 2>/dev/null
	# shellcheck disable=SC2086
	LC_ALL=C.UTF-8 "$VMSCOPE" map $o "$H" | tail -n +2 >"$W/vms" 2>/dev/null
	same_bytes "$T: map [${o:-default}] LC_ALL=C.UTF-8 rows = pmap's" "$W/pmap" "$W/vms"
done

# Log lines (vms_err) are escaped too: here the name is the caller's own, but paths and comm
# from the kernel go the same way.
for loc in C C.UTF-8; do
	LC_ALL=$loc "$VMSCOPE" map $'no\x1b[2Jsuch\xc2\x9b\x9b\x07' >/dev/null 2>"$W/err"; rc=$?
	check "$T: map NAME not found: exit 42 (LC_ALL=$loc)" [ "$rc" = 42 ]
	check "$T: map NAME not found: one line (LC_ALL=$loc)" [ "$(wc -l <"$W/err")" = 1 ]
	if python3 - "$W/err" <<'PYEOF'; then
import sys
d = open(sys.argv[1], "rb").read()
bad = [b for b in d[:-1] if b < 0x20 or b == 0x7f or 0x80 <= b < 0xa0]
sys.exit(1 if bad or b"no?[2Jsuch" not in d else 0)
PYEOF
		pass "$T: stderr line escaped (LC_ALL=$loc)"
	else
		fail "$T: stderr line escaped (LC_ALL=$loc)" "$(od -c "$W/err" | head -3)"
	fi
done
exit 0
