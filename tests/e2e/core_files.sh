#!/bin/bash
# ELF core files (issue 18): a multi-threaded helper (tests/helpers/core_threads) dumps core both
# ways, with gdb's gcore and with the kernel (core_pattern set to a scratch path for the test and
# restored at exit, whatever happens). `vmscope map CORE` is compared with `vmscope map --backend
# procfs PID` taken just before the dump, for every column a core holds (core_check.py says which
# and why); the columns it does not hold are absent ('-', null, empty), never 0. Malformed,
# truncated and hostile cores get one error line and exit 1.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"
helper=$HELPERS/core_threads
pattern_file=/proc/sys/kernel/core_pattern
old_pattern=""
pattern_set=0
restore_pattern() {
	[ "$pattern_set" = 1 ] && printf '%s\n' "$old_pattern" >"$pattern_file"
	pattern_set=0
}
trap 'restore_pattern; _cleanup' EXIT
trap 'exit 130' INT TERM

# start_helper DIR CMD...: the helper, its output in DIR/out; sets pid. Waits for "ready".
start_helper() {
	local dir=$1
	shift
	mkdir -p "$dir/files"
	"$@" >"$dir/out" 2>"$dir/err" &
	pid=$!
	cleanup_pid "$pid"
	for _ in $(seq 500); do grep -q '^ready' "$dir/out" && return 0; sleep 0.02; done
	return 1
}

# snap_live DIR: what a core is compared with, taken just before the dump.
snap_live() {
	"$VMSCOPE" map -F json --backend procfs "$pid" >"$1/live.json"
	"$VMSCOPE" map --backend procfs "$pid" >"$1/live.pmap"
	"$VMSCOPE" map -F illumos --backend procfs "$pid" >"$1/live.il"
	"$VMSCOPE" snapshot save -o "$1/live.vms" --backend procfs "$pid" >/dev/null
	cat "/proc/$pid/smaps" >"$1/smaps"
	tids=$(ls "/proc/$pid/task" | tr '\n' ' ')
	grep -q '^main ' "$1/out" || echo "main $pid" >>"$1/out"
}

# diff_live WRITER DIR CORE [LABEL]: `diff LIVE_SNAPSHOT CORE` and `diff CORE LIVE_SNAPSHOT` (the snapshot
# taken just before the dump) show nothing changed: what a core does not know ('?' perms, files
# by name alone, no start time) is no change. gdb's cores: only the anonymous dd regions it
# leaves out are listed, as removed (or added, the other way). The core's time is its dump's.
diff_live() {
	local d=$2
	if "$VMSCOPE" diff --json "$d/live.vms" "$3" >"$d/$1.diff.json" 2>"$d/$1.diff.err" &&
	   "$VMSCOPE" diff --json "$3" "$d/live.vms" >"$d/$1.rdiff.json" 2>>"$d/$1.diff.err" &&
	   "$VMSCOPE" diff "$3" "$d/live.vms" >"$d/$1.diff.txt" 2>>"$d/$1.diff.err"; then
		python3 - "$1" "$d/$1.diff.json" "$d/$1.rdiff.json" "$d/$1.diff.txt" "$d/smaps" ${4:+"$4"} <<'EOF'
import json, sys
writer, fwd, rev, txt, smaps = sys.argv[1:6]
tag = writer + (", " + sys.argv[6] if len(sys.argv) > 6 else "")
flags, cur = {}, None
for line in open(smaps, errors="surrogateescape"):
    f = line.split()
    if f and "-" in f[0] and ":" not in f[0]:
        cur = (int(f[0].split("-")[0], 16), f[5] if len(f) > 5 else "")
    elif line.startswith("VmFlags:") and cur:
        flags[cur[0]] = (f[1:], cur[1])
def fine(r, what):  # gdb: an anonymous dd region it did not write
    fl, name = flags.get(int(r["start"], 16), ([], "?"))
    return (writer == "gdb" and r["change"] == [what] and "dd" in fl
            and not name.startswith("/"))
bad = []
for path, what in ((fwd, "removed"), (rev, "added")):
    d = json.load(open(path))
    s = d["summary"]
    core = d["after" if what == "removed" else "before"]
    if not d["same_process"]:
        bad.append("%s: not the same process" % what)
    if core["start_time"] is not None or core["boot_id"] is not None:
        bad.append("%s: the core's start_time/boot_id %s/%s, not null" % (what, core["start_time"], core["boot_id"]))
    if what == "removed" and not d["seconds"] > 0:
        bad.append("the core is not after the live snapshot (%s s)" % d["seconds"])
    bad += ["%s: %s %s %s %s" % (what, r["change"], r["start"], r["perm"], r["name"])
            for r in d["regions"] if not fine(r, what)]
    if any(v for k, v in s.items() if k != what):
        bad.append("%s: summary %s" % (what, s))
first = open(txt).readline()
if "not the same process" in first:
    bad.append("text: " + first.strip())
print(("FAIL" if bad else "PASS") + ": core (%s): diff with the live snapshot taken before the dump: "
      "nothing changed, both ways" % tag + (" -- " + "; ".join(bad[:4]) if bad else ""))
EOF
	else
		fail "core ($1): diff LIVE_SNAPSHOT CORE" "$(head -n 2 "$d/$1.diff.err")"
	fi
}

