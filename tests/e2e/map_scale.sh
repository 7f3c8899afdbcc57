#!/bin/bash
# What any user can make root's `map` scan do is bounded: one file mapped 60,000 times (issue 20,
# finding 6: classifying each region rescanned every region, so --format json/csv were
# quadratic: 0.14 s for the pmap table, 8 s and more for json). Not a timed threshold on the
# work (machines are noisy): a timeout of LIMIT s, ten times what the linear code needs here,
# that the quadratic code blows by far. The kinds are checked too: 60,000 mapped-file regions.
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/lib.sh"
T=map_scale
W=$TMPDIR_TEST
LIMIT=${LIMIT:-3}
N=60000

if ! start_bg "$W/h.out" "$HELPERS/regions" many-file "$N"; then
	fail "$T: the helper maps one file $N times"
	exit 0
fi
p=$BG_PID
n=$(grep -c ' /var/tmp/.*many\.bin' "/proc/$p/maps")
check "$T: the helper maps one file $N times ($n)" test "$n" = "$N"
for f in pmap json csv; do
	timeout "$LIMIT" "$VMSCOPE" map -F "$f" "$p" >"$W/$f.out" 2>"$W/$f.err"
	rc=$?
	check "$T: map -F $f of $N mappings of one file within ${LIMIT} s (exit $rc)" test "$rc" = 0
done
k=$(jget "$W/json.out" 'sum(r["kind"] == "mapped-file" and r["name"].endswith("many.bin (deleted)") for r in d["regions"])' 2>/dev/null)
check "$T: json: each of them is a mapped-file ($k)" test "$k" = "$N"
k=$(grep -c ',mapped-file,.*many\.bin (deleted),' "$W/csv.out")
check "$T: csv: each of them is a mapped-file ($k)" test "$k" = "$N"
