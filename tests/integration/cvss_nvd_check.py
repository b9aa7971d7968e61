#!/usr/bin/env python3
"""
cvss_nvd_check.py KENSA KNOWN.tsv FILE...: score every CVSS vector found in
NVD CVE API 2.0 feed files with `KENSA cvss` (batch mode, each distinct vector
once) and compare with the scores in the records: baseScore, baseSeverity and,
where present, exploitabilityScore and impactScore. A v4.0 baseScore agrees if
it equals Kensa's baseScore (CVSS-B) or its score of the full vector (CVSS-BT/
BE/BTE), because CNAs publish either. Every disagreement must be listed in
KNOWN.tsv with the evidence that the record is wrong; prints the agreement
per version and "N passed, N failed" (one check per metric entry).
"""
import collections
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cvss_nvd_pairs  # noqa: E402


def read_pairs(files):
    import io
    buf = io.StringIO()
    saved, sys.stdout = sys.stdout, buf
    try:
        sys.argv = ["cvss_nvd_pairs"] + files
        cvss_nvd_pairs.main()
    finally:
        sys.stdout = saved
    return [line.split("\t") for line in buf.getvalue().splitlines()]


def main():
    kensa, known_path, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    known = {}
    for line in open(known_path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        cve, src, ver, field, nvd, ours, why = line.rstrip("\n").split("\t")
        known[(cve, src, ver, field)] = (nvd, ours, why)
    rows = read_pairs(files)
    vectors = sorted({r[4] for r in rows if r[4] != "-"})
    proc = subprocess.run([kensa, "cvss"], input="\n".join(vectors) + "\n", capture_output=True,
                          text=True)
    bad_lines = set()
    for err in proc.stderr.splitlines():
        # kensa: <stdin>:LINE: message
        try:
            bad_lines.add(int(err.split("<stdin>:")[1].split(":")[0]))
        except (IndexError, ValueError):
            print("unexpected stderr: %s" % err)
    out = iter(proc.stdout.splitlines())
    result = {}
    for i, vec in enumerate(vectors, 1):
        result[vec] = None if i in bad_lines else json.loads(next(out))

    per = collections.Counter()
    passed = failed = 0
    seen_known = set()
    for cve, src, typ, ver, vec, base, sev, expl, imp in rows:
        r = result.get(vec)
        problems = []
        if r is None:
            problems.append(("valid", "valid", "rejected"))
        else:
            if r["version"] != ver:
                problems.append(("version", ver, r["version"]))
            nb = float(base)
            if ver == "4.0":
                if nb != r["baseScore"] and nb != r["score"]:
                    problems.append(("baseScore", base, r["baseScore"]))
                if sev != "-" and sev not in (r["baseSeverity"], r["severity"]):
                    problems.append(("baseSeverity", sev, r["baseSeverity"]))
            else:
                if nb != r["baseScore"]:
                    problems.append(("baseScore", base, r["baseScore"]))
                if sev != "-" and sev != r["baseSeverity"]:
                    problems.append(("baseSeverity", sev, r["baseSeverity"]))
                if expl != "-" and float(expl) != r["exploitabilityScore"]:
                    problems.append(("exploitabilityScore", expl, r["exploitabilityScore"]))
                if imp != "-" and float(imp) != r["impactScore"]:
                    problems.append(("impactScore", imp, r["impactScore"]))
        unexplained = []
        for field, theirs, ours in problems:
            k = (cve, src, ver, field)
            if k in known:
                seen_known.add(k)
                per[(ver, "known data error")] += 1
            else:
                unexplained.append("%s %s v%s %s: NVD record %s, Kensa %s (%s)" %
                                   (cve, src, ver, field, theirs, ours, vec))
        if unexplained:
            failed += 1
            for u in unexplained:
                print("DISAGREE " + u)
        else:
            passed += 1
        per[(ver, "entries")] += 1
        per[(ver, "agree")] += 0 if problems else 1
    for k in sorted(set(known) - seen_known):
        failed += 1
        print("KNOWN ENTRY NO LONGER DISAGREES (remove it): %s" % "\t".join(k))
    for ver in ("2.0", "3.0", "3.1", "4.0"):
        n, a, e = per[(ver, "entries")], per[(ver, "agree")], per[(ver, "known data error")]
        print("v%s: %d metric entries, %d agree on every field (%.3f%%), %d fields are known "
              "record errors" % (ver, n, a, 100.0 * a / n if n else 0, e))
    print("%d distinct vectors, %d rejected by kensa" % (len(vectors), len(bad_lines)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
