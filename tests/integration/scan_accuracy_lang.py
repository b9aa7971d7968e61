#!/usr/bin/python3
"""Independent oracle for language-ecosystem matching (docs/accuracy.md).

make ECO ZIP RUNS OUTDIR -- ORACLE...
    From the OSV records of ecosystem ECO in ZIP, pick packages and, for
    each, up to RUNS real versions (from the records' `versions` lists and
    range events). Write OUTDIR/sbom-N.json (CycloneDX 1.6, one version of
    each package per SBOM) and OUTDIR/expected-N.tsv: the (advisory id,
    package, version) triples that must match, computed with the OSV
    schema's evaluation rules (sorted events; introduced/fixed/
    last_affected/limit; explicit versions) and the ecosystem's own tool
    (ORACLE: reads "A<TAB>B" lines, prints <, =, > or E) doing every version
    comparison. No Kensa code is involved.

compare EXPECTED FINDINGS_JSON
    Print agreement and differences; exit 1 when they differ.
"""
import functools
import json
import os
import random
import subprocess
import sys
import zipfile

MAX_PACKAGES = 400


def load(eco, zpath):
    z = zipfile.ZipFile(zpath)
    by_pkg = {}
    for n in sorted(z.namelist()):
        rec = json.loads(z.read(n))
        if rec.get("withdrawn"):
            continue
        for aff in rec.get("affected", []):
            pkg = aff.get("package", {})
            if pkg.get("ecosystem") != eco:
                continue
            by_pkg.setdefault(pkg["name"], []).append((rec["id"], aff))
    return by_pkg


def candidate_versions(entries):
    vs = set()
    for _, aff in entries:
        vs.update(aff.get("versions", []))
        for r in aff.get("ranges", []):
            if r.get("type") == "GIT":
                continue
            for ev in r.get("events", []):
                for k in ("introduced", "fixed", "last_affected"):
                    if k in ev and ev[k] != "0":
                        vs.add(ev[k])
    return sorted(vs)


def purl(eco, name, version):
    from urllib.parse import quote
    if eco == "PyPI":
        return "pkg:pypi/%s@%s" % (name.lower(), quote(version, safe=""))
    if eco == "npm":
        if name.startswith("@") and "/" in name:
            ns, n = name.split("/", 1)
            return "pkg:npm/%s/%s@%s" % (quote(ns, safe=""), n, quote(version, safe=""))
        return "pkg:npm/%s@%s" % (name, quote(version, safe=""))
    if eco == "crates.io":
        return "pkg:cargo/%s@%s" % (name, quote(version, safe=""))
    if eco == "Go":
        return "pkg:golang/%s@v%s" % (name, quote(version, safe=""))
    if eco == "Maven":
        g, a = name.split(":", 1)
        return "pkg:maven/%s/%s@%s" % (g, a, quote(version, safe=""))
    raise SystemExit("oracle: no purl rule for %s" % eco)


class Oracle:
    """Every comparison through the ecosystem's own tool, batched."""

    def __init__(self, cmd):
        self.cmd = cmd
        self.cache = {}

    def prime(self, pairs):
        todo = sorted({p for p in pairs if p not in self.cache})
        if not todo:
            return
        inp = "".join("%s\t%s\n" % p for p in todo)
        out = subprocess.run(self.cmd, input=inp, capture_output=True, text=True, check=True).stdout.split("\n")
        for p, r in zip(todo, out):
            self.cache[p] = r

    def cmp(self, a, b):
        r = self.cache[(a, b)]
        if r not in ("<", "=", ">"):
            raise ValueError("%s vs %s: %s" % (a, b, r))
        return {"<": -1, "=": 0, ">": 1}[r]


def range_events(aff):
    for r in aff.get("ranges", []):
        if r.get("type") in ("ECOSYSTEM", "SEMVER"):
            yield [(k, v) for ev in r["events"] for k, v in ev.items()]


def needed_pairs(v, aff):
    for evs in range_events(aff):
        vals = [x for _, x in evs if x != "0"]
        for x in vals:
            yield (v, x)
            for y in vals:
                yield (x, y)


