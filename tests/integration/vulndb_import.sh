#!/usr/bin/env bash
# vulndb_import.sh: `kensa db import` of all the real feed data in
# ../shared/data (OSV archives, NVD yearly files, EPSS, KEV), built once and
# reused: counts and records are checked against what Python reads from
# the same files; queries, status, re-import as a no-op, and inputs that
# must fail (corrupt zip, truncated gzip, unrecognised file) without
# touching the DB; a malformed record is a counted warning.
set -u
KENSA=${KENSA:?KENSA must name the kensa binary}
DATA=${KS_DATA_DIR:?KS_DATA_DIR must name ../shared/data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DB=$T/vuln.db
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # description, command...
    local d=$1
    shift
    if "$@"; then ok; else bad "$d"; fi
}
jq_py() { # python expression over the JSON document in file $1 as `d`
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"
}

# --- the full import ---------------------------------------------------------
start=$(date +%s.%N)
"$KENSA" db --db "$DB" import --format json "$DATA" >"$T/import.json" 2>"$T/import.err"
rc=$?
end=$(date +%s.%N)
echo "full import: $(echo "$end - $start" | bc) s"
check "full import exits 0 (got $rc: $(head -3 "$T/import.err"))" test "$rc" -eq 0

# What the files hold, read independently with Python.
python3 - "$DATA" >"$T/expect.json" <<'EOF'
import gzip, json, re, sys, zipfile, os
data = sys.argv[1]
ids, per_zip, withdrawn = set(), {}, set()
debian_openssl, pypi_django, alpine_musl = set(), set(), set()
def norm(n): return re.sub(r"[-_.]+", "-", n).lower()
for eco in open(os.path.join(data, "osv/ecosystems.txt")).read().split():
    z = zipfile.ZipFile(os.path.join(data, "osv", eco, "all.zip"))
    n = 0
    for name in z.namelist():
        rec = json.loads(z.read(name))
        n += 1
        ids.add(rec["id"])
        if rec.get("withdrawn"):
            withdrawn.add(rec["id"])
            continue
        for a in rec.get("affected", []):
            p = a.get("package", {})
            if p.get("ecosystem") == "Debian:12" and p.get("name") == "openssl":
                debian_openssl.add(rec["id"])
            if p.get("ecosystem") == "PyPI" and norm(p.get("name", "")) == "django":
                pypi_django.add(rec["id"])
            if p.get("ecosystem") == "Alpine:v3.19" and p.get("name") == "musl":
                alpine_musl.add(rec["id"])
    per_zip["osv:" + eco] = n
nvd = 0
for f in sorted(os.listdir(os.path.join(data, "nvd"))):
    if re.match(r"nvdcve-2\.0-\d{4}\.json\.gz$", f):
        nvd += len(json.load(gzip.open(os.path.join(data, "nvd", f)))["vulnerabilities"])
epss = sum(1 for l in gzip.open(os.path.join(data, "epss/epss_scores-current.csv.gz"), "rt")
           if l.startswith("CVE-"))
kev = len(json.load(open(os.path.join(data, "kev/known_exploited_vulnerabilities.json")))["vulnerabilities"])
json.dump({"ids": len(ids), "per_zip": per_zip, "withdrawn": len(withdrawn),
           "debian_openssl": sorted(debian_openssl), "pypi_django": sorted(pypi_django),
           "alpine_musl": sorted(alpine_musl), "nvd": nvd, "epss": epss, "kev": kev},
          open("/dev/stdout", "w"))
EOF
python3 - "$T/import.json" "$T/expect.json" <<'EOF' || bad "import summary matches the files"
import json, sys
got, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
errs = []
def eq(what, a, b):
    if a != b: errs.append("%s: %r != %r" % (what, a, b))
eq("written", got["written"], True)
eq("fromScratch", got["fromScratch"], True)
eq("advisories", got["advisories"], want["ids"])
eq("malformed", got["malformed"], 0)
src = {s["source"]: s for s in got["sources"]}
for name, n in want["per_zip"].items():
    eq(name + " records", src.get(name, {}).get("records"), n)
