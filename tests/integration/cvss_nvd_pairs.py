#!/usr/bin/env python3
"""
cvss_nvd_pairs.py FILE...: print every CVSS metric entry of NVD CVE API 2.0
feed files (nvdcve-2.0-*.json.gz) as one tab-separated line:

  cve  source  type  version  vectorString  baseScore  baseSeverity  exploitabilityScore  impactScore

Absent values are "-". Used by cvss_nvd.sh to compare Kensa's scores with the
scores NVD (and the CNAs whose scores NVD republishes) computed.
"""
import gzip
import json
import sys

KEYS = ("cvssMetricV2", "cvssMetricV30", "cvssMetricV31", "cvssMetricV40")


def fmt(v):
    return "-" if v is None else str(v)


def main():
    out = sys.stdout
    for path in sys.argv[1:]:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            doc = json.load(f)
        for item in doc.get("vulnerabilities", []):
            cve = item.get("cve", {})
            metrics = cve.get("metrics", {})
            for key in KEYS:
                for m in metrics.get(key, []):
                    data = m.get("cvssData", {})
                    sev = data.get("baseSeverity", m.get("baseSeverity"))
                    out.write("\t".join([
                        cve.get("id", "-"), fmt(m.get("source")), fmt(m.get("type")),
                        fmt(data.get("version")), fmt(data.get("vectorString")),
                        fmt(data.get("baseScore")), fmt(sev),
                        fmt(m.get("exploitabilityScore")), fmt(m.get("impactScore"))]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
