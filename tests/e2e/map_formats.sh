#!/bin/bash
# `vmscope map --format json|csv` and `-k`, checked against the kernel's own files of stopped
# helpers (tests/helpers/regions): every JSON region's start/end/perm/offset/dev/inode/name must be
# the /proc/PID/maps line, -x accounting must be /proc/PID/smaps, CSV must parse (RFC 4180) to the
# same fields (control characters of names as '?'). -k must print pmap's output with the kernel's
# bracket names ([heap], [vdso], [anon:x] ...) where pmap prints "  [ anon ]" / "  [ stack ]".
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/lib.sh"

PMAP=${PMAP:-/usr/bin/pmap}
T=map_formats
W=$TMPDIR_TEST

if ! command -v python3 >/dev/null; then
	fail "$T: python3 available" "the format checks need python3"
	exit 0
fi

# Private copies of the loader, libc and the helper, so Pss (pss_kb) cannot move because some
# other process maps the same libc pages (see map_pmap.sh).
RT=$W/rt
mkdir -p "$RT" "$W/files-a" "$W/files-k"
private_runtime "$RT" "$HELPERS/regions" ||
	{ fail "$T: setup private runtime" "no dynamic loader found by ldd"; exit 1; }

tag=$$
COMM_B=vmsfb$tag
start_bg "$W/A.out" "${PRIV[@]}" "$RT/regions" --comm "vmsfa$tag" --dir "$W/files-a" all; HA=$BG_PID
start_bg "$W/B.out" "${PRIV[@]}" "$RT/regions" --comm "$COMM_B" simple -- $'tab\there' 'ünï "q"' ''; HB=$BG_PID
start_bg "$W/B2.out" "${PRIV[@]}" "$RT/regions" --comm "$COMM_B" simple; HB2=$BG_PID
start_bg "$W/C.out" "$HELPERS/regions" --comm "vmsfc$tag" all; HC=$BG_PID
start_bg "$W/M.out" "${PRIV[@]}" "$RT/regions" --comm "vmsfm$tag" many 3000; HM=$BG_PID
start_bg "$W/K.out" "${PRIV[@]}" "$RT/regions" --comm "vmsfk$tag" --dir "$W/files-k" --ascii-names all; HK=$BG_PID
for v in HA HB HB2 HC HM HK; do
	p=${!v}
	if [ -z "$p" ] || ! stop_pid "$p"; then fail "$T: start and stop helper $v" "see above"; exit 1; fi
done
pass "$T: helpers started and stopped (A=$HA B=$HB B2=$HB2 C=$HC M=$HM K=$HK)"

# ---------------------------------------------------------------------------------------------
# The checker: reads vmscope's output and the targets' /proc files, prints PASS:/FAIL: lines.
cat >"$W/check.py" <<'PYEOF'
import csv, io, json, os, re, sys

KINDS = {"image", "mapped-file", "private", "shareable", "heap", "stack", "guard", "vdso", "system"}
ACCT = ("rss_kb", "pss_kb", "anon_kb", "dirty_kb", "swap_kb", "locked_kb")
MAPLINE = re.compile(rb"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)(?: +(.*))?$")


def ok(name):
    print("PASS: " + name)


def bad(name, why):
    print("FAIL: %s -- %s" % (name, why[:600]))


def maps(pid):
    out = []
    with open("/proc/%s/maps" % pid, "rb") as f:
        for line in f.read().split(b"\n"):
            if not line:
                continue
            m = MAPLINE.match(line)
            if not m:
                raise ValueError("unparsable maps line %r" % line)
            s, e, perm, off, dev, ino, name = m.groups()
            out.append({"start": int(s, 16), "end": int(e, 16), "perm": perm.decode(),
                        "offset": int(off, 16), "dev": dev.decode(), "inode": int(ino),
                        "name": name or b""})
    return out


def smaps(pid):
    out = []
    cur = None
    with open("/proc/%s/smaps" % pid, "rb") as f:
        for line in f.read().split(b"\n"):
            m = MAPLINE.match(line)
            if m:
                cur = {"start": int(m.group(1), 16)}
                out.append(cur)
                continue
            mm = re.match(rb"^(\w+):\s+(\d+) kB$", line)
            if mm and cur is not None:
                cur[mm.group(1).decode()] = int(mm.group(2))
    return out