compare() { # compare WRITER DIR CORE [LABEL]
	if "$VMSCOPE" map -F json "$3" >"$2/$1.json" 2>"$2/$1.err" &&
	   "$VMSCOPE" map -F illumos "$3" >"$2/$1.il" 2>>"$2/$1.err"; then
		python3 "$here/core_check.py" "$1" "$2/live.json" "$2/smaps" "$2/$1.json" "$2/out" "$tids" \
			"$2/live.il" "$2/$1.il" ${4:+"$4"}
	else
		fail "core ($1): vmscope map -F json CORE" "$(head -n 2 "$2/$1.err")"
	fi
}

if ! command -v gdb >/dev/null 2>&1; then
	fail "core: gdb is installed" "run: make deps"
else
	d=$TMPDIR_TEST/gdb
	if start_helper "$d" "$helper" --dir "$d/files"; then
		snap_live "$d"
		if timeout 120 gcore -o "$d/core" "$pid" >"$d/gcore.log" 2>&1 && [ -s "$d/core.$pid" ]; then
			compare gdb "$d" "$d/core.$pid"
			diff_live gdb "$d" "$d/core.$pid"
		else
			fail "core (gdb): gcore wrote a core" "$(tail -n 2 "$d/gcore.log")"
		fi
		kill_pid "$pid"
	else
		fail "core (gdb): the helper started" "$(head -n 2 "$d/err")"
	fi
fi

# kernel_dump DIR: the kernel's core of the helper (pid) into DIR/kcore.PID: core_pattern to
# that scratch path (restored at once, and at exit whatever happens), the helper's RLIMIT_CORE
# raised, SIGABRT (a shell's background job may ignore SIGQUIT). Never a pipe pattern here:
# systemd-coredump and apport are not used. Sets kcore, or fails.
kernel_dump() {
	kcore=""
	snap_live "$1"
	pattern_set=1
	if printf '%s\n' "$1/kcore.%p" >"$pattern_file" &&
	   prlimit --pid "$pid" --core=unlimited:unlimited; then
		kill -ABRT "$pid"
		wait "$pid" 2>/dev/null
		forget_pid "$pid"
	fi
	restore_pattern
	check "core (kernel): core_pattern restored" [ "$(cat "$pattern_file")" = "$old_pattern" ]
	if [ -s "$1/kcore.$pid" ]; then
		kcore=$1/kcore.$pid
	else
		fail "core (kernel): the kernel wrote $1/kcore.$pid" "$(ls "$1")"
	fi
}

