#!/bin/bash
# The loader's lock and VMSCOPE_PIN_DIR: concurrent start/stop on one pin dir leave one model or
# none, never a mix or a stray pin; two models side by side in two pin dirs are both exact and
# both stop cleanly; a bad VMSCOPE_PIN_DIR is one line and exit 1. Private pin dirs only: this
# never touches /sys/fs/bpf/vmscope.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then skip_bpf "loader" "needs root"; exit 0; fi
T=$TMPDIR_TEST
A=/sys/fs/bpf/vms-loader-$$-a
B=/sys/fs/bpf/vms-loader-$$-b
LOCK_A=/run/vmscope/vms-loader-$$-a.lock

vms() { # DIR ARGS...: vmscope with the model pinned in DIR
	local d=$1; shift
	VMSCOPE_PIN_DIR=$d "$VMSCOPE" "$@"
}
trap 'vms $A stop 2>/dev/null; vms $B stop 2>/dev/null; rm -f $LOCK_A ${LOCK_A%-a.lock}-b.lock; _cleanup' EXIT

# The model in DIR shows PID exactly as /proc does, without falling back to /proc (-v says so).
model_equals_proc() { # DIR PID
	local a b
	a=$(vms "$1" map -v -B bpf --format json "$2" 2>"$T/eq.err" | sed 's/"backend": "bpf"/"backend": "-"/')
	b=$("$VMSCOPE" map -B procfs --format json "$2" 2>&1 | sed 's/"backend": "procfs"/"backend": "-"/')
	! grep -q 'reading /proc' "$T/eq.err" && [ -n "$a" ] && [ "$a" = "$b" ]
}
verdict() { # NAME PROBLEMS: passes when PROBLEMS is empty
	if [ -z "$2" ]; then pass "$1"; else fail "$1" "$2"; fi
}
pins() { find "$1" 2>/dev/null | sed "s|^$1||" | sort; }
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && grep -q "^vmscope: $2" "$1"; }
# Loaded model programs (one vms_new_gen per model, in either tier); freed asynchronously.
models_loaded() { bpftool prog show 2>/dev/null | grep -c 'name vms_new_gen'; }
models_back_to() { # N: waits (5 s at most) until N models are loaded
	for _ in $(seq 50); do [ "$(models_loaded)" -eq "$1" ] && return 0; sleep 0.1; done
	return 1
}

default_before=$(pins /sys/fs/bpf/vmscope)
base=$(models_loaded)
"$HELPERS/regions" >"$T/regions.out" &
hp=$!; cleanup_pid $hp
wait_ready "$T/regions.out" $hp || fail "regions helper starts"

# --- one start alone: the reference pin set ---
vms $A start >"$T/start.out" 2>&1
check "start in a private VMSCOPE_PIN_DIR (exit 0)" test $? -eq 0
check "... says where it pinned the model" grep -q "^vmscope: model pinned at $A: " "$T/start.out"
ref=$(pins $A)
check "... pins maps, programs and links there" \
	test -e $A/maps/vms_procs -a -e $A/progs/gc -a -e $A/links/sys_exit
check "its lock is /run/vmscope/NAME.lock, 0600 in a 0700 /run/vmscope" \
	test "$(stat -c %a $LOCK_A)/$(stat -c %a /run/vmscope)" = 600/700
check "the model there equals /proc" model_equals_proc $A $hp
check "status names the pin dir" \
	test "$(vms $A status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pinned"])')" = $A
vms $A stop
check "stop leaves nothing under it" test ! -e $A
check "... and no model program loaded" models_back_to $base

# --- the lock held: start, stop and reconcile wait for it, and say so with -v ---
flock $LOCK_A sleep 1 &
lp=$!
sleep 0.2
t0=$(date +%s%N)
vms $A start -v >/dev/null 2>"$T/wait.err"; rc=$?
waited=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "    start took $waited ms behind a lock held 0.8 s longer"
check "start waits for the lock, then starts" test $rc -eq 0 -a $waited -ge 500
check "... and -v says whose lock it waits for" \
	grep -q "^vmscope: debug: start: waiting for the lock of $A ($LOCK_A), held by " "$T/wait.err"
wait $lp
flock $LOCK_A sleep 0.6 &
lp=$!
sleep 0.2
vms $A reconcile -v >"$T/rec.out" 2>"$T/rec.err"; rc=$?
check "reconcile waits for the lock too, then compares" \
	eval '[ $rc -eq 0 ] && grep -q "waiting for the lock of $A" "$T/rec.err" && grep -q " 0 divergences" "$T/rec.out"'
wait $lp
vms $A stop

