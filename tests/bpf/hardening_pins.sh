#!/bin/bash
# Root must not follow or trust what another user planted where vmscope pins (issue 20, finding
# 1): bpffs is often mounted 01777, so `nobody` can create the pin dir before root, or plant a
# symlink in it. stop must leave a symlink's target alone, start must not adopt a pin dir that is
# not root's nor take a planted file for a running model, a foreign BPF object is refused and
# left alone, and the lock under /run/vmscope is never followed or shared with another user.
# Everything runs in a private mount namespace, on a fresh bpffs (mode 1777) over /sys/fs/bpf and
# a tmpfs over /run/vmscope: the real ones are untouched.
if [ -z "${VMS_HARDENING_NS:-}" ] && [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	VMS_HARDENING_NS=1 exec unshare -m --propagation private "$BASH" "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then skip_bpf "hardening_pins" "needs root"; exit 0; fi
if [ -z "${VMS_HARDENING_NS:-}" ]; then skip_bpf "hardening_pins" "unshare -m failed"; exit 0; fi
T=$TMPDIR_TEST
unset VMSCOPE_PIN_DIR
P=/sys/fs/bpf/vmscope
mkdir -p /run/vmscope
mount -t bpf -o mode=1777 bpf /sys/fs/bpf && mount -t tmpfs -o mode=0700 tmpfs /run/vmscope || {
	fail "hardening_pins: private bpffs and /run/vmscope"; exit 0; }

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
vms() { "$VMSCOPE" "$@" >"$T/out" 2>"$T/err"; }
# one_line PATTERN: the last command failed with one line on stderr matching ^vmscope: PATTERN
one_line() { [ "$rc" -ne 0 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "^vmscope: $1" "$T/err"; }
show() { sed 's/^/    /' "$T/err" | head -n 3; }
verdict() { # NAME OK: OK is 0 for a pass; a failure shows stderr
	if [ "$2" -eq 0 ]; then pass "$1"; else fail "$1" "rc $rc"; show; fi
}
reset_pins() { rm -rf "$P"; [ ! -e "$P" ]; }
models_loaded() { bpftool prog show 2>/dev/null | grep -c 'name vms_new_gen'; }
models_back_to_base() { # programs are freed after a grace period: 5 s at most
	for _ in $(seq 50); do [ "$(models_loaded)" -eq "$base" ] && return 0; sleep 0.1; done
	return 1
}
victim() { # a dir of files root must not lose
	rm -rf "$T/victim"; mkdir "$T/victim"
	echo keep >"$T/victim/a"; echo keep >"$T/victim/b"
}
victim_intact() { [ "$(cat "$T/victim/a" "$T/victim/b" 2>/dev/null)" = "keep
keep" ]; }
base=$(models_loaded)

# --- stop through a planted links symlink (the reproducer of the finding) ---
victim
as_nobody sh -c "mkdir $P && chmod 777 $P && ln -s $T/victim $P/links"
vms stop; rc=$?
check "stop leaves the target of a symlink nobody planted in the pin dir intact" victim_intact
one_line "stop: $P is owned by uid [0-9]*, neither root nor us: refusing it"; verdict \
	"... and refuses nobody's pin dir with one line, exit 1" $?
check "... and leaves the planted link in place" test -L "$P/links"
reset_pins

# root's own pin dir, left writable by others: what they put in it is not followed either
victim
mkdir "$P" && chmod 1777 "$P"
as_nobody ln -s "$T/victim" "$P/maps"
vms stop; rc=$?
one_line "stop: $P is writable by group or others (mode 1777): refusing it"; verdict \
	"stop refuses root's pin dir when others can write in it" $?
check "... and the victim is intact" victim_intact
reset_pins

# --- start must not adopt a pin dir another user made ---
as_nobody mkdir "$P"
vms start; rc=$?
one_line "start: $P is owned by uid [0-9]*, neither root nor us: refusing it"; verdict \
	"start refuses a pin dir owned by another user, with one line" $?
check "... pins nothing in it" test -z "$(ls -A "$P")"
check "... and leaves no model program loaded" models_back_to_base
reset_pins

# --- a planted file is not a running model ---
# bpffs holds no regular file: a symlink to one is what another user can plant
as_nobody sh -c "mkdir -p $P/maps && chmod -R 777 $P && ln -s /etc/hostname $P/maps/vms_procs"
vms start; rc=$?
! grep -q "already running" "$T/err" && one_line "start: $P is owned by"; verdict \
	"a planted file in nobody's pin dir: start does not say 'already running', refuses" $?
vms map -B bpf $$; rc=$?
one_line "map: backend 'bpf' is not available: $P is owned by"; verdict \
	"... map -B bpf refuses it with one line" $?
vms status; rc=$?
one_line "status: $P is owned by"; verdict "... status refuses it with one line" $?
vms reconcile; rc=$?
one_line "reconcile: $P is owned by"; verdict "... reconcile refuses it with one line" $?
reset_pins

# in root's own pin dir: the file is not trusted, and stop does not follow it
mkdir -m 700 "$P" "$P/maps" && ln -s /etc/hostname "$P/maps/vms_procs"
cp /etc/hostname "$T/hostname"
vms start; rc=$?
! grep -q "already running" "$T/err" &&
	one_line "start: $P/maps/vms_procs is a symbolic link, not a vmscope pin: refusing it"
verdict "a symlink to a file as maps/vms_procs in root's pin dir: start refuses it, not 'already running'" $?
vms stop; rc=$?
one_line "stop: $P/maps/vms_procs is a symbolic link, not a vmscope pin: refusing it"; verdict \
	"... stop leaves it alone, with one line" $?
check "... and its target is intact" cmp -s /etc/hostname "$T/hostname"
reset_pins

# a foreign BPF map pinned as vms_procs: a look-alike with other value sizes is not the model's
mkdir -m 700 "$P" "$P/maps"
bpftool map create "$P/maps/vms_procs" type hash key 4 value 8 entries 4 name vms_procs
vms start; rc=$?
one_line "start: $P/maps/vms_procs is a BPF map, but not vmscope's: refusing it"; verdict \
	"a foreign map pinned as maps/vms_procs: start refuses it" $?
vms status; rc=$?
one_line "status: $P/maps/vms_procs is a BPF map, but not vmscope's"; verdict "... status too" $?
bpftool map create "$P/other" type array key 4 value 8 entries 1 name other
vms stop; rc=$?
one_line "stop: $P/other is not a vmscope pin (a BPF object of another program): left alone"
verdict "... stop leaves a BPF object of another program alone, with one line" $?
check "... which stays pinned" test -e "$P/other"
reset_pins

# --- the lock file: never through a symlink, never another user's ---
umount /run/vmscope && mount -t tmpfs -o mode=1777 tmpfs /run/vmscope
vms start; rc=$?
one_line "start: /run/vmscope is writable by group or others (mode 1777): refusing it"; verdict \
	"start refuses a lock dir others can write in" $?
check "... and pins nothing" test ! -e "$P"
chmod 0755 /run/vmscope && chown nobody /run/vmscope
echo keep >"$T/lockvictim"
as_nobody ln -s "$T/lockvictim" /run/vmscope/vmscope.lock
vms start; rc=$?
one_line "start: /run/vmscope is owned by uid [0-9]*, neither root nor us"; verdict \
	"start refuses a lock dir another user owns" $?
umount /run/vmscope && mount -t tmpfs -o mode=0700 tmpfs /run/vmscope
ln -s "$T/lockvictim" /run/vmscope/vmscope.lock
vms start; rc=$?
one_line "start: /run/vmscope/vmscope.lock is a symbolic link: refusing it"; verdict \
	"a symlink as the lock file is refused, with one line" $?
check "... not followed: its target is untouched" test "$(cat "$T/lockvictim")" = keep
rm /run/vmscope/vmscope.lock
touch /run/vmscope/vmscope.lock && chown nobody /run/vmscope/vmscope.lock
vms stop; rc=$?
one_line "stop: /run/vmscope/vmscope.lock is owned by uid [0-9]*"; verdict \
	"a lock file another user owns is refused" $?
rm /run/vmscope/vmscope.lock
reset_pins

# --- and in that namespace, start and stop still work ---
"$HELPERS/regions" >"$T/regions.out" &
hp=$!; cleanup_pid $hp
wait_ready "$T/regions.out" $hp || fail "regions helper starts"
mkdir -m 700 "$P" # an empty pin dir of root's is taken as is
vms start; rc=$?
check "start works on a private bpffs, in root's empty pin dir" \
	grep -q "^vmscope: model pinned at $P: " "$T/out"
check "... the pin dir is root's and 0700, and so is every dir under it" \
	test "$(find "$P" -type d -printf '%U %m\n' | sort -u)" = "0 700"
check "... the model equals /proc" model_equals_proc $hp
vms status; rc=$?
check "... status reads it" test $rc -eq 0
vms start; rc=$?
one_line "start: the model is already running"; verdict "... a second start says it is running" $?
vms stop; rc=$?
check "stop removes it all" test $rc -eq 0 -a ! -e "$P"
check "... and no model program stays loaded" models_back_to_base
vms stop; rc=$?
check "stop with nothing pinned is fine" test $rc -eq 0
