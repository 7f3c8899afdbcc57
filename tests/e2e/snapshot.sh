#!/bin/bash
# Snapshots, diffs and strings (issue 17). Round trip with the target stopped: `snapshot show`
# of a saved file prints what `map` printed live, byte for byte, in every format; JSON export ->
# import -> show is identical (and the file too). A scripted change (map, grow, mprotect, unmap,
# an mremap move) diffs as exactly that change, the move as a move; `diff -d 1` sees 10 MiB mapped
# during that second; a timeline directory sums growth per type. strings finds what a helper
# planted in its heap and an anonymous mapping, and says in one line when rights are missing.
# Truncated, corrupt, wrong-version and hostile files (a zlib bomb) and JSON: one error line.
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/lib.sh"
T=snapshot
W=$TMPDIR_TEST
H=$HELPERS/snap_change
# live reads from /proc: a live model someone else started (or a stale one) must not decide
BE=(--backend procfs)

if ! command -v python3 >/dev/null; then
	fail "$T: python3 available" "the checks need python3"
	exit 0
fi

# ---- round trip, target stopped --------------------------------------------------------------
RT=$W/rt
mkdir -p "$RT" "$W/files"
private_runtime "$RT" "$HELPERS/regions" "$HELPERS/views" ||
	{ fail "$T: setup private runtime" "no dynamic loader found by ldd"; exit 1; }
start_bg "$W/R.out" "${PRIV[@]}" "$RT/regions" --comm "vmssn$$" --dir "$W/files" all -- $'t\tab' 'ünï'; HR=$BG_PID
if [ -z "$HR" ] || ! stop_pid "$HR"; then fail "$T: start and stop the regions helper"; exit 1; fi

"$VMSCOPE" snapshot save "${BE[@]}" -o "$W/r.vms" "$HR" >"$W/save.out" 2>"$W/save.err"
check "$T: snapshot save -o FILE PID writes the file and prints its path" \
	test -s "$W/r.vms" -a "$(cat "$W/save.out")" = "$W/r.vms" -a ! -s "$W/save.err"

# by NAME, without -o: COMM-PID-TIME.vms in the current directory, its name on stdout
name=$(cd "$W" && "$VMSCOPE" snapshot save "${BE[@]}" "vmssn$$" 2>&1)
check "$T: snapshot save NAME writes COMM-PID-TIME.vms here and prints it" \
	test -s "$W/$name" -a -n "$(echo "$name" | grep -E "^vmssn$$-$HR-[0-9]{8}T[0-9]{6}Z\.vms\$")"

# same_as_live PID FILE: every option set below (stdin) prints the same from FILE as live
same_as_live() {
	local opts bad="" n=0
	while read -r opts; do
		n=$((n + 1))
		# shellcheck disable=SC2086 # opts: a list of options
		"$VMSCOPE" map "${BE[@]}" $opts "$1" >"$W/live.txt" 2>&1
		# shellcheck disable=SC2086
		"$VMSCOPE" snapshot show $opts "$2" >"$W/show.txt" 2>&1
		# shellcheck disable=SC2086
		"$VMSCOPE" map $opts "$2" >"$W/mapfile.txt" 2>&1
		if ! cmp -s "$W/live.txt" "$W/show.txt" || ! cmp -s "$W/live.txt" "$W/mapfile.txt"; then
			bad="$bad [$opts]"
			diff "$W/live.txt" "$W/show.txt" | head -n 4 | cut -c1-160 | sed 's/^/    /'
		fi
	done
	SAME_N=$n SAME_BAD=$bad
}
same_as_live "$HR" "$W/r.vms" <<'OPTS'
-q
-x
-X
-XX
-d
-p
-k
-x -p -k
-A 0,7fffffffffff
-x -A 7f0000000000
-F json
-x -F json
-XX -F json
-F csv
-x -F csv
-X -F csv
--format vmmap
--format types
-x -S
OPTS
if [ -z "$SAME_BAD" ]; then
	pass "$T: snapshot show (and map FILE.vms) prints what map printed live, in $SAME_N option sets"
else
	fail "$T: snapshot show prints what map printed live" "differs with:$SAME_BAD"
fi

