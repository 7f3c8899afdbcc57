#!/bin/bash
# `vmscope map` against procps-ng pmap, the oracle: for every output mode and option combination,
# on stopped helper processes (tests/helpers/regions) and on real processes, stdout must be
# byte-for-byte what /usr/bin/pmap prints for the same options, and the exit code must be the same.
# Nothing is hard-coded: each expected output is pmap's, produced right before vmscope runs.
# With VMSCOPE_TEST_SAVE=DIR, both outputs of every failed comparison are kept in DIR.
#
# One deliberate difference: vmscope's ranges and totals are exact. procps 4.0.2 counts RSS/Dirty
# of mappings outside the range in its -x -A totals, ignores -A with -X/-XX, and keeps adding -X
# totals up from one PID to the next. There every line but the totals is compared with pmap's
# (pmap's rows restricted to the range), and vmscope's totals must be the sums of its rows
# (cmp_xA, cmp_ext). A range whose HIGH is below LOW is an error for vmscope (pmap prints nothing).
#
# Stability: Pss (shown by -X/-XX) of a page depends on how many processes map it, and pmap and
# vmscope themselves map libc. So the helpers that are compared in -X/-XX modes run on a private
# copy of the dynamic loader, libc and their own binary (under $TMPDIR_TEST), which no other
# process maps. Real processes that share libc with the readers (this shell, python3) are compared
# only in the modes that show no Pss. Each comparison runs pmap, vmscope, pmap: if pmap's two runs
# differ the target changed under us and the comparison is retried (3 tries).
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/lib.sh"

PMAP=${PMAP:-/usr/bin/pmap}
T=map_pmap
W=$TMPDIR_TEST

# ---------------------------------------------------------------------------------------------
# Comparison helpers (wait_ready, start_bg, stop_pid come from lib.sh)

# show_diff EXPECTED ACTUAL: the first differing line of each, then the start of the diff.
show_diff() {
	local l
	l=$(cmp "$1" "$2" 2>&1 | sed -n 's/.* line \([0-9]*\).*/\1/p')
	if [ -n "$l" ]; then
		echo "    first difference, line $l:"
		echo "      pmap:    $(sed -n "${l}p" "$1" | cut -c1-200)"
		echo "      vmscope: $(sed -n "${l}p" "$2" | cut -c1-200)"
	fi
	diff "$1" "$2" | head -n 8 | cut -c1-200 | sed 's/^/    /'
}

# run3 OPTS PID...: pmap -> $W/e1, vmscope -> $W/a (stderr $W/aerr), pmap -> $W/e2. Retries up to
# 3 times while pmap's two runs differ. Sets RCE, RCA, STABLE.
# Environment for both tools: $CMP_ENV (e.g. "LC_ALL=C.UTF-8"), empty for the caller's own.
CMP_ENV=
run3() {
	local opts=$1; shift
	STABLE=0
	for _ in 1 2 3; do
		# shellcheck disable=SC2086
		env $CMP_ENV "$PMAP" $opts "$@" >"$W/e1" 2>/dev/null; RCE=$?
		# shellcheck disable=SC2086
		env $CMP_ENV "$VMSCOPE" map $opts "$@" >"$W/a" 2>"$W/aerr"; RCA=$?
		# shellcheck disable=SC2086
		env $CMP_ENV "$PMAP" $opts "$@" >"$W/e2" 2>/dev/null
		if cmp -s "$W/e1" "$W/e2"; then STABLE=1; return; fi
		sleep 0.1
	done
}

# save_outputs NAME: with VMSCOPE_TEST_SAVE=DIR, keeps both outputs of a failed comparison there.
save_outputs() {
	[ -n "${VMSCOPE_TEST_SAVE:-}" ] || return 0
	local f
	f=$(printf '%s' "$1" | tr -c 'A-Za-z0-9_.-' '_')
	mkdir -p "$VMSCOPE_TEST_SAVE" && cp "$W/e1" "$VMSCOPE_TEST_SAVE/$f.pmap" && cp "$W/a" "$VMSCOPE_TEST_SAVE/$f.vmscope"
}

