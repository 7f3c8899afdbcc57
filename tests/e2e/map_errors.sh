#!/bin/bash
# `vmscope map` error paths. For every bad input: the exit code (procps pmap's: 42 when a PID/NAME
# was not found, 1 on any other failure), exactly one stderr line per failure, starting with
# "vmscope: " and holding the expected words, no crash (exit code < 128), and the expected stdout:
# empty for usage errors; for failures after the process was found (EACCES, zombie, kernel
# thread) pmap's own "PID:   cmdline" line, byte for byte (pmap is run to get it).
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/lib.sh"

PMAP=${PMAP:-/usr/bin/pmap}
T=map_errors
W=$TMPDIR_TEST
chmod 755 "$W"

# err_case NAME RC LINES WORDS STDOUT -- CMD...
#   RC      expected exit code
#   LINES   expected number of stderr lines (one per failure)
#   WORDS   extended regex (case-insensitive) that stderr must match; empty: anything
#   STDOUT  "empty", "any", or a file whose bytes stdout must equal
err_case() {
	local name=$1 rc_want=$2 lines_want=$3 words=$4 out_want=$5 rc n why=
	shift 6
	"$@" >"$W/out" 2>"$W/err"
	rc=$?
	n=$(awk 'END { print NR }' "$W/err")
	[ "$rc" -lt 128 ] || why="$why; crashed (exit $rc)"
	[ "$rc" = "$rc_want" ] || why="$why; exit code $rc, want $rc_want"
	[ "$n" = "$lines_want" ] || why="$why; $n stderr lines, want $lines_want"
	if [ -s "$W/err" ] && [ "$(tail -c 1 "$W/err" | od -An -c | tr -d ' ')" != '\n' ]; then
		why="$why; stderr does not end with a newline"
	fi
	if grep -qv '^vmscope: ' "$W/err"; then why="$why; a stderr line does not start with 'vmscope: '"; fi
	if [ -n "$words" ] && ! grep -Eqi -- "$words" "$W/err"; then why="$why; stderr lacks /$words/"; fi
	case $out_want in
	any) ;;
	empty) [ ! -s "$W/out" ] || why="$why; stdout not empty: $(head -c 120 "$W/out" | tr '\n' '|')" ;;
	*) cmp -s "$out_want" "$W/out" ||
		why="$why; stdout '$(head -c 160 "$W/out" | tr '\n' '|')', want pmap's '$(head -c 160 "$out_want" | tr '\n' '|')'" ;;
	esac
	if [ -z "$why" ]; then pass "$name"
	else fail "$name" "${why#; } [stderr: $(head -c 300 "$W/err" | tr '\n' '|')]"; fi
}

# pmap_first_line FILE PMAP-ARGS...: pmap's first stdout line (the "PID:   cmdline" line).
pmap_first_line() {
	local f=$1; shift
	"$PMAP" "$@" 2>/dev/null | head -n 1 >"$f"
}

V=$VMSCOPE

# ---------------------------------------------------------------------------------------------
# Not found: exit 42.
err_case "$T: no such pid" 42 1 'no such process' empty -- "$V" map 999999999
err_case "$T: no such pid (-x)" 42 1 'no such process' empty -- "$V" map -x 999999999
err_case "$T: no such pid (--format json)" 42 1 'no such process' any -- "$V" map --format json 999999999
err_case "$T: no such /proc/PID" 42 1 'no such process' empty -- "$V" map /proc/999999999
sleep 0 & dead=$!; wait "$dead"
if [ ! -e "/proc/$dead" ]; then
	err_case "$T: pid of a process that just exited" 42 1 'no such process' empty -- "$V" map "$dead"
