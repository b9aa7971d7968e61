#!/usr/bin/env bash
# formats_scan.sh: `kensa scan --format sarif|cyclonedx-json|csv|asff` with the
# real binary on a crafted Debian root matched against a small DB built from
# the real Debian/NVD/EPSS/KEV data plus crafted advisories (formats_fixture.py).
# Every report is validated against its official definition (SARIF 2.1.0 and
# CycloneDX 1.6 JSON schemas in tests/schemas/, Security Hub's AwsSecurityFinding
# shape in the service model, RFC 4180) and compared with the JSON document
# it renders: counts, ids, statuses, escaping, truncation, suppression. Also:
# byte-identical output under SOURCE_DATE_EPOCH, CycloneDX VEX read back with
# --vex, the validators rejecting broken documents, and this host's own scan.
set -uo pipefail
KENSA=${KENSA:?KENSA must name the kensa binary}
DATA=${KS_DATA_DIR:?KS_DATA_DIR must name ../shared/data}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
MODEL=$DATA/aws/securityhub-2018-10-26.service-2.json.gz
T=$(mktemp -d /tmp/kensa-formats.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # description, command...
    local d=$1
    shift
    if "$@"; then ok; else bad "$d"; fi
}
export SOURCE_DATE_EPOCH=1700000000

# --- fixture and DB ------------------------------------------------------------
$PY "$HERE/formats_fixture.py" "$DATA" "$T/fx" || { echo "fixture failed"; exit 1; }
F=$T/fx
DB=$T/vuln.db
"$KENSA" db --db "$DB" import "$F/feeds/osv" "$F/feeds/nvd/nvdcve-2.0-fixture.json" \
    "$F/feeds/epss/epss_scores-current.csv" "$F/feeds/kev/known_exploited_vulnerabilities.json" \
    >"$T/import.out" 2>&1
check "db import of the fixture feeds ($(tail -2 "$T/import.out"))" test $? -eq 0

scan() { # format, output file, extra args...
    local fmt=$1 out=$2
    shift 2
    "$KENSA" scan --db "$DB" --format "$fmt" --ignore-file "$F/ignore.yaml" --vex "$F/vex.json" \
        "$@" "$F/root" >"$out" 2>>"$T/scan.err"
}

scan json "$T/doc.json"
check "scan --format json exits 0" test $? -eq 0
for fmt in sarif cyclonedx-json csv asff; do
    scan "$fmt" "$T/out.$fmt"
    check "scan --format $fmt exits 0" test $? -eq 0
done

# --- validity against the official definitions ---------------------------------
v() { # kind, file, extra...
    $PY "$HERE/formats_check.py" "$@" >"$T/check.out" 2>&1
    local rc=$?
    [ $rc -ne 0 ] && head -20 "$T/check.out"
    return $rc
}
check "SARIF valid against the SARIF 2.1.0 schema" v sarif "$T/out.sarif"
check "CycloneDX valid against the CycloneDX 1.6 schema" v cyclonedx "$T/out.cyclonedx-json"
check "CSV: RFC 4180, 55 columns, no cell starting a formula" v csv "$T/out.csv"
check "ASFF: every finding valid against AwsSecurityFinding (service model)" \
    v asff "$T/out.asff" "$MODEL"

# The unit tests' goldens (EC2, ECR, Lambda and non-ECR image resources, rpm
# epochs, CWEs) must be valid too: they are what the writers produce for those.
G=$HERE/../unit/report/golden
check "golden SARIF valid" v sarif "$G/expected.sarif"
check "golden CycloneDX valid" v cyclonedx "$G/expected.cdx.json"
check "golden CSV valid" v csv "$G/expected.csv"
check "golden ASFF valid (EC2, ECR, Lambda, Other resources)" v asff "$G/expected.asff.json" "$MODEL"

# --- each format says what the JSON document says -------------------------------
$PY - "$T" "$F" >"$T/cross.out" 2>&1 <<'EOF'
import csv, io, json, sys
T, F = sys.argv[1], sys.argv[2]
doc = json.load(open(T + "/doc.json", encoding="utf-8"))
expect = json.load(open(F + "/expect.json", encoding="utf-8"))
fs = doc["findings"]
by_id = {f["packageVulnerabilityDetails"]["vulnerabilityId"]: f for f in fs}
problems = []
def want(cond, what):
    if not cond:
        problems.append(what)

