#!/bin/bash
# Page faults per region (`vmscope start --faults`, `map --faults`): exact minor counts for first
# touches, major faults of a file read back from disk, copy-on-write in a child, counts that follow
# a split and an mremap, entries freed by munmap and exit, and nothing left after stop.
# Real BPF: under VMSCOPE_REQUIRE_BPF=1 it must run.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then skip_bpf "page faults per region" "needs root"; exit 0; fi
T=$TMPDIR_TEST
FILE_DIR=/var/tmp

wait_line() { # FILE LINE PID: the helper printed LINE and stopped
	for _ in $(seq 200); do
		grep -qx "$2" "$1" && wait_stopped "$3" && return 0
		sleep 0.02
	done
	return 1
}
# field of a helper line: hl NAME COLUMN (2 = start, 3 = end, 4 = pages)
hl() { awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$T/helper.out"; }
# faults of the region holding ADDR: rf PID ADDR FIELD (faults_min, faults_maj)
rf() {
	"$VMSCOPE" map --faults --format json "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
a = int(sys.argv[1], 16)
r = [r for r in d["regions"] if int(r["start"], 16) <= a < int(r["end"], 16)]
print(r[0][sys.argv[2]] if r else "none")' "$2" "$3"
}
# kernel entries of the fault map: kentries [TGID [LO HI]] (keys of TGID in [LO, HI), hex).
# Distinct keys: a hash map walked while other processes add and delete keys (their faults,
# exits) can hand the same element out twice.
kentries() {
	local n i
	# a dump that races with a deletion can fail: take the first one that parses
	for i in 1 2 3 4 5; do
		n=$(kentries_once "$@") && [ -n "$n" ] && { echo "$n"; return; }
		sleep 0.05
	done
	echo "dump-failed"
}
kentries_once() {
	bpftool map dump pinned "$PIN"/maps/vms_faults -j 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
a = sys.argv[1:]
seen = set()
for e in d:
    k = e["formatted"]["key"]
    if a and k["tgid"] != int(a[0]):
        continue
    if len(a) > 1 and not int(a[1], 16) <= k["start"] < int(a[2], 16):
        continue
    seen.add((k["tgid"], k["start"]))
print(len(seen))' "$@" 2>/dev/null
}
# entries of processes that no longer run (but bpftool's own, which exits after its dump)
dead_entries() {
	local bp n i
	for i in 1 2 3 4 5; do # a dump that races with a deletion can fail: retry
		bpftool map dump pinned "$PIN"/maps/vms_faults -j >"$T/dump.json" 2>/dev/null & bp=$!
		wait $bp
		n=$(python3 -c '
import json, os, sys
dead = [e["formatted"] for e in json.load(open(sys.argv[1])) if e["formatted"]["key"]["tgid"] != int(sys.argv[2])
        and not os.path.exists("/proc/%d" % e["formatted"]["key"]["tgid"])]
for e in dead[:5]:
    print("    dead:", e, file=sys.stderr)
print(len(dead))' "$T/dump.json" $bp) && { echo "$n"; return; }
		sleep 0.05
	done
	echo "dump-failed"
}
no_fault_programs() { no_progs 'name vms_flt_'; }

"$VMSCOPE" stop >/dev/null 2>&1

# ---- off: not loaded at all, and map --faults says why ----
"$VMSCOPE" map --faults $$ >"$T/o" 2>"$T/e"; rc=$?
if [ $rc = 1 ] && [ "$(wc -l <"$T/e")" = 1 ] && grep -q '^vmscope: .*start --faults' "$T/e"; then
	pass "map --faults without a model: one stderr line, exit 1"
else fail "map --faults without a model: one stderr line, exit 1" "rc=$rc $(cat "$T/e")"; fi
"$VMSCOPE" start >/dev/null
check "a model started without --faults loads no fault program" no_fault_programs
"$VMSCOPE" map --faults $$ >"$T/o" 2>"$T/e"; rc=$?
if [ $rc = 1 ] && [ "$(wc -l <"$T/e")" = 1 ] && grep -q '^vmscope: .*start --faults' "$T/e"; then
	pass "map --faults with a model started without --faults: one stderr line, exit 1"
else fail "map --faults with a model started without --faults: one stderr line, exit 1" "rc=$rc $(cat "$T/e")"; fi
check "status says faults off" grep -q '^page faults *off' <("$VMSCOPE" status)
"$VMSCOPE" stop

# ---- on ----
out=$("$VMSCOPE" start --faults 2>&1); rc=$?
if [ $rc = 0 ] && echo "$out" | grep -q 'page faults counted per region: perf'; then pass "start --faults names its source"
else fail "start --faults names its source" "rc=$rc $out"; fi
src=$("$VMSCOPE" status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["faults"], d["faults_source"])')
echo "    status: $src"
check "status --json: faults on, with the source" grep -q '^True perf PAGE_FAULTS_MIN/MAJ' <<<"$src"
feat=$("$VMSCOPE" features --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["faults_source"])')
check "features names the same source as status" test "$feat" = "${src#True }"
"$VMSCOPE" map --faults -d $$ >/dev/null 2>"$T/e"; rc=$?
check "map --faults -d: one stderr line, exit 1" test $rc = 1 -a "$(wc -l <"$T/e")" = 1

disk=1
case $(stat -f -c %T $FILE_DIR 2>/dev/null) in tmpfs|ramfs|"") disk=0 ;; esac
start_bg "$T/helper.out" "$HELPERS/fault_touch" $FILE_DIR
hp=$BG_PID
if [ -z "$hp" ] || ! wait_line "$T/helper.out" ready "$hp"; then
	fail "fault_touch helper runs" "$(cat "$T/helper.out.err" 2>/dev/null)"
	"$VMSCOPE" stop; exit 0
fi
child=$(awk '$1 == "child" { print $2 }' "$T/helper.out")
cleanup_pid "$child"
wait_stopped "$child"
"$VMSCOPE" map --faults "$hp" | sed 's/^/    /' | grep -v '       0       0 ' | head -n 14

fmaj0=$(rf "$hp" "$(hl file 2)" faults_maj)
for r in anon_a anon_b cow; do
	want=$(hl $r 4); got=$(rf "$hp" "$(hl $r 2)" faults_min); maj=$(rf "$hp" "$(hl $r 2)" faults_maj)
	if [ "$got" = "$want" ] && [ "$maj" = 0 ]; then pass "$r: minor faults = pages touched ($got), no major"
	else fail "$r: minor faults = pages touched" "want $want, got minor $got major $maj"; fi
done
if grep -q 'access types' <<<"$src"; then
	w=$(rf "$hp" "$(hl anon_a 2)" faults_write); r=$(rf "$hp" "$(hl file 2)" faults_read)
	check "access types: anon_a's faults are writes ($w), the file's reads ($r)" \
		test "$w" = "$(hl anon_a 4)" -a "$r" = "$(( $(rf "$hp" "$(hl file 2)" faults_min) + fmaj0 ))"
fi
got=$(rf "$child" "$(hl cow 2)" faults_min)
check "copy-on-write in the forked child: minor = pages written ($got / $(hl cow 4))" test "$got" = "$(hl cow 4)"
fmaj=$(rf "$hp" "$(hl file 2)" faults_maj); fmin=$(rf "$hp" "$(hl file 2)" faults_min)
echo "    file of $(hl file 4) pages, $(awk '$1 == "file_resident" { print $2 }' "$T/helper.out") resident before: major $fmaj, minor $fmin"
if [ $disk = 0 ]; then skip_bpf "major faults of a file read back from disk" "$FILE_DIR is not on a disk filesystem"
elif [ "${fmaj:-0}" -gt 0 ] && [ $((fmaj + fmin)) -le "$(hl file 4)" ]; then
	pass "major faults of a file read back from disk ($fmaj major, $fmin minor, <= $(hl file 4) pages)"
else fail "major faults of a file read back from disk" "major $fmaj minor $fmin"; fi

# Nothing attributed to the wrong region: the guard pages around each region took no fault, the
# kernel holds one key per touched region (at its start), and the process's total is no more
# than its own minflt/majflt (which also count faults the perf events do not: GUP, exec).
wrong=""
for r in anon_a anon_b cow file; do
	for g in $(printf '%x %x' $((0x$(hl $r 2) - 4096)) $((0x$(hl $r 3)))); do
		[ "$(rf "$hp" "$g" faults_min)" = 0 ] || wrong="$wrong guard@$g"
	done
	n=$(kentries "$hp" "$(hl $r 2)" "$(hl $r 3)")
	[ "$n" = 1 ] || wrong="$wrong $r-has-$n-keys"
done
check "no fault attributed to a neighbouring region${wrong:+ ($wrong)}" test -z "$wrong"
read -r tmin tmaj < <("$VMSCOPE" map --faults --format json "$hp" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(r["faults_min"] for r in d["regions"]), sum(r["faults_maj"] for r in d["regions"]))')
read -r pmin pmaj < <(proc_stat "$hp" | awk '{ print $8, $10 }')
echo "    helper: regions sum to $tmin minor / $tmaj major; /proc/$hp/stat says $pmin / $pmaj"
check "the regions' total is within the process's own minflt/majflt" test "$tmin" -le "$pmin" -a "$tmaj" -le "$pmaj"
"$VMSCOPE" map --faults -x "$hp" >"$T/x"
check "map -x --faults has the MinFlt and MajFlt columns and their totals" \
	python3 -c '
import sys
l = open(sys.argv[1]).read().splitlines()
assert l[1].split() == ["Address", "Kbytes", "RSS", "Dirty", "MinFlt", "MajFlt", "Mode", "Mapping"]
rows = [x.split() for x in l[2:-2]]
tot = l[-1].split()
assert int(tot[-2]) == sum(int(r[4]) for r in rows) and int(tot[-1]) == sum(int(r[5]) for r in rows)' "$T/x"

# ---- phase 2: a split and a move ----
kill -CONT "$hp"
if wait_line "$T/helper.out" phase2 "$hp"; then
	a=$(hl anon_a 2)
	# shellcheck disable=SC2017 # whole pages: half of them, rounded down
	half=$(printf '%x' $((0x$a + $(hl anon_a 4) / 2 * 4096)))
	lo=$(rf "$hp" "$a" faults_min); hi=$(rf "$hp" "$half" faults_min)
	if [ "$lo" != none ] && [ "$hi" != none ] && [ $((lo + hi)) = "$(hl anon_a 4)" ] && [ "$hi" = 0 ]; then
		pass "mprotect split: the halves sum to the total ($lo + $hi), kept by the piece holding the start"
	else fail "mprotect split: the halves sum to the total" "lower $lo upper $hi"; fi
	mv=$(awk '$1 == "moved" { print $2 }' "$T/helper.out")
	got=$(rf "$hp" "$mv" faults_min)
	check "mremap move onto touched pages: the counts follow the region, the replaced ones are freed ($got)" \
		test "$got" = "$(hl anon_b 4)"
	check "mremap move: no key left at the old place" test "$(kentries "$hp" "$(hl anon_b 2)" "$(hl anon_b 3)")" = 0
	got=$(rf "$hp" "$(hl cow 2)" faults_min)
	check "a MAP_FIXED mmap over a region starts from 0 (got $got)" test "$got" = 0
else fail "helper phase 2" "$(tail -n 2 "$T/helper.out.err")"; fi

# ---- phase 3: munmap frees ----
kill -CONT "$hp"
if wait_line "$T/helper.out" phase3 "$hp"; then
	n=$(kentries "$hp" "$(hl anon_a 2)" "$(hl anon_a 3)")
	check "munmap frees the region's entries in the kernel ($n left)" test "$n" = 0
else fail "helper phase 3" "$(tail -n 2 "$T/helper.out.err")"; fi

# An munmap of more VMAs than the model remembers per call (64) is taken at its entry instead.
n=$(python3 - "$PIN" <<'PY'
import ctypes, json, os, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
PG, N = 4096, 200
base = libc.mmap(None, 2 * N * PG, 3, 0x22, -1, 0)
for i in range(N):  # 400 VMAs: a touched page, then a PROT_NONE one
    libc.mprotect(ctypes.c_void_p(base + (2 * i + 1) * PG), PG, 0)
    ctypes.c_char.from_address(base + 2 * i * PG).value = b"x"
def keys():
    d = json.loads(subprocess.run(["bpftool", "map", "dump", "pinned", sys.argv[1] + "/maps/vms_faults", "-j"],
                                  capture_output=True, text=True).stdout)
    return sum(1 for e in d if e["formatted"]["key"]["tgid"] == os.getpid()
               and base <= e["formatted"]["key"]["start"] < base + 2 * N * PG)
before = keys()
libc.munmap(ctypes.c_void_p(base), 2 * N * PG)
print(before, keys())
PY
)
check "munmap of 400 VMAs at once frees their entries ($n: before, after)" test "${n% *}" -ge 1 -a "${n#* }" = 0

# ---- exit frees everything of the process ----
before=$(kentries "$hp")
kill -CONT "$hp" "$child"
wait "$hp" 2>/dev/null
for _ in $(seq 50); do kill -0 "$child" 2>/dev/null || break; sleep 0.02; done
n=$(kentries "$hp"); nc=$(kentries "$child")
check "exit frees all of the process's entries (helper $before -> $n, child -> $nc)" test "$n" = 0 -a "$nc" = 0

# Processes come and go: their entries go with them, at exit (before any sweep).
out=$("$HELPERS/churn" 2000 2>&1)
d=$(dead_entries)
echo "    after 2000 short-lived processes ($out): $(kentries) entries, $d of processes gone"
check "2,000 short-lived processes leave no fault entries" test "$d" = 0

# ---- stop leaves nothing ----
"$VMSCOPE" stop
ok=1
[ -e "$PIN" ] && ok=0
no_fault_programs || ok=0
check "stop removes the fault programs, links and maps" test $ok = 1
