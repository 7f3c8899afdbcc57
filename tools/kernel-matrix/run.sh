#!/bin/bash
# Kernel matrix (`make test-kernels`): build (build.sh: cached kernels, static vmscope, initramfs),
# then boot each kernel under qemu (TCG) and run the guest tests (tests/kernels/guest.d) there.
# Prints the guests' PASS:/FAIL: lines and a table: kernel, tier, passed, failed, boot wall time.
# Exit status is non-zero when a kernel did not boot or finish, or any guest test failed.
#
# Environment:
#   KMX_KERNELS  Debian kernel image packages to boot. Default, pinned so that CI boots the same
#                kernels every run: linux-image-amd64 (bookworm's 6.1), linux-image-6.12-amd64
#                (bookworm-security), linux-image-6.18.15+deb13-amd64 and
#                linux-image-7.3.4+deb13-amd64 (trixie-backports). Any package name works: the
#                system's apt lists are asked first, then the private ones (build.sh). The word
#                `newest` is the canary: the newest linux-image-VERSION-amd64 in the private lists
#                (trixie-backports, sid), updated first; e.g. KMX_KERNELS="newest" or
#                KMX_KERNELS="linux-image-amd64 newest". A kernel whose major.minor has no row in
#                tests/kernels/tiers fails 10-features: add the row once its tier is known.
#   KMX_SUITES   the private apt lists' suites ("trixie-backports sid"); KMX_MIRROR overrides
#                the mirror taken from the system's sources
#   KMX_CACHE    kernels and the private apt state (/var/cache/vmscope-kmx)
#   KMX_ONLY=a,b only guest tests whose file name holds a or b
#   KMX_OPS      model test ops (4000)
#   KMX_JOBS     kernels booted at once (2, or 1 on a one-CPU host: each guest is one
#                single-threaded TCG process; 2 halves the wall time on a 2-core host)
#   KMX_MEM      guest memory (512M), KMX_SMP guest CPUs (2)
#   KMX_TIMEOUT  per boot (900 s); KMX_RETRIES (2: only for boots whose kernel oopsed before
#                /init ran)
#   KMX_LOGS     dir for console logs; default a fresh /tmp dir, removed when everything passed
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TIERS=$ROOT/tests/kernels/tiers
INITRD=$ROOT/.output/static/kmx/initramfs.cpio.gz
MEM=${KMX_MEM:-512M}
SMP=${KMX_SMP:-2}
TIMEOUT=${KMX_TIMEOUT:-900}
RETRIES=${KMX_RETRIES:-2}
JOBS=${KMX_JOBS:-$(($(nproc) >= 2 ? 2 : 1))}
OPS=${KMX_OPS:-4000}
ONLY=${KMX_ONLY:-}
LOGS=${KMX_LOGS:-$(mktemp -d /tmp/vmscope-kmx.XXXXXX)}
mkdir -p "$LOGS"

t_build=$(date +%s.%N)
list=$("$(dirname "$0")/build.sh")
t_build=$(echo "$(date +%s.%N) - $t_build" | bc)
printf 'kmx: build %.1f s; console logs in %s\n' "$t_build" "$LOGS"

