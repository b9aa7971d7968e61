#!/usr/bin/env python3
"""Real Debian advisories for the server tests, from the OSV archive in the
shared data (osv/Debian/all.zip, see MANIFEST.md), with the machine's dpkg
as the oracle of what they affect.

  osv_pick.py pick OUT ECOSYSTEM PACKAGE [--exclude DIR] [--fixed-below V] [--fixed-from V]
      Copy every record with an `affected` entry for PACKAGE in ECOSYSTEM
      (e.g. Debian:12 openssl) into OUT, one JSON file per record, as the
      archive has it. --exclude skips records already in DIR (a record
      naming two packages is imported once). --fixed-below / --fixed-from
      keep the records whose fix for PACKAGE sorts before V / at or after V
      (dpkg order). Prints the number of records written.

  osv_pick.py affects DIR ECOSYSTEM PACKAGE VERSION
      The vulnerability ids (the record's upstream CVE, else its id) of the
      records in DIR whose ranges for PACKAGE affect installed VERSION,
      decided by `dpkg --compare-versions`, sorted, one per line.
"""
import argparse
import functools
import json
import os
import subprocess
import sys
import zipfile


@functools.lru_cache(maxsize=None)
def dpkg(a, op, b):
    return subprocess.run(["dpkg", "--compare-versions", a, op, b]).returncode == 0


def entries(rec, eco, pkg):
    for a in rec.get("affected", []):
        p = a.get("package", {})
        if p.get("ecosystem") == eco and p.get("name") == pkg:
            yield a


def fixes(rec, eco, pkg):
    return [e["fixed"] for a in entries(rec, eco, pkg) for r in a.get("ranges", [])
            for e in r.get("events", []) if "fixed" in e]


def affected(a, version):
    """OSV ECOSYSTEM range semantics over dpkg order (and explicit versions)."""
    if version in a.get("versions", []):
        return True
    for r in a.get("ranges", []):
        if r.get("type") != "ECOSYSTEM":
            continue
        hit = False
        for e in r.get("events", []):
            if "introduced" in e:
                if e["introduced"] == "0" or dpkg(version, "ge", e["introduced"]):
                    hit = True
            elif "fixed" in e:
                if dpkg(version, "ge", e["fixed"]):
                    hit = False
            elif "last_affected" in e:
                if dpkg(version, "gt", e["last_affected"]):
                    hit = False
        if hit:
            return True
    return False


def cmd_pick(a):
    data = os.environ.get("KS_DATA_DIR", "/work/shared/data")
    skip = set(os.listdir(a.exclude)) if a.exclude else set()
    os.makedirs(a.out, exist_ok=True)
    n = 0
    with zipfile.ZipFile(os.path.join(data, "osv/Debian/all.zip")) as z:
        for name in z.namelist():
            raw = z.read(name)
            rec = json.loads(raw)
            fname = os.path.basename(name)
            if fname in skip or not any(True for _ in entries(rec, a.ecosystem, a.package)):
                continue
            fx = fixes(rec, a.ecosystem, a.package)
            if a.fixed_below and not any(dpkg(f, "lt", a.fixed_below) for f in fx):
                continue
            if a.fixed_from and not any(dpkg(f, "ge", a.fixed_from) for f in fx):
                continue
            with open(os.path.join(a.out, fname), "wb") as f:
                f.write(raw)
            n += 1
    print(n)


def cmd_affects(a):
    ids = set()
    for fname in os.listdir(a.dir):
        with open(os.path.join(a.dir, fname)) as f:
            rec = json.load(f)
        if any(affected(e, a.version) for e in entries(rec, a.ecosystem, a.package)):
            ids.add((rec.get("upstream") or [rec["id"]])[0])
    for i in sorted(ids):
        print(i)


ap = argparse.ArgumentParser()
sub = ap.add_subparsers(dest="cmd", required=True)
p = sub.add_parser("pick")
p.add_argument("out")
p.add_argument("ecosystem")
p.add_argument("package")
p.add_argument("--exclude")
p.add_argument("--fixed-below")
p.add_argument("--fixed-from")
p = sub.add_parser("affects")
p.add_argument("dir")
p.add_argument("ecosystem")
p.add_argument("package")
p.add_argument("version")
a = ap.parse_args()
{"pick": cmd_pick, "affects": cmd_affects}[a.cmd](a)
sys.exit(0)