# the seed tools' views, on a helper with threads (their stacks), arenas, THP, shared anon
start_bg "$W/V.out" "${PRIV[@]}" "$RT/views" 3; HV=$BG_PID
if [ -n "$HV" ] && stop_pid "$HV"; then
	"$VMSCOPE" snapshot save "${BE[@]}" -o "$W/v.vms" "$HV" >/dev/null 2>"$W/vsave.err"
	same_as_live "$HV" "$W/v.vms" <<'OPTS'
--format vmmap
--format vmmap -resident -interleaved
--format vmmap -pages -noCoalesce
--format vmmap-summary
--format types
-S
-x -S -a
-r
-L
-x -L
-s
-x -s
-F json
-X -F csv
-XX
OPTS
	if [ -z "$SAME_BAD" ] && [ ! -s "$W/vsave.err" ]; then
		pass "$T: the views (vmmap, types, illumos -L -s -S -r -a) print from the file as live, $SAME_N option sets"
	else
		fail "$T: the views print from the file as live" "differs with:$SAME_BAD $(head -c 200 "$W/vsave.err")"
	fi
	kill -CONT "$HV"
else
	fail "$T: start and stop the views helper"
fi
"$VMSCOPE" map "${BE[@]}" "$HR" >"$W/live.txt"
"$VMSCOPE" snapshot show "$W/r.vms" >"$W/show.txt"
same_bytes "$T: snapshot show, default format" "$W/live.txt" "$W/show.txt"

"$VMSCOPE" snapshot info "$W/r.vms" >"$W/info.txt" 2>&1
boot=$(cat /proc/sys/kernel/random/boot_id)
check "$T: snapshot info: pid, boot id, kernel, backend, accounting" \
	grep -q "^pid  *$HR\$" "$W/info.txt" -a -n "$(grep "^boot_id  *$boot\$" "$W/info.txt")" \
	-a -n "$(grep "^kernel  *$(uname -s) $(uname -r)" "$W/info.txt")" \
	-a -n "$(grep '^backend  *procfs$' "$W/info.txt")" -a -n "$(grep '^accounting  *yes$' "$W/info.txt")"

# ---- JSON export -> import -> show ------------------------------------------------------------
"$VMSCOPE" snapshot export "$W/r.vms" --format json >"$W/r.json" 2>"$W/exp.err"
check "$T: snapshot export is map's JSON (the contract's keys) plus the snapshot's" \
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
r = d["regions"]
assert d["pid"] == int(sys.argv[2]) and d["snapshot"]["version"] == 1 and d["acct_keys"][0]["key"] == "Size"
assert all(set(("start","end","perm","offset","dev","inode","name","kind","rss_kb","acct")) <= set(x) for x in r)
assert all(len(x["acct"]) == len(d["acct_keys"]) for x in r)' "$W/r.json" "$HR"
"$VMSCOPE" snapshot import "$W/r.json" -o "$W/imp.vms" 2>"$W/imp.err"
check "$T: snapshot import writes a file" test -s "$W/imp.vms" -a ! -s "$W/imp.err"
bad=""
for opts in "" "-x" "-XX" "-d" "-F json" "-XX -F json" "-X -F csv"; do
	# shellcheck disable=SC2086
	cmp -s <("$VMSCOPE" snapshot show $opts "$W/r.vms") <("$VMSCOPE" snapshot show $opts "$W/imp.vms") ||
		bad="$bad [$opts]"
done
if [ -z "$bad" ]; then pass "$T: export -> import -> show is identical (7 option sets)"
else fail "$T: export -> import -> show is identical" "differs with:$bad"; fi
check "$T: the imported file is the saved file, byte for byte" cmp -s "$W/r.vms" "$W/imp.vms"
"$VMSCOPE" snapshot export "$W/imp.vms" >"$W/r2.json"
check "$T: export of the imported file is the first export" cmp -s "$W/r.json" "$W/r2.json"
kill -CONT "$HR"