fi
err_case "$T: name that matches nothing" 42 1 "vmsnone$$" empty -- "$V" map "vmsnone$$"
err_case "$T: name that matches nothing (-X)" 42 1 "vmsnone$$" empty -- "$V" map -X "vmsnone$$"
err_case "$T: name is matched exactly, not as a prefix" 42 1 '' empty -- "$V" map kthread
err_case "$T: two missing pids: two lines" 42 2 'no such process' empty -- "$V" map 999999999 999999998
# an impossible PID among others is a usage error, as in pmap: exit 1, no table
err_case "$T: a missing pid and pid 0: a usage error" 1 1 'not a possible PID' empty -- "$V" map 999999999 0
err_case "$T: unknown backend lists every backend" 1 1 'auto, bpf, procfs, bpf-iter, core or snapshot' empty -- "$V" map -B nosuch $$
# like procps, a number that cannot be a pid is a usage error (exit 1), named as given
err_case "$T: huge pid names the argument, not a wrapped-around pid" 1 1 '4294967297' any -- "$V" map 4294967297

# ---------------------------------------------------------------------------------------------
# Found but not readable: exit 1, stdout is pmap's first line.

# zombie
"$HELPERS/regions" zombie >"$W/z.out" 2>&1 &
zparent=$!; cleanup_pid "$zparent"
if wait_ready "$W/z.out" "$zparent"; then
	zpid=$(awk '$1 == "zombie" { print $2 }' "$W/z.out")
	pmap_first_line "$W/z.head" "$zpid"
	err_case "$T: zombie" 1 1 'zombie' "$W/z.head" -- "$V" map "$zpid"
	err_case "$T: zombie (-x)" 1 1 'zombie' "$W/z.head" -- "$V" map -x "$zpid"
	err_case "$T: zombie (-X)" 1 1 'zombie' "$W/z.head" -- "$V" map -X "$zpid"
	err_case "$T: zombie (-d -q)" 1 1 'zombie' "$W/z.head" -- "$V" map -d -q "$zpid"
	err_case "$T: zombie (--format json)" 1 1 'zombie' any -- "$V" map --format json "$zpid"
else
	fail "$T: zombie helper started" "$(head -c 200 "$W/z.out")"
fi