# verdict NAME: judges $W/e1 (pmap) against $W/a (vmscope) after run3.
verdict() {
	local name=$1
	cmp -s "$W/e1" "$W/a" || save_outputs "$name"
	if [ "$STABLE" != 1 ]; then
		fail "$name" "target changed between pmap runs 3 times (unstable, not vmscope's fault?)"
		show_diff "$W/e1" "$W/e2"
	elif [ "$RCA" -ge 128 ]; then
		fail "$name" "vmscope crashed (exit $RCA): $(head -c 200 "$W/aerr")"
	elif [ "$RCE" != "$RCA" ]; then
		fail "$name" "exit code: pmap $RCE, vmscope $RCA; stderr: $(head -n 2 "$W/aerr" | tr '\n' '|')"
		cmp -s "$W/e1" "$W/a" || show_diff "$W/e1" "$W/a"
	elif ! cmp -s "$W/e1" "$W/a"; then
		fail "$name" "stdout differs from pmap (< pmap, > vmscope)"
		show_diff "$W/e1" "$W/a"
	elif [ "$RCA" = 0 ] && [ -s "$W/aerr" ]; then
		fail "$name" "exit 0 but stderr not empty: $(head -c 200 "$W/aerr")"
	else
		pass "$name"
	fi
}

# cmp_pmap NAME "OPTS" PID...: stdout bytes and exit code of pmap vs vmscope map.
cmp_pmap() {
	local name=$1 opts=$2; shift 2
	run3 "$opts" "$@"
	verdict "$name"
}

