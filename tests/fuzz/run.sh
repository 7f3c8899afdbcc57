#!/bin/bash
# Builds the fuzz targets with clang (libFuzzer + ASan + UBSan) and runs them.
#   tests/fuzz/run.sh OUTDIR [TARGET...] [-- libFuzzer args...]
# Targets (tests/fuzz/fuzz_TARGET.c): procfs, args, names, records, render, snapshot, jsonimp,
# core, serve; all by default.
# Each input's first byte selects options (locale, flags), the rest is the data.
# Seeds: tests/fuzz/corpus/TARGET/ (checked in, small files; it accumulates: keep what a long
# run finds with `FUZZ_MERGE=1 tests/fuzz/run.sh OUTDIR TARGET -- -max_total_time=600`), plus
# for procfs this machine's /proc files in a temp dir. New inputs go to OUTDIR/corpus/TARGET,
# never into the checked-in corpus; dictionaries: tests/fuzz/TARGET.dict when present. The core
# seeds are real cores (kernel and gcore) of a static helper: tests/fuzz/make_core_seeds.sh.
# Default run: 20 s a target (-max_total_time=20). Deterministic CI mode: -runs=N -seed=1.
# Text output must hold no control byte (issue 20, finding 2); VMS_FUZZ_TEXT_CONTROLS=0 turns
# that check off.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:?usage: run.sh OUTDIR [TARGET...] [-- libFuzzer args...]}
shift
targets=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do targets+=("$1"); shift; done
[ $# -gt 0 ] && shift
[ ${#targets[@]} -gt 0 ] || targets=(procfs args names records render snapshot jsonimp core serve)
[ $# -gt 0 ] || set -- -max_total_time=20
CLANG=${CLANG:-clang}
mkdir -p "$out"

# What each target links: plain C over text or bytes, no main, CLI or BPF skeletons.
core="user/core/*.c user/core/*/*.c"
# shellcheck disable=SC2086 # $core: globs, expanded on purpose
sources() {
	case $1 in
	procfs) echo user/proc/*.c $core ;;
	args) echo $core ;;
	names | records) echo user/kernel/contract.c user/kernel/vma_records.c $core ;;
	render) echo user/watch/render.c user/watch/render_text.c user/watch/render_json.c \
		user/kernel/contract.c $core ;;
	snapshot) echo user/snapshot/file.c $core -lz ;;
	jsonimp) echo $core ;;
	core) echo user/elfcore/*.c user/proc/procfs.c $core -lelf ;;
	serve) echo user/serve/metrics.c user/serve/prom.c user/serve/otlp_json.c user/serve/sample.c \
		$core ;;
	*) echo "run.sh: unknown target '$1'" >&2; return 1 ;;
	esac
}

rc=0
for t in "${targets[@]}"; do
	srcs=$(cd "$root" && sources "$t")
	# shellcheck disable=SC2086
	(cd "$root" && $CLANG -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-D_GNU_SOURCE -Iuser -Iuser/core -Ibpf -Itests/fuzz "tests/fuzz/fuzz_$t.c" $srcs \
		-o "$out/fuzz_$t")
	# fresh each run: results depend only on the checked-in seeds and the args
	rm -rf "$out/corpus/$t" "$out/seeds/$t" "$out/artifacts/$t"
	mkdir -p "$out/corpus/$t" "$out/seeds/$t" "$out/artifacts/$t"
	if [ "$t" = procfs ]; then
		# this machine's /proc as extra seeds (options byte 0 and 16: both locales)
		for f in maps smaps stat cmdline numa_maps; do
			for o in 000 020; do
				{ printf '%b' "\\0$o"; head -c 16384 "/proc/self/$f"; } >"$out/seeds/$t/self_${f}_$o" 2>/dev/null || true
			done
		done
	fi
	dict=()
	[ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
	echo "== fuzz_$t"
	if ! "$out/fuzz_$t" -rss_limit_mb=1024 -artifact_prefix="$out/artifacts/$t/" "${dict[@]}" "$@" \
		"$out/corpus/$t" "$here/corpus/$t" "$out/seeds/$t"; then
		rc=1
	fi
	if [ "${FUZZ_MERGE:-0}" = 1 ]; then
		"$out/fuzz_$t" -merge=1 "${dict[@]}" "$here/corpus/$t" "$out/corpus/$t"
	fi
done
exit $rc