# ---- a scripted change ------------------------------------------------------------------------
start_bg "$W/S.out" "$H" script; HS=$BG_PID
read -r _ grow _ prot _ unmap _ move _ to _ new _ split < <(head -n 1 "$W/S.out")
"$VMSCOPE" snapshot save "${BE[@]}" -o "$W/a.vms" "$HS" >/dev/null
kill -USR1 "$HS"
wait_for "$W/S.out" '^changed$' 10 "$HS"
"$VMSCOPE" snapshot save "${BE[@]}" -o "$W/b.vms" "$HS" >/dev/null
"$VMSCOPE" diff --json "$W/a.vms" "$W/b.vms" >"$W/d.json" 2>"$W/d.err"
if python3 - "$W/d.json" "$grow" "$prot" "$unmap" "$move" "$to" "$new" "$split" >"$W/d.check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g, p, u, m, to, n, sp = (int(x, 16) for x in sys.argv[2:9])
MB = 1 << 20
# the structural changes, exactly: other regions may only change residency (libc pages faulted in)
got = sorted((tuple(x["change"]), int(x["start"], 16), int(x.get("old_start", x["start"]), 16),
              x["size_kb"], x["d_size_kb"], x["perm"], x.get("old_perm", x["perm"]))
             for x in d["regions"] if x["change"] != ["resident"])
want = sorted([
    (("added",), n, n, 4096, 4096, "rw-p", "rw-p"),
    (("grown",), g, g, 3072, 2048, "rw-p", "rw-p"),
    (("prot",), p, p, 1024, 0, "r--p", "rw-p"),
    (("removed",), u, u, 1024, -1024, "rw-p", "rw-p"),
    (("moved",), to, m, 2048, 0, "rw-p", "rw-p"),
    # mprotect of the middle of a region: the kernel splits it in three
    (("split",), sp, sp, 1024, -2048, "rw-p", "rw-p"),
    (("prot", "split"), sp + MB, sp + MB, 1024, 1024, "r--p", "r--p"),
    (("split",), sp + 2 * MB, sp + 2 * MB, 1024, 1024, "rw-p", "rw-p"),
])
if got != want:
    print("got ", got); print("want", want); sys.exit(1)
s = d["summary"]
assert (s["added"], s["removed"], s["moved"], s["grown"], s["shrunk"], s["prot"], s["split"]) == (1, 1, 1, 1, 0, 2, 3), s
added = [x for x in d["regions"] if x["change"] == ["added"]][0]
assert added["d_rss_kb"] == 4096 and added["d_dirty_kb"] == 4096, added
priv = [t for t in d["types"] if t["kind"] == "private"][0]
assert priv["d_size_kb"] == 4096 + 2048 - 1024, priv
assert priv["regions_after"] - priv["regions_before"] == 1 - 1 + 2, priv
assert d["regions"][0]["change"] == ["added"], "largest first"
PY
then pass "$T: diff of map, grow, mprotect, unmap, an mremap move and a split reports exactly those, the move as a move"
else fail "$T: diff of a scripted change" "$(head -c 600 "$W/d.check")"; fi
"$VMSCOPE" diff "$W/a.vms" "$W/b.vms" >"$W/d.txt" 2>&1
check "$T: the text diff names the move and the protection change" \
	grep -q "^moved .* (from $move)" "$W/d.txt" -a -n "$(grep "^prot .* r--p .*(was rw-p)" "$W/d.txt")"
"$VMSCOPE" diff "${BE[@]}" "$W/a.vms" "$HS" --json >"$W/d2.json" 2>&1
check "$T: diff FILE PID compares a snapshot with the live process" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["summary"]["moved"] == 1' "$W/d2.json"

# ---- diff -d 1: 10 MiB mapped during that second ----------------------------------------------
start_bg "$W/M.out" "$H" map10; HM=$BG_PID
"$VMSCOPE" diff "${BE[@]}" -d 1 --json "$HM" >"$W/dd.json" 2>"$W/dd.err" &
dpid=$!
sleep 0.4
kill -USR1 "$HM"
wait "$dpid"
check "$T: diff -d 1 shows the 10 MiB mapped during that second" \
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
a = [x for x in d["regions"] if x["change"] == ["added"] and x["size_kb"] == 10240]
assert len(a) == 1 and a[0]["d_rss_kb"] == 10240 and 0.9 < d["seconds"] < 3, d["seconds"]' "$W/dd.json"

