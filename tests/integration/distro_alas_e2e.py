#!/usr/bin/python3
"""distro_alas_e2e.py KENSA DB DATA: the Amazon Linux end-to-end check.

The inventory is go-rpmdb's amazonlinux2023-plain rpmdb as its packages.csv
lists it (103 packages). Which (package, ALAS) pairs the ALAS 2023 sample
implies is computed here, independently of Kensa: the updateinfo XML read
with Python's own parser, versions ordered by rpm itself (rpm.labelCompare).
For every package, `kensa db query "Amazon Linux:2023" NAME EVR` must name
exactly those advisories. A sweep then asks Kensa about each sample
advisory's package at many real version strings (every fixed EVR in the
samples and the rpmdb's EVRs) and checks each answer against rpm.
"""
import gzip
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import rpm

kensa, db, data = sys.argv[1:4]
fx = data + "/fixtures/native-feeds/vuln-list-update/amazon-alas/fixtures/"
passed = failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", msg)


def updates(path):
    """[(id, ecosystem, [(name, epoch, version, release)])] of security updates."""
    out = []
    for u in ET.parse(gzip.open(path)).getroot().iter("update"):
        if u.get("type") != "security":
            continue
        uid = u.findtext("id")
        rel = "2023" if uid.startswith("ALAS2023") else "2022" if uid.startswith("ALAS2022") else "2"
        pkgs = [(p.get("name"), p.get("epoch") or "0", p.get("version"), p.get("release"))
                for p in u.iter("package")]
        out.append((uid, "Amazon Linux:" + rel, pkgs))
    return out


def evr_str(e, v, r):
    return ("%s:" % e if e not in ("", "0", None) else "") + v + "-" + r


def parse_evr(s):
    e = "0"
    if ":" in s:
        e, s = s.split(":", 1)
    v, r = s.rsplit("-", 1)
    return (e, v, r)


def query(eco, name, version):
    out = subprocess.run([kensa, "db", "--db", db, "query", eco, name, version, "--format", "json"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit("kensa db query %s %s %s: exit %d: %s" % (eco, name, version,
                                                                 out.returncode, out.stderr))
    return {a["id"] for a in json.loads(out.stdout)["advisories"] if a.get("affected") == "yes"}


def expected(advisories, name, evr):
    """ALAS ids affecting (name, evr): installed below any listed fixed version."""
    want = set()
    for uid, eco, pkgs in advisories:
        for n, e, v, r in pkgs:
            if n == name and rpm.labelCompare(parse_evr(evr), (e, v, r)) < 0:
                want.add(uid)
    return want


al2023 = updates(fx + "updateinfo_AL2023.xml.gz")
inventory = []
for line in open(data + "/fixtures/rpm/go-rpmdb/amazonlinux2023-plain/packages.csv", encoding="utf-8"):
    f = line.rstrip("\n").split("\u00b6")
    if len(f) > 4:
        inventory.append((f[1], f[0], f[2], f[3]))
check(len(inventory) == 103, "packages.csv lists %d packages, not 103" % len(inventory))

pairs_kensa, pairs_rpm = set(), set()
for name, epoch, version, release in inventory:
    evr = evr_str(epoch, version, release)
    got = query("Amazon Linux:2023", name, evr)
    want = expected(al2023, name, evr)
    pairs_kensa |= {(name, a) for a in got}
    pairs_rpm |= {(name, a) for a in want}
    check(got == want, "%s %s: kensa %s, rpm %s" % (name, evr, sorted(got), sorted(want)))
print("amazonlinux2023-plain: %d packages, %d affected (package, ALAS) pairs by rpm, %d by kensa"
      % (len(inventory), len(pairs_rpm), len(pairs_kensa)))

# The sweep: each sample advisory's packages at real version strings.
samples = al2023 + updates(fx + "updateinfo_AL2022.xml.gz") + updates(fx + "updateinfo_2_items.xml.gz")
fixed = sorted({evr_str(e, v, r) for _, _, pkgs in samples for _, e, v, r in pkgs})
versions = fixed + [evr_str(e, v, r) for _, e, v, r in inventory[::3]]
names = {}
for uid, eco, pkgs in samples:
    for n, e, v, r in pkgs:
        names.setdefault((eco, n), None)
picked = sorted(names)[:: max(1, len(names) // 8)]
n_checks = n_affected = 0
for eco, name in picked:
    adv = [s for s in samples if s[1] == eco]
    for ver in versions:
        got = query(eco, name, ver)
        want = expected(adv, name, ver)
        n_checks += 1
        n_affected += bool(want)
        check(got == want, "%s %s %s: kensa %s, rpm %s" % (eco, name, ver, sorted(got), sorted(want)))
print("sweep: %d (package, version) queries over %d packages, %d affected by rpm's order"
      % (n_checks, len(picked), n_affected))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