eq("nvd added", got["nvd"]["added"], want["nvd"])
eq("epss records", src["epss"]["records"], want["epss"])
eq("kev added", got["kev"]["added"], want["kev"])
eq("every advisory added", sum(s["added"] for s in got["sources"] if s["source"].startswith("osv:")), want["ids"])
if errs:
    print("\n".join(errs)); sys.exit(1)
EOF
ok

# --- status -----------------------------------------------------------------
"$KENSA" db status --db "$DB" --format json >"$T/status.json"
check "status exits 0" test $? -eq 0
check "status counts" jq_py "$T/status.json" \
    "d['counts']['nvd'] > 200000 and d['counts']['kev'] == 1404 and d['counts']['epss'] == 360142 and d['schemaVersion'] == 2 and len(d['contentHash']) == 64 and d['ageSeconds'] < 600 and len(d['sources']) == 38"
KENSA_DB="$DB" "$KENSA" db status >"$T/status.txt"
check "status table via KENSA_DB" grep -q "KEV entries:    1404" "$T/status.txt"

# --- queries ----------------------------------------------------------------
q() { "$KENSA" db query --db "$DB" --format json "$@"; }
q Go stdlib 1.20.4 >"$T/q1.json"
check "Go stdlib 1.20.4: GO-2023-1840 fixed in 1.20.5" jq_py "$T/q1.json" \
    "any(a['id'] == 'GO-2023-1840' and a['fixedVersion'] == '1.20.5' and a['affected'] == 'yes' and 'CVE-2023-29403' in a['aliases'] for a in d['advisories'])"
q Go stdlib 1.20.5 >"$T/q2.json"
check "Go stdlib 1.20.5 is not affected by GO-2023-1840" jq_py "$T/q2.json" \
    "all(a['id'] != 'GO-2023-1840' for a in d['advisories'])"
q Debian:12 openssl >"$T/q3.json"
python3 - "$T/q3.json" "$T/expect.json" <<'EOF' && ok || bad "Debian:12 openssl lists exactly the records naming it"
import json, sys
got = sorted(a["id"] for a in json.load(open(sys.argv[1]))["advisories"])
want = json.load(open(sys.argv[2]))["debian_openssl"]
sys.exit(0 if got == want and len(want) > 50 else 1)
EOF
q PyPI DJANGO >"$T/q4.json"
python3 - "$T/q4.json" "$T/expect.json" <<'EOF' && ok || bad "PyPI django (PEP 503 names) lists exactly the records naming it"
import json, sys
got = sorted(a["id"] for a in json.load(open(sys.argv[1]))["advisories"])
want = json.load(open(sys.argv[2]))["pypi_django"]
sys.exit(0 if got == want and len(want) > 20 else 1)
EOF
q Alpine:v3.19 musl >"$T/q5.json"
check "Alpine:v3.19 musl has ALPINE-CVE-2025-26519" jq_py "$T/q5.json" \
    "any(a['id'] == 'ALPINE-CVE-2025-26519' and a['fixedVersion'] == '1.2.4_git20230717-r5' for a in d['advisories'])"
q PyPI django 3.2.0 >"$T/q6.json"
check "PYSEC-2021-109 scored from NVD, EPSS attached" jq_py "$T/q6.json" \
    "any(a['id'] == 'PYSEC-2021-109' and a['cvss'][0]['baseScore'] == 9.8 and a['epss']['cve'] == 'CVE-2021-35042' for a in d['advisories'])"
# an advisory whose CVE is in CISA KEV (found by Python) gets the KEV entry
set -- $(python3 - "$DATA" <<'EOF'
import json, zipfile, sys
data = sys.argv[1]
kev = {v["cveID"]: v for v in json.load(open(data + "/kev/known_exploited_vulnerabilities.json"))["vulnerabilities"]}
z = zipfile.ZipFile(data + "/osv/Go/all.zip")
for n in sorted(z.namelist()):
    r = json.loads(z.read(n))
    cves = [a for a in r.get("aliases", []) if a in kev]
    if cves and not r.get("withdrawn") and r.get("affected"):
        print(r["id"], r["affected"][0]["package"]["name"], cves[0], kev[cves[0]]["dateAdded"]); break
EOF
)
q Go "$2" >"$T/q7.json"
check "KEV entry $3 attached to $1" jq_py "$T/q7.json" \
    "any(a['id'] == '$1' and a['kev']['cve'] == '$3' and a['kev']['dateAdded'] == '$4' for a in d['advisories'])"