# cmp_xA NAME "OPTS" PID: -x with -A (single PID). All lines but the last must be pmap's; the
# last must be "total kB" with the sums of the rows vmscope printed, in pmap's format.
cmp_xA() {
	local name=$1 opts=$2 pid=$3 want got
	run3 "$opts" "$pid"
	if [ "$STABLE" != 1 ] || [ "$RCA" -ge 128 ] || [ "$RCE" != "$RCA" ]; then
		verdict "$name"
		return
	fi
	head -n -1 "$W/e1" >"$W/e1h"
	head -n -1 "$W/a" >"$W/ah"
	want=$(awk '/^[0-9a-f]+ / && length($1) == 16 { k += $2; r += $3; d += $4 }
		END { printf "%-16s %7d %7d %7d", "total kB", k, r, d }' "$W/ah")
	got=$(tail -n 1 "$W/a")
	if ! cmp -s "$W/e1h" "$W/ah"; then
		fail "$name" "lines before the total differ from pmap (< pmap, > vmscope)"
		show_diff "$W/e1h" "$W/ah"
	elif [ "$got" != "$want" ]; then
		fail "$name" "total line '$got', want sums of printed rows '$want' (pmap: '$(tail -n 1 "$W/e1")')"
	else
		pass "$name"
	fi
}

# verdict_ext NAME ["LOW HIGH"]: like verdict, for the outputs where vmscope is exact on purpose.
verdict_ext() {
	local name=$1 out
	if [ "$STABLE" != 1 ] || [ "$RCA" -ge 128 ] || [ "$RCE" != "$RCA" ]; then
		verdict "$name"
		return
	fi
	# shellcheck disable=SC2086
	if out=$(python3 "$(dirname "$0")/pmap_ext_check.py" "$W/e1" "$W/a" ${2:-} 2>&1); then
		pass "$name"
	else
		save_outputs "$name"
		fail "$name" "$out"
	fi
}

# cmp_ext NAME "OPTS" "LOW HIGH"|"" PID...: -X/-XX where vmscope is exact on purpose (see the top):
# same PID lines, column headers and rows as pmap (rows restricted to the range), and totals that
# are the sums of the printed rows.
cmp_ext() {
	local name=$1 opts=$2 range=$3; shift 3
	run3 "$opts" "$@"
	verdict_ext "$name" "$range"
}

# cmp_pmap_esc NAME "OPTS" PID...: -X/-XX, where procps prints names raw, control characters and
# all, and vmscope escapes them (README; user/core/escape.h, VMS_ESC_TEXT): pmap's bytes, passed
# through that documented rule, must be vmscope's.
cmp_pmap_esc() {
	local name=$1 opts=$2 utf8=0; shift 2
	run3 "$opts" "$@"
	# shellcheck disable=SC2086
	[ "$(env $CMP_ENV locale charmap 2>/dev/null)" = UTF-8 ] && utf8=1
	python3 - "$W/e1" "$utf8" <<'PYEOF'
import sys
def esc(b, utf8):
    out, i = bytearray(), 0
    while utf8 and i < len(b):
        c = b[i]
        if c < 0x80:
            out.append(0x3f if c < 0x20 or c == 0x7f else c)
            i += 1
            continue
        n = 2 if 0xc2 <= c < 0xe0 else 3 if 0xe0 <= c < 0xf0 else 4 if 0xf0 <= c < 0xf5 else 0
        try:
            ch = b[i:i + n].decode("utf-8") if n and i + n <= len(b) else ""
        except UnicodeDecodeError:
            ch = ""
        if len(ch) != 1:
            break  # not UTF-8 from here on: byte by byte
        out += b"?" if 0x80 <= ord(ch) < 0xa0 else b[i:i + n]
        i += n
    for c in b[i:]:
        out.append(0x3f if c >= 0x80 or c < 0x20 or c == 0x7f else c)
    return bytes(out)
data = open(sys.argv[1], "rb").read().split(b"\n")
open(sys.argv[1], "wb").write(b"\n".join(esc(l, sys.argv[2] == "1") for l in data))
PYEOF
	verdict "$name"
}

# range_bounds "LOW[,HIGH]": the -A bounds as pmap reads them ("LOW HIGH", hex).
range_bounds() {
	local lo=${1%%,*} hi
	case $1 in *,*) hi=${1#*,} ;; *) hi=$lo ;; esac
	lo=${lo#0x}; lo=${lo#0X}; hi=${hi#0x}; hi=${hi#0X}
	echo "${lo:-0} ${hi:-ffffffffffffffff}"
}

# ---------------------------------------------------------------------------------------------
# Private runtime: copies of the loader, libc, the helper and sleep that nothing else maps.

RT=$W/rt
mkdir -p "$RT" "$W/files-a" "$W/files-b" "$W/files-n"
chmod 755 "$W" "$RT"
if ! private_runtime "$RT" "$HELPERS/regions" /bin/sleep; then
	fail "$T: setup private runtime" "no dynamic loader found by ldd"
	exit 1
fi

# Helpers: A (all kinds, private runtime, files kept under $W, only ASCII file names), N (the same
# plus file names with a tab, UTF-8 and an invalid UTF-8 byte, which pmap prints as '?'), B and B2
# (simple, private, same comm, B with an odd command line), C (all kinds, started directly, files
# under /var/tmp unlinked at once), M (many VMAs, private), S (sleep, private), S0 (sleep,
# direct), P (python3).
tag=$$
COMM_A=vmsa$tag COMM_B=vmsb$tag
# (40,000 bytes: more than one read of cmdline, and than its first buffer)
LONGARG=$(printf 'L%.0s' $(seq 40000))
start_bg "$W/A.out" "${PRIV[@]}" "$RT/regions" --comm "$COMM_A" --dir "$W/files-a" --ascii-names all; HA=$BG_PID
start_bg "$W/N.out" "${PRIV[@]}" "$RT/regions" --comm "vmsn$tag" --dir "$W/files-n" all; HN=$BG_PID
start_bg "$W/B.out" "${PRIV[@]}" "$RT/regions" --comm "$COMM_B" --dir "$W/files-b" simple -- \
	$'tab\there' 'ünïcode' '' $'new\nline' '  two  spaces  ' "$LONGARG"; HB=$BG_PID
start_bg "$W/B2.out" "${PRIV[@]}" "$RT/regions" --comm "$COMM_B" simple; HB2=$BG_PID
start_bg "$W/C.out" "$HELPERS/regions" --comm vmsc$tag --ascii-names all; HC=$BG_PID
start_bg "$W/M.out" "${PRIV[@]}" "$RT/regions" --comm vmsm$tag many 6000; HM=$BG_PID
# env -i: C locale, so sleep maps no locale file that other processes share
env -i "${PRIV[@]}" "$RT/sleep" 1000 </dev/null >/dev/null 2>&1 & HS=$!; cleanup_pid "$HS"
sleep 1000 >/dev/null 2>&1 & HS0=$!; cleanup_pid "$HS0"
PY=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))' 2>/dev/null)
HP=
if [ -n "$PY" ] && [ -x "$PY" ]; then
	start_bg "$W/P.out" "$PY" -c '
