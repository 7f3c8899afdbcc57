#!/usr/bin/env python3
"""A minimal OTLP/HTTP metrics receiver for tests/e2e/serve.sh, on loopback.

Usage: otlp_receiver.py DIR [PORT]
Prints "port N" then "ready". Each POST to /v1/metrics is stored as DIR/NNNN.bin (the body) and
DIR/NNNN.type (its Content-Type) and answered 200 with an empty ExportMetricsServiceResponse;
while DIR/fail exists, POSTs are answered 503 (retryable) and not stored. DIR/fail may hold
"CODE [N]": that status instead of 503, for the next N POSTs only (the file then goes). Every
POST appends "SECONDS STATUS" (monotonic clock) to DIR/log.
"""
import http.server
import os
import sys
import time

out = sys.argv[1]
port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        n = int(self.headers.get("Content-Length", "0"))
        if n > 64 << 20:
            self.send_error(413)
            return
        body = self.rfile.read(n)
        fail = os.path.join(out, "fail")
        if os.path.exists(fail):
            words = open(fail).read().split()
            code = int(words[0]) if words else 503
            if len(words) > 1:
                left = int(words[1]) - 1
                if left > 0:
                    with open(fail, "w") as f:
                        f.write("%d %d" % (code, left))
                else:
                    os.unlink(fail)
            self.log(code)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path != "/v1/metrics":
            self.send_error(404)
            return
        ctype = self.headers.get("Content-Type", "")
        name = os.path.join(out, "%04d" % count)
        count += 1
        with open(name + ".tmp", "wb") as f:
            f.write(body)
        with open(name + ".type", "w") as f:
            f.write(ctype)
        os.rename(name + ".tmp", name + ".bin")
        self.log(200)
        reply = b"{}" if "json" in ctype else b""
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log(self, code):
        with open(os.path.join(out, "log"), "a") as f:
            f.write("%.3f %d\n" % (time.monotonic(), code))

    def log_message(self, fmt, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", port), Handler)
print("port", srv.server_address[1], flush=True)
print("ready", flush=True)
srv.serve_forever()