# ---- a timeline ---------------------------------------------------------------------------------
start_bg "$W/L.out" "$H" map10; HL=$BG_PID
"$VMSCOPE" snapshot save "${BE[@]}" --every 0.3 --count 4 -o "$W/tl" "$HL" >"$W/tl.out" 2>&1 &
tpid=$!
sleep 0.45
kill -USR1 "$HL"
wait "$tpid"
check "$T: snapshot save --every --count -o DIR writes the timeline" test "$(find "$W/tl" -name "*.vms" | wc -l)" = 4
"$VMSCOPE" diff "$W/tl" >"$W/tl.txt" 2>&1
check "$T: diff DIR: private memory grew by 10240 kB" \
	grep -qE '^private +[0-9]+ +[0-9]+ +\+10240 ' "$W/tl.txt"
"$VMSCOPE" diff --csv "$W/tl" >"$W/tl.csv" 2>&1
check "$T: diff --csv DIR: one row per snapshot and type, private grows by 10240 kB" \
	python3 -c 'import csv,sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 4 * 10, len(rows)
p = [int(r["size_kb"]) for r in rows if r["kind"] == "private"]
assert p[-1] - p[0] == 10240 and p == sorted(p), p' "$W/tl.csv"

# ---- strings ------------------------------------------------------------------------------------
mark="vmscope-planted-$$-marker"
start_bg "$W/P.out" "$H" plant "$mark"; HP=$BG_PID
read -r _ heap _ anon _ u16 < <(head -n 1 "$W/P.out")
"$VMSCOPE" strings "${BE[@]}" "$HP" >"$W/str.txt" 2>"$W/str.err"
check "$T: strings finds the string planted in the heap and in an anonymous mapping" \
	grep -q "^0*$heap $mark\$" "$W/str.txt" -a -n "$(grep "^0*$anon $mark\$" "$W/str.txt")"