import importlib, signal
for m in ("json", "ssl", "sqlite3", "ctypes", "decimal", "hashlib", "socket", "datetime", "zlib"):
    try:
        importlib.import_module(m)
    except Exception:
        pass
print("ready", flush=True)
signal.pause()' && HP=$BG_PID
fi
sleep 0.2 # the sleeps have no "ready": give them time to exec

for v in HA HN HB HB2 HC HM HS HS0; do
	p=${!v}
	if [ -z "$p" ] || ! stop_pid "$p"; then
		fail "$T: start and stop helper $v" "see above"
		exit 1
	fi
done
[ -n "$HP" ] && { stop_pid "$HP" || HP=; }
pass "$T: helpers started and stopped (A=$HA N=$HN B=$HB B2=$HB2 C=$HC M=$HM S=$HS S0=$HS0 P=${HP:-none})"

# The helper really has the region kinds the comparisons are meant to cover.
missing=
for want in '\[heap\]' '\[stack\]' '\[vdso\]' ' \(deleted\)$' '/SYSV' 'memfd:' '/dev/zero' '/dev/shm/' \
	' ---p ' ' rwxp ' ' -w-p ' ' --xp ' ' r--s ' ' rw-s ' 'name with  spaces' 'trailing-space $' \
	'comma,and "quotes"' 'back\\slash' 'new\\012line' 'data.bin$' "$RT/libc"; do
	grep -Eq -- "$want" "/proc/$HA/maps" || missing="$missing [$want]"
done
if grep -q ' hg' "/proc/$HA/smaps" && grep -Eq '^Locked: +[1-9]' "/proc/$HA/smaps"; then :; else
	missing="$missing [MADV_HUGEPAGE+mlock]"
fi
[ "$(find /proc/$HA/task -mindepth 1 -maxdepth 1 | wc -l)" -ge 4 ] || missing="$missing [threads]"
for want in 'tab.here' 'na.*ve-' 'bad-.-byte'; do
	LC_ALL=C grep -aEq -- "$want" "/proc/$HN/maps" || missing="$missing [N: $want]"
done
if [ -z "$missing" ]; then pass "$T: helper A has every region kind"
else fail "$T: helper A has every region kind" "missing:$missing"; fi

# ---------------------------------------------------------------------------------------------
# Every mode and combination, on helper A (private runtime, all region kinds).

MODES_PSS=("-X" "-XX" "-X -q" "-XX -q" "-p -X" "-p -XX" "-X -p -q")
MODES_NOPSS=("" "-x" "-d" "-q" "-p" "-x -q" "-d -q" "-p -x" "-p -d" "-p -q" "-x -p -q" "-d -p -q" "-xq" "-qp")

for o in "${MODES_NOPSS[@]}" "${MODES_PSS[@]}"; do
	cmp_pmap "$T: helper A [${o:-default}]" "$o" "$HA"
done
# Option spellings pmap accepts: long options, options after the PID, "--", attached -A value.
cmp_pmap "$T: helper A [--extended --quiet]" "--extended --quiet" "$HA"
cmp_pmap "$T: helper A [--device --show-path]" "--device --show-path" "$HA"
cmp_pmap "$T: helper A options after the PID [PID -x -p]" "" "$HA" -x -p
cmp_pmap "$T: helper A [-d --] PID" "-d --" "$HA"
# /proc/PID is accepted as the argument, like pmap.
cmp_pmap "$T: helper A as /proc/PID [default]" "" "/proc/$HA"
cmp_pmap "$T: helper A as /proc/PID [-X]" "-X" "/proc/$HA"

