#!/usr/bin/env python3
"""Build the inputs of formats_scan.sh in OUT (a scratch directory).

  formats_fixture.py DATA_DIR OUT

OUT/feeds/  a small vulnerability DB's feeds: the real Debian:12 OSV records of
            openssl and glibc from DATA_DIR, the NVD records, EPSS rows and the KEV catalog for their
            CVEs, plus crafted advisories whose texts carry what writers must
            escape (quotes, newlines, non-ASCII, spreadsheet formulas, text over
            the ASFF limits) and whose shapes cover every status: fixed, no fix,
            an installed version that cannot be compared (UNKNOWN), no score at
            all (UNTRIAGED), a KEV entry, two binary packages of one source.
OUT/root/   a Debian 12 root: real old openssl and glibc, the crafted packages,
            one of them in a status.d file whose name needs URI escaping.
OUT/ignore.yaml, OUT/vex.json: suppress two of the crafted findings.
OUT/expect.json: what the crafted advisories must produce.
"""
import csv
import gzip
import io
import json
import os
import sys
import zipfile

DATA, OUT = sys.argv[1], sys.argv[2]
SOURCES = {"openssl", "glibc"}

TRICKY = ('Quote " and \'single\', a comma, a newline\nsecond line\r\nthird line, '
          'tab\there, backslash \\ , non-ASCII: ünïcödé 日本語 😀, HTML <b>bold</b> & co.')

