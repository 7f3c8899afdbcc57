# Page faults per region on this kernel. In tier kfunc-resync: `vmscope start --faults`, then a
# helper faults in 40 fresh pages of one guarded region (tests/helpers/fault_watch) and
# `vmscope map --faults --format json` must show exactly 40 minor faults for that region; then
# `watch --faults` must see them too, and `stop` leaves nothing pinned. In tier event-resync,
# fault counts are not offered: `start --faults` starts the model without them and says why in
# one line ("page fault counts off, because ..."), as `status` does; `stop` leaves nothing.
. /tests/lib.sh

tier=$(kparam tier)
if [ "$tier" != kfunc-resync ]; then
	"$VMSCOPE" start --faults >"$T/s.out" 2>"$T/s.err"
	rc=$?
	if [ $rc -eq 0 ] && [ "$(wc -l <"$T/s.err")" -eq 1 ] &&
		grep -q '^vmscope: start: page fault counts off, because ' "$T/s.err"; then
		pass "faults start --faults runs without them in tier $tier, saying why in one line"
	else
		fail "faults start --faults runs without them in tier $tier, saying why in one line" \
			"rc $rc: $(head -c 300 "$T/s.err")"
	fi
	if "$VMSCOPE" status 2>&1 | grep -q '^page faults  *off, because '; then
		pass "faults status says why fault counts are off"
	else
		fail "faults status says why fault counts are off" "$("$VMSCOPE" status 2>&1 | grep '^page faults')"
	fi
	"$VMSCOPE" stop >/dev/null 2>&1
	no_pins "faults stop leaves nothing pinned"
	exit 0
fi

if ! "$VMSCOPE" start --faults >"$T/s.out" 2>&1; then
	fail "faults start --faults" "$(head -n 2 "$T/s.out" | tr '\n' ' ')"
	exit 0
fi
pass "faults start --faults"
if start_bg "$T/h.out" "$HELPERS/fault_watch"; then
	hp=$BG_PID
	rs=0x$(sed -n 's/^region \([0-9a-f]*\) .*/\1/p' "$T/h.out")
	kill -USR1 "$hp"
	sleep 0.5 # it touches its 40 pages, then sleeps a second before unmapping them
	"$VMSCOPE" map --faults --format json "$hp" >"$T/m.json" 2>"$T/m.err"
	got=$(sed 's/}, {/}\n{/g' "$T/m.json" | grep "\"start\": \"$rs\"" |
		sed -n 's/.*"faults_min": \([0-9]*\).*/\1/p')
	if [ "$got" = 40 ]; then
		pass "faults map --faults counts the 40 touched pages exactly"
	else
		fail "faults map --faults counts the 40 touched pages exactly" "got '${got}' ($(head -c 200 "$T/m.err"))"
	fi
	wait "$hp" 2>/dev/null
fi
"$VMSCOPE" stop >/dev/null 2>&1
no_pins "faults stop leaves nothing pinned"
