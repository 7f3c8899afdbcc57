#!/bin/bash
# No BPF (issue 18, part 3): as an unprivileged user (setpriv to nobody), and with the kernel's BTF
# hidden (a tmpfs over /sys/kernel/btf in a private mount namespace of the test's own: the
# machine's /sys is never written), every command that works from /proc does, and says once on
# stderr which backend it uses and why BPF is off; start and watch refuse with one line naming
# what is missing.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"
T=no-bpf

# expect NAME RC LINES REGEX CMD...: exit status RC, exactly LINES lines on stderr, matching REGEX.
expect() {
	local name=$1 rc=$2 lines=$3 re=$4 got
	shift 4
	"$@" >"$TMPDIR_TEST/out" 2>"$TMPDIR_TEST/err"
	got=$?
	if [ "$got" = "$rc" ] && [ "$(wc -l <"$TMPDIR_TEST/err")" = "$lines" ] &&
	   { [ "$lines" = 0 ] || grep -Eq "$re" "$TMPDIR_TEST/err"; }; then
		pass "$T: $name"
	else
		fail "$T: $name" "exit $got, stderr: $(head -n 3 "$TMPDIR_TEST/err" | tr '\n' '|')"
	fi
}

# wait_out FILE: the helper said "ready".
wait_out() {
	for _ in $(seq 500); do grep -q '^ready' "$1" && return 0; sleep 0.02; done
	return 1
}

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	echo "SKIP: $T: unprivileged runs -- need root (to become nobody) and setpriv"
else
	NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
	chmod 755 "$TMPDIR_TEST"
	cp "$VMSCOPE" "$HELPERS/regions" "$TMPDIR_TEST/" && chmod 755 "$TMPDIR_TEST/vmscope" "$TMPDIR_TEST/regions"
	V=$TMPDIR_TEST/vmscope
	out=$TMPDIR_TEST/nobody.out
	"${NOBODY[@]}" "$TMPDIR_TEST/regions" simple >"$out" 2>&1 &
	hp=$!
	cleanup_pid "$hp"
	if ! wait_out "$out"; then
		fail "$T: a helper of nobody's started" "$(head -c 200 "$out")"
	else
		re='^vmscope: map: reading /proc \(procfs backend\): BPF is off: not root'
		expect "map as nobody: its own process, one line saying why not BPF" 0 1 "$re" \
			"${NOBODY[@]}" "$V" map "$hp"
		"$VMSCOPE" map --backend procfs "$hp" >"$TMPDIR_TEST/root.out"
		same_bytes "$T: map as nobody: the table is procfs'" "$TMPDIR_TEST/root.out" "$TMPDIR_TEST/out"
		expect "map as nobody, two targets: said once" 0 1 "$re" "${NOBODY[@]}" "$V" map "$hp" "$hp"
		expect "map -x as nobody" 0 1 "$re" "${NOBODY[@]}" "$V" map -x "$hp"
		expect "map -F json as nobody" 0 1 "$re" "${NOBODY[@]}" "$V" map -F json "$hp"
		check "$T: map -F json as nobody: backend procfs" \
			[ "$(jget "$TMPDIR_TEST/out" 'd["backend"]')" = procfs ]
		expect "map of root's process as nobody: the error alone" 1 1 'permission denied' \
			"${NOBODY[@]}" "$V" map 1
		expect "map --backend bpf as nobody: refused" 1 1 "backend 'bpf' is not available" \
			"${NOBODY[@]}" "$V" map --backend bpf "$hp"
		expect "map --backend bpf-iter as nobody: refused, why" 1 1 "bpf-iter' is not available: not root" \
			"${NOBODY[@]}" "$V" map --backend bpf-iter "$hp"
		expect "features as nobody: works, says it once" 0 1 '^vmscope: features: BPF is off: not root' \
			"${NOBODY[@]}" "$V" features
		expect "start as nobody: refused, one line naming root/CAP_BPF" 1 1 \
			'^vmscope: start: BPF is off: not root.*CAP_BPF' "${NOBODY[@]}" "$V" start
		expect "watch as nobody: refused, one line naming root/CAP_BPF" 1 1 \
			'^vmscope: watch: BPF is off: not root.*CAP_BPF' "${NOBODY[@]}" "$V" watch -p "$hp" --duration 1
		# the other commands that read /proc: each says it once too (files in a dir of nobody's)
		nb=$TMPDIR_TEST/nobody && mkdir "$nb" && chown 65534:65534 "$nb"
		sre() { echo "^vmscope: $1: reading /proc \\(procfs backend\\): BPF is off: not root"; }
		expect "snapshot save as nobody: says it once" 0 1 "$(sre "snapshot save")" \
			"${NOBODY[@]}" "$V" snapshot save -o "$nb/s.vms" "$hp"
		expect "snapshot export as nobody: says it once" 0 1 "$(sre "snapshot export")" \
			"${NOBODY[@]}" "$V" snapshot export "$hp"
		expect "diff SNAPSHOT PID as nobody: says it once" 0 1 "$(sre diff)" \
			"${NOBODY[@]}" "$V" diff "$nb/s.vms" "$hp"
		expect "diff -d as nobody: two reads, said once" 0 1 "$(sre diff)" \
			"${NOBODY[@]}" "$V" diff -d 0.2 "$hp"
		expect "strings as nobody: says it once" 0 1 "$(sre strings)" \
			"${NOBODY[@]}" "$V" strings "$hp"
		expect "serve --once as nobody: says once that BPF is off and why" 0 1 \
			'^vmscope: serve: BPF is off: not root.*reading /proc' "${NOBODY[@]}" "$V" serve --once
		expect "snapshot show as nobody: a file, no BPF line" 0 0 '' \
			"${NOBODY[@]}" "$V" snapshot show "$nb/s.vms"
		seed=$(ls "$here"/../fuzz/corpus/core/* 2>/dev/null | head -n 1)
		if [ -n "$seed" ]; then
			tail -c +2 "$seed" >"$TMPDIR_TEST/core" && chmod 644 "$TMPDIR_TEST/core"
			expect "map CORE as nobody: no BPF line (a file needs none)" 0 0 '' \
				"${NOBODY[@]}" "$V" map "$TMPDIR_TEST/core"
		fi
	fi
	kill_pid "$hp"
fi

# Root without the capabilities (dropped from the bounding set: a restricted container's root).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	# a pin dir of its own (never created): since 6.5 a pinned model is readable without
	# CAP_BPF, and then `auto` rightly reads it; this checks the case of no model
	NOCAP=(env VMSCOPE_PIN_DIR=/sys/fs/bpf/vms-nocap-$$ setpriv --bounding-set=-sys_admin,-bpf,-perfmon --)
	re='BPF is off: root without CAP_BPF and CAP_PERFMON'
	expect "root without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN: map works, says why" 0 1 "^vmscope: map: .*$re" \
		"${NOCAP[@]}" "$VMSCOPE" map $$
	expect "root without the capabilities: start refused in one line" 1 1 "^vmscope: start: $re" \
		"${NOCAP[@]}" "$VMSCOPE" start
	expect "root without the capabilities: watch refused in one line" 1 1 "^vmscope: watch: $re" \
		"${NOCAP[@]}" "$VMSCOPE" watch --duration 1
fi

# BTF hidden: in a private mount namespace, a read-only empty tmpfs over /sys/kernel/btf. A pin
# dir of its own (never created), so that a model another run has pinned is not what `auto` reads.
nobtf() { VMSCOPE_PIN_DIR=/sys/fs/bpf/vms-nobtf-$$ unshare --mount --propagation private -- sh -c \
	'mount -t tmpfs -o ro,size=4k vms-nobtf /sys/kernel/btf && exec "$@"' sh "$@"; }
if [ "$(id -u)" != 0 ] || ! nobtf true 2>/dev/null; then
	echo "SKIP: $T: no-BTF runs -- need root and a private mount namespace (unshare -m)"
else
	"$HELPERS/regions" simple >"$TMPDIR_TEST/btf.out" 2>&1 &
	hp=$!
	cleanup_pid "$hp"
	if wait_out "$TMPDIR_TEST/btf.out"; then
		re='^vmscope: map: reading /proc \(procfs backend\): BPF is off: the kernel has no BTF'
		expect "no BTF: map works, one line saying why not BPF" 0 1 "$re" nobtf "$VMSCOPE" map "$hp"
		"$VMSCOPE" map --backend procfs "$hp" >"$TMPDIR_TEST/root.out"
		same_bytes "$T: no BTF: the table is procfs'" "$TMPDIR_TEST/root.out" "$TMPDIR_TEST/out"
		expect "no BTF: features works, says it once" 0 1 '^vmscope: features: BPF is off: the kernel has no BTF' \
			nobtf "$VMSCOPE" features
		expect "no BTF: start refused, one line naming BTF" 1 1 '^vmscope: start: BPF is off: the kernel has no BTF' \
			nobtf "$VMSCOPE" start
		expect "no BTF: watch refused, one line naming BTF" 1 1 '^vmscope: watch: BPF is off: the kernel has no BTF' \
			nobtf "$VMSCOPE" watch -p "$hp" --duration 1
	else
		fail "$T: the helper started" "$(head -c 200 "$TMPDIR_TEST/btf.out")"
	fi
	kill_pid "$hp"
	check "$T: the machine's BTF is untouched" [ -r /sys/kernel/btf/vmlinux ]
fi

# Locked down for confidentiality: in a private mount namespace, a tmpfs over /sys/kernel/security
# whose lockdown file says so (what bpf_off.c reads; the machine's securityfs is never touched).
# The kernel's refusal itself cannot be had without booting locked down; the detection and every
# command's answer can. lockdown=integrity leaves BPF on.
# shellcheck disable=SC2016 # $LK and $@: expanded by the inner sh
lockdown() { VMSCOPE_PIN_DIR=/sys/fs/bpf/vms-lockdown-$$ LK=$1 unshare --mount --propagation private -- sh -c \
	'mount -t tmpfs -o size=4k vms-lockdown /sys/kernel/security &&
	 printf "%s\n" "$LK" >/sys/kernel/security/lockdown && exec "$@"' sh "${@:2}"; }
if [ "$(id -u)" != 0 ] || ! lockdown x true 2>/dev/null; then
	echo "SKIP: $T: locked-down runs -- need root and a private mount namespace (unshare -m)"
else
	lre='BPF is off: the kernel is locked down \(lockdown=confidentiality\)'
	conf="none integrity [confidentiality]"
	expect "lockdown: map works, one line saying why not BPF" 0 1 "^vmscope: map: reading /proc \(procfs backend\): $lre" \
		lockdown "$conf" "$VMSCOPE" map $$
	expect "lockdown: snapshot save works, says it once" 0 1 "^vmscope: snapshot save: .*$lre" \
		lockdown "$conf" "$VMSCOPE" snapshot save -o "$TMPDIR_TEST/lk.vms" $$
	expect "lockdown: start refused, one line naming lockdown" 1 1 "^vmscope: start: $lre" \
		lockdown "$conf" "$VMSCOPE" start
	expect "lockdown: watch refused, one line naming lockdown" 1 1 "^vmscope: watch: $lre" \
		lockdown "$conf" "$VMSCOPE" watch --duration 1
	expect "lockdown=integrity: BPF stays on, map says nothing" 0 0 '' \
		lockdown "none [integrity] confidentiality" "$VMSCOPE" map $$
	check "$T: the machine's securityfs is untouched" sh -c '! grep -q vms-lockdown /proc/mounts'
fi
