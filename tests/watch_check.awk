# Compares a `vmscope watch --json` stream with the events watch_seq says it caused. POSIX awk
# (busybox's too): used by tests/bpf/watch.sh on the host and by the kernel-matrix guests.
#
#   awk -v pid=PID -f tests/watch_check.awk EXPECTED ACTUAL
#
# The actual stream is restricted to PID and cut after the marker phase (the last 3-page unmap
# before the sequence); it must then equal EXPECTED event for event, in order: every field of an
# expected object must have that value. No event may be lost. Prints one line; exit 1 on mismatch.

# The flat JSON objects vmscope writes: "key": value pairs, string values without quotes inside.
function parse(line, arr,    s, kv, k) {
	split("", arr)
	s = line
	while (match(s, /"[a-z_]+": ("[^"]*"|[^,}]*)/)) {
		kv = substr(s, RSTART, RLENGTH)
		k = kv
		sub(/": .*/, "", k)
		sub(/^"/, "", k)
		sub(/^"[a-z_]+": /, "", kv)
		arr[k] = kv
		s = substr(s, RSTART + RLENGTH)
	}
}

FNR == NR { if (length($0)) exp_line[++n_exp] = $0; next }
{
	parse($0, ev)
	if (ev["event"] == "\"lost\"" || (("dropped_before" in ev) && ev["dropped_before"] != 0)) {
		lost = $0
	}
	if (ev["pid"] != pid)
		next
	act_line[++n_act] = $0
	if (ev["event"] == "\"unmap\"" && ev["size"] == 12288)
		marker = n_act
}
END {
	if (!marker) { print "no marker events seen"; exit 1 }
	for (i = 1; i <= n_exp; i++) {
		j = marker + i
		if (j > n_act) { print "event " i " missing: expected " exp_line[i]; exit 1 }
		parse(exp_line[i], want)
		parse(act_line[j], got)
		for (k in want) {
			if (!(k in got) || got[k] != want[k]) {
				print "event " i " differs in " k ": want " want[k] ", got " got[k] \
				      "; expected " exp_line[i] "; got " act_line[j]
				exit 1
			}
		}
	}
	if (n_act > marker + n_exp) {
		print n_act - marker - n_exp " unexpected events after the sequence, first: " \
		      act_line[marker + n_exp + 1]
		exit 1
	}
	if (lost != "") { print "events were lost: " lost; exit 1 }
	print n_exp " events match"
}
