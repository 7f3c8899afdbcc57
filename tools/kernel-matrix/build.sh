#!/bin/bash
# Kernel matrix, build half: fetch Debian kernel images (never installed: only /boot is taken
# out of the .deb), extract an uncompressed vmlinux for PVH boot, build the static vmscope and
# helpers (`make static`), pack the guest initramfs. Idempotent: kernels are cached, the
# initramfs is repacked only when something in it changed.
#
#   tools/kernel-matrix/build.sh            # kernels from $KMX_KERNELS (see run.sh)
#
# Kernels go to $KMX_CACHE (default /var/cache/vmscope-kmx), outside the repo so that clones
# share them; the initramfs and the list of kernels to boot go to .output/static/kmx/.
# Last lines on stdout: one "kernel VERSION DIR" per kernel (run.sh reads them).
#
# Where packages come from: the system's apt lists first (bookworm, bookworm-security: 6.1 and
# 6.12), then a private apt configuration in $KMX_CACHE/apt (its own sources, lists, cache and
# an empty dpkg status) that knows only the suites of $KMX_SUITES (default trixie-backports and
# sid: the newer kernels) on the mirror that the system's own sources use. The system's
# /etc/apt is never changed. The private suites are checked against the system's Debian archive
# keyring (bookworm's debian-archive-keyring has had trixie's keys since 2023.3+deb12u2); if it
# does not verify them, the newest debian-archive-keyring that the system's lists offer (itself
# verified by apt against the system's keyring) is unpacked into the cache and used instead.
# `newest` in $KMX_KERNELS stands for the newest linux-image-VERSION-amd64 of the private lists,
# which are then updated first.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${KMX_CACHE:-/var/cache/vmscope-kmx}
# Pinned, so that CI boots the same kernels on every run: linux-image-amd64 is bookworm's 6.1,
# linux-image-6.12-amd64 comes from bookworm-security, the 6.18 and 7.3 images from
# trixie-backports.
KERNELS=${KMX_KERNELS:-"linux-image-amd64 linux-image-6.12-amd64 linux-image-6.18.15+deb13-amd64 linux-image-7.3.4+deb13-amd64"}
SUITES=${KMX_SUITES:-"trixie-backports sid"}
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

# ---- the private apt configuration (newer suites), in $CACHE/apt ----
PA=$CACHE/apt
SYS_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# apt-get/apt-cache options to see only $PA's sources, lists, cache, dpkg status (empty) and
# preferences (none); the system's apt.conf (a proxy, say) still applies. As root, apt would
# drop to _apt for downloads, who may not write to the cache: stay root.
papt_opts=(-o "Dir::Etc::SourceList=$PA/sources.list" -o "Dir::Etc::SourceParts=$PA/empty"
	-o "Dir::Etc::Preferences=$PA/empty/none" -o "Dir::Etc::PreferencesParts=$PA/empty"
	-o "Dir::State=$PA/state" -o "Dir::State::Lists=$PA/lists" -o "Dir::State::status=$PA/status"
	-o "Dir::Cache=$PA/cache" -o "APT::Architecture=amd64" -o "APT::Architectures=amd64"
	-o "Acquire::Languages=none" -o "APT::Sandbox::User=root")
