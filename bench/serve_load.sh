# shellcheck shell=bash
# Scenario 6 of make bench (sourced by bench/run.sh, with its records and helpers): vmscope serve
# under load. 20 concurrent scrapers (keep-alive, loopback) for 30 s (3 s with BENCH_QUICK=1)
# against serve collecting every second: scrapes per second, failed scrapes, latency, serve's
# peak RSS (VmHWM), and one collection's time. The scrapers are Python threads on the same
# machine, so the rate is a floor of what serve answers, not its ceiling.
SERVE_SECS=${BENCH_SERVE_SECS:-$([ "$QUICK" = 1 ] && echo 3 || echo 30)}
describe 6 "vmscope serve --interval 1 --top 50 (on the live model when the bench runs one): 20 concurrent keep-alive"
describe 6 "  scrapers of /metrics for $SERVE_SECS s on loopback"
describe 6 "  (python3 threads on the same CPUs); RSS = serve's VmHWM at the end; collection = vmscope_collect_duration_seconds"
describe 6 "  (its smaps read of the top 50 dominates, and grows with their VMAs)"
row serve.rate 6 "serve: scrapes per second" "scr/s" serve "" ">=" 500 ">= 500/s"
comp serve.rate serve "20 scrapers"
row serve.failed 6 "serve: failed scrapes" "" serve "" "<=" 0 "0"
comp serve.failed serve "20 scrapers"
row serve.p99 6 "serve: scrape latency, p99" s serve "" "<=" 0.1 "<= 100 ms"
comp serve.p99 serve "20 scrapers"
row serve.rss 6 "serve: peak RSS under load" KiB serve "" "<=" 65536 "<= 64 MiB"
comp serve.rss serve "20 scrapers"
row serve.collect 6 "serve: one collection" s serve "" "" "" "-"
comp serve.collect serve "every process"
log "scenario 6: serve under 20 scrapers for $SERVE_SECS s"
# on the live model where the bench can run one (it is stopped again below)
SERVE_MODEL=0
if [ "${HAVE_MODEL:-0}" = 1 ] && model_start "$T/serve-start.out"; then SERVE_MODEL=1; fi
"$VMSCOPE" serve --listen 127.0.0.1:0 --interval 1 </dev/null >"$T/serve.out" 2>"$T/serve.err" &
SP=$!
cleanup_pid $SP
if wait_for "$T/serve.err" 'listening on' 30 $SP; then
	sport=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9]*\)\/metrics$/\1/p' "$T/serve.err")
	python3 - "$sport" "$SERVE_SECS" >"$T/serve.load" <<'PYEOF'
import http.client, sys, threading, time
port, secs = int(sys.argv[1]), float(sys.argv[2])
lat, bad, lock = [], [0], threading.Lock()
def scraper():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    mine, fails = [], 0
    end = time.time() + secs
    while time.time() < end:
        t0 = time.perf_counter()
        try:
            c.request("GET", "/metrics")
            r = c.getresponse()
            body = r.read()
            if r.status == 200 and b"vmscope_model_up" in body:
                mine.append(time.perf_counter() - t0)
            else:
                fails += 1
        except Exception:
            fails += 1
            c.close()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    with lock:
        lat.extend(mine)
        bad[0] += fails
t0 = time.time()
ts = [threading.Thread(target=scraper) for _ in range(20)]
[t.start() for t in ts]
[t.join() for t in ts]
el = time.time() - t0
lat.sort()
p99 = lat[int(len(lat) * 0.99)] if lat else 0
print(len(lat) / el, bad[0], p99)
PYEOF
	read -r rate failed p99 <"$T/serve.load"
	sample serve.rate serve "$rate"
	sample serve.failed serve "$failed"
	sample serve.p99 serve "$p99"
	sample serve.rss serve "$(awk '/^VmHWM/ { print $2 }' "/proc/$SP/status")"
	coll=$(curl -s "http://127.0.0.1:$sport/metrics" | awk '$1 == "vmscope_collect_duration_seconds" { print $2 }')
	[ -n "$coll" ] && sample serve.collect serve "$coll"
	src=$(curl -s "http://127.0.0.1:$sport/metrics" | sed -n 's/^vmscope_serve_info{source="\([a-z]*\)".*/\1/p')
	extra serve.rate source "${src:-?}"
	extra serve.rate scrapes "$(awk -v r="$rate" -v s="$SERVE_SECS" 'BEGIN { printf "%d", r * s }')"
else
	for r in serve.rate serve.failed serve.p99 serve.rss serve.collect; do
		row_na $r "serve did not start: $(head -c 200 "$T/serve.err")"
	done
fi
kill_pid $SP
[ $SERVE_MODEL = 1 ] && model_stop
