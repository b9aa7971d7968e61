#!/usr/bin/python3
"""Pair files for the version oracle tests.

usage: pairs.py SCHEME N SEED > pairs.tsv

Collects the real version strings the shared data holds for SCHEME (OSV
records' event and versions[] strings of that ecosystem, package-manager
fixtures, the version corpora's tokens), then writes N "A<TAB>B" lines:
random pairs, neighbours in sorted order (the close calls), and each
version against a small edit of itself. Deterministic for a given SEED.
"""
import glob
import json
import os
import random
import re
import sys
import zipfile

DATA = os.environ.get("KS_DATA_DIR", os.path.join(os.path.dirname(__file__), "../../../../shared/data"))


def osv_versions(ecosystems, zips):
    out = set()
    for z in zips:
        path = os.path.join(DATA, "osv", z, "all.zip")
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                rec = json.loads(zf.read(name))
                for a in rec.get("affected", []):
                    eco = a.get("package", {}).get("ecosystem", "").split(":")[0]
                    if eco not in ecosystems:
                        continue
                    for r in a.get("ranges", []):
                        if r.get("type") == "GIT":
                            continue
                        for e in r.get("events", []):
                            for k, v in e.items():
                                if not (k == "introduced" and v == "0"):
                                    out.add(v)
                    out.update(a.get("versions", []))
    return out


def corpus_tokens(*names):
    out = set()
    for n in names:
        for line in open(os.path.join(DATA, "versions", n), encoding="utf-8", errors="replace"):
            t = line.strip().split(" ")
            if len(t) == 3 and t[1] in "<=>" and not line.startswith(("#", "//")):
                out.update((t[0], t[2]))
    return out


def grep_files(pattern, regex, group=1):
    out = set()
    for f in glob.glob(os.path.join(DATA, "fixtures", pattern), recursive=True):
        try:
            text = open(f, encoding="utf-8", errors="replace").read()
        except OSError:
            continue
        for m in re.finditer(regex, text, re.M):
            out.add(m.group(group).strip())
    return out


def rpm_versions():
    out = set()
    for f in glob.glob(os.path.join(DATA, "fixtures/rpm/**/packages.csv"), recursive=True):
        for line in open(f, encoding="utf-8", errors="replace"):
            p = line.rstrip("\n").split("\u00b6")
            if len(p) > 3 and p[2]:
                evr = p[2] + ("-" + p[3] if p[3] else "")
                out.add(evr)
                if p[0]:
                    out.add(p[0] + ":" + evr)
    return out


def collect(scheme):
    if scheme == "dpkg":
        return (osv_versions({"Debian", "Ubuntu"}, ["Debian"])
                | grep_files("dpkg/**/*", r"^Version:\s*(\S+)")
                | corpus_tokens("debian-versions.txt", "debian-versions-generated.txt"))
    if scheme == "rpm":
        # rpm orders any string: Debian and Alpine versions are fair input too
        deb = sorted(osv_versions({"Debian"}, ["Debian"]))
        return (rpm_versions() | corpus_tokens("redhat-versions.txt")
                | set(random.Random(7).sample(deb, min(1500, len(deb)))))
    if scheme == "pep440":
        return (osv_versions({"PyPI"}, ["PyPI"])
                | corpus_tokens("pypi-versions.txt", "pypi-versions-generated.txt")
                | grep_files("python/**/*", r"^Version:\s*(\S+)"))
    if scheme == "rubygems":
        return (osv_versions({"RubyGems"}, ["RubyGems", "npm", "Maven"])
                | corpus_tokens("rubygems-versions.txt", "rubygems-versions-generated.txt")
                | grep_files("ruby/**/Gemfile*.lock", r"^    \S+ \(([^)-][^),]*)\)$"))
    if scheme == "composer":
        return (osv_versions({"Packagist"}, ["Packagist", "npm", "Maven"])
                | corpus_tokens("packagist-versions.txt", "packagist-versions-generated.txt")
                | grep_files("php/**/composer.lock", r'"version":\s*"([^"]+)"'))
    if scheme == "semver":
        return (osv_versions({"npm", "crates.io", "SwiftURL", "Hex"}, ["npm", "crates.io", "SwiftURL"])
                | corpus_tokens("semver-versions.txt")
                | grep_files("npm/**/package-lock.json", r'"version":\s*"([^"]+)"'))
    if scheme == "go":
        return (osv_versions({"Go"}, ["Go"]) | corpus_tokens("semver-versions.txt")
                | grep_files("go/**/go.*", r"^\s*(?:require\s+)?\S+\s+(v\d\S*?)(?:/go\.mod)?(?:\s+h1:\S+)?\s*(?://.*)?$"))
    if scheme == "maven":
        return (osv_versions({"Maven"}, ["Maven"])
                | corpus_tokens("maven-versions.txt", "maven-versions-generated.txt")
                | grep_files("maven/**/*.xml", r"<version>([^<$]+)</version>"))
    raise SystemExit("pairs.py: unknown scheme " + scheme)


def edit(v, rnd):
    """A near neighbour: bump or drop a digit, add a common suffix."""
    digits = [i for i, c in enumerate(v) if c.isdigit()]
    k = rnd.randrange(4)
    if k == 0 and digits:
        i = rnd.choice(digits)
        return v[:i] + str((int(v[i]) + 1) % 10) + v[i + 1:]
    if k == 1 and len(v) > 1:
        return v[:-1]
    if k == 2:
        return v + rnd.choice([".0", "-1", "~rc1", "a", ".1", "-beta", "+b1", "^1", "_p1", ".post1"])
    return v.upper() if rnd.randrange(2) else v


def main():
    scheme, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rnd = random.Random(seed)
    vs = sorted(v for v in collect(scheme) if v and "\t" not in v and "\n" not in v and len(v) <= 200)
    pairs = []
    for i in range(len(vs) - 1):  # neighbours: the close calls
        pairs.append((vs[i], vs[i + 1]))
    rnd.shuffle(pairs)
    pairs = pairs[: n // 3]
    for v in rnd.sample(vs, min(len(vs), n // 3)):
        pairs.append((v, edit(v, rnd)))
    while len(pairs) < n:
        pairs.append((rnd.choice(vs), rnd.choice(vs)))
    sys.stderr.write("pairs.py: %s: %d distinct versions, %d pairs\n" % (scheme, len(vs), len(pairs)))
    out = sys.stdout.buffer
    for a, b in pairs:
        out.write(("%s\t%s\n" % (a, b)).encode("utf-8", "surrogateescape"))


main()