papt_get() { apt-get "${papt_opts[@]}" "$@"; }
papt_cache() { apt-cache "${papt_opts[@]}" "$@"; }
# The mirror of the system's sources for the Debian archive: the site of its plain suite
# (bookworm's, not bookworm-security's). KMX_MIRROR overrides it.
mirror() {
	# shellcheck disable=SC2016 # apt's format variables, not the shell's
	apt-get indextargets --format '$(SITE) $(RELEASE)' 'Identifier: Packages' 2>/dev/null |
		awk '$2 !~ /-/ { print $1; exit }'
}
# papt_sources KEYRING: writes $PA/sources.list: $SUITES' main, checked against KEYRING
papt_sources() {
	local s m
	m=${KMX_MIRROR:-$(mirror)}
	[ -n "$m" ] || { log "no Debian mirror in the system's apt sources (set KMX_MIRROR)"; return 1; }
	for s in $SUITES; do echo "deb [arch=amd64 signed-by=$1] $m $s main"; done >"$PA/sources.list.tmp"
	mv "$PA/sources.list.tmp" "$PA/sources.list"
}
# The newest debian-archive-keyring of the system's lists (apt verifies the .deb against the
# system's keyring), unpacked into $PA/keyring; prints the path of its keyring.
newer_keyring() {
	local d=$PA/keyring
	rm -rf "$d"
	mkdir -p "$d/deb"
	(cd "$d/deb" && apt-get download -q -o APT::Sandbox::User=root debian-archive-keyring >/dev/null)
	dpkg-deb -x "$(ls "$d"/deb/debian-archive-keyring_*.deb)" "$d/root"
	echo "$d/root/usr/share/keyrings/debian-archive-keyring.gpg"
}
bad_sig() { grep -qE 'NO_PUBKEY|EXPKEYSIG|KEYEXPIRED|BADSIG|is not signed|GPG error' "$PA/update.log"; }
papt_updated=0
papt_update() { # once per run; fails when a suite could not be fetched or verified
	[ $papt_updated = 0 ] || return 0
	papt_updated=1
	mkdir -p "$PA/empty" "$PA/state" "$PA/lists/partial" "$PA/cache/archives/partial"
	local kr rc=0
	# one update at a time, should two clones share the cache
	exec 9>"$PA/.update.lock"
	flock -w 600 9 || log "waited 10 min for $PA/.update.lock: updating anyway"
	: >"$PA/status"
	kr=$(cat "$PA/keyring.used" 2>/dev/null || true)
	[ -s "$kr" ] || kr=$SYS_KEYRING
	log "apt-get update of the private lists ($SUITES)"
	papt_sources "$kr" && { papt_get -q update >"$PA/update.log" 2>&1 || true; }
	if bad_sig && [ "$kr" = "$SYS_KEYRING" ]; then
		log "$SYS_KEYRING does not verify $SUITES: trying the newest debian-archive-keyring"
		kr=$(newer_keyring) && papt_sources "$kr" &&
			{ papt_get -q update >"$PA/update.log" 2>&1 || true; }
	fi
	if [ ! -s "$PA/update.log" ] || bad_sig || grep -q '^E:' "$PA/update.log"; then
		{ grep -E '^(E|W):' "$PA/update.log" 2>/dev/null || true; } | head -n 5 | sed 's/^/kmx:   /' >&2
		log "apt-get update of the private lists failed (log: $PA/update.log)"
		rc=1
	else
		{ grep '^W:' "$PA/update.log" || true; } | head -n 5 | sed 's/^/kmx:   /' >&2
		echo "$kr" >"$PA/keyring.used"
	fi
	exec 9>&-
	return $rc
}
# The newest linux-image-VERSION-amd64 of the private lists, by Debian version order: the plain
# image that the other kernels of the matrix are too (not -cloud, -rt, -dbg or -unsigned).
newest() {
	local best="" bestv="" p v
	while read -r p v; do
		if [ -z "$bestv" ] || dpkg --compare-versions "$v" gt "$bestv"; then best=$p bestv=$v; fi
	done < <(papt_cache pkgnames linux-image- | grep -E '^linux-image-[0-9]+\.[0-9]+[^-]*-amd64$' |
		xargs -r apt-cache "${papt_opts[@]}" show --no-all-versions 2>/dev/null |
		awk '/^Package: / { p = $2 } /^Version: / { print p, $2 }')
	[ -n "$best" ] || { log "newest: no linux-image-VERSION-amd64 in the private lists"; return 1; }
	log "newest: $best ($bestv)"
	echo "$best"
}