# --- two starts at once on one pin dir: one model, one clear line, no stray pin ---
bad=""
for round in 1 2 3 4 5; do
	vms $A start >"$T/s1" 2>&1 & p1=$!
	vms $A start >"$T/s2" 2>&1 & p2=$!
	wait $p1; r1=$?; wait $p2; r2=$?
	[ "$r1$r2" = 01 ] && loser=$T/s2
	[ "$r1$r2" = 10 ] && loser=$T/s1
	if [ "$r1$r2" != 01 ] && [ "$r1$r2" != 10 ]; then bad="$bad round $round: exits $r1,$r2;"
	elif ! one_line "$loser" "start: the model is already running"; then bad="$bad round $round: $(head -c 200 "$loser");"
	elif [ "$(pins $A)" != "$ref" ]; then bad="$bad round $round: pins differ;"
	elif [ "$(models_loaded)" -ne $((base + 1)) ]; then bad="$bad round $round: $(models_loaded) models;"
	elif ! model_equals_proc $A $hp; then bad="$bad round $round: the model differs from /proc;"
	fi
	vms $A stop
	[ -e $A ] && bad="$bad round $round: left $(pins $A | head -3);"
done
verdict "two concurrent starts: one model, the other 'already running' in one line (5 rounds)" "$bad"
check "... and no model program left" models_back_to $base

# --- start racing stop: either order, never half a model ---
bad=""
for d in 0 0.02 0.05 0.1 0.2 0.4; do
	vms $A start >"$T/s1" 2>&1 & p1=$!
	sleep $d
	vms $A stop 2>"$T/stop.err"; rs=$?
	wait $p1; r1=$?
	if [ $r1 -ne 0 ] || [ $rs -ne 0 ]; then bad="$bad after ${d}s: exits start $r1, stop $rs;"
	elif [ -e $A ] && [ "$(pins $A)" != "$ref" ]; then bad="$bad after ${d}s: pins differ;"
	elif [ -e $A ] && ! model_equals_proc $A $hp; then bad="$bad after ${d}s: the model differs;"
	fi
	vms $A stop
	[ -e $A ] && bad="$bad after ${d}s: left $(pins $A | head -3);"
done
verdict "start racing stop: a whole model or none, both exit 0" "$bad"
check "... and no model program left" models_back_to $base

# --- two models side by side, in two pin dirs (one with fault counts): both exact ---
vms $A start >"$T/a.out" 2>&1 & pa=$!
vms $B start --faults >"$T/b.out" 2>&1 & pb=$!
wait $pa; ra=$?; wait $pb; rb=$?
check "two starts in two pin dirs at once both succeed" test "$ra$rb" = 00
check "two models are loaded" test "$(models_loaded)" -eq $((base + 2))
check "the model in pin dir A equals /proc" model_equals_proc $A $hp
check "the model in pin dir B (with fault counts) equals /proc" model_equals_proc $B $hp
vms $B map --faults $hp >/dev/null 2>"$T/bf.err"
check "map --faults reads the fault counts of B's model" test $? -eq 0 -a ! -s "$T/bf.err"
vms $A map --faults $hp >/dev/null 2>"$T/af.err"; rc=$?
check "... and A's has none (exit 1, one line)" test $rc -eq 1 -a "$(wc -l <"$T/af.err")" -eq 1
vms $A stop
check "stopping A leaves nothing under it" test ! -e $A
check "... and B's model still equals /proc" model_equals_proc $B $hp
vms $B stop
check "stopping B leaves nothing under it" test ! -e $B
check "... and no model program left" models_back_to $base
check "nothing was pinned under /sys/fs/bpf/vmscope meanwhile" test "$(pins /sys/fs/bpf/vmscope)" = "$default_before"

# --- a bad VMSCOPE_PIN_DIR: one line, exit 1, nothing created ---
bad=""
for dir in vmscope-rel /tmp/vms-loader-$$ /sys/fs/bpf/vms-loader-$$-none/x /sys/fs/bpf/../vms-loader-$$; do
	for cmd in start stop status reconcile "map -B bpf $hp"; do
		# shellcheck disable=SC2086
		VMSCOPE_PIN_DIR=$dir "$VMSCOPE" $cmd >"$T/bad.out" 2>"$T/bad.err"; rc=$?
		if [ $rc -ne 1 ] || [ -s "$T/bad.out" ] || ! one_line "$T/bad.err" "VMSCOPE_PIN_DIR=$dir: "; then
			bad="$bad $dir ($cmd): exit $rc, $(head -c 160 "$T/bad.err");"
		fi
	done
done
[ -e /tmp/vms-loader-$$ ] && bad="$bad created /tmp/vms-loader-$$;"
[ -e /sys/fs/bpf/vms-loader-$$-none ] && bad="$bad created /sys/fs/bpf/vms-loader-$$-none;"
verdict "a bad VMSCOPE_PIN_DIR: one line, exit 1, nothing created (start, stop, status, reconcile, map)" "$bad"