# Helper N: file names with a tab, UTF-8 and an invalid byte. pmap prints such bytes as '?'
# in the default, -x and -d formats; under C and C.UTF-8 locales alike. -X/-XX: pmap prints them
# raw, vmscope escapes them (cmp_pmap_esc).
for o in "" "-x" "-d" "-p" "-q" "-p -x" "-d -q"; do
	cmp_pmap "$T: helper N odd file names [${o:-default}]" "$o" "$HN"
done
for o in "-X" "-XX" "-p -X"; do
	cmp_pmap_esc "$T: helper N odd file names [$o] (pmap's, names escaped)" "$o" "$HN"
done
for loc in C C.UTF-8; do
	CMP_ENV="LC_ALL=$loc"
	for o in "" "-p" "-d"; do
		cmp_pmap "$T: helper N LC_ALL=$loc [${o:-default}]" "$o" "$HN"
	done
	for o in "-X" "-XX"; do
		cmp_pmap_esc "$T: helper N LC_ALL=$loc [$o] (pmap's, names escaped)" "$o" "$HN"
	done
	CMP_ENV=
done

# Helper C: started directly (system libc, shared with the readers: no Pss modes), its files
# unlinked under /var/tmp right after mapping.
for o in "${MODES_NOPSS[@]}"; do
	cmp_pmap "$T: helper C (direct, deleted files) [${o:-default}]" "$o" "$HC"
done

# Helper B: odd command line (tab, UTF-8, empty argument, newline, 40,000-byte argument).
for o in "" "-x" "-X" "-d" "-q"; do
	cmp_pmap "$T: helper B odd cmdline [${o:-default}]" "$o" "$HB"
done

# Many VMAs.
for o in "" "-x" "-X" "-d -q"; do
	cmp_pmap "$T: 6000 VMAs [${o:-default}]" "$o" "$HM"
done

# ---------------------------------------------------------------------------------------------
# -A ranges on helper A, derived from its maps (nothing hard-coded but the brief's 7f0000000000).

