#!/bin/bash
# Names in the live model are interned under a keyed hash (bpf/vmscope.h): each `start` draws its
# key (two starts, two keys), the kernel side and user space hash alike under a key made known
# (VMSCOPE_TEST_NAME_KEY), and an id that already holds another name, which is what a collision
# makes, never shows that name: the region is left unnamed and read from /proc. No real collision
# can be searched for in a test: name_plant writes one into the table. Both tiers, and watch
# (whose table is its own, keyed at its load).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

T=$TMPDIR_TEST
PLANT=$HELPERS/name_plant
KEY=0123456789abcdeffedcba9876543210
FAKE=/planted/by/the/test/libc-planted.so.6

if [ "$(id -u)" -ne 0 ]; then skip_bpf "name interning" "needs root"; exit 0; fi
[ -x "$PLANT" ] || { fail "names" "$PLANT is not built (make tests-build)"; exit 0; }

# The key of the running model, in hex (k0 then k1), from its pinned vms_info.
key_of() {
	bpftool -j map dump pinned "$PIN/maps/vms_info" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
v = d.get("formatted", d)["value"]["name_key"]
print("%016x%016x" % (int(v[0]), int(v[1])))' 2>/dev/null
}

# sip HEXKEY TEXT: the name id of TEXT, SipHash-2-4 as the contract spells it, in hex.
sip() {
	python3 - "$1" "$2" <<'PY'
import sys
M = 2**64 - 1
rotl = lambda x, b: ((x << b) | (x >> (64 - b))) & M
k0, k1 = int(sys.argv[1][:16], 16), int(sys.argv[1][16:], 16)
m = sys.argv[2].encode()
v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d, k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]
def rnd():
    v[0] = (v[0] + v[1]) & M; v[1] = rotl(v[1], 13) ^ v[0]; v[0] = rotl(v[0], 32)
    v[2] = (v[2] + v[3]) & M; v[3] = rotl(v[3], 16) ^ v[2]
    v[0] = (v[0] + v[3]) & M; v[3] = rotl(v[3], 21) ^ v[0]
    v[2] = (v[2] + v[1]) & M; v[1] = rotl(v[1], 17) ^ v[2]; v[2] = rotl(v[2], 32)
def block(w, rounds):
    v[3] ^= w
    for _ in range(rounds): rnd()
    v[0] ^= w
n = len(m)
for i in range(0, n - n % 8, 8):
    block(int.from_bytes(m[i:i + 8], "little"), 2)
block(int.from_bytes(m[n - n % 8:], "little") | (n & 0xff) << 56, 2)
v[2] ^= 0xff
for _ in range(4): rnd()
print("%x" % ((v[0] ^ v[1] ^ v[2] ^ v[3]) or 1))
PY
}

# fnv TEXT: the id of TEXT under the unkeyed FNV-1a-64 that names had before (seeded with the
# length): what a crafted name could be made to collide with, knowing no key.
fnv() {
	python3 -c '
import sys
m = sys.argv[1].encode(); h = 0xcbf29ce484222325 ^ len(m)
for c in m: h = ((h ^ c) * 0x100000001b3) & (2**64 - 1)
print("%x" % (h or 1))' "$1"
}

# The names of the regions in bpf.json and bpf.txt (not the header, which has the command line).
region_names() {
	python3 -c 'import json, sys
print("\n".join(r["name"] for r in json.load(open(sys.argv[1]))["regions"]))' "$T/bpf.json"
	tail -n +2 "$T/bpf.txt"
}

cp /bin/true "$T/victim.so"
for tier in kfunc-resync event-resync; do
	env=()
	[ "$tier" = event-resync ] && env=(VMSCOPE_TIER=event-resync)
	"$VMSCOPE" stop >/dev/null 2>&1
	env "${env[@]}" "$VMSCOPE" start >/dev/null 2>&1; k1=$(key_of)
	"$VMSCOPE" stop >/dev/null 2>&1
	env "${env[@]}" "$VMSCOPE" start >/dev/null 2>&1; k2=$(key_of)
	"$VMSCOPE" stop >/dev/null 2>&1
	check "$tier: each start draws a name key ($k1, $k2)" \
		test -n "$k1" -a -n "$k2" -a "$k1" != "$k2" -a "$k1" != "${k1//?/0}"

	env "${env[@]}" VMSCOPE_TEST_NAME_KEY=$KEY "$VMSCOPE" start >/dev/null 2>&1
	check "$tier: VMSCOPE_TEST_NAME_KEY sets the key" test "$(key_of)" = $KEY
	start_bg "$T/p.out" "$PLANT" "$T/victim.so" "$FAKE"; p=$BG_PID
	# the model names the region (tier event-resync: when a reader first looks)
	"$VMSCOPE" map --backend bpf "$p" >/dev/null 2>&1
	if [ -n "$p" ] && kill -USR1 "$p" && wait_for "$T/p.out" '^planted' 10 "$p"; then
		id=$(sed -n 's/^planted //p' "$T/p.out")
		check "$tier: the kernel side's name id is user space's under the key ($id)" \
			test "$id" = "$(sip $KEY "$T/victim.so")"
		# tier event-resync answers the first read after a change from /proc: the next from the model
		"$VMSCOPE" map --backend bpf "$p" >/dev/null 2>&1
		"$VMSCOPE" map --backend bpf --format json "$p" >"$T/bpf.json" 2>"$T/bpf.err"
		"$VMSCOPE" map --backend bpf "$p" >"$T/bpf.txt" 2>>"$T/bpf.err"
		check "$tier: a name whose id holds another name never shows that name" \
			test -s "$T/bpf.json" -a -s "$T/bpf.txt" -a "$(region_names | grep -c "${FAKE##*/}")" = 0
		check "$tier: ... and shows its own (read from /proc)" \
			cmp -s <(sed 's/"backend": "[a-z]*"//' "$T/bpf.json") \
			<("$VMSCOPE" map --backend procfs --format json "$p" 2>/dev/null | sed 's/"backend": "[a-z]*"//')
	else
		fail "$tier: planting a colliding name" "$(head -c 300 "$T/p.out.err")"
	fi
	kill_pid "$p"
	"$VMSCOPE" stop >/dev/null 2>&1
done

# watch: the ids the file's name would have (the key known, and the old unkeyed hash) already
# hold another name when the region is mapped; the event never shows that name.
start_bg "$T/w.out" "$PLANT" "$T/victim.so" "$FAKE" "$(sip $KEY "$T/victim.so")" "$(fnv "$T/victim.so")"
p=$BG_PID
VMSCOPE_TEST_NAME_KEY=$KEY "$VMSCOPE" watch --json -p "$p" >"$T/w.json" 2>"$T/w.err" &
wpid=$!
cleanup_pid "$wpid"
if wait_for "$T/w.err" attached 10 "$wpid" && kill -USR1 "$p" && wait_for "$T/w.out" '^planted' 10 "$p" &&
	wait_for "$T/w.json" '"map"' 5; then
	sleep 0.3
	kill -INT "$wpid"; wait_exit "$wpid" 10
	check "watch: a name whose id holds another name never shows that name" \
		test "$(grep -c "${FAKE##*/}" "$T/w.json")" = 0
else
	fail "watch: planting a colliding name" "$(head -c 300 "$T/w.out.err" "$T/w.err")"
fi
kill_pid "$p"