# kernel threads: pid 2 and another one (PF_KTHREAD, parent 2)
kt=
for s in /proc/[0-9]*/stat; do
	p=${s#/proc/}; p=${p%/stat}
	[ "$p" -gt 2 ] || continue
	read -r _st ppid _r _r _r _r flags _rest < <(proc_stat "$p") || continue
	if [ "${ppid:-0}" = 2 ] && [ $(( ${flags:-0} & 0x200000 )) -ne 0 ]; then kt=$p; break; fi
done
pmap_first_line "$W/k2.head" 2
err_case "$T: kernel thread pid 2" 1 1 'kernel thread' "$W/k2.head" -- "$V" map 2
err_case "$T: kernel thread pid 2 (-x)" 1 1 'kernel thread' "$W/k2.head" -- "$V" map -x 2
err_case "$T: kernel thread pid 2 (-XX)" 1 1 'kernel thread' "$W/k2.head" -- "$V" map -XX 2
err_case "$T: kernel thread by name kthreadd" 1 1 'kernel thread' "$W/k2.head" -- "$V" map kthreadd
err_case "$T: kernel thread as /proc/2" 1 1 'kernel thread' "$W/k2.head" -- "$V" map /proc/2
if [ -n "$kt" ]; then
	pmap_first_line "$W/kt.head" "$kt"
	err_case "$T: kernel thread pid $kt ($(cat "/proc/$kt/comm" 2>/dev/null))" 1 1 'kernel thread' "$W/kt.head" -- "$V" map -d "$kt"
fi

# EACCES: pid 1's maps is unreadable even for root here.
if head -c1 /proc/1/maps >/dev/null 2>&1; then
	echo "SKIP: $T: pid 1 EACCES -- /proc/1/maps is readable here"
else
	"$PMAP" 1 >"$W/p1.out" 2>/dev/null
	"$PMAP" -X 1 >"$W/p1X.out" 2>/dev/null
	err_case "$T: pid 1 permission denied" 1 1 'permission denied' "$W/p1.out" -- "$V" map 1
	err_case "$T: pid 1 permission denied (-x -q)" 1 1 'permission denied' "$W/p1.out" -- "$V" map -x -q 1
	err_case "$T: pid 1 permission denied (-X)" 1 1 'permission denied' "$W/p1X.out" -- "$V" map -X 1
	err_case "$T: pid 1 permission denied (--format json)" 1 1 'permission denied' any -- "$V" map --format json 1
	err_case "$T: pid 1 permission denied (--format csv)" 1 1 'permission denied' any -- "$V" map --format csv 1
	# several failures: one line each; pmap's exit code (1|42 = 43) and pmap's stdout
	"$PMAP" 1 999999999 >"$W/p1m.out" 2>/dev/null; prc=$?
	err_case "$T: pid 1 + missing pid: exit code as pmap ($prc), two lines" "$prc" 2 'permission denied' "$W/p1m.out" -- "$V" map 1 999999999
fi

# EACCES as an unprivileged user against a root-owned helper.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	"$HELPERS/regions" --comm "vmsroot$$" simple >"$W/r.out" 2>&1 &
	rpid=$!; cleanup_pid "$rpid"
	if wait_ready "$W/r.out" "$rpid"; then
		cp "$V" "$W/vmscope" && chmod 755 "$W/vmscope"
		NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		for o in "" "-x" "-X" "-d"; do
			# shellcheck disable=SC2086
			"${NOBODY[@]}" "$PMAP" $o "$rpid" >"$W/np.out" 2>/dev/null
			# shellcheck disable=SC2086
			err_case "$T: unprivileged user, root's process [${o:-default}]" 1 1 'permission denied' "$W/np.out" -- \
				"${NOBODY[@]}" "$W/vmscope" map $o "$rpid"
		done
		"${NOBODY[@]}" "$PMAP" "$rpid" >"$W/np.out" 2>/dev/null
		err_case "$T: unprivileged user, root's process by name" 1 1 'permission denied' "$W/np.out" -- \
			"${NOBODY[@]}" "$W/vmscope" map "vmsroot$$"
		err_case "$T: unprivileged user, root's process (--format json)" 1 1 'permission denied' any -- \
			"${NOBODY[@]}" "$W/vmscope" map --format json "$rpid"
		"${NOBODY[@]}" "$PMAP" "$rpid" 999999999 >"$W/np.out" 2>/dev/null; prc=$?
		err_case "$T: unprivileged user, root's process + missing pid (exit $prc as pmap)" "$prc" 2 'permission denied' \
			"$W/np.out" -- "${NOBODY[@]}" "$W/vmscope" map "$rpid" 999999999
	else
		fail "$T: root-owned helper started" "$(head -c 200 "$W/r.out")"
	fi
else
	echo "SKIP: $T: unprivileged EACCES -- needs root and setpriv"
fi

# ---------------------------------------------------------------------------------------------
# Usage errors: exit 1, stdout empty.
for r in zz 1,zz zz,1 1,2,3 g 7f0000000000,7fxx ,zz; do
	err_case "$T: malformed -A '$r'" 1 1 'range' empty -- "$V" map -A "$r" $$
done
err_case "$T: malformed -A with -x" 1 1 'range' empty -- "$V" map -x -A 1,zz $$
err_case "$T: -A without its argument" 1 1 '' empty -- "$V" map $$ -A
err_case "$T: unknown short option -Z" 1 1 '' empty -- "$V" map -Z $$
err_case "$T: unknown long option --bogus" 1 1 '' empty -- "$V" map --bogus $$
err_case "$T: no pid at all" 1 1 '' empty -- "$V" map
err_case "$T: no pid, only options" 1 1 '' empty -- "$V" map -x -q
for o in "-x -d" "-d -x" "-X -d" "-x -X" "-XX -x" "-d -XX"; do
	# shellcheck disable=SC2086
	err_case "$T: mutually exclusive $o" 1 1 '' empty -- "$V" map $o $$
done
err_case "$T: unknown --format" 1 1 'xml' empty -- "$V" map --format xml $$
err_case "$T: unknown --backend" 1 1 'nosuch' empty -- "$V" map --backend nosuch $$
err_case "$T: usage error wins over a missing pid" 1 1 '' empty -- "$V" map -Z 999999999

exit 0
