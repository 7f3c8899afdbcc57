# `vmscope features` on this kernel: it runs, its JSON names this kernel, and the tier is the one
# tests/kernels/tiers expects here (the host passes it as kmx.tier). A tier that silently falls
# back to a lower one is a failure, as is a kernel missing from that table.
. /tests/lib.sh
want=$(kparam tier)

"$VMSCOPE" features >"$T/table" 2>"$T/table.err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$T/table.err" ]; then pass "features exits 0 quietly"
else fail "features exits 0 quietly" "exit $rc, stderr: $(head -n 2 "$T/table.err")"; fi

"$VMSCOPE" features --json >"$T/json" 2>"$T/json.err"
rc=$?
if [ $rc -eq 0 ]; then pass "features --json exits 0"
else fail "features --json exits 0" "exit $rc: $(head -n 2 "$T/json.err")"; fi

kernel=$(json_str "$T/json" kernel)
if [ "$kernel" = "$(uname -r)" ]; then pass "features --json kernel is uname -r"
else fail "features --json kernel is uname -r" "'$kernel' != '$(uname -r)'"; fi

tier=$(json_str "$T/json" tier)
reason=$(json_str "$T/json" tier_reason)
echo "    tier ${tier:-none} ($reason), expected ${want:-nothing}"
if [ -z "$want" ] || [ "$want" = none ]; then
	fail "features tier is the expected one" "no tier expected for $(uname -r) in tests/kernels/tiers (got '$tier')"
elif [ "$tier" = "$want" ]; then
	pass "features tier is $want"
else
	fail "features tier is $want" "got '${tier:-none}' ($reason)"
fi
if grep -q "^tier ${tier:-none}: " "$T/table"; then pass "features table names the same tier"
else fail "features table names the same tier" "$(grep '^tier' "$T/table")"; fi

no_pins "features leaves nothing pinned"