# a withdrawn record's package: the record is stored but never listed
wd=$(python3 -c "
import json, zipfile, sys
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    r = json.loads(z.read(n))
    if r.get('withdrawn') and r.get('affected'):
        print(r['id'], r['affected'][0]['package']['name']); break" "$DATA/osv/Go/all.zip")
set -- $wd
q Go "$2" >"$T/q8.json"
check "withdrawn $1 is not listed" jq_py "$T/q8.json" "all(a['id'] != '$1' for a in d['advisories'])"
"$KENSA" db query --db "$DB" Go stdlib >"$T/q9.txt"
check "table output" grep -q "^GO-2023-1840 " "$T/q9.txt"
"$KENSA" db query --db "$DB" NoSuchEco x >/dev/null 2>&1
check "unknown ecosystem exits 2" test $? -eq 2
"$KENSA" db query --db "$T/none.db" Go x >/dev/null 2>"$T/none.err"
check "missing DB exits 3 and says so" test $? -eq 3 -a -s "$T/none.err"

# --- re-import is a no-op ----------------------------------------------------
ino=$(stat -c %i "$DB")
hash=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['contentHash'])" "$T/status.json")
"$KENSA" db import --db "$DB" --format json "$DATA" >"$T/again.json"
check "re-import exits 0" test $? -eq 0
check "re-import writes nothing" jq_py "$T/again.json" \
    "d['written'] == False and all(s['state'] == 'unchanged' for s in d['sources'])"
check "re-import keeps the file" test "$(stat -c %i "$DB")" = "$ino"

# --- bad inputs fail and leave the DB alone ----------------------------------
mkdir -p "$T/bad/Go"
python3 - "$DATA/osv/Go/all.zip" "$T/bad/Go/all.zip" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
mid = len(d) // 2
for i in range(mid, mid + 64):
    d[i] ^= 0x5A
open(sys.argv[2], "wb").write(d)
EOF
"$KENSA" db import --db "$DB" "$T/bad/Go/all.zip" >/dev/null 2>"$T/bad1.err"
check "corrupt zip exits 3" test $? -eq 3
check "corrupt zip error names the file" grep -q "bad/Go/all.zip" "$T/bad1.err"
head -c 300000 "$DATA/nvd/nvdcve-2.0-2019.json.gz" >"$T/bad/nvdcve-2.0-2019.json.gz"
"$KENSA" db import --db "$DB" "$T/bad/nvdcve-2.0-2019.json.gz" >/dev/null 2>"$T/bad2.err"
check "truncated gzip exits 3" test $? -eq 3
echo "hello" >"$T/bad/notes.txt"
"$KENSA" db import --db "$DB" "$T/bad/notes.txt" >/dev/null 2>"$T/bad3.err"
check "unrecognised file exits 3" test $? -eq 3
check "unrecognised file is named" grep -q "notes.txt.*not a recognised feed" "$T/bad3.err"
check "failed imports keep the file" test "$(stat -c %i "$DB")" = "$ino"
"$KENSA" db status --db "$DB" --format json >"$T/status2.json"
check "failed imports keep the content" jq_py "$T/status2.json" "d['contentHash'] == '$hash'"
check "no leftovers beside the DB" test -z "$(ls "$T" | grep -E 'vuln\.db\.(new|dl)-')"

# --- a malformed record is a counted warning ---------------------------------
mkdir -p "$T/recs"
unzip -p "$DATA/osv/crates.io/all.zip" RUSTSEC-2021-0003.json >"$T/recs/RUSTSEC-2021-0003.json"
printf '{"id":"BROKEN-1","affected":[{"package":{"ecosystem":"npm"}}]}' >"$T/recs/BROKEN-1.json"
"$KENSA" db import --db "$T/small.db" --format json "$T/recs" >"$T/mal.json" 2>"$T/mal.err"
check "malformed record: exit 0" test $? -eq 0
check "malformed record: warning names file and id" grep -q "BROKEN-1.*recs/BROKEN-1.json" "$T/mal.err"
check "malformed record: counted" jq_py "$T/mal.json" "d['malformed'] == 1 and d['advisories'] == 1"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
