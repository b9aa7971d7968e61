#!/usr/bin/python3
"""Independent oracle for Debian matching (docs/accuracy.md).

make-root DIR: write a Debian 12 root whose dpkg status holds, for every
source package named by a Debian:12 advisory in osv/Debian/all.zip, one
binary package built from it at a real version of that source (one of the
fixed versions the advisories publish, so every boundary is exercised),
plus this machine's own installed packages (real versions as installed).

expect DIR: print the (CVE, source package) pairs that must be findings,
computed from the advisories with apt_pkg.version_compare (python3-apt:
dpkg's own comparison), without any Kensa code.

compare EXPECTED FINDINGS_JSON: print agreement and the differences; exit 1
when they differ.
"""
import json
import random
import subprocess
import sys
import zipfile

import apt_pkg

apt_pkg.init_system()
DATA = None


def records(data):
    z = zipfile.ZipFile(data + "/osv/Debian/all.zip")
    for n in z.namelist():
        rec = json.loads(z.read(n))
        if rec.get("withdrawn"):
            continue
        yield rec


def cves_of(rec):
    if rec["id"].startswith("CVE-"):
        return [rec["id"]]
    ids = sorted({a for a in rec.get("aliases", []) + rec.get("upstream", []) if a.startswith("CVE-")})
    return ids or [rec["id"]]


def debian12(data):
    """source -> list of (cves, fixed or None)"""
    by_src = {}
    for rec in records(data):
        for aff in rec.get("affected", []):
            pkg = aff.get("package", {})
            if pkg.get("ecosystem") != "Debian:12":
                continue
            fixed = None
            introduced_zero = False
            for r in aff.get("ranges", []):
                if r.get("type") != "ECOSYSTEM":
                    continue
                for ev in r["events"]:
                    if ev.get("introduced") == "0":
                        introduced_zero = True
                    if "fixed" in ev:
                        fixed = ev["fixed"]
            if not introduced_zero:
                raise SystemExit("oracle: unexpected range shape in %s" % rec["id"])
            by_src.setdefault(pkg["name"], []).append((cves_of(rec), fixed))
    return by_src


def host_packages():
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${db:Status-Status}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\t${Architecture}\n"],
        check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        st, name, ver, src, srcver, arch = line.split("\t")
        if st == "installed":
            yield name, ver, src, srcver, arch


def make_root(root, data):
    rng = random.Random(1234)
    by_src = debian12(data)
    stanzas = []
    for src in sorted(by_src):
        fixes = sorted({f for _, f in by_src[src] if f})
        if not fixes:
            continue
        ver = rng.choice(fixes)
        stanzas.append("Package: kensa-acc-%s\nStatus: install ok installed\nArchitecture: amd64\n"
                       "Source: %s (%s)\nVersion: 99:%s\nMaintainer: test\n" % (src, src, ver, ver))
    for name, ver, src, srcver, arch in host_packages():
        s = "Package: %s\nStatus: install ok installed\nArchitecture: %s\nVersion: %s\nMaintainer: host\n" % (name, arch, ver)
        if src != name or srcver != ver:
            s += "Source: %s (%s)\n" % (src, srcver) if srcver != ver else "Source: %s\n" % src
        stanzas.append(s)
    import os
    os.makedirs(root + "/etc", exist_ok=True)
    os.makedirs(root + "/var/lib/dpkg", exist_ok=True)
    with open(root + "/etc/os-release", "w") as f:
        f.write('ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n')
    with open(root + "/var/lib/dpkg/status", "w") as f:
        f.write("\n".join(stanzas) + "\n")


def installed_sources(root):
    """(source, source version) pairs of the root's status file, as dpkg reads them."""
    pairs = set()
    cur = {}
    for line in open(root + "/var/lib/dpkg/status").read().split("\n") + [""]:
        if not line:
            if cur:
                src = cur.get("Source", cur["Package"])
                ver = cur["Version"]
                if "(" in src:
                    src, ver = src.split(" (")
                    ver = ver.rstrip(")")
                pairs.add((src.strip(), ver))
            cur = {}
            continue
        k, _, v = line.partition(": ")
        cur[k] = v
    return pairs


def expect(root, data):
    by_src = debian12(data)
    out = set()
    for src, ver in installed_sources(root):
        for cves, fixed in by_src.get(src, []):
            if fixed is None or apt_pkg.version_compare(ver, fixed) < 0:
                for c in cves:
                    out.add((c, src))
    for c, s in sorted(out):
        print("%s\t%s" % (c, s))


def compare(expected_path, findings_path):
    want = {tuple(l.rstrip("\n").split("\t")) for l in open(expected_path) if l.strip()}
    doc = json.load(open(findings_path))
    got = set()
    for f in doc["findings"]:
        p = f["packageVulnerabilityDetails"]
        for v in p["vulnerablePackages"]:
            got.add((p["vulnerabilityId"], v.get("sourceName", v["name"])))
    both = want & got
    print("oracle pairs: %d, kensa pairs: %d, agree: %d" % (len(want), len(got), len(both)))
    for x in sorted(want - got)[:20]:
        print("missed by kensa: %s %s" % x)
    for x in sorted(got - want)[:20]:
        print("extra in kensa: %s %s" % x)
    return 0 if want == got else 1


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make-root":
        make_root(sys.argv[2], sys.argv[3])
    elif cmd == "expect":
        expect(sys.argv[2], sys.argv[3])
    elif cmd == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
