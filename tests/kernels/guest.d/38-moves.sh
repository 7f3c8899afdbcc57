# The model's move log on this kernel (vmscope diff, "the model's events"): tier kfunc-resync
# logs an mremap that moved a region to a new address and size, so that the diff of two
# snapshots taken around it reports one move (moved+grown, "matched": "model"), nothing removed
# or added; tier event-resync keeps no log, and the same diff is removed + added with no word
# about the model. The model must load and follow the helper either way.
. /tests/lib.sh

if ! "$VMSCOPE" start >"$T/start.out" 2>&1; then
	fail "moves vmscope start" "$(head -n 1 "$T/start.out")"
	exit 0
fi
tier=$(kparam tier)
if start_bg "$T/m.out" "$HELPERS/snap_change" moves 1; then
	mp=$BG_PID
	"$VMSCOPE" snapshot save -o "$T/a.vms" "$mp" >/dev/null 2>&1
	kill -USR1 "$mp"
	i=0
	while [ $i -lt 400 ] && ! grep -q '^moved ' "$T/m.out"; do sleep 0.05; i=$((i + 1)); done
	"$VMSCOPE" snapshot save -o "$T/b.vms" "$mp" >/dev/null 2>&1
	"$VMSCOPE" diff --json "$T/a.vms" "$T/b.vms" >"$T/d.json" 2>"$T/d.err"
	summary=$(sed -n 's/.*"summary": {"added": \([0-9]*\), "removed": \([0-9]*\), "moved": \([0-9]*\).*/\1 \2 \3/p' "$T/d.json")
	if [ "$tier" = kfunc-resync ]; then
		if [ "$summary" = "0 0 1" ] && grep -q '"change": \["moved", "grown"\], "kind": "private", "start": "0x200004000000"' "$T/d.json" &&
		   grep -q '"matched": "model"' "$T/d.json"; then
			pass "moves a region moved and resized by mremap diffs as one move from the model's log"
		else
			fail "moves a region moved and resized diffs as one move" "added removed moved: $summary $(head -c 200 "$T/d.err")"
		fi
	elif [ "$summary" = "1 1 0" ] && grep -q '"model_events": {"used": false, "moves": 0, "matched": 0, "why": null}' "$T/d.json"; then
		pass "moves tier $tier keeps no move log (removed + added, nothing said)"
	else
		fail "moves tier $tier keeps no move log" "added removed moved: $summary"
	fi
	kill -KILL "$mp"
fi
"$VMSCOPE" stop >/dev/null 2>&1
