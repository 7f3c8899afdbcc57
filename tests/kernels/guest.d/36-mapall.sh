# `vmscope map --all` from the live model on this kernel: a stopped helper's entry of the
# one-pass read must equal its /proc read (the "backend" field aside) and come from the model;
# the whole read exits 0 (every guest process is readable) and says nothing on stderr.
. /tests/lib.sh

if ! "$VMSCOPE" start >"$T/start.out" 2>&1; then
	fail "map --all vmscope start" "$(head -n 2 "$T/start.out" | tr '\n' ' ')"
	exit 0
fi
if start_bg "$T/regions.out" "$HELPERS/regions"; then
	hp=$BG_PID
	kill -STOP "$hp"
	wait_stopped "$hp"
	"$VMSCOPE" map --all --format json >"$T/all.json" 2>"$T/all.err"; rc=$?
	grep "^{\"pid\": $hp," "$T/all.json" >"$T/one.json"
	"$VMSCOPE" map --backend procfs --format json "$hp" >"$T/proc.json" 2>&1
	json_norm "$T/one.json" >"$T/a.n"
	json_norm "$T/proc.json" >"$T/b.n"
	if [ $rc -ne 0 ] || [ -s "$T/all.err" ]; then
		fail "map --all from the model" "exit $rc: $(head -n 2 "$T/all.err" | tr '\n' ' ')"
	elif ! grep -q '"backend": "bpf"' "$T/one.json"; then
		fail "map --all from the model" "the helper was not read from the model: $(head -c 120 "$T/one.json")"
	elif cmp -s "$T/a.n" "$T/b.n"; then
		pass "map --all from the model (helper == procfs; $(wc -l <"$T/all.json") processes)"
	else
		fail "map --all from the model" "the helper differs from /proc"
		diff "$T/b.n" "$T/a.n" | head -n 12 | sed 's/^/    /'
		"$VMSCOPE" map -v --backend bpf "$hp" 2>&1 >/dev/null | grep -E 'reader|generation' | head -n 4 | sed 's/^/    /'
	fi
	kill -KILL "$hp"
else
	fail "map --all regions helper starts" "$(head -c 200 "$T/regions.out.err")"
fi
"$VMSCOPE" stop >/dev/null 2>&1
no_pins "map --all: stop leaves nothing pinned"