kcore=""
if ! old_pattern=$(cat "$pattern_file" 2>/dev/null) || ! [ -w "$pattern_file" ]; then
	echo "SKIP: core (kernel): $pattern_file is not writable here (not root)"
else
	# every region kind tests/helpers/regions makes, names of every sort (tabs, UTF-8, bytes
	# that are not, newlines), THP, mlock, SysV shm, threads without known stack bounds
	d=$TMPDIR_TEST/regions
	if start_helper "$d" "$HELPERS/regions" --dir "$d/files" all; then
		kernel_dump "$d"
		[ -n "$kcore" ] && compare kernel "$d" "$kcore" "every region kind" &&
			diff_live kernel "$d" "$kcore" "every region kind"
	else
		fail "core (kernel): the regions helper started" "$(head -n 2 "$d/out")"
	fi
	d=$TMPDIR_TEST/kernel
	if start_helper "$d" "$helper" --dir "$d/files"; then
		kernel_dump "$d"
		[ -n "$kcore" ] && compare kernel "$d" "$kcore" && diff_live kernel "$d" "$kcore"
	else
		fail "core (kernel): the helper started" "$(head -n 2 "$d/err")"
	fi
fi

if [ -n "$kcore" ]; then
	# The default table: as pmap's of the live process, but for what a core does not record:
	# mode characters ('?'), the command line past 79 bytes, a SysV segment's shmid (its inode).
	"$VMSCOPE" map "$kcore" >"$d/core.pmap"
	python3 - "$d/live.pmap" "$d/core.pmap" <<'EOF'
import sys
live, core = (open(p).read().splitlines() for p in sys.argv[1:3])
def same(a, b):
    if a == b:
        return True
    if a is core[0]:
        return len(b) > len(a) >= len(b.split(":")[0]) + 4 + 70 and b.startswith(a)
    a, b = a.split(None, 3), b.split(None, 3)
    return (len(a) == len(b) == 4 and a[:2] == b[:2] and
            all(x in ("?", y) for x, y in zip(a[2], b[2])) and
            (a[3] == b[3] or (b[3].startswith("[ shmid=") and a[3].startswith("SYSV"))))
bad = [f"{a!r} / {b!r}" for a, b in zip(core, live) if not same(a, b)]
ok = len(live) == len(core) and not bad
print(("PASS" if ok else "FAIL") + ": core (kernel): the default table is the live one's ('?' where a core does not say)"
      + ("" if ok else " -- %d/%d lines; %s" % (len(core), len(live), "; ".join(bad[:3]))))
EOF
	# Absent, never 0: -x, -X, -XX, -d, JSON, CSV.
	"$VMSCOPE" map -x "$kcore" >"$d/x.txt"
	check "core: -x shows RSS and Dirty as '-' on every row and the total" \
		awk '/^total kB/ { t = $4 == "-" && $5 == "-"; next }
		     NR > 2 && !/^---/ { if ($3 != "-" || $4 != "-") exit 1; n++ }
		     END { exit !(t && n >= 10) }' "$d/x.txt"
	for x in -X -XX; do
		if "$VMSCOPE" map "$x" "$kcore" >"$d/X.txt" 2>&1 &&
		   awk 'NR > 2 && / - / { n++ } END { exit n < 10 }' "$d/X.txt"; then
			pass "core: $x shows the absent fields as '-'"
		else
			fail "core: $x shows the absent fields as '-'" "$(sed -n 2,3p "$d/X.txt")"
		fi
	done
	"$VMSCOPE" map -d "$kcore" >"$d/d.txt"
	check "core: -d: files '-', anonymous 000:00000" \
		awk '/libc/ { f = ($5 == "-") } /\[ stack \]/ { a = ($5 == "000:00000") } END { exit !(f && a) }' "$d/d.txt"
	# the seed tools' views: sizes, never a made-up accounting
	"$VMSCOPE" map -F types "$kcore" >"$d/types.txt"
	check "core: types view: Committed ... Locked WS are '-', Size and Blocks known" \
		awk '$1 == "Total" { ok = $2 > 0 && $3 == "-" && $9 == "-" && $10 > 10 } END { exit !ok }' "$d/types.txt"
	"$VMSCOPE" map -F vmmap --resident "$kcore" >"$d/vmmap.txt"
	check "core: vmmap -resident: footprint, RSDNT, DIRTY, SWAP and SM are absent" \
		grep -q '^Physical footprint: *-$' "$d/vmmap.txt"
	check "core: vmmap -resident: every row's accounting is '-'" \
		awk '/^(__TEXT|Stack) .*[[]/ { n++; if ($0 !~ /K +- +- +-[]] .* SM=[?][?][?]/) bad++ } END { exit !(n > 2 && !bad) }' "$d/vmmap.txt"
	"$VMSCOPE" map -F vmmap-summary "$kcore" >"$d/vsum.txt"
	check "core: vmmap-summary: RESIDENT, DIRTY, SWAPPED are '-'" \
		awk '$1 == "TOTAL" { ok = $3 == "-" && $4 == "-" && $5 == "-" } END { exit !ok }' "$d/vsum.txt"
	"$VMSCOPE" map -x -F json "$kcore" >"$d/x.json"
	check "core: JSON -x: rss_kb, pss_kb, dirty_kb... null; file dev and inode null" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = d["regions"]