# The document itself: the crafted cases are all there.
for cve in expect["crafted"]:
    want(cve in by_id, "document: no finding for %s" % cve)
want(by_id.get("CVE-2099-0004", {}).get("status") == "SUPPRESSED", "0004 not suppressed")
want(by_id.get("CVE-2099-0005", {}).get("status") == "SUPPRESSED", "0005 not suppressed")
want(by_id.get("CVE-2099-0003", {}).get("matchStatus") == "UNKNOWN", "0003 not UNKNOWN")
want(any(k.startswith("CVE-2023-") for k in by_id), "no real openssl finding")

# SARIF
s = json.load(open(T + "/out.sarif", encoding="utf-8"))
run = s["runs"][0]
rules, results = run["tool"]["driver"]["rules"], run["results"]
npkg = sum(len(f["packageVulnerabilityDetails"]["vulnerablePackages"]) for f in fs)
want(len(results) == npkg, "sarif: %d results for %d (finding, package) pairs" % (len(results), npkg))
want([r["id"] for r in rules] == list(dict.fromkeys(f["packageVulnerabilityDetails"]["vulnerabilityId"] for f in fs)),
     "sarif: rules are not one per vulnerability in document order")
lvl = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note",
       "INFORMATIONAL": "note", "UNTRIAGED": "warning"}
for r in results:
    f = by_id[r["ruleId"]]
    want(rules[r["ruleIndex"]]["id"] == r["ruleId"], "sarif: ruleIndex mismatch")
    want(r["level"] == lvl[f["severity"]], "sarif: level %s for %s" % (r["level"], f["severity"]))
    want(r["partialFingerprints"]["kensaFindingArn/v1"] == f["findingArn"], "sarif: fingerprint")
    if f["status"] == "SUPPRESSED":
        sup = r.get("suppressions", [{}])[0]
        want(sup.get("kind") == "external" and sup.get("justification") == f["suppression"]["reason"],
             "sarif: suppression of %s" % r["ruleId"])
    else:
        want("suppressions" not in r, "sarif: %s suppressed" % r["ruleId"])
for rule in rules:
    scores = [f["inspectorScore"] for f in fs if f["packageVulnerabilityDetails"]["vulnerabilityId"] == rule["id"] and "inspectorScore" in f]
    if scores:
        want(float(rule["properties"]["security-severity"]) == max(scores), "sarif: security-severity of " + rule["id"])
    else:
        want("security-severity" not in rule["properties"], "sarif: untriaged rule has a security-severity")
uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
want("var/lib/dpkg/status.d/kfmt%20odd%20%231%20%C3%BCn%C3%AF%25" in uris, "sarif: odd path not percent-encoded: %s" % uris)
want(run["originalUriBaseIds"]["ROOTPATH"]["uri"] == "file://" + F + "/root/", "sarif: ROOTPATH")

# CycloneDX
c = json.load(open(T + "/out.cyclonedx-json", encoding="utf-8"))
vulns = c["vulnerabilities"]
want([x["id"] for x in vulns] == [f["packageVulnerabilityDetails"]["vulnerabilityId"] for f in fs], "cdx: vulnerabilities != findings")
refs = {x["bom-ref"] for x in c["components"]}
want(len(refs) == len(c["components"]), "cdx: duplicate bom-refs")
purls = {p["purl"] for f in fs for p in f["packageVulnerabilityDetails"]["vulnerablePackages"]}
want({x["purl"] for x in c["components"]} == purls, "cdx: components are not the vulnerable packages")
state = {x["id"]: x["analysis"] for x in vulns}
want(all(a["ref"] in refs for x in vulns for a in x.get("affects", [])), "cdx: affects ref without a component")
want(state["CVE-2099-0004"]["state"] == "not_affected" and "quoted" in state["CVE-2099-0004"]["detail"], "cdx: 0004 analysis %s" % state["CVE-2099-0004"])
want(state["CVE-2099-0005"] .get("justification") == "code_not_reachable", "cdx: 0005 justification %s" % state["CVE-2099-0005"])
want(state["CVE-2099-0003"]["state"] == "in_triage", "cdx: 0003 not in_triage")
want(state["CVE-2099-0001"]["state"] == "exploitable" and state["CVE-2099-0001"]["response"] == ["update"], "cdx: 0001 analysis")
v1 = [x for x in vulns if x["id"] == "CVE-2099-0001"][0]
want({"method": "CVSSv31", "score": 9.8, "severity": "critical"}.items() <= v1["ratings"][0].items(), "cdx: 0001 NVD rating %s" % v1["ratings"][0])
want(v1["ratings"][-1]["source"]["name"] == "Kensa" and v1["ratings"][-1]["score"] == by_id["CVE-2099-0001"]["inspectorScore"], "cdx: risk rating")
want(any("%22x%22" in a["url"] for a in v1["advisories"]), "cdx: advisory URL quote not escaped")
want(v1["description"] == expect["crafted"]["CVE-2099-0001"]["details"], "cdx: description changed")
v3 = [x for x in vulns if x["id"] == "CVE-2099-0003"][0]
want(v3["affects"][0]["versions"][0]["status"] == "unknown", "cdx: unknown version status")

