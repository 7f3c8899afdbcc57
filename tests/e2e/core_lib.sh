#!/bin/bash
# libvmscope-core: `make core` builds it alone, with an include path on which libbpf and the BPF
# headers cannot be found; the library references no bpf_ symbol; a test binary that links only
# it runs (tests/unit/test_core_lib.c, counted with the unit tests).
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/lib.sh"
root=$(cd "$here/.." && pwd)
T=core_lib
W=$TMPDIR_TEST

# A fresh build dir: only the core's sources may be compiled, BPF and skeletons never.
if make -C "$root" --no-print-directory OUTPUT_BASE="$W/out" core >"$W/make.log" 2>&1; then
	pass "$T: make core builds on its own"
else
	fail "$T: make core builds on its own" "$(tail -n 3 "$W/make.log" | tr '\n' ' ')"
fi
# where make puts it: `make SANITIZE=1 test` passes SANITIZE on, and that flavour builds in san/
lib=$W/out/libvmscope-core.a
[ "${SANITIZE:-}" = 1 ] && lib=$W/out/san/libvmscope-core.a
if [ -s "$lib" ] && ! grep -qE '(BPF|GEN-SKEL|skel)' "$W/make.log" &&
   ! grep -E '^ +CC ' "$W/make.log" | grep -vq 'user/core/'; then
	pass "$T: only user/core was compiled"
else
	fail "$T: only user/core was compiled" "$(grep -E 'CC|BPF' "$W/make.log" | grep -v user/core | head -n 3)"
fi

# The poison headers really stand in front of /usr/include/bpf.
printf '#include <bpf/libbpf.h>\n' >"$W/uses_libbpf.c"
if cc -I"$W/out/poison" -Iuser/core -c "$W/uses_libbpf.c" -o "$W/x.o" 2>"$W/cc.err"; then
	fail "$T: libbpf is not reachable from the core's include path" "it compiled"
else
	check "$T: libbpf is not reachable from the core's include path" grep -q 'libvmscope-core must build without libbpf' "$W/cc.err"
fi

syms=$(nm "$lib" 2>/dev/null | grep -E ' [A-Za-z] _*(bpf|btf|libbpf|elf)_' | head -n 3)
if [ -s "$lib" ] && [ -z "$syms" ]; then pass "$T: nm shows no bpf_ symbol"
else fail "$T: nm shows no bpf_ symbol" "$syms"; fi

bin=$OUTPUT/tests/test_core_lib
syms=$(nm "$bin" 2>/dev/null | grep -E ' [A-Za-z] _*(bpf|btf|libbpf|elf)_' | head -n 3)
if [ -x "$bin" ] && [ -z "$syms" ] && ! ldd "$bin" | grep -qE 'libbpf|libelf|libz'; then
	pass "$T: the core-only unit test links nothing of libbpf"
else
	fail "$T: the core-only unit test links nothing of libbpf" "$syms"
fi

# Snapshots: the codec is in the core, zlib is not (user/snapshot/ compresses; README "Snapshots").
zsyms=$(nm -u "$lib" 2>/dev/null | grep -wE '(inflate|deflate|compress2?|uncompress|compressBound|inflateInit_|deflateInit_)' | head -n 3)
if [ -s "$lib" ] && [ -z "$zsyms" ] && nm "$lib" 2>/dev/null | grep -q ' T snap_decode$'; then
	pass "$T: the snapshot codec is in the core and uses no zlib symbol"
else
	fail "$T: the snapshot codec is in the core and uses no zlib symbol" "$zsyms"
fi
