# Sourced by every guest test (tests/kernels/guest.d/*.sh). Guests have busybox only: POSIX sh
# (busybox ash), no bash, python3 or jq. Each check prints "PASS: name" or "FAIL: name: reason";
# /init counts them. Names carry no colon, so that the reason is everything after ": ".
VMSCOPE=/bin/vmscope
HELPERS=/helpers
T=$(mktemp -d /tmp/kmx-test.XXXXXX)
_cleanup_pids=""
_cleanup() {
	for p in $_cleanup_pids; do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap _cleanup EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: ${2:-failed}"; }
# A kmx.NAME=VALUE parameter of the kernel command line (set by the host, run.sh).
kparam() { sed -n "s/.*[ ]kmx\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
# A top-level string field of vmscope's one-line JSON: json_str FILE KEY
json_str() { sed -n "s/.*\"$2\": \"\([^\"]*\)\".*/\1/p" "$1" | head -n 1; }
# The "backend" field blanked, one region a line (so that diff shows which region differs).
json_norm() { sed -e 's/"backend": "[a-z-]*"/"backend": ""/' -e 's/}, {/},\n{/g' "$1"; }

# wait_ready FILE PID: waits (20 s at most: TCG is slow) for a line "ready" in FILE.
wait_ready() {
	i=0
	while [ $i -lt 400 ]; do
		grep -qx ready "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# wait_stopped PID: waits until PID is in group stop (state T; comm may hold spaces and parens).
wait_stopped() {
	i=0
	while [ $i -lt 1000 ]; do
		read -r s <"/proc/$1/stat" 2>/dev/null || return 1
		s=${s##*") "}
		[ "${s%% *}" = T ] && return 0
		sleep 0.01
		i=$((i + 1))
	done
	return 1
}

# start_bg OUT CMD...: CMD in the background, stdout in OUT, waits for "ready"; sets BG_PID.
start_bg() {
	out=$1; shift
	"$@" </dev/null >"$out" 2>"$out.err" &
	BG_PID=$!
	_cleanup_pids="$_cleanup_pids $BG_PID"
	wait_ready "$out" "$BG_PID" && return 0
	echo "    could not start: $* ($(head -c 300 "$out.err"))"
	return 1
}

# no_pins NAME: nothing of vmscope is left pinned in bpffs.
no_pins() {
	pin=${VMSCOPE_PIN_DIR:-/sys/fs/bpf/vmscope}
	left=$(ls -A "$pin" 2>/dev/null)
	if [ -z "$left" ]; then pass "$1"
	else fail "$1" "left in $pin: $(echo $left)"; fi
}
