#!/bin/sh
# Regenerate the committed CO-RE header from a kernel's BTF.
#   tools/gen_vmlinux_h.sh [BTF_FILE] [ARCH]
# Defaults: the running kernel's BTF and the build machine's arch (x86, arm64, ...).
# The header is committed so that building never depends on the build host's kernel config.
set -eu
btf=${1:-/sys/kernel/btf/vmlinux}
arch=${2:-$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' -e 's/riscv64/riscv/' -e 's/s390x/s390/')}
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/vmlinux/$arch/vmlinux.h
bpftool=${BPFTOOL:-$(command -v bpftool || echo /usr/sbin/bpftool)}
[ -r "$btf" ] || { echo "gen_vmlinux_h: no BTF at $btf" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
tmp=$out.tmp
"$bpftool" btf dump file "$btf" format c > "$tmp"
mv "$tmp" "$out"
echo "wrote $out ($(wc -l < "$out") lines) from $btf"