assert d["backend"] == "core" and len(r) > 10
assert all(x[k] is None for x in r for k in ("rss_kb", "pss_kb", "anon_kb", "dirty_kb", "swap_kb", "locked_kb"))
assert all(x["dev"] is None and x["inode"] is None for x in r if x["name"].startswith("/"))
assert all(x["dev"] == "00:00" and x["inode"] == 0 for x in r if not x["name"].startswith("/"))
' "$d/x.json"
	"$VMSCOPE" map -x -F csv "$kcore" >"$d/x.csv"
	check "core: CSV -x: the absent fields are empty" python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) > 10 and all(r["rss_kb"] == "" and r["dirty_kb"] == "" for r in rows)
assert all((r["dev"], r["inode"]) == ("", "") for r in rows if r["name"].startswith("/"))
assert all(r["size_kb"] != "" for r in rows)
' "$d/x.csv"
	# snapshot save CORE: the saved file shows what the core does, in every format; export ->
	# import keeps it; diff against it shows nothing changed and no accounting
	if "$VMSCOPE" snapshot save -o "$d/core.vms" "$kcore" >/dev/null 2>"$d/save.err"; then
		bad=""
		for o in "" -x -d -X "-F json" "-F csv" "-F vmmap --resident" "-F types" "-F illumos -x"; do
			# shellcheck disable=SC2086
			"$VMSCOPE" map $o "$kcore" >"$d/a.txt" 2>&1
			# shellcheck disable=SC2086
			"$VMSCOPE" map $o "$d/core.vms" >"$d/b.txt" 2>&1
			cmp -s "$d/a.txt" "$d/b.txt" || bad="$bad [${o:-default}]"
		done
		check "core: snapshot save CORE shows as the core in every format${bad:+ (differ:$bad)}" [ -z "$bad" ]
		"$VMSCOPE" snapshot export "$d/core.vms" >"$d/core.export.json" &&
			"$VMSCOPE" snapshot import "$d/core.export.json" -o "$d/core2.vms" >/dev/null 2>&1
		"$VMSCOPE" map -x "$d/core2.vms" >"$d/b2.txt" 2>&1
		"$VMSCOPE" map -x "$d/core.vms" >"$d/a2.txt" 2>&1
		check "core: snapshot export -> import keeps what a core does not know" \
			cmp -s "$d/a2.txt" "$d/b2.txt"
		"$VMSCOPE" diff "$kcore" "$d/core.vms" >"$d/diff.txt" 2>&1
		check "core: diff CORE SNAPSHOT: nothing changed, accounting '-'" \
			awk 'NR == 2 { ok = /^0 added, 0 removed/ } $1 == "total" { t = $5 == "-" && $8 == "-" } END { exit !(ok && t) }' "$d/diff.txt"
	else
		fail "core: snapshot save CORE" "$(head -n 2 "$d/save.err")"
	fi
	"$VMSCOPE" map --backend core "$kcore" >"$d/bcore.pmap" 2>&1
	same_bytes "core: --backend core CORE reads it (the table map CORE prints)" "$d/core.pmap" "$d/bcore.pmap"