# CSV
raw = open(T + "/out.csv", "rb").read()
rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
hdr = rows[0]
want(len(rows) == len(fs) + 1, "csv: %d rows for %d findings" % (len(rows) - 1, len(fs)))
col = {h: i for i, h in enumerate(hdr)}
for row, f in zip(rows[1:], fs):
    for h, v in (("Title", f["title"]), ("Description", f["description"]), ("Finding ARN", f["findingArn"])):
        got = row[col[h]]
        exp = ("'" + v) if v[:1] in "=+-@\t\r" else v
        want(got == exp, "csv: %s of %s: %r" % (h, f["findingArn"], got[:60]))
    want(row[col["Age (Days)"]] == "0", "csv: age")
    want(row[col["Vulnerability Id"]] == f["packageVulnerabilityDetails"]["vulnerabilityId"], "csv: vuln id")
    want(row[col["Affected Packages"]] == ";".join(p["name"] for p in f["packageVulnerabilityDetails"]["vulnerablePackages"]), "csv: packages")
want(b'"\'=HYPERLINK(""http://evil.example/"",""click"")' in raw, "csv: quotes not doubled / formula not guarded")
want(raw.count(b"\r\n") >= len(fs) + 1, "csv: CRLF line ends")

# ASFF
a = json.load(open(T + "/out.asff", encoding="utf-8"))["Findings"]
want([x["Id"] for x in a] == [f["findingArn"] for f in fs], "asff: ids")
for x, f in zip(a, fs):
    for k, lim, src in (("Title", 256, f["title"]), ("Description", 1024, f["description"])):
        want(len(x[k]) <= lim, "asff: %s over %d" % (k, lim))
        if len(src) > lim:
            want(x[k].endswith("...") and src.startswith(x[k][:-3]) and len(x[k]) == lim, "asff: %s truncation" % k)
        else:
            want(x[k] == src, "asff: %s changed" % k)
    want(x["Workflow"]["Status"] == ("SUPPRESSED" if f["status"] == "SUPPRESSED" else "NEW"), "asff: workflow")
    want(x["Severity"]["Original"] == f["severity"], "asff: severity original")
    want(x["Vulnerabilities"][0]["Id"] == f["packageVulnerabilityDetails"]["vulnerabilityId"], "asff: vuln id")
    want(len(x["Vulnerabilities"][0]["VulnerablePackages"]) == len(f["packageVulnerabilityDetails"]["vulnerablePackages"]), "asff: packages")
a3 = a[[f["packageVulnerabilityDetails"]["vulnerabilityId"] for f in fs].index("CVE-2099-0003")]
want(a3["Severity"]["Label"] == "INFORMATIONAL" and a3["Severity"]["Original"] == "UNTRIAGED", "asff: untriaged label")
a1 = a[[f["packageVulnerabilityDetails"]["vulnerabilityId"] for f in fs].index("CVE-2099-0001")]
want(a1["Vulnerabilities"][0]["ExploitAvailable"] == "YES" and a1["Severity"]["Label"] == "CRITICAL", "asff: 0001")
want(any(c.get("Source") == "Kensa" and c.get("Adjustments") for c in a1["Vulnerabilities"][0]["Cvss"]), "asff: adjustments")

for p in problems:
    print(p)
print("%d problems" % len(problems))
sys.exit(1 if problems else 0)
EOF
rc=$?
check "every format agrees with the JSON document ($(tail -1 "$T/cross.out"))" test $rc -eq 0
[ $rc -ne 0 ] && head -30 "$T/cross.out"

# --- determinism ------------------------------------------------------------------
for fmt in sarif cyclonedx-json csv asff; do
    scan "$fmt" "$T/again.$fmt"
    check "$fmt: same input and SOURCE_DATE_EPOCH, byte-identical output" cmp -s "$T/out.$fmt" "$T/again.$fmt"
