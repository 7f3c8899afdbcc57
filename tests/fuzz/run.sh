#!/bin/bash
# Builds the procfs fuzzer with clang (libFuzzer + ASan + UBSan) and runs it.
#   tests/fuzz/run.sh OUTDIR [libFuzzer args...]
# The seed corpus is made at run time from this machine's /proc (no binary corpora in git).
# Default: 20 s (-max_total_time=20). Deterministic CI mode: pass -runs=N -seed=1.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:?usage: run.sh OUTDIR [libFuzzer args...]}
shift
CLANG=${CLANG:-clang}
# Fresh corpus and artifacts each run: results depend only on the seeds and the args.
rm -rf "$out/corpus" "$out/artifacts"
mkdir -p "$out/corpus" "$out/artifacts"

# All of user/ that is plain C over text: no main, CLI or BPF skeletons.
srcs=$(cd "$root" && ls user/proc/*.c user/core/*.c user/core/format/*.c)
# shellcheck disable=SC2086
(cd "$root" && $CLANG -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-D_GNU_SOURCE -Iuser -Iuser/core tests/fuzz/fuzz_procfs.c $srcs -o "$out/fuzz_procfs")

# Seeds: real maps/smaps/stat/cmdline, plus a few hand-made edge cases.
for f in maps smaps stat cmdline; do cat "/proc/self/$f" >"$out/corpus/self_$f" 2>/dev/null || true; done
cat /proc/1/stat >"$out/corpus/init_stat" 2>/dev/null || true
printf '1 ((a) (b)) S 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 -51 -20 1 0 5 0 0 1 1 1 1 140730000000000\n' \
	>"$out/corpus/odd_stat"
printf 'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n7f00-7f01 rw-s 0 00:01 32769 /SYSV00000000 (deleted)\n' \
	>"$out/corpus/odd_maps"

exec "$out/fuzz_procfs" -rss_limit_mb=1024 -artifact_prefix="$out/artifacts/" "$@" "$out/corpus"
