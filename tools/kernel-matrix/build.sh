#!/bin/bash
# Kernel matrix, build half: fetch Debian kernel images (never installed: only /boot is taken
# out of the .deb), extract an uncompressed vmlinux for PVH boot, build the static vmscope and
# helpers (`make static`), pack the guest initramfs. Idempotent: kernels are cached, the
# initramfs is repacked only when something in it changed.
#
#   tools/kernel-matrix/build.sh            # kernels from $KMX_KERNELS (Debian package names)
#
# Kernels go to $KMX_CACHE (default /var/cache/vmscope-kmx), outside the repo so that clones
# share them; the initramfs and the list of kernels to boot go to .output/static/kmx/.
# Last lines on stdout: one "kernel VERSION DIR" per kernel (run.sh reads them).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${KMX_CACHE:-/var/cache/vmscope-kmx}
# linux-image-amd64 is bookworm's 6.1; linux-image-6.12-amd64 comes from bookworm-security.
KERNELS=${KMX_KERNELS:-"linux-image-amd64 linux-image-6.12-amd64"}
OUT=$ROOT/.output/static/kmx
mkdir -p "$CACHE/debs" "$CACHE/kernels" "$OUT"

log() { echo "kmx: $*" >&2; }

for t in qemu-system-x86_64 dpkg-deb apt-get xz zstd cpio; do
	command -v "$t" >/dev/null || { log "missing $t (run: make deps)"; exit 1; }
done
# the guest has no libc: busybox must be busybox-static's
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
	log "/bin/busybox is missing or not static (run: make deps)"; exit 1
fi

# Follows meta packages (linux-image-amd64 -> linux-image-6.1.0-NN-amd64) through apt's lists.
resolve() { # resolve PKG: prints the versioned image package
	local pkg=$1 dep
	for _ in 1 2 3; do
		dep=$(apt-cache depends "$pkg" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
		[ -n "$dep" ] || break
		pkg=$dep
	done
	echo "$pkg"
}
updated=0
kernel_dirs=()
for meta in $KERNELS; do
	pkg=$(resolve "$meta")
	# A fresh machine may have no apt lists (or old ones without bookworm-security's 6.12).
	if ! apt-cache show "$pkg" >/dev/null 2>&1 && [ $updated = 0 ]; then
		log "apt-get update (no candidate for $meta)"
		apt-get update -q >/dev/null
		updated=1
		pkg=$(resolve "$meta")
	fi
	if ! apt-cache show "$pkg" >/dev/null 2>&1; then
		# offline: fall back on what this meta package resolved to last time
		if [ -s "$CACHE/kernels/$meta.resolved" ]; then
			pkg=$(cat "$CACHE/kernels/$meta.resolved")
			log "$meta: not in apt's lists, using the cached $pkg"
		else
			log "$meta: no such package in apt's lists"; exit 1
		fi
	fi
	ver=${pkg#linux-image-}
	ver=${ver%-unsigned}
	dir=$CACHE/kernels/$ver
	if [ -s "$dir/vmlinux" ] && [ -s "$dir/vmlinuz" ]; then
		log "kernel $ver: cached in $dir"
	else
		log "kernel $ver: downloading $pkg"
		# as root, apt would drop to _apt, who may not write to the cache: say so rather than warn
		dl=$(mktemp -d "$CACHE/debs/.dl.XXXXXX")
		(cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null)
		mv "$dl"/*.deb "$CACHE/debs/"
		deb=$(ls -t "$CACHE/debs/${pkg}_"*.deb | head -n 1)
		rmdir "$dl"
		tmp=$(mktemp -d "$CACHE/kernels/.x.XXXXXX")
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./boot
		mkdir -p "$tmp/k"
		cp "$tmp"/boot/vmlinuz-* "$tmp/k/vmlinuz"
		cp "$tmp"/boot/config-* "$tmp/k/config"
		# Under TCG the in-guest decompressor is slow (6.1 is XZ: ~4-5 s); qemu boots the ELF
		# vmlinux directly through its PVH entry (CONFIG_PVH=y in Debian's kernels). Same
		# method as the kernel's scripts/extract-vmlinux: try every compressed-stream magic.
		found=0
		for spec in 'fd377a585a00:xz -dcq' '28b52ffd:zstd -dcq' '1f8b0800:gzip -dcq'; do
			magic=${spec%%:*} tool=${spec#*:}
			for off in $(LC_ALL=C grep -aboP "$(echo "$magic" | sed 's/../\\x&/g')" "$tmp/k/vmlinuz" |
					cut -d: -f1); do
				tail -c +$((off + 1)) "$tmp/k/vmlinuz" | $tool >"$tmp/k/vmlinux" 2>/dev/null || true
				if [ "$(head -c 4 "$tmp/k/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
					found=1; break 2
				fi
			done
		done
		[ $found = 1 ] || { log "could not extract vmlinux from $deb"; rm -rf "$tmp"; exit 1; }
		grep -q '^CONFIG_PVH=y' "$tmp/k/config" ||
			log "warning: $ver has no CONFIG_PVH: the ELF vmlinux will not boot"
		rm -rf "$dir" "${tmp:?}/boot"
		mv "$tmp/k" "$dir"
		rmdir "$tmp"
		rm -f "$deb"	# the extracted kernel is all we keep (~60 MB per kernel instead of ~170)
		echo "$pkg" >"$CACHE/kernels/$meta.resolved"
	fi
	kernel_dirs+=("$ver $dir")
done

# ---- static vmscope + helpers ----
log "make static"
make -C "$ROOT" --no-print-directory -j"$(nproc)" static >&2

# ---- initramfs: busybox, vmscope, helpers, the guest runner (/init) and its tests ----
root=$OUT/root
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,var/tmp,helpers,tests/guest.d}
cp /bin/busybox "$root/bin/busybox"
cp "$ROOT/.output/static/vmscope" "$root/bin/vmscope"
cp "$ROOT"/.output/static/tests/helpers/* "$root/helpers/"
cp "$ROOT/tests/kernels/init" "$root/init"
cp "$ROOT/tests/kernels/lib.sh" "$root/tests/lib.sh"
cp "$ROOT"/tests/kernels/guest.d/*.sh "$root/tests/guest.d/"
cp "$ROOT/tests/watch_check.awk" "$root/tests/watch_check.awk"
chmod 755 "$root/init"
# Without /dev/console in the cpio, /init has no stdout until devtmpfs is mounted (if ever).
mknod -m 600 "$root/dev/console" c 5 1
mknod -m 666 "$root/dev/null" c 1 3
# Reproducible archive: fixed mtimes, sorted names; rewritten only when the content changed.
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet) |
	gzip -n -1 >"$OUT/initramfs.tmp"
if cmp -s "$OUT/initramfs.tmp" "$OUT/initramfs.cpio.gz"; then
	rm "$OUT/initramfs.tmp"
else
	mv "$OUT/initramfs.tmp" "$OUT/initramfs.cpio.gz"
fi
log "initramfs $OUT/initramfs.cpio.gz ($(du -h "$OUT/initramfs.cpio.gz" | cut -f1))"
for k in "${kernel_dirs[@]}"; do echo "kernel $k"; done
