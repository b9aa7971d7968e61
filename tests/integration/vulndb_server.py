#!/usr/bin/env python3
"""A feed mirror on 127.0.0.1 for the vulndb integration tests.

Serves ROOT (laid out like `kensa db update --mirror` expects) under a mode
prefix that decides how each request is answered:

  /ok/PATH       the file, with an ETag; If-None-Match / If-Modified-Since
                 give 304
  /500/PATH      HTTP 500 every time
  /flaky/PATH    HTTP 500 on the first request for each path, then as /ok/
  /trunc/PATH    the full Content-Length, but only half the body, then close
  /corrupt/PATH  archives (.zip, .gz) with bytes flipped in the middle (same
                 length); other files as /ok/
  /slow/PATH     the file at about 256 KB/s
  /ok/api?...    NVD API 2.0 pages made from the records of API_RECORDS
                 (startIndex honoured, two records per page)

Usage: vulndb_server.py ROOT PORTFILE LOGFILE [API_RECORDS.json]
Writes the chosen port to PORTFILE; logs "METHOD PATH STATUS INM APIKEY" per request.
"""
import email.utils
import hashlib
import http.server
import json
import os
import socketserver
import sys
import time
import urllib.parse

ROOT, PORTFILE, LOGFILE = sys.argv[1], sys.argv[2], sys.argv[3]
API_RECORDS = []
if len(sys.argv) > 4:
    with open(sys.argv[4]) as f:
        API_RECORDS = json.load(f)["vulnerabilities"]
SEEN = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: our own log instead
        pass

    def log(self, status):
        with open(LOGFILE, "a") as f:
            f.write("%s %s %d %s %s\n" % (self.command, self.path, status,
                                          self.headers.get("If-None-Match", "-"),
                                          self.headers.get("apiKey", "-")))

    def send_plain(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.log(status)

    def api(self, query):
        q = urllib.parse.parse_qs(query)
        start = int(q.get("startIndex", ["0"])[0])
        page = API_RECORDS[start:start + 2]
        body = json.dumps({"resultsPerPage": len(page), "startIndex": start,
                           "totalResults": len(API_RECORDS), "format": "NVD_CVE",
                           "version": "2.0", "timestamp": "2026-01-01T00:00:00.000",
                           "vulnerabilities": page}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.log(200)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.lstrip("/").split("/", 1)
        mode, rel = parts[0], (parts[1] if len(parts) > 1 else "")
        if mode == "ok" and rel == "api":
            return self.api(url.query)
        path = os.path.realpath(os.path.join(ROOT, urllib.parse.unquote(rel)))
        if not path.startswith(os.path.realpath(ROOT) + os.sep) or not os.path.isfile(path):
            return self.send_plain(404, b"not found\n")
        if mode == "500" or (mode == "flaky" and rel not in SEEN):
            SEEN.add(rel)
            return self.send_plain(500, b"server error\n")
        with open(path, "rb") as f:
            data = f.read()
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
        mtime = email.utils.formatdate(os.path.getmtime(path), usegmt=True)
        if mode in ("ok", "flaky", "slow") and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            self.log(304)
            return
        if mode == "corrupt" and rel.endswith((".zip", ".gz")):
            mid = len(data) // 2
            data = data[:mid] + bytes(b ^ 0x5A for b in data[mid:mid + 64]) + data[mid + 64:]
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", mtime)
        self.end_headers()
        self.log(200)
        try:
            if mode == "trunc":
                self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if mode == "slow":
                for i in range(0, len(data), 16384):
                    self.wfile.write(data[i:i + 16384])
                    self.wfile.flush()
                    time.sleep(0.0625)
                return
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
