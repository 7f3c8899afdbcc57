#!/bin/bash
# Regenerates the fuzz seeds of the core reader (tests/fuzz/corpus/core/): real cores of a small
# static build of tests/helpers/core_threads (2 threads, coredump_filter 0: no memory contents,
# only headers and notes: a few KB each), dumped by the kernel (core_pattern pointed at a scratch
# dir, restored at exit) and by gdb's gcore. Each seed is an options byte (fuzz_core.c) + the core.
# Needs root (core_pattern) and gdb. Run by hand; the seeds are checked in. make_core_seeds.sh DIR:
# into DIR instead (tests/e2e/fuzz_smoke.sh makes fresh ones there and runs the target on them).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/corpus/core}
tmp=$(mktemp -d /tmp/vms-seeds.XXXXXX)
pattern=/proc/sys/kernel/core_pattern
old=$(cat "$pattern")
trap 'printf "%s\n" "$old" >"$pattern"; rm -rf "$tmp"' EXIT
cc -static -O1 -D_GNU_SOURCE -o "$tmp/h" "$here/../helpers/core_threads.c" -lpthread
mkdir -p "$tmp/f" "$out"
start() {
	"$tmp/h" --threads 2 --dir "$tmp/f" --filter 0 >"$tmp/out" &
	pid=$!
	for _ in $(seq 200); do grep -q ready "$tmp/out" && return 0; sleep 0.05; done
	return 1
}
start
gcore -o "$tmp/g" "$pid" >/dev/null 2>&1
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
start
printf '%s\n' "$tmp/k.%p" >"$pattern"
prlimit --pid "$pid" --core=unlimited:unlimited
kill -QUIT "$pid"; wait "$pid" 2>/dev/null || true
printf "%s\n" "$old" >"$pattern"
{ printf '\0'; cat "$tmp"/g.*; } >"$out/gcore_static"
{ printf '\0'; cat "$tmp"/k.*; } >"$out/kernel_static"
ls -l "$out"