done
check "cyclonedx: SOURCE_DATE_EPOCH sets metadata.timestamp" grep -q '"timestamp": "2023-11-14T22:13:20Z"' "$T/out.cyclonedx-json"

# --- ASFF for a real account and region -------------------------------------------
scan asff "$T/acct.asff" --account-id 123456789012 --region eu-west-1
check "asff --account-id/--region: ProductArn and AwsAccountId" \
    $PY -c 'import json,sys; a=json.load(open(sys.argv[1]))["Findings"]; sys.exit(0 if a and all(x["ProductArn"]=="arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default" and x["AwsAccountId"]=="123456789012" and x["Region"]=="eu-west-1" for x in a) else 1)' "$T/acct.asff"
scan asff "$T/cn.asff" --account-id 123456789012 --region cn-north-1
check "asff: China regions use the aws-cn partition" grep -q '"arn:aws-cn:securityhub:cn-north-1:123456789012:product/123456789012/default"' "$T/cn.asff"
check "asff for a real account validates" v asff "$T/acct.asff" "$MODEL"

# --- CycloneDX VEX read back --------------------------------------------------------
$PY - "$T/out.cyclonedx-json" "$T/vex-back.json" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1], encoding="utf-8"))
for v in b["vulnerabilities"]:
    if v["id"] == "CVE-2099-0006":
        v["analysis"] = {"state": "not_affected", "justification": "code_not_reachable",
                         "detail": "reviewed by the test"}
json.dump(b, open(sys.argv[2], "w"), ensure_ascii=False)
EOF
"$KENSA" scan --db "$DB" --format json --vex "$T/vex-back.json" "$F/root" >"$T/back.json" 2>>"$T/scan.err"
check "cyclonedx output read back with --vex suppresses the edited statement" \
    $PY -c 'import json,sys; fs={f["packageVulnerabilityDetails"]["vulnerabilityId"]:f for f in json.load(open(sys.argv[1]))["findings"]}; sys.exit(0 if fs["CVE-2099-0006"]["status"]=="SUPPRESSED" and fs["CVE-2099-0006"]["suppression"]["reason"]=="reviewed by the test" and fs["CVE-2099-0001"]["status"]=="ACTIVE" else 1)' "$T/back.json"

# --- the validators can fail ----------------------------------------------------------
mutate() { # file, python statement over d, out
    $PY -c "import json,sys; d=json.load(open(sys.argv[1])); $2; json.dump(d, open(sys.argv[2],'w'))" "$1" "$3"
}
mutate "$T/out.sarif" 'd["runs"][0]["results"][0]["level"]="fatal"' "$T/bad.sarif"
check "SARIF validator rejects level 'fatal'" bash -c "! $PY '$HERE/formats_check.py' sarif '$T/bad.sarif' >/dev/null"
mutate "$T/out.cyclonedx-json" 'd["vulnerabilities"][0]["analysis"]["state"]="maybe"' "$T/bad.cdx"
check "CycloneDX validator rejects analysis.state 'maybe'" bash -c "! $PY '$HERE/formats_check.py' cyclonedx '$T/bad.cdx' >/dev/null"
mutate "$T/out.cyclonedx-json" 'd["vulnerabilities"][0]["published"]="yesterday"' "$T/bad2.cdx"
check "CycloneDX validator rejects a non-RFC 3339 date" bash -c "! $PY '$HERE/formats_check.py' cyclonedx '$T/bad2.cdx' >/dev/null"
mutate "$T/out.asff" 'd["Findings"][0]["Title"]="x"*257' "$T/bad1.asff"
check "ASFF checker rejects a 257-character Title" bash -c "! $PY '$HERE/formats_check.py' asff '$T/bad1.asff' '$MODEL' >/dev/null"
mutate "$T/out.asff" 'd["Findings"][0]["Severity"]["Label"]="SEVERE"; d["Findings"][0]["Bogus"]=1; del d["Findings"][0]["GeneratorId"]' "$T/bad2.asff"
check "ASFF checker rejects a bad enum, an unknown member and a missing required one" \
    bash -c "[ \$($PY '$HERE/formats_check.py' asff '$T/bad2.asff' '$MODEL' | wc -l) -eq 3 ]"
