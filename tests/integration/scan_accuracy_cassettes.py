#!/usr/bin/python3
"""Kensa's matching against osv.dev's own answers (docs/accuracy.md).

osv-scanner's test cassettes record real `api.osv.dev/v1/querybatch`
exchanges for the packages of real images: each query is a (ecosystem,
name, version) and each answer the advisory ids osv.dev said affect it.
osv.dev answered from its live data (mid-2026); Kensa answers from the
snapshot in ../shared/data, so only advisories the snapshot holds for that
package can be held against it.

sbom CASSETTE_DIR OUT.json
    Write every distinct query as one CycloneDX 1.6 SBOM (one component per
    query, its purl naming the ecosystem and, for distros, the release).

compare CASSETTE_DIR DATA_DIR FINDINGS.json KNOWN.tsv
    For each query: osv.dev's ids whose snapshot record has an affected
    entry for that ecosystem/release and package must be among Kensa's
    (a miss fails); osv.dev ids the snapshot lacks are counted; Kensa ids
    osv.dev did not return must come from a record the snapshot converted
    itself (database_specific.derived_from: osv.dev's own record for it
    differs) or be listed, with their reason, in KNOWN.tsv (an unlisted one
    fails, and so does a listed one that no longer occurs). Queries in releases without snapshot data must be reported by
    Kensa as having no advisory data, never silently clean.
"""
import collections
import glob
import json
import os
import sys
import zipfile
from urllib.parse import quote

import yaml

# snapshot archive of each OSV ecosystem (the part before ":")
ARCHIVE = {"Alpine": "Alpine", "Debian": "Debian", "Go": "Go", "Maven": "Maven",
           "PyPI": "PyPI", "npm": "npm", "crates.io": "crates.io"}


def queries(cdir):
    """{(ecosystem, name, version): set(ids)} over every cassette."""
    qs = {}
    for f in sorted(glob.glob(os.path.join(cdir, "*.yaml"))):
        doc = yaml.safe_load(open(f))
        for it in doc["interactions"]:
            rq = it["request"]
            if "querybatch" not in rq.get("url", ""):
                continue
            qv = json.loads(rq["body"])["queries"]
            rv = json.loads(it["response"]["body"])["results"]
            if len(qv) != len(rv):
                raise SystemExit("%s: %d queries but %d results" % (f, len(qv), len(rv)))
            for q, r in zip(qv, rv):
                pkg = q.get("package")
                if not pkg or "version" not in q or pkg.get("ecosystem") == "GIT":
                    continue  # commit queries: Kensa matches versions, not commits
                key = (pkg["ecosystem"], pkg["name"], q["version"])
                qs.setdefault(key, set()).update(v["id"] for v in (r.get("vulns") or []))
    return qs


def purl(eco, name, version):
    base, _, rel = eco.partition(":")
    v = quote(version, safe="")
    if base == "Alpine":
        return "pkg:apk/alpine/%s@%s?distro=alpine-%s" % (name, v, rel.lstrip("v"))
    if base in ("Debian", "Ubuntu"):
        return "pkg:deb/%s/%s@%s?distro=%s-%s" % (base.lower(), name, v, base.lower(), rel)
    if base == "openSUSE":
        return "pkg:rpm/opensuse/%s@%s?distro=opensuse-leap-%s" % (name, v, rel.split()[-1])
    if base == "PyPI":
        return "pkg:pypi/%s@%s" % (name.lower(), v)
    if base == "npm":
        if name.startswith("@") and "/" in name:
            ns, n = name.split("/", 1)
            return "pkg:npm/%s/%s@%s" % (quote(ns, safe=""), n, v)
        return "pkg:npm/%s@%s" % (name, v)
    if base == "crates.io":
        return "pkg:cargo/%s@%s" % (name, v)
    if base == "Go":
        return "pkg:golang/%s@v%s" % (name, v.lstrip("v"))
    if base == "Maven":
        g, a = name.split(":", 1)
        return "pkg:maven/%s/%s@%s" % (g, a, v)
    raise SystemExit("no purl rule for ecosystem %s" % eco)


def write_sbom(cdir, out):
    comps = []
    for i, (eco, name, ver) in enumerate(sorted(queries(cdir))):
        comps.append({"type": "library", "bom-ref": "q%d" % i, "name": name, "version": ver,
                      "purl": purl(eco, name, ver)})
    json.dump({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
               "components": comps}, open(out, "w"), indent=1)


