# `vmscope map` with the bpf-iter backend (iter/task_vma) against the procfs one on this kernel:
# a helper holding every region kind (tests/helpers/regions) and the guest shell itself must
# print the same in pmap's formats and in JSON (the "backend" field aside). bpf-iter quietly
# reads /proc when the iterator fails: with -v it says so, and that is a failure too.
. /tests/lib.sh

# same PID NAME MODE...: bpf-iter output == procfs output, without a fallback to /proc
same() {
	pid=$1 name=$2; shift 2
	"$VMSCOPE" map -v "$@" --backend bpf-iter "$pid" >"$T/a" 2>"$T/a.err"; ra=$?
	"$VMSCOPE" map "$@" --backend procfs "$pid" >"$T/b" 2>"$T/b.err"; rb=$?
	json_norm "$T/a" >"$T/a.n"
	json_norm "$T/b" >"$T/b.n"
	if [ $ra -ne 0 ] || [ $rb -ne 0 ]; then
		fail "$name" "bpf-iter exit $ra ($(grep -v debug "$T/a.err" | head -n 1)), procfs exit $rb ($(head -n 1 "$T/b.err"))"
	elif grep -q 'reading /proc' "$T/a.err"; then
		fail "$name" "bpf-iter fell back on /proc: $(grep -m1 'reading /proc' "$T/a.err")"
	elif cmp -s "$T/a.n" "$T/b.n"; then
		pass "$name"
	else
		fail "$name" "outputs differ"
		diff "$T/b.n" "$T/a.n" | head -n 12 | sed 's/^/    /'
	fi
}

if start_bg "$T/regions.out" "$HELPERS/regions"; then
	hp=$BG_PID
	kill -STOP "$hp"
	wait_stopped "$hp"
	echo "    regions helper pid $hp, $(wc -l <"/proc/$hp/maps") regions"
	same "$hp" "map bpf-iter == procfs (regions helper, json)" --format json
	same "$hp" "map bpf-iter == procfs (regions helper, pmap)"
	same "$hp" "map bpf-iter == procfs (regions helper, pmap -d -p)" -d -p
	same "$hp" "map bpf-iter == procfs (regions helper, pmap -k)" -k
else
	fail "map regions helper starts" "$(head -c 200 "$T/regions.out.err")"
fi
same $$ "map bpf-iter == procfs (guest shell)"
same $$ "map bpf-iter == procfs (guest shell, json)" --format json