# expected_tier VERSION: the tiers table's entry for the kernel's major.minor ("none" if absent)
expected_tier() {
	local mm
	mm=$(echo "$1" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
	awk -v k="$mm" '$1 == k { print $2; found = 1; exit } END { if (!found) print "none" }' "$TIERS"
}

# boot VERSION DIR: boots once (retrying oopsed boots), leaves the console in $LOGS/VERSION.log
# and "wall=S tries=N qemu_rc=RC" in $LOGS/VERSION.host.
boot() {
	local ver=$1 dir=$2 log=$LOGS/$1.log append start end qrc=0 try
	# quiet + loglevel=3: kernel messages would interleave with the result lines
	append="console=ttyS0 panic=-1 quiet loglevel=3 mitigations=off kmx.tier=$(expected_tier "$ver")"
	append="$append kmx.ops=$OPS${ONLY:+ kmx.only=$ONLY}"
	for try in $(seq 1 $((RETRIES + 1))); do
		start=$(date +%s.%N)
		# Single-threaded TCG: multi-threaded TCG oopsed ~4% of boots here (stale int3 from
		# text_poke). PVH boot of the ELF vmlinux skips the slow in-guest decompressor.
		qrc=0
		timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg,thread=single -cpu max -m "$MEM" -smp "$SMP" \
			-nodefaults -no-user-config -display none -serial "file:$log" -no-reboot \
			-kernel "$dir/vmlinux" -initrd "$INITRD" -append "$append" </dev/null || qrc=$?
		end=$(date +%s.%N)
		# retry only a kernel that died before /init ran: that is TCG's flake, not vmscope's
		if ! grep -aq '^KMX-BOOTED' "$log" && grep -aqE 'Oops|Kernel panic' "$log" &&
			[ "$try" -le "$RETRIES" ]; then
			cp "$log" "$log.oops$try"
			continue
		fi
		break
	done
	printf 'wall=%.1f tries=%s qemu_rc=%s\n' "$(echo "$end - $start" | bc)" "$try" "$qrc" >"$LOGS/$ver.host"
}

kernels=()
while read -r tag ver dir; do
	[ "$tag" = kernel ] || continue
	kernels+=("$ver")
	if [ "$JOBS" -gt 1 ]; then
		boot "$ver" "$dir" &
		# at most JOBS at once
		while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
	else
		boot "$ver" "$dir"
	fi
done <<<"$list"
wait
[ ${#kernels[@]} -gt 0 ] || { echo "kmx: no kernel to boot" >&2; exit 1; }

rc=0 total_p=0 total_f=0
rows=()
for ver in "${kernels[@]}"; do
	log=$LOGS/$ver.log
	host=$(cat "$LOGS/$ver.host")
	wall=$(echo "$host" | sed -n 's/.*wall=\([^ ]*\).*/\1/p')
	tries=$(echo "$host" | sed -n 's/.*tries=\([^ ]*\).*/\1/p')
	qrc=$(echo "$host" | sed -n 's/.*qemu_rc=\([^ ]*\).*/\1/p')
	clean=$(tr -d '\r' <"$log")
	echo "=== kernel $ver (qemu ${wall} s$([ "$tries" -gt 1 ] && echo ", boot $tries after oopses"))"
	# everything from /init on: the features table, the tests' output, the summary
	echo "$clean" | sed -n '/^KMX-BOOTED/,$p'
	tier=$(echo "$clean" | sed -n 's/^KMX-TIER \([^ ]*\).*/\1/p')
	p=$(echo "$clean" | grep -c '^PASS: ' || true)
	f=$(echo "$clean" | grep -c '^FAIL: ' || true)
	status=ok
	if ! echo "$clean" | grep -q '^KMX-SUMMARY '; then
		status="NO-FINISH"
		f=$((f + 1))
		if [ "$qrc" = 124 ]; then
			echo "FAIL: $ver: the guest did not finish in ${TIMEOUT} s (qemu killed)"
		else
			echo "FAIL: $ver: the guest did not finish (qemu exit $qrc)"
		fi
		# before /init the guest printed nothing above: show how far the kernel got
		if ! echo "$clean" | grep -q '^KMX-BOOTED'; then
			echo "--- last console lines ($log):"
			echo "$clean" | tail -n 25 | sed 's/^/    /'
		fi
	elif [ "$f" -gt 0 ]; then
		status=FAIL
	fi
	[ "$status" = ok ] || rc=1
	total_p=$((total_p + p)) total_f=$((total_f + f))
	rows+=("$(printf '%-24s %-14s %-14s %6s %6s %8s  %s' "$ver" "${tier:--}" "$(expected_tier "$ver")" \
		"$p" "$f" "${wall}s" "$status")")
done

echo
printf '%-24s %-14s %-14s %6s %6s %8s  %s\n' kernel tier expected passed failed boot result
printf '%s\n' "${rows[@]}"
if [ $rc -eq 0 ]; then
	[ -n "${KMX_LOGS:-}" ] || rm -rf "$LOGS"
else
	echo "kmx: console logs in $LOGS"
fi
echo "test-kernels: ${#kernels[@]} kernels, $total_p passed, $total_f failed"
exit $rc
