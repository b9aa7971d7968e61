#!/usr/bin/env python3
"""Push a fleet of generated host inventories to a kensa server, for
bench/bench_server.sh (the re-evaluation bench).

Every host is a Debian 12 machine whose packages are drawn from TEMPLATE, a
real inventory (`kensa sbom` of a root holding a real Debian 12 dpkg
status): a seeded random PACKAGES of its OS packages, minus every package
whose source is named by a --rare option. Every K-th host (host i with
i % K == OFFSET) also holds the --rare package set, at the version given:

  --rare 100 0 curl=curl,libcurl4=7.88.1-7

(source curl, binaries curl and libcurl4, in hosts 0, 100, 200, ...).

Pushes go to POST /kensa/v1/inventory?resourceId=host-NNNNN, SigV4-signed
with botocore (the AWS CLI's signer), over WORKERS keep-alive connections.
200 (evaluated) and 202 (stored, no DB open yet) are accepted. Prints
"pushed N in S s" and exits non-zero on any refused push. --dump I FILE
writes host I's document to FILE as well (the same bytes as pushed).

usage: server_fleet.py URL KEY_ID SECRET TEMPLATE N [--packages P] [--seed S]
                       [--workers W] [--rare K OFFSET SRC=BIN,BIN=VERSION]...
                       [--dump I FILE]
"""
import argparse
import copy
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ap = argparse.ArgumentParser()
ap.add_argument("url")
ap.add_argument("key")
ap.add_argument("secret")
ap.add_argument("template")
ap.add_argument("n", type=int)
ap.add_argument("--packages", type=int, default=300)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--workers", type=int, default=2)
ap.add_argument("--rare", nargs=3, action="append", default=[], metavar=("K", "OFFSET", "SPEC"))
ap.add_argument("--dump", nargs=2, metavar=("I", "FILE"))
a = ap.parse_args()

tmpl = json.load(open(a.template))
rare = []
for k, off, spec in a.rare:
    src, rest = spec.split("=", 1)
    bins, version = rest.rsplit("=", 1)
    rare.append((int(k), int(off), src, bins.split(","), version))
rare_sources = {r[2] for r in rare}
os_pkgs = [p for p in tmpl["packages"] if "os" in p.get("flags", [])
           and (p.get("sourceName") or p["name"]) not in rare_sources]
if len(os_pkgs) < a.packages:
    sys.exit("server_fleet: the template has %d usable OS packages, fewer than %d" %
             (len(os_pkgs), a.packages))
proto = os_pkgs[0]


def package(name, source, version):
    p = copy.deepcopy(proto)
    purl = "pkg:deb/debian/%s@%s?arch=amd64&distro=debian-12" % (name, version)
    p.update({"name": name, "version": version, "sourceName": source, "sourceVersion": version,
              "purl": purl, "ref": purl, "arch": "amd64"})
    return p


def document(i):
    rng = random.Random(a.seed * 1000003 + i)
    pkgs = rng.sample(os_pkgs, a.packages)
    for k, off, src, bins, version in rare:
        if i % k == off:
            pkgs += [package(b, src, version) for b in bins]
    doc = dict(tmpl)
    doc["target"] = {"type": "HOST", "name": "host-%05d" % i, "source": "dir", "details": {}}
    doc["packages"] = sorted(pkgs, key=lambda p: (p["name"], p["version"]))
    return json.dumps(doc, separators=(",", ":")).encode()


u = urllib.parse.urlsplit(a.url)
creds = Credentials(a.key, a.secret)
lock = threading.Lock()
state = {"next": 0, "failed": 0}


def worker():
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    while True:
        with lock:
            i = state["next"]
            state["next"] += 1
        if i >= a.n:
            break
        body = document(i)
        if a.dump and int(a.dump[0]) == i:
            with open(a.dump[1], "wb") as f:
                f.write(body)
        url = "%s/kensa/v1/inventory?resourceId=host-%05d" % (a.url, i)
        req = AWSRequest(method="POST", url=url, data=body,
                         headers={"Content-Type": "application/json"})
        SigV4Auth(creds, "inspector2", "us-east-1").add_auth(req)
        p = req.prepare()
        path = "/kensa/v1/inventory?resourceId=host-%05d" % i
        conn.request("POST", path, body=body, headers=dict(p.headers.items()))
        r = conn.getresponse()
        reply = r.read()
        if r.status not in (200, 202):
            with lock:
                state["failed"] += 1
            print("server_fleet: host-%05d: HTTP %d %s" % (i, r.status, reply[:200]),
                  file=sys.stderr)
    conn.close()


t0 = time.time()
threads = [threading.Thread(target=worker) for _ in range(a.workers)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("pushed %d in %.1f s" % (a.n - state["failed"], time.time() - t0))
sys.exit(1 if state["failed"] else 0)