"$VMSCOPE" strings "${BE[@]}" --encoding utf16le -n 20 "$HP" >"$W/str16.txt" 2>&1
check "$T: strings --encoding utf16le finds the UTF-16LE copy" grep -q "^0*$u16 $mark\$" "$W/str16.txt"
hi=$(printf %x $((0x$anon + ${#mark} - 1)))
"$VMSCOPE" strings "${BE[@]}" -A "$anon,$hi" "$HP" >"$W/strA.txt" 2>&1
check "$T: strings -A LOW,HIGH reads only [LOW,HIGH]" test "$(cat "$W/strA.txt")" = "$(printf %016x $((0x$anon))) $mark"
"$VMSCOPE" strings "${BE[@]}" -A "$anon" "$HP" >"$W/strA1.txt" 2>&1
check "$T: strings -A ADDR reads the region holding ADDR" \
	test "$(grep -c . "$W/strA1.txt")" = 1 -a -n "$(grep "^0*$anon $mark\$" "$W/strA1.txt")"
check "$T: strings output holds no control byte" \
	python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); assert not any(c < 0x20 and c != 10 or c >= 0x7f for c in b)' "$W/str.txt"
check "$T: strings does not stop the target" test "$(proc_state "$HP")" != T

# without rights: vmscope as nobody, the target root's
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups "$VMSCOPE" --version >/dev/null 2>&1; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$VMSCOPE" strings "${BE[@]}" "$HP" >"$W/np.out" 2>"$W/np.err"
	rc=$?
	check "$T: strings without ptrace-read rights: one error line, exit 1, nothing on stdout" \
		test "$rc" = 1 -a "$(wc -l <"$W/np.err")" = 1 -a ! -s "$W/np.out" \
		-a -n "$(grep 'permission denied: reading its memory needs ptrace-read rights' "$W/np.err")"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$VMSCOPE" snapshot save "${BE[@]}" -o /dev/null "$HP" >"$W/np2.out" 2>"$W/np2.err"
	rc=$?
	check "$T: snapshot save without rights: one error line, exit 1" \
		test "$rc" = 1 -a "$(wc -l <"$W/np2.err")" = 1
else
	fail "$T: strings without rights" "setpriv missing or $VMSCOPE not runnable as nobody"
fi

# ---- robust loading ---------------------------------------------------------------------------------
one_error() { # one_error NAME CMD...: exit 1, nothing on stdout, exactly one line on stderr
	local name=$1 rc; shift
	"$@" >"$W/e.out" 2>"$W/e.err"; rc=$?
	if [ "$rc" = 1 ] && [ ! -s "$W/e.out" ] && [ "$(wc -l <"$W/e.err")" = 1 ] &&
	   ! grep -q -e AddressSanitizer -e 'runtime error' "$W/e.err"; then
		pass "$T: $name: one error line ($(cut -c1-90 "$W/e.err"))"
	else
		fail "$T: $name: one error line, exit 1" "exit $rc, stderr: $(head -c 300 "$W/e.err")"
	fi
}
python3 - "$W" <<'PY'
import struct, sys, zlib
w = sys.argv[1]
good = open(w + "/a.vms", "rb").read()
open(w + "/trunc.vms", "wb").write(good[: len(good) // 2])
open(w + "/trunc_hdr.vms", "wb").write(good[:12])
b = bytearray(good); b[len(b) // 2] ^= 0xff; open(w + "/flip.vms", "wb").write(bytes(b))
b = bytearray(good); b[8] = 9; open(w + "/version.vms", "wb").write(bytes(b))
b = bytearray(good); b[16:20] = struct.pack("<I", 0xffffffff); open(w + "/claims.vms", "wb").write(bytes(b))
# a zlib bomb: 200 MB of zeros in ~200 kB, announced as its real size (inside the ratio bound,
# refused as a payload), and announced smaller than it inflates to
bomb = zlib.compress(b"\0" * (200 << 20), 9)
hdr = lambda raw: b"\x89VMSNAP\n" + struct.pack("<HHIII", 1, 0, 1, raw, len(bomb))
open(w + "/bomb.vms", "wb").write(hdr(200 << 20) + bomb)
open(w + "/bomb2.vms", "wb").write(hdr(4096) + bomb)
# a well-formed payload that announces a million regions and holds none
payload = bytes([1, 3, 10, 3, 0xc0, 0x84, 0x3d, 2, 0])
z = zlib.compress(payload)
open(w + "/hostile.vms", "wb").write(b"\x89VMSNAP\n" + struct.pack("<HHIII", 1, 0, 1, len(payload), len(z)) + z)
j = open(w + "/r.json").read()
open(w + "/trunc.json", "w").write(j[: len(j) // 2])
open(w + "/deep.json", "w").write("[" * 100000)
open(w + "/ver.json", "w").write(j.replace('"version": 1', '"version": 7', 1))
open(w + "/badnum.json", "w").write(j.replace('"inode": 0', '"inode": 99999999999999999999999', 1))
import json
d = json.loads(j); d["regions"][0]["end"] = d["regions"][1]["end"]
open(w + "/overlap.json", "w").write(json.dumps(d))
d = json.loads(j); d["regions"][2]["perm"] = "rwzp"
open(w + "/perm.json", "w").write(json.dumps(d))
d = json.loads(j); d["regions"][2]["acct"].pop()
open(w + "/acct.json", "w").write(json.dumps(d))
d = json.loads(j); r = [x for x in d["regions"] if "numa" in x][0]; r["numa"]["runs"][0][1] = "0xfffffffffffff"
open(w + "/runs.json", "w").write(json.dumps(d))
open(w + "/badutf8.json", "wb").write(j.encode().replace(b'"comm": "', b'"comm": "\xff', 1))
PY
for f in trunc trunc_hdr flip version claims bomb bomb2 hostile; do
	one_error "snapshot show $f.vms" "$VMSCOPE" snapshot show "$W/$f.vms"
done
one_error "snapshot show of a file that is no snapshot" "$VMSCOPE" snapshot show /etc/hostname
one_error "snapshot show of a missing file" "$VMSCOPE" snapshot show "$W/missing.vms"
one_error "diff with a corrupt snapshot" "$VMSCOPE" diff "$W/a.vms" "$W/flip.vms"
for f in trunc deep ver badnum overlap perm acct runs badutf8; do
	one_error "snapshot import $f.json" "$VMSCOPE" snapshot import "$W/$f.json" -o "$W/x.vms"
done
check "$T: a refused import writes no file" test ! -e "$W/x.vms"