mutate "$T/out.asff" 'd["Findings"][0]["Resources"][0]["Details"]={"Other": {"k": "v"*1024}}; d["Findings"][0]["Vulnerabilities"][0]["EpssScore"]="high"' "$T/bad3.asff"
check "ASFF checker rejects an over-long Other value and a string EpssScore" \
    bash -c "[ \$($PY '$HERE/formats_check.py' asff '$T/bad3.asff' '$MODEL' | wc -l) -eq 2 ]"
head -c -2 "$T/out.csv" >"$T/bad.csv"
printf '"only","two"\r\n' >>"$T/bad.csv"
check "CSV checker rejects a short row" bash -c "! $PY '$HERE/formats_check.py' csv '$T/bad.csv' >/dev/null"

# --- the same root as a container image (umoci, OCI layout) -------------------------------
if command -v umoci >/dev/null; then
    (cd "$T" && umoci init --layout L && umoci new --image L:t && umoci unpack --image L:t b &&
        cp -a "$F/root/." b/rootfs/ && umoci repack --image L:t b) >"$T/umoci.log" 2>&1
    check "umoci builds an image of the root ($(tail -1 "$T/umoci.log"))" test $? -eq 0
    for fmt in json sarif cyclonedx-json csv asff; do
        "$KENSA" scan --db "$DB" --format "$fmt" "image:$T/L:t" >"$T/img.$fmt" 2>>"$T/scan.err"
        check "image: scan --format $fmt exits 0" test $? -eq 0
    done
    check "image: SARIF valid" v sarif "$T/img.sarif"
    check "image: CycloneDX valid" v cyclonedx "$T/img.cyclonedx-json"
    check "image: CSV valid" v csv "$T/img.csv"
    check "image: ASFF valid" v asff "$T/img.asff" "$MODEL"
    check "image: layer hashes reach ASFF, CycloneDX and SARIF results; no file:// base" \
        $PY - "$T" <<'EOF2'
import json, sys
T = sys.argv[1]
d = json.load(open(T + "/img.json"))
layers = {p["sourceLayerHash"] for f in d["findings"] for p in f["packageVulnerabilityDetails"]["vulnerablePackages"]}
a = json.load(open(T + "/img.asff"))["Findings"]
c = json.load(open(T + "/img.cyclonedx-json"))
s = json.load(open(T + "/img.sarif"))["runs"][0]
ok = (len(layers) == 1 and layers != {None}
      and {p.get("SourceLayerHash") for x in a for p in x["Vulnerabilities"][0]["VulnerablePackages"]} == layers
      and all(x["Resources"][0]["Id"] == d["findings"][0]["resources"][0]["id"] for x in a)
      and {pr["value"] for comp in c["components"] for pr in comp["properties"] if pr["name"] == "kensa:sourceLayerHash"} == layers
      and c["metadata"]["component"]["type"] == "container"
      and "originalUriBaseIds" not in s and len(s["results"]) > 0)
sys.exit(0 if ok else 1)
EOF2
else
    bad "umoci missing (make deps)"
fi

# --- this host, every format -------------------------------------------------------------
for fmt in sarif cyclonedx-json csv asff; do
    "$KENSA" scan --db "$DB" --format "$fmt" --skip-dirs tmp --skip-dirs 'work/**' / \
        >"$T/host.$fmt" 2>>"$T/scan.err"
    check "this host: scan --format $fmt exits 0" test $? -eq 0
done
check "this host: SARIF valid" v sarif "$T/host.sarif"
check "this host: CycloneDX valid" v cyclonedx "$T/host.cyclonedx-json"
check "this host: CSV valid" v csv "$T/host.csv"
check "this host: ASFF valid" v asff "$T/host.asff" "$MODEL"

# --- the CLI --------------------------------------------------------------------------------
"$KENSA" scan --db "$DB" --format xml "$F/root" >/dev/null 2>"$T/usage.err"
check "unknown --format is a usage error (exit 2)" test $? -eq 2
check "the error lists every format" grep -q "table, json, sarif, cyclonedx-json, csv, asff" "$T/usage.err"
check "--help names the formats" bash -c "'$KENSA' scan --help | grep -q 'sarif, cyclonedx-json, csv'"
scan sarif "$T/gate.sarif" --fail-on CRITICAL
check "--fail-on still gates with --format sarif (exit 1)" test $? -eq 1
check "... and the report is written" v sarif "$T/gate.sarif"
scan csv "$T/o.csv" -o "$T/written.csv"
check "-o FILE writes the same CSV" cmp -s "$T/out.csv" "$T/written.csv"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