# (id, CVE, source package, fixed version or None, details)
CRAFTED = [
    ("DEBIAN-CVE-2099-0001", "CVE-2099-0001", "kfmt-quotes", "1.0-2",
     '=HYPERLINK("http://evil.example/","click") ' + TRICKY),
    ("DEBIAN-CVE-2099-0002", "CVE-2099-0002", "kfmt-nofix", None,
     "+cmd|' /C calc'!A0 " + ("Long text with multi-byte characters é€😀 " * 60)),
    ("DEBIAN-CVE-2099-0003", "CVE-2099-0003", "kfmt-unknown", "1.0-2",
     "-2+3 an installed version Kensa cannot compare (epoch 'x')"),
    ("DEBIAN-CVE-2099-0004", "CVE-2099-0004", "kfmt-ignored", "1.0-2",
     "@SUM(1+1) suppressed by the ignore file"),
    ("DEBIAN-CVE-2099-0005", "CVE-2099-0005", "kfmt-vex", "1.0-2",
     "\tsuppressed by a VEX statement"),
    ("DEBIAN-CVE-2099-0006", "CVE-2099-0006", "kfmt-multi", "1.0-2",
     "two binary packages built from one source package"),
    ("DEBIAN-CVE-2099-0007", "CVE-2099-0007", "kfmt-odd", "1.0-2",
     "a package read from a status.d file whose name needs URI escaping"),
]
# NVD CVSS per crafted CVE: (version, vector, score); none for 0003 (UNTRIAGED).
NVD = {
    "CVE-2099-0001": [("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8)],
    "CVE-2099-0002": [("2.0", "AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5)],
    "CVE-2099-0004": [("3.1", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N", 4.8)],
    "CVE-2099-0005": [("3.1", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N", 3.3)],
    "CVE-2099-0006": [("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5)],
    "CVE-2099-0007": [("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N", 5.4)],
}


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        f.write(data)


def osv_record(rid, cve, name, fixed, details):
    events = [{"introduced": "0"}] + ([{"fixed": fixed}] if fixed else [])
    return {
        "schema_version": "1.6.0", "id": rid, "modified": "2099-01-02T00:00:00Z",
        "published": "2099-01-01T00:00:00Z", "upstream": [cve], "details": details,
        "affected": [{"package": {"ecosystem": "Debian:12", "name": name},
                      "ranges": [{"type": "ECOSYSTEM", "events": events}]}],
        "references": [{"type": "ADVISORY", "url": "https://example.org/adv?id=%s&q=\"x\"" % rid},
                       {"type": "WEB", "url": "https://example.org/%s" % cve}],
    }


def nvd_record(cve, metrics, cwe):
    m = {}
    for ver, vec, score in metrics:
        key = {"2.0": "cvssMetricV2", "3.0": "cvssMetricV30", "3.1": "cvssMetricV31"}[ver]
        m.setdefault(key, []).append({
            "source": "nvd@nist.gov", "type": "Primary",
            "cvssData": {"version": ver, "vectorString": vec, "baseScore": score}})
    return {"cve": {
        "id": cve, "sourceIdentifier": "test@kensa.invalid", "published": "2099-01-01T00:00:00.000",
        "lastModified": "2099-01-02T00:00:00.000", "vulnStatus": "Analyzed",
        "descriptions": [{"lang": "en", "value": "NVD text for %s" % cve}], "metrics": m,
        "weaknesses": [{"source": "nvd@nist.gov", "type": "Primary",
                        "description": [{"lang": "en", "value": cwe}]}]}}


def main():
    feeds = os.path.join(OUT, "feeds")
    cves = set()
    expect = {"crafted": {}}
    # Real Debian:12 records of the chosen source packages.
    z = zipfile.ZipFile(os.path.join(DATA, "osv", "Debian", "all.zip"))
    n_real = 0
    for name in z.namelist():
        raw = z.read(name)
        rec = json.loads(raw)
        if any(a.get("package", {}).get("ecosystem") == "Debian:12" and
               a.get("package", {}).get("name") in SOURCES for a in rec.get("affected", [])):
            write(os.path.join(feeds, "osv", name), raw, "wb")
            cves.update(c for c in rec.get("upstream", []) + rec.get("aliases", [])
                        if c.startswith("CVE-"))
            n_real += 1
    for rid, cve, name, fixed, details in CRAFTED:
        write(os.path.join(feeds, "osv", rid + ".json"),
              json.dumps(osv_record(rid, cve, name, fixed, details), ensure_ascii=False))
        expect["crafted"][cve] = {"source": name, "fixed": fixed, "details": details}
    # NVD records for those CVEs, from the yearly feeds.
    vulns = []
    dec = json.JSONDecoder()
    by_file = {}
    for cve in cves:  # the 2002 file also holds CVE-1999..2001, as NVD's does
        by_file.setdefault(max(int(cve.split("-")[1]), 2002), []).append(cve)
    for year, wanted in sorted(by_file.items()):
        path = os.path.join(DATA, "nvd", "nvdcve-2.0-%d.json.gz" % year)
        if not os.path.exists(path):
            continue
        text = gzip.open(path, "rt", encoding="utf-8").read()
        for cve in sorted(wanted):
            # The feeds are compact JSON: find the record and decode only it.
            at = text.find('{"cve":{"id":"%s"' % cve)
            if at >= 0:
                vulns.append(dec.raw_decode(text, at)[0])
    for cve, metrics in sorted(NVD.items()):
        vulns.append(nvd_record(cve, metrics, "CWE-79" if cve.endswith("1") else "CWE-1321"))
    write(os.path.join(feeds, "nvd", "nvdcve-2.0-fixture.json"), json.dumps({
        "resultsPerPage": len(vulns), "startIndex": 0, "totalResults": len(vulns),
        "format": "NVD_CVE", "version": "2.0", "timestamp": "2099-01-03T00:00:00.000",
        "vulnerabilities": vulns}))
    # EPSS rows (FIRST layout) and the KEV catalog with one crafted entry.
    out = io.StringIO()
    with gzip.open(os.path.join(DATA, "epss", "epss_scores-current.csv.gz"), "rt") as f:
        for i, line in enumerate(f):
            if i < 2 or line.split(",", 1)[0] in cves:
                out.write(line)
    out.write("CVE-2099-0001,0.912340000,0.998760000\nCVE-2099-0006,0.000043000,0.012000000\n")
    write(os.path.join(feeds, "epss", "epss_scores-current.csv"), out.getvalue())
    kev = json.load(open(os.path.join(DATA, "kev", "known_exploited_vulnerabilities.json"),
                         encoding="utf-8"))
    kev["vulnerabilities"].append({
        "cveID": "CVE-2099-0001", "vendorProject": "Kensa", "product": "kfmt-quotes",
        "vulnerabilityName": "Crafted \"quoted\" vulnerability", "dateAdded": "2099-01-05",
        "shortDescription": TRICKY, "requiredAction": "Apply updates.", "dueDate": "2099-01-26",
        "knownRansomwareCampaignUse": "Unknown", "notes": ""})
    kev["count"] = len(kev["vulnerabilities"])
    write(os.path.join(feeds, "kev", "known_exploited_vulnerabilities.json"),
          json.dumps(kev, ensure_ascii=False))

    # The root: real old openssl/glibc plus the crafted packages.
    def stanza(pkg, version, source=None, arch="amd64"):
        s = "Package: %s\nStatus: install ok installed\nArchitecture: %s\n" % (pkg, arch)
        if source:
            s += "Source: %s\n" % source
        return s + "Version: %s\nMaintainer: Kensa tests <t@kensa.invalid>\n\n" % version
    status = "".join([
        stanza("libssl3", "3.0.8-1", "openssl"), stanza("openssl", "3.0.8-1"),
        stanza("libc6", "2.36-8", "glibc"),
        stanza("kfmt-quotes", "1.0-1"), stanza("kfmt-nofix", "2.0-1"),
        stanza("kfmt-unknown", "x:1.0-1"), stanza("kfmt-ignored", "1.0-1"),
        stanza("kfmt-vex", "1.0-1"), stanza("kfmt-multi-a", "1.0-1", "kfmt-multi"),
        stanza("kfmt-multi-b", "1.0-1", "kfmt-multi", "all"),
    ])
    root = os.path.join(OUT, "root")
    write(os.path.join(root, "var/lib/dpkg/status"), status)
    write(os.path.join(root, "var/lib/dpkg/status.d/kfmt odd #1 ünï%"),
          stanza("kfmt-odd", "1.0-1").replace(
              "Status: install ok installed\n", ""))
    write(os.path.join(root, "etc/os-release"),
          'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
          'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n')
    write(os.path.join(OUT, "ignore.yaml"),
          "# formats_scan.sh\n- id: CVE-2099-0004\n"
          "  reason: 'accepted: \"quoted\", ünï, =formula, newline-free'\n")
    write(os.path.join(OUT, "vex.json"), json.dumps({
        "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://kensa.invalid/vex/1",
        "author": "Kensa tests", "timestamp": "2099-01-01T00:00:00Z", "version": 1,
        "statements": [{"vulnerability": {"name": "CVE-2099-0005"},
                        "products": [{"@id": "pkg:deb/debian/kfmt-vex"}],
                        "status": "not_affected",
                        "justification": "vulnerable_code_not_in_execute_path"}]}))
    expect["realRecords"] = n_real
    write(os.path.join(OUT, "expect.json"), json.dumps(expect, ensure_ascii=False, indent=1))


main()