fi

# One line and exit 1 for whatever is not a readable core; never a crash.
one_error() { # one_error NAME EXPECT_RE CMD...
	local name=$1 re=$2 rc
	shift 2
	"$@" >"$TMPDIR_TEST/e.out" 2>"$TMPDIR_TEST/e.err"
	rc=$?
	if [ "$rc" = 1 ] && [ "$(wc -l <"$TMPDIR_TEST/e.err")" = 1 ] && grep -Eq "$re" "$TMPDIR_TEST/e.err" &&
	   ! grep -q -e Sanitizer -e 'runtime error' "$TMPDIR_TEST/e.err"; then
		pass "core errors: $name"
	else
		fail "core errors: $name" "exit $rc: $(head -n 3 "$TMPDIR_TEST/e.err" | tr '\n' '|')"
	fi
}
one_error "a PID with --backend core" "backend 'core' reads files" "$VMSCOPE" map --backend core $$
one_error "an ELF executable with --backend core" "not a file vmscope reads" \
	"$VMSCOPE" map --backend core /bin/true
"$VMSCOPE" map "$TMPDIR_TEST/no/such.core" >/dev/null 2>"$TMPDIR_TEST/e.err"
rc=$?
if [ "$rc" = 42 ] && [ "$(wc -l <"$TMPDIR_TEST/e.err")" = 1 ] &&
   grep -q 'no such file, nor a process of that name' "$TMPDIR_TEST/e.err"; then
	pass "core errors: a path that does not exist: one line, exit 42 (not found)"
else
	fail "core errors: a path that does not exist: one line, exit 42 (not found)" "exit $rc: $(head -n 2 "$TMPDIR_TEST/e.err")"