mapfile -t MAPS < <(awk '{ split($1, r, "-"); print r[1], r[2], $0 }' "/proc/$HA/maps")
nmaps=${#MAPS[@]}
hx() { printf '%x' "$1"; }
start_of() { local s; read -r s _ <<<"${MAPS[$1]}"; echo "$s"; }
end_of() { local _s e; read -r _s e _ <<<"${MAPS[$1]}"; echo "$e"; }
# the 8 MB THP region: the line whose VmFlags has hg
huge_start=$(awk '/^[0-9a-f]+-[0-9a-f]+ /{ split($1, r, "-"); cur = r[1] } /^VmFlags:.* hg/{ print cur; exit }' "/proc/$HA/smaps")
[ -n "$huge_start" ] || huge_start=$(start_of 0)
mid=$((nmaps / 2))
s_mid=$(start_of $mid); e_mid=$(end_of $mid)
s_mid6=$(end_of $((mid + 6)))
s3=$(end_of 3)
s_last3=$(start_of $((nmaps - 4)))
RANGES=(
	"$(hx $((0x$huge_start + 0x1000))),$(hx $((0x$huge_start + 0x3000)))"   # inside one region
	"$(hx $((0x$s_mid + 0x800))),$(hx $((0x$s_mid6 - 0x800)))"               # spanning several
	"$s_mid,$e_mid"                                                           # exact bounds (end is exclusive in maps)
	"$s_mid,$(hx $((0x$e_mid - 1)))"                                          # exact bounds, inclusive end
	"7f0000000000"                                                            # low only (the brief's)
	"$(hx $((0x$s_mid + 0x10)))"                                              # low only, inside a region
	",$s3"                                                                    # high only
	"$s_last3,"                                                               # low and a trailing comma
	"1000,2000"                                                               # matches nothing
	"0x$s_mid,0x$e_mid"                                                       # 0x prefixes
	"$(echo "$s_mid,$e_mid" | tr a-f A-F)"                                    # upper-case hex
	"0,ffffffffffffffff"                                                      # everything
)
for r in "${RANGES[@]}"; do
	for o in "" "-d" "-q" "-p" "-x -q" "-d -q"; do
		cmp_pmap "$T: -A $r [${o:-default}]" "$o -A $r" "$HA"
	done
	for o in "-X" "-XX" "-X -q"; do
		cmp_ext "$T: -A $r [$o] (range applied, totals = printed rows)" "$o -A $r" "$(range_bounds "$r")" "$HA"
	done
	cmp_xA "$T: -A $r [-x] (totals = printed rows)" "-x -A $r" "$HA"
done
# HIGH below LOW can match nothing: vmscope says so (one line, exit 1); pmap prints an empty table.
out=$("$VMSCOPE" map -A 7fffffffffff,1000 "$HA" 2>&1 >/dev/null); rc=$?
if [ $rc = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q "range"; then
	pass "$T: -A with HIGH below LOW is one clear error"
else fail "$T: -A with HIGH below LOW is one clear error" "rc=$rc: $out"; fi
cmp_xA "$T: -A (spanning) [-p -x] (totals = printed rows)" "-p -x -A ${RANGES[1]}" "$HA"
cmp_pmap "$T: --range=${RANGES[1]} [default]" "--range=${RANGES[1]}" "$HA"
cmp_pmap "$T: --range ${RANGES[1]} [-d]" "-d --range ${RANGES[1]}" "$HA"
cmp_pmap "$T: -A${RANGES[2]} (attached) [-q]" "-q -A${RANGES[2]}" "$HA"

# ---------------------------------------------------------------------------------------------
# Several PIDs (pmap -X carries column widths over from one PID to the next).

# -X/-XX with several PIDs: procps 4.0.2 keeps adding totals up across PIDs, vmscope totals each
# process (cmp_ext); with -q there are no totals and the bytes must match.
for o in "" "-x" "-d" "-q" "-X -q" "-p"; do
	cmp_pmap "$T: two PIDs A B [${o:-default}]" "$o" "$HA" "$HB"
	cmp_pmap "$T: two PIDs B A [${o:-default}]" "$o" "$HB" "$HA"
done
for o in "-X" "-XX"; do
	cmp_ext "$T: two PIDs A B [$o] (totals per process)" "$o" "" "$HA" "$HB"
	cmp_ext "$T: two PIDs B A [$o] (totals per process)" "$o" "" "$HB" "$HA"
done
# The same with plainly named helpers only (so that a name-escaping bug in A does not hide the rest).
for o in "" "-x" "-d" "-q" "-X -q" "-XX -q"; do
	cmp_pmap "$T: two PIDs B B2 [${o:-default}]" "$o" "$HB" "$HB2"
done
for o in "-X" "-XX"; do
	cmp_ext "$T: two PIDs B B2 [$o] (totals per process)" "$o" "" "$HB" "$HB2"
done
cmp_ext "$T: two PIDs M B [-X] (wide then narrow)" "-X" "" "$HM" "$HB"
cmp_ext "$T: two PIDs B M [-X] (narrow then wide)" "-X" "" "$HB" "$HM"
cmp_ext "$T: two PIDs S B [-XX]" "-XX" "" "$HS" "$HB"
cmp_ext "$T: three PIDs B A B2 [-X]" "-X" "" "$HB" "$HA" "$HB2"
cmp_ext "$T: same PID twice [-XX]" "-XX" "" "$HB" "$HB"
cmp_pmap "$T: PIDs with a missing one [default] (rc 42)" "" "$HA" 999999999 "$HB"
cmp_ext "$T: PIDs with a missing one [-X] (rc 42)" "-X" "" "$HB" 999999999 "$HA"
cmp_pmap "$T: PIDs with pid 1 (EACCES) [default] (rc 1)" "" "$HB" 1 "$HA"
cmp_pmap "$T: PIDs with pid 1 (EACCES) [-x]" "-x" 1 "$HB"
cmp_pmap "$T: PIDs with pid 1 and a missing one [default] (rc 43 = 1|42)" "" "$HB" 1 999999999

# NAME: matches comm exactly; all matches in ascending pid order, like pmap given those pids.
sorted_b=$(printf '%s\n' "$HB" "$HB2" | sort -n | tr '\n' ' ')
for o in "" "-x" "-X"; do
	# shellcheck disable=SC2086
	run3 "$o" $sorted_b
	cp "$W/e1" "$W/names_expected"; rce=$RCE; st=$STABLE
	# shellcheck disable=SC2086
	"$VMSCOPE" map $o "$COMM_B" >"$W/a" 2>"$W/aerr"; RCA=$?
	RCE=$rce STABLE=$st
	cp "$W/names_expected" "$W/e1"
	if [ "$o" = -X ]; then verdict_ext "$T: NAME $COMM_B = pmap of its 2 pids [-X] (totals per process)"
	else verdict "$T: NAME $COMM_B = pmap of its 2 pids [${o:-default}]"; fi
done
sorted_ab=$(printf '%s\n' "$HB" "$HB2" | sort -n | tr '\n' ' ')
# shellcheck disable=SC2086
run3 "-X" "$HA" $sorted_ab
cp "$W/e1" "$W/names_expected"; rce=$RCE; st=$STABLE
"$VMSCOPE" map -X "$COMM_A" "$COMM_B" >"$W/a" 2>"$W/aerr"; RCA=$?
RCE=$rce STABLE=$st; cp "$W/names_expected" "$W/e1"
verdict_ext "$T: NAME A then NAME B = pmap A B B2 [-X] (totals per process)"

# ---------------------------------------------------------------------------------------------
# Real processes.

# sleep on the private runtime: every mode. sleep started directly: modes without Pss.
for o in "${MODES_NOPSS[@]}" "${MODES_PSS[@]}"; do
	cmp_pmap "$T: sleep (private libc) [${o:-default}]" "$o" "$HS"
done
for o in "" "-x" "-d" "-q" "-p" "-x -q"; do
	cmp_pmap "$T: sleep [${o:-default}]" "$o" "$HS0"
done
# python3 that imported modules (stopped).
if [ -n "$HP" ]; then
	for o in "" "-x" "-d" "-q" "-p" "-x -q" "-p -x" "-d -q"; do
		cmp_pmap "$T: python3 [${o:-default}]" "$o" "$HP"
	done
	cmp_xA "$T: python3 -A 7f0000000000, [-x]" "-x -A 7f0000000000," "$HP"
else
	echo "SKIP: $T: python3 -- no python3 here"
fi
# This shell: running, so it may change between runs (run3 retries); no Pss modes.
for o in "" "-x" "-d" "-q" "-p"; do
	cmp_pmap "$T: this shell \$\$ [${o:-default}]" "$o" "$$"
done
# pid 1: maps is unreadable even for root here. pmap prints "1:   cmdline" and exits 1.
if [ -r /proc/1/maps ] && head -c1 /proc/1/maps >/dev/null 2>&1; then
	echo "SKIP: $T: pid 1 -- its maps is readable here"
else
	for o in "" "-x" "-X" "-XX" "-d" "-q"; do
		cmp_pmap "$T: pid 1 unreadable [${o:-default}] (rc 1)" "$o" 1
		[ "$RCA" = 1 ] || fail "$T: pid 1 [${o:-default}] exit code is 1" "got $RCA"
	done
fi

# ---------------------------------------------------------------------------------------------
# The helper leaves nothing behind: helper C's files and POSIX shm are already unlinked.
cdir=$(awk '$1 == "file" { print $2 }' "$W/C.out")
cdir=${cdir%/*}
if [ -n "$cdir" ] && [ ! -e "$cdir" ] && [ ! -e "/dev/shm/vmscope-regions-$HC" ]; then
	pass "$T: helper C left nothing in /var/tmp or /dev/shm"
else
	fail "$T: helper C left nothing in /var/tmp or /dev/shm" "dir '$cdir' still there or shm left"
fi

exit 0
