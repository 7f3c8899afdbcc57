#!/bin/bash
# Every numeric option of every command refuses nan, inf, negatives, overflow, white space and
# trailing junk with one clear line and exit 1, before it does anything (issue 20, finding 7:
# `reconcile --interval nan` busy-looped over every target's mmap_lock; `--min-size '1 '` was
# 2^50). An option that wrongly accepts its value must not start anything either: a bad option
# follows it (argp stops at the first error), so a wrong pass shows as the wrong message.
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/lib.sh"
T=cli_numbers
W=$TMPDIR_TEST
V=$VMSCOPE
nl=$'\n' tab=$'\t'

# refuses NAME WORDS CMD...: exit 1, one stderr line "vmscope: ..." matching WORDS, no stdout
refuses() {
	local name=$1 words=$2 rc n why=
	shift 2
	"$@" >"$W/out" 2>"$W/err" </dev/null
	rc=$?
	n=$(awk 'END { print NR }' "$W/err")
	[ "$rc" = 1 ] || why="$why; exit $rc, want 1"
	[ "$n" = 1 ] || why="$why; $n stderr lines, want 1"
	grep -q '^vmscope: ' "$W/err" || why="$why; stderr does not start with 'vmscope: '"
	grep -Eqi -- "$words" "$W/err" || why="$why; stderr lacks /$words/"
	[ ! -s "$W/out" ] || why="$why; stdout not empty"
	if [ -z "$why" ]; then pass "$T: $name"
	else fail "$T: $name" "${why#; } [stderr: $(head -c 200 "$W/err" | tr '\n' '|')]"; fi
}

bad_numbers=(nan NaN inf -inf -1 +1 "1e999" "99999999999999999999999" " 1" "1 " "${tab}1"
	     "${nl}1" "1${nl}" 1x 0x10 "")
# each option: its words in the message, and the values it accepts besides (none of them here)
for v in "${bad_numbers[@]}"; do
	shown=$(printf '%q' "$v")
	case $v in 1e999 | 0x10 | "") ;; # hex, and procps's whole range
	*) refuses "map -A $shown" 'malformed range' "$V" map -A "$v" $$ ;;
	esac
	refuses "watch --min-size $shown" 'min-size' "$V" watch --min-size "$v" --no-such-option
	refuses "watch --buffer-size $shown" 'buffer-size' "$V" watch --buffer-size "$v" --no-such-option
	refuses "watch --duration $shown" 'duration' "$V" watch --duration "$v" --no-such-option
	refuses "watch --interval $shown" 'interval' "$V" watch --interval "$v" --no-such-option
	for o in --max-procs --max-vmas --max-names; do
		refuses "start $o $shown" 'bad size' "$V" start "$o" "$v" --no-such-option
	done
	refuses "reconcile --interval $shown" 'bad interval' "$V" reconcile --interval "$v" --no-such-option
	refuses "reconcile --passes $shown" 'bad pass count' "$V" reconcile --passes "$v" --no-such-option
done
# sizes: a unit must be a unit ("1 " and "1@" mask to the NUL strchr() finds)
for v in "1 " "1@" "1\`" "1KK" "K" "1.5M" "17179869184G"; do
	refuses "watch --min-size $(printf '%q' "$v")" 'min-size' "$V" watch --min-size "$v" --no-such-option
done
# seconds past what a useconds_t holds (4294 s) are refused above 86400 only, and slept in full
for v in 86401 1e5 0.001 0; do
	refuses "reconcile --interval $v" 'bad interval' "$V" reconcile --interval "$v" --no-such-option
	refuses "watch --interval $v" 'interval' "$V" watch --interval "$v" --no-such-option
done
refuses "watch --duration 0" 'duration' "$V" watch --duration 0 --no-such-option
# what is accepted still is (the next error is the bad option, after the value)
for c in "watch --min-size 4K" "watch --buffer-size 8M" "watch --duration 0.5" "watch --interval 5000" \
	 "start --max-procs 16" "reconcile --interval 4295" "reconcile --passes 3"; do
	# shellcheck disable=SC2086 # words
	refuses "$c is accepted" 'unknown option' "$V" $c --no-such-option
done
# the value is quoted inert: one line, no raw control byte
refuses "an escape in a value is quoted inert" '\\033\[2J' "$V" watch --min-size $'\e[2J'
refuses "map -A 2,1" 'LOW is above HIGH' "$V" map -A 2,1 $$
"$V" map -A 0x0,0xffffffffffffffff $$ >"$W/out" 2>"$W/err"
check "$T: map -A 0x0,0xffffffffffffffff shows the map" test $? = 0 -a -s "$W/out" -a ! -s "$W/err"
