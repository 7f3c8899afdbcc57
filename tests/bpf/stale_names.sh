#!/bin/bash
# A mapped file unlinked or renamed after it was mapped changes /proc's name for it (" (deleted)",
# the new path) and no syscall of the process says so. The model names it as it was mapped: its
# readers check each path against the inode it names now, and resync a process whose name went
# stale, so the model still equals /proc (served by the model, not by a fallback). A library
# replaced under a running process (a package upgrade) is the common case. Both tiers, map PID and
# map --all. Real BPF: under VMSCOPE_REQUIRE_BPF=1 it must run.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then skip_bpf "stale names" "needs root"; exit 0; fi
T=$TMPDIR_TEST

# mapper DIR: maps DIR/a.dat, DIR/b.dat, DIR/lib.so (a copy of libc) and DIR/sub/c.dat, then waits
mapper() {
	exec python3 -c '
import mmap, os, sys, time
d = sys.argv[1]
keep = []
for n in ("a.dat", "b.dat", "lib.so", "sub/c.dat"):
    f = open(os.path.join(d, n), "rb")
    keep.append(mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ))
print("ready", flush=True)
while True:
    time.sleep(1)' "$1"
}

# same_as_proc NAME PID [stale]: map --backend bpf equals /proc, from the model (no fallback), for map PID
# and for the process's line of map --all
same_as_proc() {
	local name=$1 pid=$2 a b err
	a=$("$VMSCOPE" map -v --backend bpf -F json "$pid" 2>"$T/e.err" | sed 's/"backend": "bpf"/"backend": "-"/')
	b=$("$VMSCOPE" map --backend procfs -F json "$pid" | sed 's/"backend": "procfs"/"backend": "-"/')
	err=$(grep 'reading /proc' "$T/e.err")
	if [ "${3:-}" = stale ] && ! grep -q "unlinked or renamed since it was mapped: resyncing" "$T/e.err"; then
		fail "$name: -v says the name went stale" "$(grep debug "$T/e.err" | tail -n 2)"
	fi
	if [ -n "$a" ] && [ "$a" = "$b" ] && [ -z "$err" ]; then pass "$name: map PID equals /proc, from the model"
	else
		fail "$name: map PID equals /proc, from the model" "${err:-differs}"
		diff <(echo "$a" | python3 -m json.tool) <(echo "$b" | python3 -m json.tool) | head -n 8 | sed 's/^/    /'
	fi
	a=$("$VMSCOPE" map --all -F json 2>/dev/null | grep "^{\"pid\": $pid," | sed 's/"backend": "[a-z]*"/"backend": "-"/')
	b=$(echo "$b" | tr -d '\n')
	if echo "$a" | grep -q '"backend"' && [ "$(echo "$a" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d["regions"], sort_keys=True))')" = \
		"$(echo "$b" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d["regions"], sort_keys=True))')" ]; then
		pass "$name: map --all has /proc's regions"
	else fail "$name: map --all has /proc's regions" "$(echo "$a" | head -c 200)"; fi
}

for tier in kfunc-resync event-resync; do
	"$VMSCOPE" stop >/dev/null 2>&1
	if ! VMSCOPE_TIER=$tier "$VMSCOPE" start >"$T/start.out" 2>&1; then
		fail "start ($tier)" "$(head -c 300 "$T/start.out")"; continue
	fi
	D=$T/files.$tier
	rm -rf "$D"; mkdir -p "$D/sub"
	head -c 65536 /dev/urandom >"$D/a.dat"
	head -c 65536 /dev/urandom >"$D/b.dat"
	head -c 65536 /dev/urandom >"$D/sub/c.dat"
	cp "$(ldd /bin/sh | awk '/libc.so/ {print $3}')" "$D/lib.so"
	start_bg "$T/mapper.out" mapper "$D" || { fail "mapper ($tier)" "did not start"; continue; }
	mp=$BG_PID
	same_as_proc "$tier: as mapped" "$mp"
	rm "$D/a.dat"
	same_as_proc "$tier: a mapped file unlinked" "$mp" stale
	mv "$D/b.dat" "$D/b.renamed"
	same_as_proc "$tier: a mapped file renamed" "$mp" stale
	mv "$D/sub" "$D/sub2"
	same_as_proc "$tier: the directory of a mapped file renamed" "$mp" stale stale
	# an upgrade: a new file put in the old one's place (rename over it)
	cp "$D/lib.so" "$D/lib.so.new" && mv "$D/lib.so.new" "$D/lib.so"
	same_as_proc "$tier: a mapped library replaced (rename over it)" "$mp" stale
	kill "$mp" 2>/dev/null; wait "$mp" 2>/dev/null
done
"$VMSCOPE" stop >/dev/null 2>&1
no_progs 'name (vms_|store_|resync_)' && pass "nothing of the model is left loaded" || fail "nothing of the model is left loaded"
