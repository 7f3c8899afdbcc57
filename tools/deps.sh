#!/bin/sh
# Install every Debian package needed to build, test and benchmark vmscope (Debian 12, as root).
set -eu
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
PKGS="make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev pkg-config libcmocka-dev
      procps python3 jq util-linux coreutils findutils libclang-rt-14-dev
      bpftrace strace time linux-perf gdb
      qemu-system-x86 busybox-static zstd xz-utils lz4 bc cpio
      gcc-mingw-w64-x86-64 wine wine64
      libxml2-utils chromium fonts-dejavu-core groff-base man-db bsdutils
      libmicrohttpd-dev libcurl4-openssl-dev libprotobuf-c-dev protobuf-c-compiler
      libmicrohttpd12 libcurl4 libprotobuf-c1
      protobuf-compiler prometheus curl
      python3-protobuf systemd iproute2"
# shellcheck disable=SC2086
if dpkg-query -W -f='${Status}\n' $PKGS 2>/dev/null | grep -qv 'install ok installed' \
   || [ "$(dpkg-query -W -f='${Status}\n' $PKGS 2>/dev/null | wc -l)" -ne "$(echo $PKGS | wc -w)" ]; then
	$SUDO apt-get update -q
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -q --no-install-recommends $PKGS
else
	echo "deps: all packages already installed"
fi
