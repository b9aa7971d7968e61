#!/usr/bin/env python3
"""Write N_RESOURCES files of PER_RESOURCE Inspector2 findings each (one host
per file, {"findings": [...]}) into OUT_DIR, shaped like the fixtures in
tests/fixtures/findings. Severities are spread as in a real fleet
(5% CRITICAL, 20% HIGH, 40% MEDIUM, 30% LOW, 5% INFORMATIONAL).

usage: gen_findings.py OUT_DIR N_RESOURCES PER_RESOURCE
"""
import hashlib
import json
import random
import sys

out, n_res, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(42)
sev = [("CRITICAL", 9.1, 10.0)] * 5 + [("HIGH", 7.0, 8.9)] * 20 + [("MEDIUM", 4.0, 6.9)] * 40 + \
      [("LOW", 0.1, 3.9)] * 30 + [("INFORMATIONAL", 0.0, 0.0)] * 5
pkgs = ["libc6", "openssl", "libssl3", "curl", "libcurl4", "zlib1g", "libxml2", "systemd", "bash",
        "tar", "gzip", "perl-base", "python3.11", "libsqlite3-0", "libpcre2-8-0", "git", "sudo"]
for r in range(n_res):
    rid = "i-%017x" % (0x0a1b2c3d4e5f60000 + r)
    res = {"type": "AWS_EC2_INSTANCE", "id": rid, "partition": "aws", "region": "us-east-1",
           "tags": {"env": rnd.choice(["prod", "staging", "dev"]), "team": "team-%d" % (r % 7)},
           "details": {"awsEc2Instance": {"type": "m5.large", "imageId": "ami-%017x" % (r % 13),
                                          "vpcId": "vpc-0123abcd", "subnetId": "subnet-%08x" % (r % 5),
                                          "platform": "DEBIAN_12"}}}
    findings = []
    for i in range(per):
        s, lo, hi = rnd.choice(sev)
        score = round(rnd.uniform(lo, hi), 1)
        p = rnd.choice(pkgs)
        cve = "CVE-%d-%05d" % (rnd.randint(2015, 2025), rnd.randint(1, 99999))
        fid = hashlib.md5(("%s|%s|%s|%d" % (rid, cve, p, i)).encode()).hexdigest()
        findings.append({
            "findingArn": "arn:aws:inspector2:us-east-1:000000000000:finding/" + fid,
            "awsAccountId": "000000000000", "type": "PACKAGE_VULNERABILITY",
            "title": "%s - %s" % (cve, p),
            "description": "A vulnerability in %s allows a remote attacker to cause a denial of service." % p,
            "remediation": {"recommendation": {"text": "Upgrade %s." % p}},
            "severity": s, "inspectorScore": score,
            "inspectorScoreDetails": {"adjustedCvss": {"scoreSource": "NVD", "version": "3.1", "score": score,
                                                       "scoringVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                                                       "adjustments": []}},
            "resources": [res],
            "packageVulnerabilityDetails": {
                "vulnerabilityId": cve, "source": "DEBIAN_CVE",
                "sourceUrl": "https://security-tracker.debian.org/tracker/" + cve,
                "vendorSeverity": s, "referenceUrls": ["https://nvd.nist.gov/vuln/detail/" + cve],
                "cvss": [{"baseScore": score, "scoringVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                          "version": "3.1", "source": "NVD"}],
                "vulnerablePackages": [{"name": p, "version": "1.%d.%d" % (rnd.randint(0, 9), rnd.randint(0, 30)),
                                        "release": "1+deb12u1", "arch": "amd64", "packageManager": "OS",
                                        "fixedInVersion": "1.99.0"}]},
            "fixAvailable": rnd.choice(["YES", "YES", "NO"]), "exploitAvailable": rnd.choice(["NO"] * 9 + ["YES"]),
            "epss": {"score": round(rnd.random() ** 4, 5)},
        })
    with open("%s/host-%04d.json" % (out, r), "w") as f:
        json.dump({"findings": findings}, f)
