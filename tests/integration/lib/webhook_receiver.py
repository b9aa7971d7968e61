#!/usr/bin/env python3
"""A webhook receiver for the event tests, on 127.0.0.1 only.

Writes its port to PORT_FILE, checks each delivery's X-Kensa-Signature
(HMAC-SHA256 over "<t>.<body>" with the secret in SECRET_FILE) and appends
one line per delivery to LOG:
    <event-id> <kind> <detail-type with _ for spaces> <attempt> <sig ok|bad> <status>
and the body to LOG.bodies (one JSON document per line).

usage: webhook_receiver.py PORT_FILE SECRET_FILE LOG [--delay S] [--fail-first N]
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import time

ap = argparse.ArgumentParser()
ap.add_argument("port_file")
ap.add_argument("secret_file")
ap.add_argument("log")
ap.add_argument("--delay", type=float, default=0.0)
ap.add_argument("--fail-first", type=int, default=0)
a = ap.parse_args()
secret = open(a.secret_file, "rb").read().rstrip(b"\r\n")
state = {"seen": 0}


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        sig = self.headers.get("X-Kensa-Signature", "")
        ok = "bad"
        try:
            parts = dict(p.split("=", 1) for p in sig.split(","))
            want = hmac.new(secret, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
            if hmac.compare_digest(want, parts["v1"]) and abs(time.time() - int(parts["t"])) < 600:
                ok = "ok"
        except Exception:
            pass
        try:
            ev = json.loads(body)
            dtype = ev.get("detail-type", "?").replace(" ", "_")
        except Exception:
            dtype = "unparsable"
        state["seen"] += 1
        status = 500 if state["seen"] <= a.fail_first else 200
        if a.delay:
            time.sleep(a.delay)
        with open(a.log, "a") as f:
            f.write("%s %s %s %s %s %d\n" % (self.headers.get("X-Kensa-Event-Id", "-"),
                                             self.headers.get("X-Kensa-Event-Kind", "-"), dtype,
                                             self.headers.get("X-Kensa-Delivery-Attempt", "-"),
                                             ok, status))
        if status == 200:
            with open(a.log + ".bodies", "ab") as f:
                f.write(body + b"\n")
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class Server(http.server.HTTPServer):
    def handle_error(self, request, client_address):
        pass  # a sender killed mid-request (the kill -9 test) is expected


srv = Server(("127.0.0.1", 0), H)
with open(a.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(a.port_file + ".tmp", a.port_file)
srv.serve_forever()