def is_affected(orc, v, aff):
    """The OSV schema's evaluation: True, False, or None (unknown)."""
    if v in aff.get("versions", []):
        return True
    unknown = False
    for evs in range_events(aff):
        def key(a, b):
            (ka, va), (kb, vb) = a, b
            if va == "0" and vb == "0":
                return 0
            if va == "0":
                return -1
            if vb == "0":
                return 1
            return orc.cmp(va, vb)
        try:
            evs = sorted(evs, key=functools.cmp_to_key(key))
            status = False
            for k, x in evs:
                if k == "introduced":
                    if x == "0" or orc.cmp(v, x) >= 0:
                        status = True
                elif k == "fixed":
                    if orc.cmp(v, x) >= 0:
                        status = False
                elif k == "last_affected":
                    if orc.cmp(v, x) > 0:
                        status = False
                elif k == "limit":
                    if orc.cmp(v, x) >= 0:
                        status = False
            if status:
                return True
        except ValueError:
            unknown = True
    return None if unknown else False


def make(eco, zpath, runs, outdir, cmd):
    rng = random.Random(20261122)
    by_pkg = load(eco, zpath)
    names = sorted(by_pkg)
    if len(names) > MAX_PACKAGES:
        names = sorted(rng.sample(names, MAX_PACKAGES))
    chosen = {}
    for n in names:
        cands = candidate_versions(by_pkg[n])
        if cands:
            chosen[n] = rng.sample(cands, min(runs, len(cands)))
    orc = Oracle(cmd)
    pairs = []
    for n, vs in chosen.items():
        for v in vs:
            for _, aff in by_pkg[n]:
                pairs.extend(needed_pairs(v, aff))
    orc.prime(pairs)
    os.makedirs(outdir, exist_ok=True)
    for i in range(runs):
        comps, expected, unknown = [], [], []
        for n, vs in sorted(chosen.items()):
            if i >= len(vs):
                continue
            v = vs[i]
            comps.append({"type": "library", "bom-ref": "c%d" % len(comps), "name": n,
                          "version": v, "purl": purl(eco, n, v)})
            for adv, aff in by_pkg[n]:
                r = is_affected(orc, v, aff)
                if r is True:
                    expected.append((adv, n, v))
                elif r is None:
                    unknown.append((adv, n, v))
        bom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
               "metadata": {"component": {"type": "application", "name": "accuracy-%s-%d" % (eco, i)}},
               "components": comps}
        json.dump(bom, open("%s/sbom-%d.json" % (outdir, i), "w"), indent=1)
        with open("%s/expected-%d.tsv" % (outdir, i), "w") as f:
            for t in sorted(set(expected)):
                f.write("%s\t%s\t%s\n" % t)
        with open("%s/unknown-%d.tsv" % (outdir, i), "w") as f:
            for t in sorted(set(unknown)):
                f.write("%s\t%s\t%s\n" % t)


def kensa_triples(doc, eco):
    yes, unknown = set(), set()
    for f in doc["findings"]:
        p = f["packageVulnerabilityDetails"]
        for v in p["vulnerablePackages"]:
            for adv in f.get("advisories", []):
                t = (adv, v["name"], v["version"])
                (unknown if v.get("matchStatus") == "UNKNOWN" else yes).add(t)
    return yes, unknown


def norm_name(eco, n):
    return n.lower() if eco == "PyPI" else n


def compare(eco, expected_path, unknown_path, findings_path):
    want = set()
    for l in open(expected_path):
        a, n, v = l.rstrip("\n").split("\t")
        want.add((a, norm_name(eco, n), v))
    want_unknown = set()
    for l in open(unknown_path):
        a, n, v = l.rstrip("\n").split("\t")
        want_unknown.add((a, norm_name(eco, n), v))
    got, got_unknown = kensa_triples(json.load(open(findings_path)), eco)
    got = {(a, norm_name(eco, n), v) for a, n, v in got}
    got_unknown = {(a, norm_name(eco, n), v) for a, n, v in got_unknown}
    print("%s: oracle affected %d (unknown %d), kensa affected %d (unknown %d), agree %d" %
          (eco, len(want), len(want_unknown), len(got), len(got_unknown), len(want & got)))
    for x in sorted(want - got)[:15]:
        print("  missed by kensa: %s %s %s" % x)
    for x in sorted(got - want)[:15]:
        print("  extra in kensa: %s %s %s" % x)
    # Kensa may say "unknown" where the oracle says affected or not only when the
    # oracle could not order a version either.
    bad_unknown = got_unknown - want_unknown
    for x in sorted(bad_unknown)[:15]:
        print("  kensa unknown, oracle decided: %s %s %s" % x)
    return 0 if want == got and not bad_unknown else 1


if __name__ == "__main__":
    if sys.argv[1] == "make":
        sep = sys.argv.index("--")
        make(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[sep + 1:])
    elif sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]))