# Follows meta packages (linux-image-amd64 -> linux-image-6.1.0-NN-amd64) through apt's lists.
resolve() { # resolve APT-CACHE PKG: prints the versioned image package
	local ac=$1 pkg=$2 dep
	for _ in 1 2 3; do
		dep=$($ac depends "$pkg" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
		[ -n "$dep" ] || break
		pkg=$dep
	done
	echo "$pkg"
}
# lookup META: sets pkg (the image package) and src (sys: from the system's lists, priv: from
# the private ones); fails when neither has it.
lookup() {
	pkg=$(resolve apt-cache "$1")
	if apt-cache show "$pkg" >/dev/null 2>&1; then src=sys; return 0; fi
	[ -s "$PA/sources.list" ] || return 1
	pkg=$(resolve papt_cache "$1")
	if papt_cache show "$pkg" >/dev/null 2>&1; then src=priv; return 0; fi
	return 1
}
# A package that names its kernel release (linux-image-6.18.15+deb13-amd64, not a meta
# package): its cache directory is known without asking apt.
release_of() { local v=${1#linux-image-}; echo "${v%-unsigned}"; }
is_release() { [[ $1 =~ ^linux-image-[0-9]+\.[0-9]+[^-]*-[a-z0-9-]+$ ]]; }

# an interrupted download or extraction leaves nothing behind
dl="" tmp=""
trap 'rm -rf "$dl" "$tmp"' EXIT
# (and older ones, left by killed runs: not a concurrent run's, which are young)
find "$CACHE/debs" "$CACHE/kernels" -maxdepth 1 -name '.[dx]*.*' -mmin +600 -exec rm -rf {} +
refreshed=0
kernel_dirs=()
for meta in $KERNELS; do
	src=""
	if [ "$meta" = newest ]; then
		papt_update
		pkg=$(newest)
		src=priv
	elif is_release "$meta" && [ -s "$CACHE/kernels/$(release_of "$meta")/vmlinux" ]; then
		pkg=$meta src=cached
	elif ! lookup "$meta"; then
		# A fresh machine may have no apt lists, or old ones: refresh both once.
		if [ $refreshed = 0 ]; then
			refreshed=1
			log "apt-get update (no candidate for $meta)"
			apt-get update -q >/dev/null || log "apt-get update of the system's lists failed"
			papt_update || true
		fi
		if ! lookup "$meta"; then
			# offline: fall back on what this package resolved to last time
			if [ -s "$CACHE/kernels/$meta.resolved" ]; then
				pkg=$(cat "$CACHE/kernels/$meta.resolved") src=cached
				log "$meta: not in apt's lists, using the cached $pkg"
			else
				log "$meta: in neither the system's apt lists nor the private ones ($SUITES)"
				exit 1
			fi
		fi
	fi
	ver=$(release_of "$pkg")
	dir=$CACHE/kernels/$ver
	if [ -s "$dir/vmlinux" ] && [ -s "$dir/vmlinuz" ]; then
		log "kernel $ver: cached in $dir"
	else
		[ "$src" != cached ] || { log "$pkg: no kernel in $dir"; exit 1; }
		log "kernel $ver: downloading $pkg (from the $([ "$src" = priv ] && echo private || echo "system's") lists)"
		# Up to 6.18 the image package holds /boot/vmlinuz-* and /boot/config-*; from 6.19 on it
		# is empty and depends on linux-binary-REL (/usr/lib/modules/REL/vmlinuz) and
		# linux-base-REL (.../config), and on linux-modules-REL, which is not needed here.
		if [ "$src" = priv ]; then ac=papt_cache; else ac=apt-cache; fi
		debs=("$pkg")
		for d in $($ac depends "$pkg" 2>/dev/null |
				awk -v r="$ver" '$1 == "Depends:" && ($2 == "linux-binary-" r || $2 == "linux-base-" r) { print $2 }'); do
			debs+=("$d")
		done
		dl=$(mktemp -d "$CACHE/debs/.dl.XXXXXX")
		if [ "$src" = priv ]; then
			(cd "$dl" && papt_get download -q "${debs[@]}" >/dev/null)
		else
			# as root, apt would drop to _apt, who may not write to the cache
			(cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "${debs[@]}" >/dev/null)
		fi
		tmp=$(mktemp -d "$CACHE/kernels/.x.XXXXXX")
		for deb in "$dl"/*.deb; do
			# only the kernel and its config (tar: "not found" for the patterns a .deb lacks)
			dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' \
				'./boot/config-*' "./usr/lib/modules/$ver/vmlinuz" "./usr/lib/modules/$ver/config" \
				2>/dev/null || true
		done
		rm -rf "$dl"
		mkdir -p "$tmp/k"
		for f in vmlinuz config; do
			set -- "$tmp"/boot/"$f"-* "$tmp/usr/lib/modules/$ver/$f"
			while [ $# -gt 0 ] && [ ! -s "$1" ]; do shift; done
			[ $# -gt 0 ] || { log "no $f in ${debs[*]}"; exit 1; }
			cp "$1" "$tmp/k/$f"
		done
		# Under TCG the in-guest decompressor is slow (6.1 is XZ: ~4-5 s); qemu boots the ELF
		# vmlinux directly through its PVH entry (CONFIG_PVH=y in Debian's kernels). Same
		# method as the kernel's scripts/extract-vmlinux: try every compressed-stream magic.
		found=0
		for spec in 'fd377a585a00:xz -dcq' '28b52ffd:zstd -dcq' '1f8b0800:gzip -dcq' '02214c18:lz4 -dcq'; do
			magic=${spec%%:*} tool=${spec#*:}
			for off in $(LC_ALL=C grep -aboP "$(echo "$magic" | sed 's/../\\x&/g')" "$tmp/k/vmlinuz" |
					cut -d: -f1); do
				tail -c +$((off + 1)) "$tmp/k/vmlinuz" | $tool >"$tmp/k/vmlinux" 2>/dev/null || true
				if [ "$(head -c 4 "$tmp/k/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
					found=1; break 2
				fi
			done
		done
		[ $found = 1 ] || { log "could not extract vmlinux from ${debs[*]}"; exit 1; }
		grep -q '^CONFIG_PVH=y' "$tmp/k/config" ||
			log "warning: $ver has no CONFIG_PVH: the ELF vmlinux will not boot"
		rm -rf "$dir"
		mv "$tmp/k" "$dir"
		rm -rf "$tmp"	# the extracted kernel is all we keep (~60-80 MB per kernel)
		tmp=""
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