fi
if [ -n "$kcore" ] && [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	# a core nobody may not read: says so, never "not a core"
	cp "$kcore" "$TMPDIR_TEST/private.core" && chmod 600 "$TMPDIR_TEST/private.core" && chmod 755 "$TMPDIR_TEST"
	one_error "a core it may not read (as nobody): why" "private.core: cannot open it: Permission denied" \
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$VMSCOPE" map "$TMPDIR_TEST/private.core"
fi
if [ -n "$kcore" ]; then
	one_error "a core with --backend procfs" "reads live processes, not files" \
		"$VMSCOPE" map --backend procfs "$kcore"
	one_error "--faults on a core" "" "$VMSCOPE" map --faults "$kcore"
	# Truncated: inside the ELF header, the program headers, the notes. After the notes, the map
	# is still all there (segment contents are never read).
	notes_end=$(python3 - "$kcore" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read(4096)
phoff, = struct.unpack_from("<Q", d, 32)
phnum, = struct.unpack_from("<H", d, 56)
ph = [struct.unpack_from("<IIQQQQQQ", d, phoff + 56 * i) for i in range(phnum)]
note = [p for p in ph if p[0] == 4][0]
print(note[2], note[2] + note[5])
EOF
)
	read -r notes_at notes_end <<<"$notes_end"
	for n in 18 40 63 100 $((notes_at + 10)) $((notes_end - 1)); do
		head -c "$n" "$kcore" >"$TMPDIR_TEST/cut.$n"
		one_error "cut at $n bytes" "(malformed|truncated|not an ELF|program header)" \
			"$VMSCOPE" map "$TMPDIR_TEST/cut.$n"
	done
	head -c "$notes_end" "$kcore" >"$TMPDIR_TEST/cut.notes"
	"$VMSCOPE" map "$TMPDIR_TEST/cut.notes" >"$TMPDIR_TEST/cut.pmap" 2>&1
	same_bytes "core: cut right after its notes, the map is whole" "$d/core.pmap" "$TMPDIR_TEST/cut.pmap"
	# Hostile: NT_FILE claims 2^60 entries, a zero page size, more entries than names; notes of
	# 1 TiB; a program header table past the end; PN_XNUM without its section; a note whose
	# descsz or namesz runs past the notes; no NT_FILE, no NT_PRPSINFO (all would be made up).
	python3 - "$kcore" "$TMPDIR_TEST" <<'EOF'
import struct, sys
src, out = sys.argv[1:3]
d = bytearray(open(src, "rb").read())
phoff, = struct.unpack_from("<Q", d, 32)
phnum, = struct.unpack_from("<H", d, 56)
for i in range(phnum):
    t, _, off, _, _, fsz, _, _ = struct.unpack_from("<IIQQQQQQ", d, phoff + 56 * i)
    if t == 4:
        o = off
        while o < off + fsz:
            nsz, dsz, typ = struct.unpack_from("<III", d, o)
            desc = o + 12 + ((nsz + 3) & ~3)
            if o == off:  # the first note's sizes past the end of the notes
                for name, at in (("descsz", 4), ("namesz", 0)):
                    e = bytearray(d)
                    struct.pack_into("<I", e, o + at, 0xfffffff0)
                    open(f"{out}/hostile.{name}", "wb").write(e)
            for t, name in ((0x46494c45, "nofile"), (3, "nopsinfo")):
                if typ == t:  # the note renamed: a core without it
                    e = bytearray(d)
                    struct.pack_into("<I", e, o + 8, 0x7777)
                    open(f"{out}/hostile.{name}", "wb").write(e)
            if typ == 0x46494c45:
                for name, at, val in (("count", 0, 1 << 60), ("page", 8, 0), ("names", 0, 3000)):
                    e = bytearray(d)
                    struct.pack_into("<Q", e, desc + at, val)
                    if name == "names":  # more entries than names for them
                        struct.pack_into("<Q", e, desc + at, (dsz - 16) // 24)
                    open(f"{out}/hostile.{name}", "wb").write(e)
            o = desc + ((dsz + 3) & ~3)
e = bytearray(d)
for i in range(phnum):  # notes of 1 TiB: refused, never allocated
    if struct.unpack_from("<I", e, phoff + 56 * i)[0] == 4:
        struct.pack_into("<Q", e, phoff + 56 * i + 32, 1 << 40)
open(f"{out}/hostile.notes", "wb").write(e)
e = bytearray(d)
struct.pack_into("<Q", e, 32, len(d) - 8)
open(f"{out}/hostile.phoff", "wb").write(e)
e = bytearray(d)
struct.pack_into("<H", e, 56, 0xffff)  # PN_XNUM without the section that holds the count
open(f"{out}/hostile.xnum", "wb").write(e)
EOF
	for h in count page names notes phoff xnum descsz namesz nofile nopsinfo; do
		one_error "hostile: $h" "malformed" "$VMSCOPE" map "$TMPDIR_TEST/hostile.$h"
	done
fi

# The fuzzer's seeds (real cores, tests/fuzz/corpus/core, an options byte first) all read.
n=0 bad=""
for f in "$here"/../fuzz/corpus/core/*; do
	[ -f "$f" ] || continue
	tail -c +2 "$f" >"$TMPDIR_TEST/seed"
	"$VMSCOPE" map "$TMPDIR_TEST/seed" >/dev/null 2>&1 || bad="$bad ${f##*/}"
	n=$((n + 1))
done
if [ "$n" -ge 2 ] && [ -z "$bad" ]; then pass "core: the $n checked-in seed cores read"
else fail "core: the $n checked-in seed cores read" "failed:${bad:- none}"; fi