def csv_escape(text):
    """CSV's escaping (README): control characters (C0, DEL, C1) are '?'."""
    return "".join("?" if ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 else c for c in text)


def name_ok(got, raw, esc=lambda t: t):
    """got: the JSON/CSV string; raw: the bytes maps shows; esc: the format's escaping. Exact
    when raw is UTF-8; for invalid UTF-8, any of the usual lossless or lossy decodings is
    accepted."""
    try:
        return got == esc(raw.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        for how in ("surrogateescape", "replace", "backslashreplace"):
            if got == esc(raw.decode("utf-8", how)):
                return True, how
        return False, "none"


def hexnum(v):
    if isinstance(v, int):
        return None
    return int(v, 16)


def read_lines(path, name):
    data = open(path, "rb").read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        bad(name + ": output is valid UTF-8", str(e))
        text = data.decode("utf-8", "replace")
    return text


def check_regions(name, pid, regions, acct, want_0x=True, esc=lambda t: t):
    """Compares a list of region dicts (from JSON or CSV) with maps/smaps of pid. acct: True
    (accounting fields must equal smaps), False (there must be none), None (not checked)."""
    m = maps(pid)
    if len(regions) != len(m):
        bad(name + ": region count = maps lines", "%d regions, maps has %d" % (len(regions), len(m)))
        return
    ok(name + ": region count = maps lines (%d)" % len(m))
    errs = []
    invalid_names = set()
    for i, (r, k) in enumerate(zip(regions, m)):
        try:
            for f in ("start", "end", "offset"):
                v = r[f]
                if not isinstance(v, str) or (want_0x and not v.startswith("0x")):
                    errs.append("row %d %s=%r is not a 0x hex string" % (i, f, v))
                elif int(v, 16) != k[f]:
                    errs.append("row %d %s=%s, maps %x" % (i, f, v, k[f]))
            for f in ("perm", "dev"):
                if r[f] != k[f]:
                    errs.append("row %d %s=%r, maps %r" % (i, f, r[f], k[f]))
            if str(r["inode"]) != str(k["inode"]):
                errs.append("row %d inode=%r, maps %r" % (i, r["inode"], k["inode"]))
            good, how = name_ok(r["name"], k["name"], esc)
            if not good:
                errs.append("row %d name=%r, maps %r" % (i, r["name"], k["name"]))
            elif how != "utf-8":
                invalid_names.add(how)
            if r.get("kind") not in KINDS:
                errs.append("row %d kind=%r not one of the contract's kinds" % (i, r.get("kind")))
            nm = k["name"]
            want_kind = {b"[heap]": "heap", b"[stack]": "stack", b"[vdso]": "vdso"}.get(nm)
            if want_kind and r.get("kind") != want_kind:
                errs.append("row %d %s has kind %r, want %r" % (i, nm.decode(), r.get("kind"), want_kind))
        except KeyError as e:
            errs.append("row %d lacks %s" % (i, e))
    if errs:
        bad(name + ": every region equals its maps line", "; ".join(errs[:6]) + (" ... (%d)" % len(errs) if len(errs) > 6 else ""))
    else:
        extra = " (invalid UTF-8 names as %s)" % ",".join(sorted(invalid_names)) if invalid_names else ""
        ok(name + ": every region equals its maps line" + extra)
    if acct is None:
        return
    if acct is False:
        has = sorted({f for r in regions for f in ACCT if f in r})
        if has:
            bad(name + ": no accounting fields without -x", "present: %s" % has)
        else:
            ok(name + ": no accounting fields without -x")
        return
    s = smaps(pid)
    errs = []
    for i, (r, k) in enumerate(zip(regions, s)):
        want = {"rss_kb": k.get("Rss"), "pss_kb": k.get("Pss"), "anon_kb": k.get("Anonymous"),
                "dirty_kb": k.get("Shared_Dirty", 0) + k.get("Private_Dirty", 0),
                "swap_kb": k.get("Swap"), "locked_kb": k.get("Locked")}
        for f in ACCT:
            if f not in r:
                errs.append("row %d lacks %s" % (i, f))
                continue
            try:
                v = int(r[f])
            except (TypeError, ValueError):
                errs.append("row %d %s=%r not an integer" % (i, f, r[f]))
                continue
            if v != want[f]:
                errs.append("row %d (%x) %s=%d, smaps %s" % (i, k["start"], f, v, want[f]))
    if errs:
        bad(name + ": accounting equals smaps per region", "; ".join(errs[:6]))
    else:
        ok(name + ": accounting equals smaps per region")
    try:
        total = sum(int(r["rss_kb"]) for r in regions)
    except (KeyError, TypeError, ValueError):
        total = None
    want = sum(k.get("Rss", 0) for k in s)
    if total == want:
        ok(name + ": rss_kb sum = smaps Rss sum (%d kB)" % want)
    else:
        bad(name + ": rss_kb sum = smaps Rss sum", "rss_kb sum %s, smaps %d" % (total, want))


def cmd_json(name, out, rc, want_rc, pids, acct, backend, cmdline_strict):
    text = read_lines(out, name)
    if int(rc) != int(want_rc):
        bad(name + ": exit code", "exit %s, want %s" % (rc, want_rc))
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    else:
        bad(name + ": ends with a newline", "last line unterminated")
    if len(lines) != len(pids):
        bad(name + ": one line per process", "%d lines for %d processes" % (len(lines), len(pids)))
        return
    objs = []
    for i, line in enumerate(lines):
        try:
            objs.append(json.loads(line))
        except ValueError as e:
            bad(name + ": line %d parses as JSON" % (i + 1), "%s: %r" % (e, line[:200]))
            return
    ok(name + ": %d line(s), each one JSON object" % len(lines))
    for pid, o in zip(pids, objs):
        n = "%s [pid %s]" % (name, pid)
        errs = []
        if not isinstance(o, dict):
            bad(n + ": object", "not an object")
            continue
        if o.get("pid") != int(pid):
            errs.append("pid %r, want %s" % (o.get("pid"), pid))
        comm = open("/proc/%s/comm" % pid, "rb").read().rstrip(b"\n").decode("utf-8", "replace")
        if o.get("comm") != comm:
            errs.append("comm %r, want %r" % (o.get("comm"), comm))
        if backend == "auto":
            if o.get("backend") not in ("procfs", "bpf"):
                errs.append("backend %r" % o.get("backend"))
        elif o.get("backend") != backend:
            errs.append("backend %r, want %r" % (o.get("backend"), backend))
        raw = open("/proc/%s/cmdline" % pid, "rb").read()
        parts = raw.split(b"\0")
        if parts and parts[-1] == b"":
            parts.pop()
        joined = b" ".join(parts).decode("utf-8", "replace")
        if not isinstance(o.get("cmdline"), str):
            errs.append("cmdline %r not a string" % o.get("cmdline"))
        elif cmdline_strict and o["cmdline"] != joined:
            errs.append("cmdline %r, want %r" % (o["cmdline"], joined))
        if not isinstance(o.get("regions"), list):
            errs.append("regions missing or not a list")
        if errs:
            bad(n + ": pid, comm, cmdline, backend", "; ".join(errs))
            continue
        ok(n + ": pid, comm, cmdline, backend")
        check_regions(n, pid, o["regions"], {"yes": True, "no": False}[acct])


def cmd_csv(name, out, rc, want_rc, pids, acct):
    text = read_lines(out, name)
    if int(rc) != int(want_rc):
        bad(name + ": exit code", "exit %s, want %s" % (rc, want_rc))
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as e:
        bad(name + ": parses as CSV", str(e))
        return
    if not rows:
        bad(name + ": has a header", "empty output")
        return
    head = rows[0]
    want_head = ["pid", "start", "end", "perm", "offset", "dev", "inode", "kind", "name"]
    if head[:len(want_head)] != want_head:
        bad(name + ": header starts with %s" % ",".join(want_head), "header %r" % head)
        return
    ok(name + ": header starts with %s" % ",".join(want_head))
    body = rows[1:]
    if any(r == head for r in body):
        bad(name + ": one header only", "the header row repeats")
    widths = {len(r) for r in body}
    if widths and widths != {len(head)}:
        bad(name + ": every row has the header's column count", "row widths %s, header %d" % (sorted(widths), len(head)))
        return
    dicts = [dict(zip(head, r)) for r in body]
    if acct == "no":
        a = False
    elif "rss_kb" in head:
        a = True
    else:
        a = None
    for pid in pids:
        mine = [d for d in dicts if d["pid"] == str(pid)]
        check_regions("%s [pid %s]" % (name, pid), pid, mine, a, want_0x=False, esc=csv_escape)
    if len(dicts) != sum(len(maps(p)) for p in pids):
        bad(name + ": rows = maps lines of all processes", "%d rows" % len(dicts))


def cmd_k(name, pmap_out, vms_out, pid):
    """Expected -k output: pmap's, with "  [ anon ]"/"  [ stack ]" rows replaced by the kernel's
    bracket name when maps has one (upstream pmap -k prints it from the '[')."""
    names = {}
    for k in maps(pid):
        nm = k["name"]
        if nm.startswith(b"[") and nm.endswith(b"]"):
            names[k["start"]] = nm
    want = []
    for line in open(pmap_out, "rb").read().split(b"\n"):
        m = re.match(rb"^([0-9a-f]{16}) ", line)
        if m and int(m.group(1), 16) in names:
            for label in (b"  [ anon ]", b"  [ stack ]"):
                if line.endswith(b" " + label):
                    line = line[:-len(label)] + names[int(m.group(1), 16)]
                    break
        want.append(line)
    want = b"\n".join(want)
    got = open(vms_out, "rb").read()
    if got == want:
        ok(name)
    else:
        w, g = want.split(b"\n"), got.split(b"\n")
        diffs = ["line %d: want %r got %r" % (i + 1, a, b) for i, (a, b) in enumerate(zip(w, g)) if a != b][:4]
        if len(w) != len(g):
            diffs.append("%d lines, want %d" % (len(g), len(w)))
        bad(name, "; ".join(diffs))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "json":
        name, out, rc, want_rc, acct, backend, strict = args[:7]
        cmd_json(name, out, rc, want_rc, args[7:], acct, backend, strict == "strict")
    elif cmd == "csv":
        name, out, rc, want_rc, acct = args[:5]
        cmd_csv(name, out, rc, want_rc, args[5:], acct)
    elif cmd == "k":
        cmd_k(*args)


main()
PYEOF

# json_case NAME WANT_RC ACCT(yes|no) BACKEND(auto|procfs) CMDLINE(strict|loose) "OPTS" PID... --
#   [ARGS for vmscope instead of the PIDs]
json_case() {
	local name=$1 want_rc=$2 acct=$3 backend=$4 strict=$5 opts=$6 rc
	shift 6
	local pids=() args=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do pids+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	if [ $# -gt 0 ]; then args=("$@"); else args=("${pids[@]}"); fi
	# shellcheck disable=SC2086
	"$VMSCOPE" map --format json $opts "${args[@]}" >"$W/j.out" 2>"$W/j.err"
	rc=$?
	[ "$rc" -lt 128 ] || { fail "$name" "vmscope crashed (exit $rc)"; return; }
	python3 "$W/check.py" json "$name" "$W/j.out" "$rc" "$want_rc" "$acct" "$backend" "$strict" "${pids[@]}"
}
csv_case() {
	local name=$1 want_rc=$2 acct=$3 opts=$4 rc
	shift 4
	# shellcheck disable=SC2086
	"$VMSCOPE" map --format csv $opts "$@" >"$W/c.out" 2>"$W/c.err"
	rc=$?
	[ "$rc" -lt 128 ] || { fail "$name" "vmscope crashed (exit $rc)"; return; }
	python3 "$W/check.py" csv "$name" "$W/c.out" "$rc" "$want_rc" "$acct" "$@"
}

# ---------------------------------------------------------------------------------------------
# JSON
json_case "$T: json A" 0 no auto strict "" "$HA"
json_case "$T: json A --backend procfs" 0 no procfs strict "--backend procfs" "$HA"
json_case "$T: json A -x" 0 yes auto strict "-x" "$HA"
json_case "$T: json A -X" 0 yes auto strict "-X" "$HA"
# C runs on the system libc: its Pss moves with other processes, so no accounting check here
json_case "$T: json C (direct, deleted files)" 0 no procfs strict "--backend procfs" "$HC"
json_case "$T: json B odd cmdline" 0 no auto loose "" "$HB"
json_case "$T: json 3000 VMAs -x" 0 yes auto strict "-x" "$HM"
json_case "$T: json two PIDs A B" 0 no auto loose "" "$HA" "$HB"
json_case "$T: json two PIDs B A -x" 0 yes auto loose "-x" "$HB" "$HA"
json_case "$T: json /proc/PID" 0 no auto strict "" "$HA" -- "/proc/$HA"
b_sorted=$(printf '%s\n' "$HB" "$HB2" | sort -n | tr '\n' ' ')
# shellcheck disable=SC2086
json_case "$T: json NAME (2 matches, ascending pids)" 0 no auto loose "" $b_sorted -- "$COMM_B"
json_case "$T: json with a missing pid (exit 42, the found one printed)" 42 no auto strict "" "$HA" -- "$HA" 999999999
n=$(awk 'END { print NR }' "$W/j.err")
if [ "$n" = 1 ] && grep -q '^vmscope: ' "$W/j.err"; then pass "$T: json with a missing pid: one stderr line"
else fail "$T: json with a missing pid: one stderr line" "$n lines: $(head -c 200 "$W/j.err" | tr '\n' '|')"; fi
# the running shell (may change between two reads: retried)
for _ in 1 2 3; do
	json_case "$T: json this shell" 0 no auto strict "" $$ >"$W/self.log"
	grep -q '^FAIL' "$W/self.log" || break
done
cat "$W/self.log"

# ---------------------------------------------------------------------------------------------
# CSV
csv_case "$T: csv A" 0 no "" "$HA"
csv_case "$T: csv C (direct, deleted files)" 0 no "" "$HC"
csv_case "$T: csv A -x" 0 any "-x" "$HA"
csv_case "$T: csv two PIDs A B" 0 no "" "$HA" "$HB"
csv_case "$T: csv 3000 VMAs" 0 no "" "$HM"

# ---------------------------------------------------------------------------------------------
# -k: pmap's output with the kernel's bracket names ([heap], [stack], [vdso], [vvar], [anon:x]).
k_case() { # k_case NAME "OPTS" PID
	local name=$1 opts=$2 pid=$3 rce rca
	# shellcheck disable=SC2086
	"$PMAP" $opts "$pid" >"$W/k.pmap" 2>/dev/null; rce=$?
	# shellcheck disable=SC2086
	"$VMSCOPE" map -k $opts "$pid" >"$W/k.vms" 2>"$W/k.err"; rca=$?
	if [ "$rca" != "$rce" ]; then
		fail "$name" "exit code $rca, pmap $rce: $(head -c 200 "$W/k.err")"
		return
	fi
	python3 "$W/check.py" k "$name" "$W/k.pmap" "$W/k.vms" "$pid"
}
# K: all region kinds, ASCII file names only (so pmap's '?' escaping does not get in the way).
for o in "" "-x" "-d" "-q" "-p" "-x -q" "-X" "-XX" "-A 0,7fffffffffff" "-d -A ,7fffffffffff"; do
	k_case "$T: -k K [${o:-default}]" "$o" "$HK"
	k_case "$T: -k B [${o:-default}]" "$o" "$HB"
done
k_case "$T: -k A (odd file names) [default]" "" "$HA"
# -k where a thread stack (no kernel name) keeps its label, and the main stack shows [stack]
if grep -q '\[stack\]' "/proc/$HK/maps"; then
	if "$VMSCOPE" map -k "$HK" | grep -q ' \[stack\]$'; then pass "$T: -k shows [stack] for the main stack"
	else fail "$T: -k shows [stack] for the main stack" "no row ends with ' [stack]'"; fi
fi

exit 0