def norm(eco, name):
    return name.lower().replace("_", "-").replace(".", "-") if eco == "PyPI" else name


def snapshot(data, ecos):
    """{(ecosystem, normalised name): set(ids)} of the snapshot's non-withdrawn
    records, and the ids of records the snapshot converted itself from a
    distro's native feed (database_specific.derived_from): not osv.dev's."""
    held = collections.defaultdict(set)
    derived = set()
    archives = sorted({ARCHIVE[e.partition(":")[0]] for e in ecos if e.partition(":")[0] in ARCHIVE})
    for a in archives:
        z = zipfile.ZipFile(os.path.join(data, "osv", a, "all.zip"))
        for n in z.namelist():
            rec = json.loads(z.read(n))
            if rec.get("withdrawn"):
                continue
            if (rec.get("database_specific") or {}).get("derived_from"):
                derived.add(rec["id"])
            for aff in rec.get("affected", []):
                p = aff.get("package", {})
                held[(p.get("ecosystem"), norm(p.get("ecosystem", "").partition(":")[0], p.get("name", "")))].add(rec["id"])
    return held, derived


def kensa_ids(doc):
    """{(ecosystem, name, version): set(ids)} from Kensa's findings."""
    got = collections.defaultdict(set)
    for f in doc["findings"]:
        for v in f["packageVulnerabilityDetails"]["vulnerablePackages"]:
            for adv in f.get("advisories", []):
                got[(v.get("ecosystem"), v["name"], v["version"])].add(adv)
    return got


def compare(cdir, data, findings, known_path):
    qs = queries(cdir)
    doc = json.load(open(findings))
    got = kensa_ids(doc)
    held, derived = snapshot(data, {e for e, _, _ in qs})
    releases = {e for e, _ in held}
    known = {}
    for line in open(known_path):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        eco, name, ver, vid, reason = line.split("\t")
        known[(eco, name, ver, vid)] = reason
    fails = 0
    seen_known = set()
    stats = collections.defaultdict(collections.Counter)
    no_data = set(doc["summary"].get("noAdvisoryData", []))
    for (eco, name, ver), ids in sorted(qs.items()):
        base = eco.partition(":")[0]
        st = stats[eco]
        st["queries"] += 1
        if eco not in releases:
            st["osv.dev ids, release not in snapshot"] += len(ids)
            if eco not in no_data and base in ("Alpine", "Debian", "Ubuntu", "openSUSE"):
                print("FAIL %s %s %s: no snapshot data for %s, yet Kensa does not say so" % (eco, name, ver, eco))
                fails += 1
            continue
        mine = set()
        vkey = ver if base != "Go" else ver.lstrip("v")
        for (e, n, v), s in got.items():
            if e == eco and norm(base, n) == norm(base, name) and v.lstrip("v" if base == "Go" else "") == vkey:
                mine |= s
        have = held.get((eco, norm(base, name)), set())
        must = ids & have
        st["osv.dev ids"] += len(ids)
        st["held by snapshot"] += len(must)
        st["matched by Kensa"] += len(must & mine)
        for vid in sorted(must - mine):
            print("FAIL %s %s %s: osv.dev says %s, the snapshot holds it, Kensa missed it" % (eco, name, ver, vid))
            fails += 1
        for vid in sorted(mine - ids):
            k = (eco, name, ver, vid)
            if k in known:
                seen_known.add(k)
                st["Kensa only (KNOWN.tsv)"] += 1
            elif vid in derived:
                st["Kensa only (snapshot record converted, not osv.dev's)"] += 1
            else:
                print("FAIL %s %s %s: Kensa says %s, osv.dev did not, and KNOWN.tsv has no reason" % k)
                fails += 1
    for k in sorted(set(known) - seen_known):
        print("FAIL KNOWN.tsv lists %s %s %s %s, which no longer occurs: remove it" % k)
        fails += 1
    total = collections.Counter()
    for eco in sorted(stats):
        print("%-22s %s" % (eco, ", ".join("%s %d" % kv for kv in stats[eco].items())))
        total.update(stats[eco])
    print("all: %s" % ", ".join("%s %d" % kv for kv in total.items()))
    return 1 if fails else 0


if __name__ == "__main__":
    if sys.argv[1] == "sbom":
        write_sbom(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]))
    else:
        raise SystemExit("usage: sbom|compare ...")
